"""Tenders and fulfilment in a real browser: a commercial manager turns a won bid line into
an award, and the fulfilment page draws its trend chart; a rep reads it on a phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from tests.browser.test_receivables_journey import DESKTOP, PHONE, sign_in
from tests.factories import make_hospital, make_product
from tests.web.world import quick_user
from vbptrack.services import awards, purchases, tenders
from vbptrack.services.access import SYSTEM

pytestmark = pytest.mark.browser

OpenPage = Callable[..., Page]


@pytest.fixture
def pipeline(db: Session) -> None:
    from datetime import date

    make_product(db, "P-AML", generic_name="苯磺酸氨氯地平片")
    make_hospital(db, "SH001", "31", name="上海市第一人民医院")
    make_hospital(db, "SH002", "31", name="上海市第六人民医院")
    make_hospital(db, "GD001", "44", name="广东省人民医院")
    tenders.create(
        db,
        actor=SYSTEM,
        data={"code": "T-11", "title": "第十一批国家集采", "kind": "national_vbp",
              "province_codes": ["31", "44"], "status": "result_published",
              "dates": {"bid": "2024-01-10"}},
        today=date(2024, 1, 2),
    )  # fmt: skip
    tenders.add_line(
        db,
        actor=SYSTEM,
        code="T-11",
        data={"product_code": "P-AML", "price_per_unit": "0.12", "outcome": "won"},
    )


def test_manager_turns_a_won_line_into_an_award_and_sees_who_lags(
    db: Session, open_page: OpenPage
) -> None:
    quick_user(db, "chen.manager", "manager")
    page = open_page(**DESKTOP)
    sign_in(page, "chen.manager")
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Tenders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tender pipeline")
    page.locator("section[data-status='result_published']").get_by_role(
        "link", name="第十一批国家集采"
    ).click()
    page.get_by_text("Make an award").click()
    page.get_by_label("Award code").fill("VBP11-AML")
    page.get_by_label("Number of winners").fill("3")
    page.get_by_label("First agreement year starts").fill("2024-01-01")
    page.get_by_label("Agreement years").fill("2")
    page.get_by_role("button", name="Create award").click()
    expect(page).to_have_url(re.compile(r"/awards/VBP11-AML$"))
    expect(page.get_by_role("status")).to_contain_text("Award created")

    awards.set_agreed_volumes(
        db,
        actor=SYSTEM,
        code="VBP11-AML",
        items=[
            {"hospital_code": "SH001", "year": 1, "quantity": 1200},
            {"hospital_code": "SH002", "year": 1, "reported_quantity": 1000},  # 70 %: 700
            {"hospital_code": "GD001", "year": 1, "quantity": 600},
        ],
    )
    purchases.add_purchases(
        db,
        actor=SYSTEM,
        items=[
            {"hospital_code": "SH001", "product_code": "P-AML", "date": f"2024-{m:02d}-15",
             "quantity": 100}
            for m in range(1, 7)
        ]
        + [{"hospital_code": "SH002", "product_code": "P-AML", "date": "2024-02-01",
            "quantity": 70}],
    )  # fmt: skip
    page.goto("/awards/VBP11-AML?as_of=2024-06-30")
    expect(page.locator("#fulfilment-rows tr[data-key='SH001']")).to_contain_text("50.0 %")
    expect(page.locator("#fulfilment-rows tr[data-key='SH002']")).to_contain_text("At risk")
    expect(page.locator("#at-risk")).to_contain_text("上海市第六人民医院")
    page.wait_for_function("() => window.Chart && Chart.getChart('fulfilment-trend-chart')")
    drawn: dict[str, Any] = page.evaluate(
        """() => {
          const chart = Chart.getChart('fulfilment-trend-chart');
          return {labels: chart.data.labels, bought: chart.data.datasets[0].data,
                  width: chart.canvas.clientWidth};
        }"""
    )
    assert drawn["labels"][:6] == [f"2024-{m:02d}" for m in range(1, 7)]
    assert drawn["bought"][:6] == [100, 170, 100, 100, 100, 100]
    assert drawn["width"] > 300
    page.get_by_label("Group by").select_option("province")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#fulfilment-rows tr[data-key='31']")).to_contain_text("1,900")


@pytest.mark.usefixtures("pipeline")
def test_rep_reads_fulfilment_and_deadlines_on_a_phone(db: Session, open_page: OpenPage) -> None:
    tenders.award_from_line(
        db,
        actor=SYSTEM,
        code="T-11",
        line_id=1,
        data={"code": "A1", "winners_count": 2,
              "years": [{"year": 1, "start": "2024-01-01", "end": "2024-12-31"}]},
    )  # fmt: skip
    awards.set_agreed_volumes(
        db,
        actor=SYSTEM,
        code="A1",
        items=[
            {"hospital_code": "SH001", "year": 1, "quantity": 100},
            {"hospital_code": "GD001", "year": 1, "quantity": 100},
        ],
    )
    quick_user(db, "li.rep", "rep", provinces=["31"])
    page = open_page(**PHONE)
    sign_in(page, "li.rep")
    page.goto("/awards/A1?as_of=2024-06-30")
    expect(page.locator("#fulfilment-rows tbody tr")).to_have_count(1)  # Shanghai only
    page.goto("/deadlines/?as_of=2024-12-01&within=30")
    expect(page.locator("#deadlines")).to_contain_text("A1")


pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("pipeline")]
