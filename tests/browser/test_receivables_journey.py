"""Receivables in a real browser: finance records a payment with the oldest-first proposal
and watches the ageing (table and chart) change; a rep reads the ageing on a phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from tests.factories import make_hospital
from tests.web.world import quick_user
from vbptrack.services import invoices
from vbptrack.services.access import SYSTEM

pytestmark = pytest.mark.browser

OpenPage = Callable[..., Page]
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
AGEING = "/receivables/?as_of=2024-03-31"


@pytest.fixture
def ledger(db: Session) -> None:
    make_hospital(db, "SH001", "31", name="上海市第一人民医院")
    make_hospital(db, "GD001", "44", name="广东省人民医院")
    for number, customer, dated, amount, due in (
        ("I-1", "SH001", "2024-01-10", "1000.00", "2024-02-09"),
        ("I-2", "SH001", "2024-03-05", "500.00", "2024-06-03"),
        ("G-1", "GD001", "2024-02-01", "800.00", "2024-03-01"),
    ):
        invoices.create(
            db,
            actor=SYSTEM,
            data={
                "number": number,
                "customer_code": customer,
                "invoice_date": dated,
                "amount": amount,
                "due_date": due,
            },
        )


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct-horse-42")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(username)


def row_total(page: Page, key: str) -> str:
    return page.locator(f"#ageing-table tr[data-key='{key}'] td[data-column='total']").inner_text()


def chart(page: Page) -> dict[str, Any]:
    """What the drawn chart holds: its size on screen, row labels and each row's sum."""
    expect(page.locator("#ageing-chart")).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart('ageing-chart')")
    return page.evaluate(
        """() => {
          const canvas = document.getElementById('ageing-chart');
          const drawn = Chart.getChart(canvas);
          const sums = drawn.data.labels.map((_, i) =>
            drawn.data.datasets.reduce((sum, d) => sum + d.data[i], 0));
          return {width: canvas.clientWidth, height: canvas.clientHeight,
                  labels: drawn.data.labels, sums: sums, stacked: drawn.options.scales.x.stacked};
        }"""
    )


@pytest.mark.usefixtures("ledger")
def test_finance_records_a_payment_and_the_ageing_changes(db: Session, open_page: OpenPage) -> None:
    quick_user(db, "zhao.finance", "finance")
    page = open_page(**DESKTOP)
    sign_in(page, "zhao.finance")
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Receivables").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Receivables ageing")

    page.goto(AGEING)
    assert row_total(page, "SH001") == "1,500.00"
    before = chart(page)
    assert before["width"] > 300 and before["height"] > 100, before
    assert before["stacked"] is True
    assert before["labels"][0] == "上海市第一人民医院" and before["sums"][0] == 1500

    # From the report to the customer, and on to record the money that came in.
    page.get_by_role("link", name="上海市第一人民医院").click()
    expect(page).to_have_url(re.compile(r"/receivables/customers/SH001\?as_of=2024-03-31$|SH001$"))
    page.get_by_role("link", name="Record a payment").click()
    expect(page.get_by_label("Customer code")).to_have_value("SH001")
    page.get_by_label("Bank reference").fill("BANK-0325")
    page.get_by_label("Date received").fill("2024-03-25")
    page.get_by_label("Amount received").fill("1200")
    page.get_by_role("button", name="Propose oldest first").click()

    expect(page.locator("#proposal-notice")).to_contain_text("1,200.00 to 2 invoice(s)")
    expect(page.locator("[name='allocations-0-invoice_number']")).to_have_value("I-1")
    expect(page.locator("[name='allocations-0-amount']")).to_have_value("1000.00")
    expect(page.locator("[name='allocations-1-invoice_number']")).to_have_value("I-2")
    expect(page.locator("[name='allocations-1-amount']")).to_have_value("200.00")
    expect(page.get_by_label("Bank reference")).to_have_value("BANK-0325")  # kept
    page.get_by_role("button", name="Record payment").click()

    expect(page).to_have_url(re.compile(r"/receivables/customers/SH001$"))
    expect(page.get_by_role("status")).to_contain_text("Payment BANK-0325 recorded")
    expect(page.locator("#customer-outstanding")).to_have_text("300.00")
    expect(page.locator("tr[data-document='BANK-0325']")).to_contain_text("1,200.00")

    page.goto(AGEING)
    assert row_total(page, "SH001") == "300.00"
    after = chart(page)
    # Guangdong now owes more than Shanghai: it leads the chart.
    assert after["labels"] == ["广东省人民医院", "上海市第一人民医院"]
    assert after["sums"] == [800, 300]
    cell = page.locator("#ageing-table tr[data-key='SH001'] td[data-column='not_due'] a")
    expect(cell).to_have_text("300.00")
    cell.click()
    expect(page.locator("#drilldown tbody tr")).to_have_count(1)
    expect(page.locator("#drilldown-total")).to_have_text("300.00")


@pytest.mark.usefixtures("ledger")
def test_rep_reads_the_ageing_on_a_phone(db: Session, open_page: OpenPage) -> None:
    quick_user(db, "li.rep", "rep", provinces=["31"])
    page = open_page(**PHONE)
    sign_in(page, "li.rep")
    page.goto(AGEING)
    rows = page.locator("#ageing-table tbody tr")
    expect(rows).to_have_count(1)  # Shanghai only
    expect(page.locator("#ageing-table")).not_to_contain_text("广东省人民医院")
    expect(rows.first).to_have_css("display", "block")  # a card, not a table row
    assert chart(page)["labels"] == ["上海市第一人民医院"]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the ageing scrolls sideways on a phone ({width}px)"
    expect(page.get_by_role("link", name="Download Excel")).to_be_visible()
    response = page.goto("/receivables/payments/new")
    assert response is not None and response.status == 403
