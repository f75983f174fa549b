"""The collections page shows what the service computes, for the signed-in user's territory."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.factories import login
from tests.web import world
from vbptrack.domain.money import format_money_grouped
from vbptrack.services import collections as service
from vbptrack.services import invoices, payments
from vbptrack.services import users as user_service
from vbptrack.services.access import SYSTEM
from vbptrack.web import collections as page

AS_OF = date(2024, 3, 31)
URL = "/receivables/collections/"


def text(html: str, element_id: str) -> str:
    """The visible text of the element with the id, whitespace collapsed."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:div|table|section)>', html, re.S)
    assert match, element_id
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.fixture
def data(db: Session) -> world.World:
    built = world.build(db, roles=("finance", "rep"))
    ledger = [
        # number, customer, dated, amount, due
        ("I-SH-1", world.IN_TERRITORY, "2024-01-10", "2000.00", "2024-02-09"),
        ("I-SH-2", world.IN_TERRITORY, "2024-03-05", "500.00", "2024-04-04"),
        ("I-GD-1", world.OUTSIDE, "2024-01-05", "4000.00", "2024-02-04"),
    ]
    for number, customer, dated, amount, due in ledger:
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
    for reference, customer, day, amount, number in (
        ("P-SH", world.IN_TERRITORY, "2024-02-29", "1500.00", "I-SH-1"),
        ("P-GD", world.OUTSIDE, "2024-03-15", "3000.00", "I-GD-1"),
    ):
        payments.create_payment(
            db,
            actor=SYSTEM,
            data={
                "reference": reference,
                "customer_code": customer,
                "date": day,
                "amount": amount,
                "allocations": [{"invoice_number": number, "amount": amount}],
            },
        )
    return built


def browser(app: Flask, data: world.World, role: str) -> FlaskClient:
    client = app.test_client()
    login(client, data.users[role].username)
    return client


@pytest.mark.parametrize("role", ["finance", "rep"])
def test_kpis_are_the_services(app: Flask, db: Session, data: world.World, role: str) -> None:
    html = (
        browser(app, data, role)
        .get(URL, query_string={"as_of": "2024-03-31"})
        .get_data(as_text=True)
    )
    actor = user_service.actor_for(data.users[role])
    expected = service.report(db, actor=actor, as_of=AS_OF)

    assert str(expected.dso.value) in text(html, "kpi-dso")
    quarter = expected.this_quarter
    shown = text(html, "kpi-quarter-rate")
    assert f"{page.percent(quarter.rate)} %" in shown
    assert ("✓" in shown, "✗" in shown) == (quarter.meets_target, not quarter.meets_target)
    assert "2024-Q1" in shown
    assert format_money_grouped(quarter.collected) in text(html, "kpi-collected")
    assert format_money_grouped(expected.open_total) in text(html, "kpi-open")

    forecast = text(html, "forecast")
    assert format_money_grouped(expected.forecast.total) in forecast
    chart = json.loads(
        re.search(r'id="collections-chart-data">(.*?)</script>', html, re.S).group(1)  # type: ignore[union-attr]
    )
    assert chart == json.loads(json.dumps(page.chart_data(expected)))
    assert len(chart["months"]) == 12 and len(chart["weeks"]) == 13


def test_finance_sees_everyone_and_a_rep_only_their_territory(
    app: Flask, data: world.World
) -> None:
    query = {"as_of": "2024-03-31"}
    finance = browser(app, data, "finance").get(URL, query_string=query).get_data(as_text=True)
    rep = browser(app, data, "rep").get(URL, query_string=query).get_data(as_text=True)
    # Shanghai: 2000 − 1500 + 500 open; Guangdong: 4000 − 3000.
    assert "2,000.00" in text(finance, "kpi-open")
    assert "1,000.00" in text(rep, "kpi-open")
    assert f'href="/receivables/customers/{world.OUTSIDE}"' in finance
    assert f'href="/receivables/customers/{world.IN_TERRITORY}"' in finance
    assert world.OUTSIDE not in rep
    assert f'href="/receivables/customers/{world.IN_TERRITORY}"' in rep


def test_quarter_rate_against_the_target(app: Flask, data: world.World) -> None:
    # Q1 2024 for everyone: 4500 collected ÷ (0 + 2000 + 4000 due in the quarter) = 75 %.
    html = browser(app, data, "finance").get(URL, query_string={"as_of": "2024-03-31"})
    shown = text(html.get_data(as_text=True), "kpi-quarter-rate")
    assert "75.00 %" in shown and "✗" in shown and "✓" not in shown


def test_defaults_to_today_in_shanghai(app: Flask, data: world.World) -> None:
    html = browser(app, data, "finance").get(URL).get_data(as_text=True)
    assert f'name="as_of" value="{page.today().isoformat()}"' in html


@pytest.mark.parametrize("bad", ["2024-02-30", "yesterday", "1999-12-31", "2024-3-1", "٢٠٢٤-٠١-٠١"])
def test_a_bad_as_of_is_explained_not_a_500(app: Flask, data: world.World, bad: str) -> None:
    response = browser(app, data, "finance").get(URL, query_string={"as_of": bad})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="as-of-error"' in html
    assert "Showing today instead." in html
    assert 'aria-invalid="true"' in html
    assert "kpi-dso" in html  # today's figures
