"""Payments and credit notes through the JSON API: allocation earliest due first, what
stays unapplied, and what a request that fails leaves behind (nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import API, Headers, database_state
from tests.factories import make_hospital

SPLIT = {
    "code": "S30-70",
    "name": "30/70",
    "instalments": [
        {"portion": "30", "rule": "days_after_base", "n": 0},
        {"portion": "70", "rule": "days_after_base", "n": 60},
    ],
}


def post(client: FlaskClient, headers: Headers, path: str, body: Any, status: int = 201) -> Any:
    response = client.post(API + path, json=body, headers=headers)
    assert response.status_code == status, response.json
    return response.json


@pytest.fixture
def finance(client: FlaskClient, db: Session, token_for: Callable[..., Headers]) -> Headers:
    """H-A owes A-1 (1000: 300 due 2024-01-01, 700 due 2024-03-01) and A-2 (500, due
    2024-02-15); H-B owes B-1 (400, due 2024-03-31)."""
    make_hospital(db, "H-A", "31", name="瑞金医院")
    make_hospital(db, "H-B", "31")
    headers = token_for("finance")
    post(client, headers, "/payment-terms", SPLIT)
    for number, customer, amount, extra in (
        ("A-1", "H-A", "1000", {"payment_term": "S30-70"}),
        ("A-2", "H-A", "500", {"due_date": "2024-02-15"}),
        ("B-1", "H-B", "400", {"due_date": "2024-03-31"}),
    ):
        body = {
            "number": number,
            "customer_code": customer,
            "invoice_date": "2024-01-01",
            "amount": amount,
            **extra,
        }
        post(client, headers, "/invoices", body)
    return headers


def outstanding(client: FlaskClient, headers: Headers, number: str, as_of: str) -> list[str]:
    """The invoice's outstanding, then each instalment's."""
    view = client.get(f"{API}/invoices/{number}?as_of={as_of}", headers=headers).json
    return [view["outstanding"], *(i["outstanding"] for i in view["instalments"])]


def ageing_row(client: FlaskClient, headers: Headers, key: str, as_of: str) -> Any:
    report = client.get(f"{API}/receivables/ageing?as_of={as_of}", headers=headers).json
    return next((row for row in report["rows"] if row["key"] == key), None)


def payment(reference: str, amount: str, *allocations: tuple[str, Any], **extra: Any) -> Any:
    return {
        "reference": reference,
        "customer_code": "H-A",
        "date": "2024-02-20",
        "amount": amount,
        "allocations": [{"invoice_number": n, "amount": a} for n, a in allocations],
        **extra,
    }


# body → the fields a 422 names; checked against the state after PAY-1
INVALID_PAYMENTS = [
    (payment("P-X", "1000", ("A-1", "601")), {"allocations.0.amount"}),
    (payment("P-X", "2000", ("A-2", "500"), ("A-1", "600.01")), {"allocations.1.amount"}),
    (payment("P-X", "100", ("A-1", "50"), ("A-2", "50.01")), {"allocations"}),
    (payment("P-X", "100", ("A-1", "10"), ("A-1", "10")), {"allocations"}),
    (payment("P-X", "100", ("B-1", "10")), {"allocations.0.invoice_number"}),
    (payment("P-X", "100", ("NOPE", "10")), {"allocations.0.invoice_number"}),
    (payment("P-X", "100", ("A-1", "1.001")), {"allocations.0.amount"}),
    (payment("P-X", "100", ("A-1", "-1")), {"allocations.0.amount"}),
    (payment("P-X", "100", ("A-1", 1.5)), {"allocations.0.amount"}),
    (payment("P-X", 100.0), {"amount"}),
    (payment("P-X", "12.345"), {"amount"}),
    (payment("P-X", "-12"), {"amount"}),
    (payment("P-X", "100", customer_code="H-NONE"), {"customer_code"}),
    (payment("P-X", "100", date="2024-02-31"), {"date"}),
    (
        {**payment("P-X", "100"), "allocations": [{"invoice_number": "A-1"}]},
        {"allocations.0.amount"},
    ),
]


def test_a_payment_is_allocated_earliest_due_first_and_the_rest_stays_unapplied(
    client: FlaskClient, db: Session, finance: Headers, subtests: pytest.Subtests
) -> None:
    created = post(client, finance, "/payments", payment("PAY-1", "1000", ("A-1", "400")))
    expected = {
        "reference": "PAY-1",
        "customer_code": "H-A",
        "customer_name": "瑞金医院",
        "date": "2024-02-20",
        "amount": "1000.00",
        "note": None,
        "allocations": [{"invoice_number": "A-1", "amount": "400.00"}],
        "unapplied": "600.00",
    }
    assert created == expected
    assert client.get(API + "/payments/PAY-1", headers=finance).json == expected
    # 300 settles the instalment due first, the other 100 goes to the one due next.
    assert outstanding(client, finance, "A-1", "2024-02-20") == ["600.00", "0.00", "600.00"]
    # As of a day before the payment it does not count.
    assert outstanding(client, finance, "A-1", "2024-02-19") == ["1000.00", "300.00", "700.00"]
    row = ageing_row(client, finance, "H-A", "2024-02-20")
    assert (row["unapplied"], row["total"]) == ("-600.00", "500.00")  # 600 + 500 - 600
    assert ageing_row(client, finance, "H-A", "2024-02-19")["unapplied"] == "0.00"

    before = database_state(db)
    for body, fields in INVALID_PAYMENTS:
        with subtests.test(body=body):
            response = client.post(API + "/payments", json=body, headers=finance)
            assert response.status_code == 422, response.json
            assert set(response.json["error"]["fields"]) == fields
            assert database_state(db) == before

    with subtests.test("duplicate reference"):
        response = client.post(API + "/payments", json=payment("PAY-1", "5"), headers=finance)
        assert response.status_code == 409
        assert set(response.json["error"]["fields"]) == {"reference"}
        assert database_state(db) == before

    with subtests.test("split over two invoices, exactly what is outstanding"):
        body = payment("PAY/2", "1100", ("A-2", "500"), ("A-1", "600"), date="2024-03-01")
        split = post(client, finance, "/payments", body)
        assert split["allocations"] == [
            {"invoice_number": "A-2", "amount": "500.00"},
            {"invoice_number": "A-1", "amount": "600.00"},
        ]
        assert split["unapplied"] == "0.00"
        assert client.get(API + "/payments/PAY/2", headers=finance).json == split
        assert outstanding(client, finance, "A-1", "2024-03-01") == ["0.00", "0.00", "0.00"]
        assert outstanding(client, finance, "A-2", "2024-03-01") == ["0.00", "0.00"]
        row = ageing_row(client, finance, "H-A", "2024-03-01")
        assert (row["unapplied"], row["total"]) == ("-600.00", "-600.00")

    with subtests.test("unapplied cash only"):
        body = payment("PAY-3", "75.5", customer_code="H-B", date="2024-03-02")
        assert post(client, finance, "/payments", body)["unapplied"] == "75.50"
        row = ageing_row(client, finance, "H-B", "2024-03-02")
        assert (row["unapplied"], row["total"]) == ("-75.50", "324.50")

    with subtests.test("list"):
        listed = client.get(API + "/payments", headers=finance).json
        assert [p["reference"] for p in listed["items"]] == ["PAY-3", "PAY/2", "PAY-1"]
        assert listed["total"] == 3
        of_a = client.get(API + "/payments?customer_code=H-A&per_page=1", headers=finance).json
        assert ([p["reference"] for p in of_a["items"]], of_a["total"]) == (["PAY/2"], 2)
        assert client.get(API + "/payments/NOPE", headers=finance).status_code == 404


def note(number: str, amount: Any, invoice_number: str | None = None, **extra: Any) -> Any:
    body = {"number": number, "customer_code": "H-A", "date": "2024-02-10", "amount": amount}
    if invoice_number is not None:
        body["invoice_number"] = invoice_number
    return {**body, **extra}


INVALID_NOTES = [
    (note("CN-X", "1000.01", "A-1"), {"amount"}),
    (note("CN-X", "10", "B-1"), {"invoice_number"}),
    (note("CN-X", "10", "NOPE"), {"invoice_number"}),
    (note("CN-X", "1.234"), {"amount"}),
    (note("CN-X", 3.5), {"amount"}),
    (note("CN-X", "0"), {"amount"}),
    (note("CN-X", "10", customer_code="H-NONE"), {"customer_code"}),
]


def test_credit_notes_with_and_without_an_invoice(
    client: FlaskClient, db: Session, finance: Headers, subtests: pytest.Subtests
) -> None:
    against = post(client, finance, "/credit-notes", note("CN-1", "350", "A-1", reason="退货"))
    assert against == {
        "number": "CN-1",
        "customer_code": "H-A",
        "customer_name": "瑞金医院",
        "date": "2024-02-10",
        "amount": "350.00",
        "invoice_number": "A-1",
        "reason": "退货",
        "unapplied": "0.00",
    }
    view = client.get(API + "/invoices/A-1?as_of=2024-02-10", headers=finance).json
    assert [(i["credited"], i["outstanding"]) for i in view["instalments"]] == [
        ("300.00", "0.00"),
        ("50.00", "650.00"),
    ]
    assert outstanding(client, finance, "A-1", "2024-02-09") == ["1000.00", "300.00", "700.00"]

    unapplied = post(client, finance, "/credit-notes", note("CN/2", "80"))
    assert (unapplied["invoice_number"], unapplied["unapplied"]) == (None, "80.00")
    assert client.get(API + "/credit-notes/CN/2", headers=finance).json == unapplied
    row = ageing_row(client, finance, "H-A", "2024-02-10")
    assert (row["unapplied"], row["total"]) == ("-80.00", "1070.00")  # 650 + 500 - 80

    before = database_state(db)
    for body, fields in INVALID_NOTES:
        with subtests.test(body=body):
            response = client.post(API + "/credit-notes", json=body, headers=finance)
            assert response.status_code == 422, response.json
            assert set(response.json["error"]["fields"]) == fields
            assert database_state(db) == before
    with subtests.test("duplicate number"):
        response = client.post(API + "/credit-notes", json=note("CN-1", "1"), headers=finance)
        assert response.status_code == 409
        assert database_state(db) == before

    listed = client.get(API + "/credit-notes?customer_code=H-A", headers=finance).json
    assert [n["number"] for n in listed["items"]] == ["CN/2", "CN-1"]
    assert client.get(API + "/credit-notes?customer_code=H-B", headers=finance).json["total"] == 0
    assert client.get(API + "/credit-notes/NOPE", headers=finance).status_code == 404
