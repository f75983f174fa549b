"""A rep on a phone: My hospitals shows the stuck listing first; they move it forward
and read the history, in a real Chromium."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests.browser.test_browser_journeys import PHONE, OpenPage, sign_in
from tests.factories import make_hospital, make_product, make_user
from vbptrack.services import listings
from vbptrack.services.access import SYSTEM
from vbptrack.web.receivables_common import today

pytestmark = pytest.mark.browser


def test_rep_moves_a_stuck_listing_forward_on_a_phone(db: Session, open_page: OpenPage) -> None:
    make_hospital(db, "SH001", "31", name="上海市第一人民医院")
    make_hospital(db, "GD001", "44", name="广东省人民医院")
    make_product(db, "P1", generic_name="阿托伐他汀钙片")
    make_product(db, "P2", generic_name="氨氯地平片")
    make_user(db, "li.rep", "rep", provinces=["31"])
    for hospital, product, status, days_ago in (
        ("SH001", "P1", "applied", 5),
        ("SH001", "P2", "pharmacy_review", 90),  # stuck
        ("GD001", "P1", "applied", 200),  # another territory
    ):
        listings.record_change(
            db, actor=SYSTEM, hospital_code=hospital, product_code=product,
            data={"status": status, "date": (today() - timedelta(days=days_ago)).isoformat()},
        )  # fmt: skip
    page = open_page(**PHONE)
    sign_in(page, "li.rep")
    page.get_by_role("button", name="Menu").tap()
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Listings").tap()
    cards = page.locator("li.listing-card")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("氨氯地平片")
    expect(cards.first).to_contain_text("90 days · stuck")
    expect(page.locator("body")).not_to_contain_text("广东省人民医院")
    # the card fits the phone's width: nothing to scroll sideways
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390

    cards.first.get_by_role("link").tap()
    expect(page).to_have_url(re.compile(r"/listings/SH001/P2$"))
    page.get_by_label("New status").select_option("committee_scheduled")
    page.get_by_label("Next step").fill("准备药事会材料")
    page.get_by_role("button", name="Save").tap()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Committee scheduled")
    expect(page.locator(".facts")).to_contain_text("准备药事会材料")
    expect(page.locator("section.history li")).to_have_count(2)

    # Issue 17 item 2: the form now starts on the current status and next step, so
    # tapping Save without touching it changes nothing.
    expect(page.get_by_label("New status")).to_have_value("committee_scheduled")
    expect(page.get_by_label("Next step")).to_have_value("准备药事会材料")
    page.get_by_role("button", name="Save").tap()
    expect(page.locator(".flash-info")).to_contain_text("Nothing to save")
    expect(page.locator(".facts")).to_contain_text("Committee scheduled")
    expect(page.locator(".facts")).to_contain_text("准备药事会材料")
    expect(page.locator("section.history li")).to_have_count(2)
