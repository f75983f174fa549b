"""Layouts a first walk-through tripped on (issue 17), in Chromium: a manager's phone at
390 px (collections, the filings and listings matrices) and a 1366 px desktop in English
(the menu, the award page's KPIs and trend, the language setting)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from tests.browser.test_browser_journeys import PHONE, OpenPage, sign_in
from tests.factories import make_hospital, make_product, make_user
from vbptrack.services import awards, filings, invoices, listings, purchases
from vbptrack.services.access import SYSTEM
from vbptrack.web.receivables_common import today

pytestmark = pytest.mark.browser

DESKTOP_1366: dict[str, Any] = {"viewport": {"width": 1366, "height": 900}}
INK, RED, GREEN = "rgb(29, 36, 51)", "rgb(179, 38, 30)", "rgb(30, 122, 60)"


def number_colour(page: Page, tile: str) -> str:
    return page.locator(f"#{tile} .tile-number").evaluate("e => getComputedStyle(e).color")


def lines_of(page: Page, selector: str) -> list[int]:
    """How many lines each matching element's text takes."""
    return page.locator(selector).evaluate_all(
        """els => els.map(e => Math.round(
             e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)))"""
    )


def test_a_manager_on_a_phone_reads_collections_and_the_matrices(
    db: Session, open_page: OpenPage
) -> None:
    """Item 15: a 5,058,325.46 card ran out of the page; statuses wrapped one character
    per line (审/核/中); no legend entry for red; product codes heading the columns.
    Item 11: every KPI number was red."""
    make_hospital(db, "SH001", "31", name="上海交通大学医学院附属瑞金医院")
    make_product(db, "P0001", generic_name="阿托伐他汀钙片")
    make_product(db, "P0002", generic_name="瑞舒伐他汀钙片")
    make_user(db, "wang.manager", "manager")
    day = today()
    invoices.create(
        db, actor=SYSTEM,
        data={"number": "INV-BIG", "customer_code": "SH001", "amount": "58883552.57",
              "invoice_date": day.replace(day=1).isoformat(), "due_date": day.isoformat()},
    )  # fmt: skip
    for product, province, status in (
        ("P0001", "11", "under_review"),
        ("P0001", "31", "expired"),
        ("P0002", "44", "approved"),
    ):
        filings.record(
            db, actor=SYSTEM, today=day,
            data={"kind": "price", "product_code": product, "province_code": province,
                  "status": status, "date": day.isoformat()},
        )  # fmt: skip
    listings.record_change(
        db, actor=SYSTEM, hospital_code="SH001", product_code="P0002",
        data={"status": "pharmacy_review", "date": day.isoformat()},
    )  # fmt: skip

    page = open_page(**PHONE)
    sign_in(page, "wang.manager")
    page.get_by_role("button", name="中文").tap()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.goto("/receivables/collections/")
    expect(page.locator("#kpi-open .tile-number")).to_have_text("58,883,552.57")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#kpi-open .tile-number").bounding_box()
    tile = page.locator("#kpi-open").bounding_box()
    assert box and tile and box["x"] + box["width"] <= tile["x"] + tile["width"]
    assert lines_of(page, "#kpi-open .tile-number") == [1]
    # nothing collected of what fell due: the rate is behind its 95 % target, in red;
    # an amount is not good or bad, in plain ink
    expect(page.locator("#kpi-quarter-rate")).to_contain_text("95")
    assert number_colour(page, "kpi-quarter-rate") == RED
    assert number_colour(page, "kpi-open") == INK

    page.goto("/filings/")
    statuses = lines_of(page, "table.matrix td a")
    assert statuses and max(statuses) == 1, statuses
    expect(page.locator("table.matrix")).to_contain_text("审核中")
    legend = page.locator("#matrix-legend .status-expired")
    expect(legend).to_contain_text("已过期")
    expired = page.locator("table.matrix td.status-expired").first
    assert expired.evaluate("e => getComputedStyle(e).backgroundColor") == legend.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls

    page.goto("/listings/matrix")
    expect(page.locator("table.matrix thead")).to_contain_text("瑞舒伐他汀钙片")


def test_a_manager_at_1366_px_reads_the_menu_the_award_and_sets_the_language(
    db: Session, open_page: OpenPage
) -> None:
    """Item 14: the English menu wrapped onto two lines at 1366 px; Settings had no
    language. Item 11: KPIs coloured by meaning with the target named. Item 6: the
    time-progress line rises month by month."""
    make_hospital(db, "SH001", "31")
    make_hospital(db, "SH002", "31")
    make_product(db, "P1")
    make_user(db, "wang.manager", "admin")  # an admin has every menu entry
    awards.create(
        db, actor=SYSTEM,
        data={"code": "VBP10-P1", "batch": "第十批", "product_code": "P1", "price": "0.4",
              "winners_count": 2, "supply_provinces": ["31"],
              "years": [{"year": 1, "start": "2025-01-01", "end": "2025-12-31"}]},
    )  # fmt: skip
    awards.set_agreed_volumes(
        db, actor=SYSTEM, code="VBP10-P1",
        items=[{"hospital_code": "SH001", "year": 1, "quantity": 1000},
               {"hospital_code": "SH002", "year": 1, "quantity": 1000}],
    )  # fmt: skip
    purchases.add_purchases(
        db, actor=SYSTEM,
        items=[{"hospital_code": "SH001", "product_code": "P1", "date": "2025-01-20",
                "quantity": 300}],
    )  # fmt: skip

    page = open_page(**DESKTOP_1366)
    sign_in(page, "wang.manager")
    tops = page.locator("#main-nav li").evaluate_all(
        "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
    )
    assert len(tops) == 12 and len(set(tops)) == 1, tops  # one line

    page.goto("/awards/VBP10-P1?year=1&as_of=2025-04-30")
    # 300 of 2,000 (15 %) against 32.9 % of the year gone: behind, in red, target named
    expect(page.locator("#kpi-completion")).to_contain_text("behind")
    expect(page.locator("#kpi-completion")).to_contain_text("Target: time progress 32.9 %")
    assert number_colour(page, "kpi-completion") == RED
    assert number_colour(page, "kpi-progress") == INK
    page.wait_for_function("() => window.Chart && Chart.getChart('fulfilment-trend-chart')")
    progress = page.evaluate("() => Chart.getChart('fulfilment-trend-chart').data.datasets[2].data")
    assert [round(p, 1) for p in progress] == [8.5, 16.2, 24.7, 32.9]
    page.goto("/awards/VBP10-P1?year=1&as_of=2025-01-31")
    assert number_colour(page, "kpi-completion") == GREEN  # 15 % bought by 8.5 % of the year
    expect(page.locator("#kpi-completion")).to_contain_text("met")

    page.goto("/settings/")
    page.get_by_label("Language").select_option("zh")
    page.locator("#language").get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("设置")
    expect(page.get_by_label("语言")).to_have_value("zh")
