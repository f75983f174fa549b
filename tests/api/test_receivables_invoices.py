"""Invoices through the JSON API: due dates from terms, validation, reading as of a date,
holds, write-offs and the list's filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import API, Headers, database_state
from tests.factories import make_distributor, make_hospital, make_product
from vbptrack.services import terms as term_service

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


def invoice(number: str, customer: str = "H-SH", **fields: Any) -> dict[str, Any]:
    return {
        "number": number,
        "customer_code": customer,
        "invoice_date": "2024-01-02",
        "amount": "1000",
        **fields,
    }


def instalment(due: str, amount: str, **settled: str) -> dict[str, str]:
    paid = settled.get("paid", "0.00")
    credited = settled.get("credited", "0.00")
    written_off = settled.get("written_off", "0.00")
    return {
        "due_date": due,
        "amount": amount,
        "paid": paid,
        "credited": credited,
        "written_off": written_off,
        "outstanding": settled.get("outstanding", amount),
    }


@pytest.fixture
def finance(db: Session, token_for: Callable[..., Headers]) -> Headers:
    """Customers: H-SH (no default term), H-DEF (default NET120), distributor D-SH."""
    make_hospital(db, "H-SH", "31", name="瑞金医院")
    default = make_hospital(db, "H-DEF", "31")
    default.payment_term_id = term_service.get(db, "NET120").id
    db.commit()
    make_distributor(db, "D-SH", "31")
    make_product(db, "P-1")
    return token_for("finance")


# body → (payment_term, [(due date, amount)]) the invoice gets
DUE_DATES = [
    (invoice("T-1", payment_term="NET90"), "NET90", [("2024-04-01", "1000.00")]),
    (invoice("T-2", due_date="2024-02-15"), None, [("2024-02-15", "1000.00")]),
    (invoice("T-3", due_date="2024-01-02"), None, [("2024-01-02", "1000.00")]),
    (invoice("T-4", "H-DEF"), "NET120", [("2024-05-01", "1000.00")]),
    (invoice("T-5", "H-DEF", payment_term="NET90"), "NET90", [("2024-04-01", "1000.00")]),
    (
        invoice("T-6", payment_term="S30-70", amount="100.01"),
        "S30-70",
        [("2024-01-02", "30.00"), ("2024-03-02", "70.01")],
    ),
    (
        invoice("T-7", payment_term="VBP", acceptance_date="2024-01-20"),
        "VBP",
        [("2024-02-29", "1000.00")],
    ),
    (invoice("T-8", amount=1000, payment_term="NET90"), "NET90", [("2024-04-01", "1000.00")]),
    (invoice("T-9", amount="12.5", due_date="2024-02-01"), None, [("2024-02-01", "12.50")]),
]
# body → the fields a 422 names
INVALID = [
    (invoice("X-1", payment_term="NET90", due_date="2024-03-01"), {"due_date"}),
    (invoice("X-2"), {"payment_term"}),
    (invoice("X-3", payment_term="NOPE"), {"payment_term"}),
    (invoice("X-4", payment_term="VBP"), {"acceptance_date"}),
    (invoice("X-5", payment_term="VBP30", acceptance_date=""), {"acceptance_date"}),
    (invoice("X-6", amount="12.345", due_date="2024-03-01"), {"amount"}),
    (invoice("X-7", amount="-5", due_date="2024-03-01"), {"amount"}),
    (invoice("X-8", amount=12.5, due_date="2024-03-01"), {"amount"}),
    (invoice("X-9", amount="0", due_date="2024-03-01"), {"amount"}),
    (invoice("X-10", amount="lots", due_date="2024-03-01"), {"amount"}),
    (invoice("X-11", "H-NONE", due_date="2024-03-01"), {"customer_code"}),
    (invoice("X-12", due_date="2024-01-01"), {"due_date"}),
    (invoice("X-13", invoice_date="2024-02-30", due_date="2024-03-01"), {"invoice_date"}),
    (invoice("X-14", due_date="2024-03-01", colour="red"), {"colour"}),
    (invoice("X-15", due_date="2024-03-01", tax="1.001"), {"tax"}),
    (
        invoice(
            "X-16",
            due_date="2024-03-01",
            lines=[{"product_code": "P-NONE", "quantity": 1, "unit_price": "1"}],
        ),
        {"lines.0.product_code"},
    ),
    ({"customer_code": "H-SH", "amount": "1"}, {"number", "invoice_date"}),
    # Money and dates exactly as API.md writes them, nothing looser (issue 11).
    (invoice("S-1", amount="12,50", due_date="2024-03-01"), {"amount"}),  # was 1250.00
    (invoice("S-2", amount="1e3", due_date="2024-03-01"), {"amount"}),
    (invoice("S-3", amount="1_000", due_date="2024-03-01"), {"amount"}),
    (invoice("S-4", amount="１２", due_date="2024-03-01"), {"amount"}),
    (invoice("S-5", amount="12.500", due_date="2024-03-01"), {"amount"}),
    (invoice("S-6", amount=" 12", due_date="2024-03-01"), {"amount"}),
    (invoice("S-7", amount="1,234.50", due_date="2024-03-01"), {"amount"}),
    (invoice("S-8", amount=True, due_date="2024-03-01"), {"amount"}),
    (invoice("S-9", due_date="2024/3/1"), {"due_date"}),
    (invoice("S-10", invoice_date="2024-1-1", due_date="2024-03-01"), {"invoice_date"}),
    (invoice("S-11", invoice_date="20240101", due_date="2024-03-01"), {"invoice_date"}),
    (invoice("S-12", due_date="2024-02-29T00:00:00"), {"due_date"}),
    (invoice("S-13", due_date="٢٠٢٤-٠٣-٠١"), {"due_date"}),
    (invoice("S-14", due_date="9999-12-31"), {"due_date"}),  # poisoned the collections report
    (invoice("S-15", invoice_date="0001-01-01", due_date="2024-03-01"), {"invoice_date"}),
    (invoice("S-16", due_date=20240301), {"due_date"}),
]


def test_an_invoice_gets_its_due_dates_from_a_term_or_a_due_date(
    client: FlaskClient, db: Session, finance: Headers, subtests: pytest.Subtests
) -> None:
    post(client, finance, "/payment-terms", SPLIT)
    for body, term, schedule in DUE_DATES:
        with subtests.test(number=body["number"]):
            created = post(client, finance, "/invoices", body)
            assert created["payment_term"] == term
            assert [(i["due_date"], i["amount"]) for i in created["instalments"]] == schedule
            assert created["due_date"] == schedule[-1][0]
            assert created["outstanding"] == created["amount"]
            url = f"{API}/invoices/{body['number']}?as_of=2024-01-02"
            assert client.get(url, headers=finance).json["instalments"] == created["instalments"]

    before = database_state(db)
    for body, fields in INVALID:
        with subtests.test(number=body.get("number"), fields=fields):
            response = client.post(API + "/invoices", json=body, headers=finance)
            assert response.status_code == 422, response.json
            assert response.json["error"]["code"] == "invalid"
            assert set(response.json["error"]["fields"]) == fields
            assert database_state(db) == before

    with subtests.test("duplicate number"):
        response = client.post(
            API + "/invoices", json=invoice("T-1", due_date="2024-03-01"), headers=finance
        )
        assert response.status_code == 409
        assert set(response.json["error"]["fields"]) == {"number"}
        assert database_state(db) == before


def test_the_created_invoice_and_reading_it_as_of_a_date(
    client: FlaskClient, finance: Headers
) -> None:
    body = invoice(
        "INV/2024/1",
        payment_term="S30-70",
        acceptance_date="2024-01-05",
        amount="2000",
        tax="230.09",
        distributor_code="D-SH",
        lines=[{"product_code": "P-1", "quantity": 400, "unit_price": "5"}],
    )
    post(client, finance, "/payment-terms", SPLIT)
    created = post(client, finance, "/invoices", body)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert created == {
        "number": "INV/2024/1",
        "customer_code": "H-SH",
        "customer_name": "瑞金医院",
        "distributor_code": "D-SH",
        "invoice_date": "2024-01-02",
        "acceptance_date": "2024-01-05",
        "amount": "2000.00",
        "tax": "230.09",
        "payment_term": "S30-70",
        "due_date": "2024-03-02",
        "as_of": today,
        "outstanding": "2000.00",
        "next_due": "2024-01-02",
        "overdue": True,
        "on_hold": False,
        "hold_reason": None,
        "instalments": [instalment("2024-01-02", "600.00"), instalment("2024-03-02", "1400.00")],
        "lines": [
            {"product_code": "P-1", "quantity": 400, "unit_price": "5.00", "amount": "2000.00"}
        ],
    }
    for url in (f"{API}/invoices/INV/2024/1", f"{API}/invoices/INV%2F2024%2F1"):
        assert client.get(url, headers=finance).json == created

    post(
        client,
        finance,
        "/payments",
        {
            "reference": "PAY-1",
            "customer_code": "H-SH",
            "date": "2024-02-10",
            "amount": "700",
            "allocations": [{"invoice_number": "INV/2024/1", "amount": "700"}],
        },
    )
    post(
        client,
        finance,
        "/credit-notes",
        {
            "number": "CN-1",
            "customer_code": "H-SH",
            "date": "2024-03-05",
            "amount": "100",
            "invoice_number": "INV/2024/1",
        },
    )

    def as_of(day: str) -> Any:
        response = client.get(f"{API}/invoices/INV/2024/1?as_of={day}", headers=finance)
        assert response.status_code == 200
        return response.json

    # Before the payment: nothing settled; it does not count yet.
    before = as_of("2024-02-09")
    assert (before["outstanding"], before["next_due"], before["overdue"]) == (
        "2000.00",
        "2024-01-02",
        True,
    )
    assert before["instalments"] == created["instalments"]
    # The payment takes the earliest instalment first, the rest goes to the second.
    paid = as_of("2024-03-02")
    assert (paid["outstanding"], paid["next_due"], paid["overdue"]) == (
        "1300.00",
        "2024-03-02",
        False,
    )
    assert paid["instalments"] == [
        instalment("2024-01-02", "600.00", paid="600.00", outstanding="0.00"),
        instalment("2024-03-02", "1400.00", paid="100.00", outstanding="1300.00"),
    ]
    # The number has slashes; hold and release reach it, encoded or not.
    held = client.post(API + "/invoices/INV%2F2024%2F1/hold", json={"reason": "x"}, headers=finance)
    assert (held.status_code, held.json["number"], held.json["on_hold"]) == (
        200,
        "INV/2024/1",
        True,
    )
    released = client.delete(API + "/invoices/INV/2024/1/hold", headers=finance)
    assert (released.status_code, released.json["on_hold"]) == (200, False)

    later = as_of("2024-03-05")
    assert (later["outstanding"], later["overdue"]) == ("1200.00", True)
    assert later["instalments"][1] == instalment(
        "2024-03-02", "1400.00", paid="100.00", credited="100.00", outstanding="1200.00"
    )


BAD_READS = [
    ("/invoices/NOPE", 404, None),
    ("/invoices/H-1?as_of=yesterday", 422, "as_of"),
    ("/invoices/H-1?as_of=2024-02-30", 422, "as_of"),
    ("/invoices?as_of=2024-13-01", 422, "as_of"),
    ("/invoices?status=late", 422, "status"),
    ("/invoices?per_page=501", 422, "per_page"),
    ("/payments?page=0", 422, "page"),
    ("/credit-notes?per_page=x", 422, "per_page"),
    ("/payment-terms?per_page=501", 422, "per_page"),
]


def test_hold_release_and_write_off(
    client: FlaskClient, db: Session, finance: Headers, subtests: pytest.Subtests
) -> None:
    post(client, finance, "/payment-terms", SPLIT)
    post(client, finance, "/invoices", invoice("H-1", payment_term="S30-70"))
    url = API + "/invoices/H-1"

    with subtests.test("hold"):
        held = client.post(url + "/hold", json={"reason": " 价格争议 "}, headers=finance)
        assert held.status_code == 200, held.json
        assert (held.json["on_hold"], held.json["hold_reason"]) == (True, "价格争议")
        assert client.get(url, headers=finance).json["on_hold"] is True

    with subtests.test("release"):
        released = client.delete(url + "/hold", headers=finance)
        assert released.status_code == 200
        assert (released.json["on_hold"], released.json["hold_reason"]) == (False, None)
        again = client.delete(url + "/hold", headers=finance)
        assert again.status_code == 409
        assert again.json["error"]["code"] == "conflict"

    before = database_state(db)
    for path, body, status, fields in (
        ("/hold", {}, 422, {"reason"}),
        ("/hold", {"reason": "  "}, 422, {"reason"}),
        (
            "/write-offs",
            {"date": "2024-06-30", "amount": "1000.01", "reason": "x"},
            422,
            {"amount"},
        ),
        ("/write-offs", {"date": "2024-01-01", "amount": "10", "reason": "x"}, 422, {"date"}),
        ("/write-offs", {"date": "2024-06-30", "amount": "10"}, 422, {"reason"}),
        ("/write-offs", {"date": "2024-06-30", "amount": 1.5, "reason": "x"}, 422, {"amount"}),
        ("/write-offs", [], 400, set()),
    ):
        with subtests.test(path=path, body=body):
            response = client.post(url + path, json=body, headers=finance)
            assert response.status_code == status, response.json
            assert set(response.json["error"]["fields"]) == fields
            assert database_state(db) == before
    for path, body in (
        ("/hold", {"reason": "x"}),
        ("/write-offs", {"reason": "x", "date": "2024-06-30", "amount": "1"}),
    ):
        with subtests.test("unknown invoice", path=path):
            assert (
                client.post(API + "/invoices/NOPE" + path, json=body, headers=finance).status_code
                == 404
            )
    with subtests.test("release an unknown invoice"):
        assert client.delete(API + "/invoices/NOPE/hold", headers=finance).status_code == 404

    with subtests.test("write-off"):
        body = {"date": "2024-06-30", "amount": "350", "reason": "坏账核销"}
        written = post(client, finance, "/invoices/H-1/write-offs", body)
        assert written == {
            "invoice_number": "H-1",
            "date": "2024-06-30",
            "amount": "350.00",
            "reason": "坏账核销",
            "created_by": "api_finance",
        }
        after = client.get(url + "?as_of=2024-06-30", headers=finance).json
        assert after["outstanding"] == "650.00"
        assert after["instalments"] == [
            instalment("2024-01-02", "300.00", written_off="300.00", outstanding="0.00"),
            instalment("2024-03-02", "700.00", written_off="50.00", outstanding="650.00"),
        ]
        assert client.get(url + "?as_of=2024-06-29", headers=finance).json["outstanding"] == (
            "1000.00"
        )
        # The rest, and then nothing more.
        post(client, finance, "/invoices/H-1/write-offs", {**body, "amount": "650"})
        assert client.get(url, headers=finance).json["outstanding"] == "0.00"
        post(client, finance, "/invoices/H-1/write-offs", {**body, "amount": "0.01"}, 422)

    for path, status, field in BAD_READS:
        with subtests.test(path=path):
            response = client.get(API + path, headers=finance)
            assert response.status_code == status
            assert set(response.json["error"]["fields"]) == ({field} if field else set())


# query → invoice numbers, newest first
LIST_FILTERS = [
    ("as_of=2024-06-30", ["L-5", "L-4", "L-3", "L-2", "L-1"]),
    ("as_of=2024-03-31", ["L-3", "L-2", "L-1"]),
    ("as_of=2024-06-30&status=open", ["L-5", "L-4", "L-3", "L-1"]),
    ("as_of=2024-06-30&status=paid", ["L-2"]),
    ("as_of=2024-03-31&status=paid", []),
    ("as_of=2024-06-30&status=overdue", ["L-3", "L-1"]),
    ("as_of=2024-06-30&status=held", ["L-4"]),
    ("as_of=2024-06-30&customer_code=H-DEF", ["L-5"]),
    ("as_of=2024-06-30&q=瑞金", ["L-4", "L-3", "L-2", "L-1"]),
    ("as_of=2024-06-30&q=l-4", ["L-4"]),
    ("as_of=2024-06-30&q=L_4", []),
]


def test_list_filters(client: FlaskClient, finance: Headers, subtests: pytest.Subtests) -> None:
    for number, day, due in (
        ("L-1", "2024-01-10", "2024-02-10"),
        ("L-2", "2024-02-10", "2024-03-10"),
        ("L-3", "2024-03-10", "2024-04-10"),
        ("L-4", "2024-04-10", "2024-08-10"),
    ):
        post(client, finance, "/invoices", invoice(number, invoice_date=day, due_date=due))
    post(client, finance, "/invoices", invoice("L-5", "H-DEF", invoice_date="2024-05-10"))
    post(client, finance, "/invoices/L-4/hold", {"reason": "dispute"}, 200)
    post(
        client,
        finance,
        "/payments",
        {
            "reference": "PAY-L",
            "customer_code": "H-SH",
            "date": "2024-04-01",
            "amount": "1200",
            "allocations": [
                {"invoice_number": "L-2", "amount": "1000"},
                {"invoice_number": "L-1", "amount": "200"},
            ],
        },
    )

    for query, numbers in LIST_FILTERS:
        with subtests.test(query=query):
            response = client.get(f"{API}/invoices?{query}", headers=finance)
            assert response.status_code == 200, response.json
            assert [item["number"] for item in response.json["items"]] == numbers
            assert response.json["total"] == len(numbers)

    items = client.get(API + "/invoices?as_of=2024-06-30", headers=finance).json["items"]
    assert items[-1] == {
        "number": "L-1",
        "customer_code": "H-SH",
        "customer_name": "瑞金医院",
        "invoice_date": "2024-01-10",
        "amount": "1000.00",
        "outstanding": "800.00",
        "next_due": "2024-02-10",
        "on_hold": False,
    }
    assert items[-2]["outstanding"] == "0.00" and items[-2]["next_due"] is None
    assert items[1]["on_hold"] is True
    before = client.get(API + "/invoices?as_of=2024-03-31", headers=finance).json["items"]
    assert [i["outstanding"] for i in before] == ["1000.00", "1000.00", "1000.00"]
