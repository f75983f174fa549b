"""Dunning in a real browser: finance previews a run, issues it, opens a letter and its
archived PDF, records delivery, and finds the letter on the customer page; on a phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from tests.dunning_helpers import customer, overdue_invoice, set_policy
from tests.web.world import quick_user

pytestmark = pytest.mark.browser

OpenPage = Callable[..., Page]
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def overdue(db: Session) -> None:
    set_policy(db)
    customer(db, "SH001", "复旦大学附属华山医院")
    overdue_invoice(db, "I-1", "SH001", date(2026, 1, 1), "12345.67")


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct-horse-42")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(username)


@pytest.mark.usefixtures("overdue")
def test_finance_previews_issues_and_delivers_a_letter(db: Session, open_page: OpenPage) -> None:
    quick_user(db, "zhao.finance", "finance")
    page = open_page(**PHONE)
    sign_in(page, "zhao.finance")
    page.goto("/dunning/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dunning letters")
    page.get_by_label("Run as of").fill("2026-03-02")
    page.get_by_role("button", name="Preview a run").click()
    row = page.locator("tr[data-customer='SH001']")
    expect(row).to_contain_text("12,345.67")
    expect(row).to_contain_text("I-1")
    page.get_by_role("button", name="Issue these 1 letters").click()
    expect(page.locator("#confirm")).to_contain_text("1 letters, total 12,345.67 — issue?")
    page.get_by_role("button", name="Issue 1 letters").click()
    # The run goes on in the background; its page shows the letters as they are issued.
    expect(page.locator("section.job")).to_have_attribute("data-status", "done")
    expect(page.locator("section.job")).to_contain_text("1 letters issued.")
    page.get_by_role("link", name=re.compile(r"DL-2026-\d{6}")).click()
    expect(page.locator("#letter-total")).to_have_text("12,345.67")
    with page.expect_response(re.compile(r"/pdf\?lang=zh$")) as response_info:
        page.evaluate("() => fetch(document.querySelector(\"a[href$='lang=zh']\").href)")
    response = response_info.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    page.get_by_label("Sent", exact=True).select_option("post")
    page.get_by_label("Sent on").fill("2026-03-03")
    page.get_by_label("Delivered on").fill("2026-03-05")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#letter-delivered")).to_have_text("2026-03-05")
    page.get_by_role("link", name="复旦大学附属华山医院").click()
    expect(page.locator("#dunning-letters")).to_contain_text("delivered 2026-03-05")
