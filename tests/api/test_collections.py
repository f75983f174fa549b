"""GET /api/v1/receivables/collections: the service's figures in the contract's formats."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import API, Headers
from tests.factories import make_hospital
from vbptrack.services import invoices, payments
from vbptrack.services.access import SYSTEM

URL = API + "/receivables/collections"


def ledger(db: Session) -> None:
    make_hospital(db, "H1", "31")
    make_hospital(db, "H2", "44")
    for number, customer, dated, amount, due in (
        ("A", "H1", "2024-01-10", "2000.00", "2024-02-09"),
        ("B", "H1", "2024-03-05", "500.00", "2024-04-04"),
        ("C", "H2", "2024-01-05", "4000.00", "2024-02-04"),
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
    for reference, customer, day, amount, number in (
        ("P1", "H1", "2024-02-29", "1500.00", "A"),
        ("P2", "H2", "2024-03-15", "3000.00", "C"),
        ("P3", "H2", "2024-04-01", "1000.00", "C"),  # after as_of
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


def test_report_in_the_contracts_formats(
    client: FlaskClient, db: Session, manager: Headers
) -> None:
    ledger(db)
    response = client.get(URL, query_string={"as_of": "2024-03-31"}, headers=manager)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["as_of"] == "2024-03-31"
    assert body["target_rate"] == "0.9500"
    assert body["open_total"] == "2000.00"  # A 500 + B 500 + C 1000
    # 2000 ÷ 6500 invoiced in the 90 days × 90 = 27.69
    assert body["dso"] == {
        "window": {"label": "90d", "start": "2024-01-02", "end": "2024-03-31"},
        "receivables": "2000.00",
        "revenue": "6500.00",
        "days": "27.7",
    }
    quarter = body["quarters"][-1]
    # 4500 collected ÷ (0 + 2000 + 4000 invoiced and due in the quarter)
    assert quarter == {
        "period": {"label": "2024-Q1", "start": "2024-01-01", "end": "2024-03-31"},
        "collected": "4500.00",
        "opening": "0.00",
        "invoiced_due": "6000.00",
        "rate": "0.7500",
        "meets_target": False,
    }
    assert body["months"][-1]["rate"] == "0.6667"  # 3000 ÷ 4500
    assert body["months"][0]["rate"] is None and body["months"][0]["meets_target"] is None
    overdue = [
        (c["customer_code"], c["overdue"], c["oldest_days_past_due"]) for c in body["top_overdue"]
    ]
    assert overdue == [("H2", "1000.00", 56), ("H1", "500.00", 51)]
    assert body["top_overdue"][0]["average_days_late"] is None  # C is not settled yet
    forecast = body["forecast"]
    assert len(forecast["weeks"]) == 13
    assert forecast["weeks"][0] == {
        "week": 1,
        "start": "2024-03-31",
        "end": "2024-04-06",
        "amount": "2000.00",  # A and C overdue, B due 2024-04-04
    }
    assert (forecast["later"], forecast["overdue_date_unknown"], forecast["total"]) == (
        "0.00",
        "0.00",
        "2000.00",
    )
    money = re.compile(r"^-?[0-9]+\.[0-9]{2}$")
    for rate in body["months"] + body["quarters"]:
        for name in ("collected", "opening", "invoiced_due"):
            assert money.match(rate[name]), rate
        assert rate["rate"] is None or re.match(r"^[0-9]+\.[0-9]{4}$", rate["rate"])


def test_a_rep_gets_their_territory(
    client: FlaskClient, db: Session, token_for: Callable[..., Headers]
) -> None:
    ledger(db)
    rep = token_for("rep", provinces=["31"])
    body = client.get(URL, query_string={"as_of": "2024-03-31"}, headers=rep).json
    assert body["open_total"] == "1000.00"
    assert [c["customer_code"] for c in body["top_overdue"]] == ["H1"]
    assert body["quarters"][-1]["collected"] == "1500.00"


def test_as_of_defaults_to_today_and_bad_dates_are_422(
    client: FlaskClient, manager: Headers
) -> None:
    assert client.get(URL, headers=manager).status_code == 200
    for bad in ("2024-02-30", "31/03/2024", "1999-12-31", "x" * 500):
        response = client.get(URL, query_string={"as_of": bad}, headers=manager)
        assert response.status_code == 422, bad
        assert response.json["error"]["code"] == "invalid"
        assert set(response.json["error"]["fields"]) == {"as_of"}


def test_needs_a_token(client: FlaskClient) -> None:
    assert client.get(URL).status_code == 401
