"""Payment terms through the JSON API: create, read, list, and the schedules they give."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import API, Headers, database_state
from tests.factories import make_hospital
from vbptrack.services import terms as term_service
from vbptrack.services.access import SYSTEM

SPLIT = {
    "code": "S30-70",
    "name": "30% at once, 70% after 60 days",
    "instalments": [
        {"portion": "30", "rule": "days_after_base", "n": 0},
        {"portion": "70.0", "rule": "days_after_base", "n": 60, "base": "invoice_date"},
    ],
}
SPLIT_STORED = {
    "code": "S30-70",
    "name": "30% at once, 70% after 60 days",
    "instalments": [
        {"portion": "30", "rule": "days_after_base", "n": 0, "base": "invoice_date"},
        {"portion": "70", "rule": "days_after_base", "n": 60, "base": "invoice_date"},
    ],
}
SEEDED = ["NET120", "NET180", "NET90", "VBP", "VBP30"]


def one(rule: str, n: int, base: str = "invoice_date") -> list[dict[str, Any]]:
    return [{"portion": "100", "rule": rule, "n": n, "base": base}]


# instalments → the field the 422 names
BAD_TERMS = [
    ([{"portion": "30", "rule": "days_after_base", "n": 0}], "instalments"),
    (
        [
            {"portion": "30", "rule": "days_after_base", "n": 0},
            {"portion": "60", "rule": "days_after_base", "n": 30},
        ],
        "instalments",
    ),
    (
        [
            {"portion": "50.005", "rule": "days_after_base", "n": 0},
            {"portion": "50", "rule": "days_after_base", "n": 30},
        ],
        "instalments",
    ),
    (
        [
            {"portion": "0", "rule": "days_after_base", "n": 0},
            {"portion": "100", "rule": "days_after_base", "n": 30},
        ],
        "instalments.0.portion",
    ),
    ([], "instalments"),
    (one("weeks_after_base", 2), "instalments.0.rule"),
    (one("days_after_base", -1), "instalments.0.n"),
    (one("days_after_base", 30, "delivery_date"), "instalments.0.base"),
    ([{"portion": "100", "rule": "days_after_base"}], "instalments.0.n"),
    ("NET30", "instalments"),
]


def test_create_read_and_list_payment_terms(
    client: FlaskClient, db: Session, token_for: Callable[..., Headers], subtests: pytest.Subtests
) -> None:
    finance = token_for("finance")

    created = client.post(API + "/payment-terms", json=SPLIT, headers=finance)
    assert created.status_code == 201, created.json
    assert created.json == SPLIT_STORED
    assert client.get(API + "/payment-terms/S30-70", headers=finance).json == SPLIT_STORED
    vbp = client.get(API + "/payment-terms/VBP", headers=finance).json
    assert vbp["instalments"] == one("end_of_month_after_months", 1, "acceptance_date")

    listed = client.get(API + "/payment-terms?per_page=3&page=2", headers=finance).json
    assert listed["total"] == 6
    assert [t["code"] for t in listed["items"]] == ["S30-70", "VBP", "VBP30"]
    assert listed["items"][0] == SPLIT_STORED

    before = database_state(db)
    for instalments, field in BAD_TERMS:
        with subtests.test(instalments=instalments):
            body = {"code": "BAD", "name": "bad", "instalments": instalments}
            response = client.post(API + "/payment-terms", json=body, headers=finance)
            assert response.status_code == 422, response.json
            assert set(response.json["error"]["fields"]) == {field}
            assert database_state(db) == before

    with subtests.test("duplicate code"):
        response = client.post(API + "/payment-terms", json=SPLIT, headers=finance)
        assert response.status_code == 409
        assert set(response.json["error"]["fields"]) == {"code"}
        assert database_state(db) == before

    with subtests.test("unknown code"):
        assert client.get(API + "/payment-terms/NOPE", headers=finance).status_code == 404

    with subtests.test("a code with a slash"):
        body = {**SPLIT, "code": "SH/60", "instalments": one("days_after_base", 60)}
        assert client.post(API + "/payment-terms", json=body, headers=finance).status_code == 201
        assert client.get(API + "/payment-terms/SH/60", headers=finance).json["code"] == "SH/60"
        schedule = client.get(
            API + "/payment-terms/SH/60/schedule?invoice_date=2024-01-01&amount=10",
            headers=finance,
        )
        assert schedule.json["instalments"] == [{"due_date": "2024-03-01", "amount": "10.00"}]


# (term code, invoice_date, acceptance_date, amount) → [(due date, amount)]
SCHEDULES = [
    # 1. N days after base
    ("D30", "2024-01-31", None, "100", [("2024-03-01", "100.00")]),
    ("D30", "2023-01-31", None, "100", [("2023-03-02", "100.00")]),
    ("D0", "2024-02-29", None, "12.5", [("2024-02-29", "12.50")]),
    ("NET90", "2024-01-02", None, "1000", [("2024-04-01", "1000.00")]),
    # 2. N days after the end of the base's month
    ("ME0", "2024-02-10", None, "1", [("2024-02-29", "1.00")]),
    ("ME0", "2023-02-10", None, "1", [("2023-02-28", "1.00")]),
    ("ME15", "2023-12-05", None, "1", [("2024-01-15", "1.00")]),
    ("ME15", "2024-02-01", None, "1", [("2024-03-15", "1.00")]),
    # 3. N months after base, clamped to the month's end
    ("M1", "2024-01-31", None, "1", [("2024-02-29", "1.00")]),
    ("M1", "2023-01-31", None, "1", [("2023-02-28", "1.00")]),
    ("M1", "2024-03-31", None, "1", [("2024-04-30", "1.00")]),
    ("M12", "2024-02-29", None, "1", [("2025-02-28", "1.00")]),
    ("M3", "2024-11-30", None, "1", [("2025-02-28", "1.00")]),
    # 4. end of the Nth month after the base's month
    ("EOM1", "2016-01-22", None, "1", [("2016-02-29", "1.00")]),
    ("EOM1", "2020-06-11", None, "1", [("2020-07-31", "1.00")]),
    ("EOM1", "2024-12-15", None, "1", [("2025-01-31", "1.00")]),
    ("EOM0", "2024-02-01", None, "1", [("2024-02-29", "1.00")]),
    # acceptance-based: the seeded VBP terms
    ("VBP", "2024-01-05", "2024-01-20", "500", [("2024-02-29", "500.00")]),
    ("VBP", "2024-01-05", "2023-12-28", "500", [("2024-01-31", "500.00")]),
    ("VBP30", "2024-02-10", "2024-02-15", "500", [("2024-03-16", "500.00")]),
    # split terms: each portion rounds half up, the last takes the remainder
    ("S30-70", "2024-01-01", None, "100.01", [("2024-01-01", "30.00"), ("2024-03-01", "70.01")]),
    (
        "THIRDS",
        "2024-01-01",
        None,
        "100",
        [("2024-01-31", "33.33"), ("2024-03-01", "33.33"), ("2024-03-31", "33.34")],
    ),
    (
        "THIRDS",
        "2024-01-01",
        None,
        "0.10",
        [("2024-01-31", "0.03"), ("2024-03-01", "0.03"), ("2024-03-31", "0.04")],
    ),
    (
        "MIXED",
        "2024-01-10",
        "2024-03-05",
        "1000",
        [("2024-01-10", "30.00"), ("2024-04-30", "970.00")],
    ),
]
TERMS = {
    "D30": one("days_after_base", 30),
    "D0": one("days_after_base", 0),
    "ME0": one("days_after_base_month_end", 0),
    "ME15": one("days_after_base_month_end", 15),
    "M1": one("months_after_base", 1),
    "M3": one("months_after_base", 3),
    "M12": one("months_after_base", 12),
    "EOM0": one("end_of_month_after_months", 0),
    "EOM1": one("end_of_month_after_months", 1),
    "S30-70": SPLIT["instalments"],
    "THIRDS": [
        {"portion": "33.33", "rule": "days_after_base", "n": 30},
        {"portion": "33.33", "rule": "days_after_base", "n": 60},
        {"portion": "33.34", "rule": "days_after_base", "n": 90},
    ],
    "MIXED": [
        {"portion": "3", "rule": "days_after_base", "n": 0},
        {"portion": "97", "rule": "end_of_month_after_months", "n": 1, "base": "acceptance_date"},
    ],
}
# query → the parameter the 422 names
BAD_QUERIES = [
    ("VBP", "invoice_date=2024-01-05&amount=1", "acceptance_date"),
    ("MIXED", "invoice_date=2024-01-05&amount=1", "acceptance_date"),
    ("D30", "amount=1", "invoice_date"),
    ("D30", "invoice_date=&amount=1", "invoice_date"),
    ("D30", "invoice_date=2024-02-30&amount=1", "invoice_date"),
    ("D30", "invoice_date=20240105&amount=1", "invoice_date"),
    ("D30", "invoice_date=2024-01-05", "amount"),
    ("D30", "invoice_date=2024-01-05&amount=1.234", "amount"),
    ("D30", "invoice_date=2024-01-05&amount=-5", "amount"),
    ("D30", "invoice_date=2024-01-05&amount=0", "amount"),
    ("D30", "invoice_date=2024-01-05&amount=lots", "amount"),
    ("VBP", "invoice_date=2024-01-05&acceptance_date=soon&amount=1", "acceptance_date"),
    ("D30", "invoice_date=2024-01-05&amount=1e40", "amount"),
    # The due date would fall after 9999-12-31.
    ("D30", "invoice_date=9999-12-15&amount=1", "invoice_date"),
    ("VBP", "invoice_date=2024-01-05&acceptance_date=9999-12-15&amount=1", "acceptance_date"),
]


def test_schedules_for_every_rule(
    client: FlaskClient, db: Session, token_for: Callable[..., Headers], subtests: pytest.Subtests
) -> None:
    finance = token_for("finance")
    for code, instalments in TERMS.items():
        body = {"code": code, "name": code, "instalments": instalments}
        assert client.post(API + "/payment-terms", json=body, headers=finance).status_code == 201

    for code, invoice_date, acceptance_date, amount, expected in SCHEDULES:
        with subtests.test(code=code, invoice_date=invoice_date, amount=amount):
            query = {"invoice_date": invoice_date, "amount": amount}
            if acceptance_date:
                query["acceptance_date"] = acceptance_date
            response = client.get(
                f"{API}/payment-terms/{code}/schedule", query_string=query, headers=finance
            )
            assert response.status_code == 200, response.json
            assert response.json == {
                "payment_term": code,
                "instalments": [{"due_date": d, "amount": a} for d, a in expected],
            }

    for code, query, field in BAD_QUERIES:
        with subtests.test(code=code, query=query):
            response = client.get(f"{API}/payment-terms/{code}/schedule?{query}", headers=finance)
            assert response.status_code == 422, response.json
            assert set(response.json["error"]["fields"]) == {field}

    with subtests.test("unknown term"):
        response = client.get(
            API + "/payment-terms/NOPE/schedule?invoice_date=2024-01-05&amount=1", headers=finance
        )
        assert response.status_code == 404


def test_vbp_schedule_follows_the_customers_province(
    client: FlaskClient, db: Session, token_for: Callable[..., Headers]
) -> None:
    """Guangdong settles VBP 30 days after acceptance; Shanghai keeps the national rule."""
    make_hospital(db, "H-GD", "44")
    make_hospital(db, "H-SH", "31")
    term_service.set_province_vbp_term(db, actor=SYSTEM, province_code="44", term_code="VBP30")
    rep = token_for("rep", provinces=["44"])
    query = "invoice_date=2024-01-05&acceptance_date=2024-01-20&amount=80"

    def schedule(customer: str) -> Any:
        return client.get(
            f"{API}/payment-terms/VBP/schedule?{query}&customer_code={customer}", headers=rep
        )

    assert schedule("H-GD").json == {
        "payment_term": "VBP30",
        "instalments": [{"due_date": "2024-02-19", "amount": "80.00"}],
    }
    # Outside the rep's territory the customer is unknown.
    assert schedule("H-SH").status_code == 422
    assert set(schedule("H-SH").json["error"]["fields"]) == {"customer_code"}
    national = client.get(f"{API}/payment-terms/VBP/schedule?{query}", headers=rep)
    assert national.json["instalments"] == [{"due_date": "2024-02-29", "amount": "80.00"}]


def test_province_vbp_term_is_set_read_and_reset(
    client: FlaskClient, db: Session, token_for: Callable[..., Headers]
) -> None:
    finance = token_for("finance")
    listed = client.get(API + "/provinces/vbp-terms", headers=token_for("rep", provinces=["31"]))
    assert listed.status_code == 200
    assert len(listed.json["items"]) == 31
    guangdong = next(i for i in listed.json["items"] if i["province_code"] == "44")
    assert guangdong == {
        "province_code": "44",
        "province": "广东省",
        "province_en": "Guangdong",
        "payment_term": None,
        "payment_term_name": None,
    }

    # By name, as imports accept it.
    response = client.put(
        API + "/provinces/广东/vbp-term", json={"payment_term": "VBP30"}, headers=finance
    )
    assert response.status_code == 200
    assert (response.json["province_code"], response.json["payment_term"]) == ("44", "VBP30")
    make_hospital(db, "H-GD", "44")
    schedule = client.get(
        API + "/payment-terms/VBP/schedule?invoice_date=2024-01-05&acceptance_date=2024-01-20"
        "&amount=80&customer_code=H-GD",
        headers=finance,
    )
    assert schedule.json["instalments"] == [{"due_date": "2024-02-19", "amount": "80.00"}]

    response = client.put(
        API + "/provinces/44/vbp-term", json={"payment_term": None}, headers=finance
    )
    assert response.json["payment_term"] is None
    again = client.get(API + "/provinces/vbp-terms", headers=finance).json["items"]
    assert next(i for i in again if i["province_code"] == "44")["payment_term"] is None


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/provinces/44/vbp-term", {"payment_term": "NOPE"}, 422, "payment_term"),
        ("/provinces/44/vbp-term", {"payment_term": 30}, 422, "payment_term"),
        ("/provinces/44/vbp-term", {}, 422, "payment_term"),
        ("/provinces/44/vbp-term", {"payment_term": "VBP30", "extra": 1}, 422, "payment_term"),
        ("/provinces/99/vbp-term", {"payment_term": "VBP30"}, 404, None),
    ],
)
def test_bad_province_vbp_term_writes_nothing(
    client: FlaskClient,
    db: Session,
    token_for: Callable[..., Headers],
    path: str,
    body: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    finance = token_for("finance")
    before = database_state(db)
    response = client.put(API + path, json=body, headers=finance)
    assert response.status_code == status
    if field:
        assert field in response.json["error"]["fields"]
    assert database_state(db) == before


def test_only_finance_and_admin_set_a_province_rule(
    client: FlaskClient, db: Session, token_for: Callable[..., Headers]
) -> None:
    headers = {role: token_for(role) for role in ("manager", "rep")}
    before = database_state(db)
    for role in ("manager", "rep"):
        response = client.put(
            API + "/provinces/44/vbp-term", json={"payment_term": "VBP30"}, headers=headers[role]
        )
        assert response.status_code == 403, role
    assert database_state(db) == before
    admin = client.put(
        API + "/provinces/44/vbp-term", json={"payment_term": "VBP30"}, headers=token_for("admin")
    )
    assert admin.status_code == 200
