"""Receivables by role: only finance and admin write; a rep reads their territory only;
and what the API answers matches the schemas the OpenAPI document gives."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import API, Headers, database_state
from tests.factories import make_hospital


def post(client: FlaskClient, headers: Headers, path: str, body: Any, status: int = 201) -> Any:
    response = client.post(API + path, json=body, headers=headers)
    assert response.status_code == status, response.json
    return response.json


def invoice(number: str, customer: str) -> dict[str, Any]:
    return {
        "number": number,
        "customer_code": customer,
        "invoice_date": "2024-01-10",
        "amount": "1000",
        "due_date": "2024-02-10",
    }


@pytest.fixture
def world(client: FlaskClient, db: Session, token_for: Callable[..., Headers]) -> Headers:
    """Shanghai and Guangdong each have an invoice, a payment and a credit note; INV-SH
    is on hold. Returns a finance token."""
    make_hospital(db, "H-SH", "31")
    make_hospital(db, "H-GD", "44")
    finance = token_for("finance")
    for region in ("SH", "GD"):
        customer = f"H-{region}"
        post(client, finance, "/invoices", invoice(f"INV-{region}", customer))
        post(
            client,
            finance,
            "/payments",
            {
                "reference": f"PAY-{region}",
                "customer_code": customer,
                "date": "2024-02-01",
                "amount": "300",
                "allocations": [{"invoice_number": f"INV-{region}", "amount": "200"}],
            },
        )
        post(
            client,
            finance,
            "/credit-notes",
            {
                "number": f"CN-{region}",
                "customer_code": customer,
                "date": "2024-02-02",
                "amount": "50",
            },
        )
    post(client, finance, "/invoices/INV-SH/hold", {"reason": "dispute"}, 200)
    return finance


def writes(suffix: str) -> list[tuple[str, str, Any, int]]:
    """Every receivables write (method, path, body, status on success), with new keys."""
    return [
        (
            "POST",
            "/payment-terms",
            {
                "code": f"T-{suffix}",
                "name": "60 days",
                "instalments": [{"portion": "100", "rule": "days_after_base", "n": 60}],
            },
            201,
        ),
        ("POST", "/invoices", invoice(f"INV-{suffix}", "H-SH"), 201),
        ("POST", "/invoices/INV-SH/hold", {"reason": f"dispute {suffix}"}, 200),
        ("DELETE", "/invoices/INV-SH/hold", None, 200),
        (
            "POST",
            "/invoices/INV-SH/write-offs",
            {"date": "2024-06-30", "amount": "10", "reason": suffix},
            201,
        ),
        (
            "POST",
            "/payments",
            {
                "reference": f"PAY-{suffix}",
                "customer_code": "H-SH",
                "date": "2024-03-01",
                "amount": "100",
                "allocations": [{"invoice_number": "INV-SH", "amount": "100"}],
            },
            201,
        ),
        (
            "POST",
            "/credit-notes",
            {
                "number": f"CN-{suffix}",
                "customer_code": "H-SH",
                "date": "2024-03-01",
                "amount": "20",
                "invoice_number": "INV-SH",
            },
            201,
        ),
        # Outside a Shanghai rep's territory: refused for the role before anything else.
        ("POST", "/invoices/INV-GD/hold", {"reason": "dispute"}, 200),
        ("DELETE", "/invoices/INV-GD/hold", None, 200),
    ]


def test_only_finance_and_admin_write(
    client: FlaskClient,
    db: Session,
    world: Headers,
    token_for: Callable[..., Headers],
    subtests: pytest.Subtests,
) -> None:
    for role in ("manager", "rep"):
        headers = token_for(role, provinces=["31"])
        before = database_state(db)
        for method, path, body, _ in writes(role):
            with subtests.test(role=role, method=method, path=path):
                response = client.open(API + path, method=method, json=body, headers=headers)
                assert response.status_code == 403, response.json
                assert response.json["error"]["code"] == "forbidden"
                assert database_state(db) == before

    for role in ("finance", "admin"):
        headers = token_for(role, f"writer_{role}")
        for method, path, body, status in writes(role):
            with subtests.test(role=role, method=method, path=path):
                response = client.open(API + path, method=method, json=body, headers=headers)
                assert response.status_code == status, response.json
    # Two write-offs of 10, two payments of 100 and two credits of 20 on top of 200 paid.
    view = client.get(API + "/invoices/INV-SH?as_of=2024-06-30", headers=world).json
    assert view["outstanding"] == "540.00"


# (path, what a Shanghai rep gets: status, and the keys listed where it is a list)
REP_READS: list[tuple[str, int, list[str] | None]] = [
    ("/invoices?as_of=2024-06-30", 200, ["INV-SH"]),
    ("/invoices?as_of=2024-06-30&customer_code=H-GD", 200, []),
    ("/invoices/INV-SH", 200, None),
    ("/invoices/INV-GD", 404, None),
    ("/payments", 200, ["PAY-SH"]),
    ("/payments?customer_code=H-GD", 200, []),
    ("/payments/PAY-SH", 200, None),
    ("/payments/PAY-GD", 404, None),
    ("/credit-notes", 200, ["CN-SH"]),
    ("/credit-notes/CN-SH", 200, None),
    ("/credit-notes/CN-GD", 404, None),
    ("/payment-terms", 200, ["NET120", "NET180", "NET90", "VBP", "VBP30"]),
    ("/payment-terms/NET90", 200, None),
    ("/payment-terms/NET90/schedule?invoice_date=2024-01-01&amount=1", 200, None),
]


def _keys(body: dict[str, Any]) -> list[str]:
    return [item.get("number") or item.get("reference") or item["code"] for item in body["items"]]


@pytest.mark.usefixtures("world")
def test_a_rep_reads_their_territory_and_office_roles_read_everything(
    client: FlaskClient, token_for: Callable[..., Headers], subtests: pytest.Subtests
) -> None:
    rep = token_for("rep", provinces=["31"])
    for path, status, keys in REP_READS:
        with subtests.test(path=path):
            response = client.get(API + path, headers=rep)
            assert response.status_code == status, response.json
            if keys is not None:
                assert _keys(response.json) == keys
                assert response.json["total"] == len(keys)
    ageing = client.get(API + "/receivables/ageing?as_of=2024-06-30", headers=rep).json
    assert [(row["key"], row["total"]) for row in ageing["rows"]] == [
        ("H-SH", "650.00")
    ]  # 800 open, 150 unapplied

    for role in ("manager", "admin", "finance"):
        with subtests.test(role=role):
            headers = token_for(role, f"reader_{role}")
            listed = client.get(API + "/invoices?as_of=2024-06-30", headers=headers).json
            assert _keys(listed) == ["INV-GD", "INV-SH"]  # same date: the newer first
            assert client.get(API + "/invoices/INV-GD", headers=headers).status_code == 200
            assert client.get(API + "/payments/PAY-GD", headers=headers).status_code == 200
            rows = client.get(API + "/receivables/ageing?as_of=2024-06-30", headers=headers).json
            assert {row["key"] for row in rows["rows"]} == {"H-SH", "H-GD"}


def conforms(value: Any, schema: dict[str, Any], spec: dict[str, Any], where: str = "") -> None:
    """A small JSON Schema check: enough for the shapes the receivables API documents."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        problems = []
        for option in schema["anyOf"]:
            try:
                conforms(value, option, spec, where)
                return
            except AssertionError as exc:
                problems.append(str(exc))
        raise AssertionError(f"{where}: {problems}")
    types = schema.get("type")
    types = [types] if isinstance(types, str) else types or []
    python = {
        "object": dict,
        "array": list,
        "string": str,
        "integer": int,
        "boolean": bool,
        "null": type(None),
    }
    if types:
        assert any(
            isinstance(value, python[t]) and not (t == "integer" and isinstance(value, bool))
            for t in types
        ), f"{where}: {value!r} is not {types}"
    if isinstance(value, str):
        if "pattern" in schema:
            assert re.search(schema["pattern"], value), f"{where}: {value!r}"
        if schema.get("format") == "date":
            date.fromisoformat(value)
        if "enum" in schema:
            assert value in schema["enum"], f"{where}: {value!r}"
    if isinstance(value, dict):
        properties = schema.get("properties")
        if properties is not None:
            assert set(value) == set(properties), f"{where}: {set(value) ^ set(properties)}"
            assert set(schema.get("required", [])) <= set(value), where
            for name, item in value.items():
                conforms(item, properties[name], spec, f"{where}.{name}")
        elif "additionalProperties" in schema:
            for name, item in value.items():
                conforms(item, schema["additionalProperties"], spec, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            conforms(item, schema["items"], spec, f"{where}.{index}")


def test_answers_match_the_openapi_schemas(
    client: FlaskClient, world: Headers, subtests: pytest.Subtests
) -> None:
    spec = client.get(API + "/openapi.json").json
    write_off = post(
        client,
        world,
        "/invoices/INV-GD/write-offs",
        {"date": "2024-06-30", "amount": "1", "reason": "x"},
    )
    answers = [
        ("/payment-terms", "get", "200", client.get(API + "/payment-terms", headers=world)),
        (
            "/payment-terms/{code}",
            "get",
            "200",
            client.get(API + "/payment-terms/VBP", headers=world),
        ),
        (
            "/payment-terms/{code}/schedule",
            "get",
            "200",
            client.get(
                API + "/payment-terms/VBP/schedule?invoice_date=2024-01-01"
                "&acceptance_date=2024-01-02&amount=5",
                headers=world,
            ),
        ),
        ("/invoices", "get", "200", client.get(API + "/invoices?as_of=2024-06-30", headers=world)),
        ("/invoices/{number}", "get", "200", client.get(API + "/invoices/INV-SH", headers=world)),
        ("/payments", "get", "200", client.get(API + "/payments", headers=world)),
        (
            "/payments/{reference}",
            "get",
            "200",
            client.get(API + "/payments/PAY-SH", headers=world),
        ),
        ("/credit-notes", "get", "200", client.get(API + "/credit-notes", headers=world)),
        (
            "/credit-notes/{number}",
            "get",
            "200",
            client.get(API + "/credit-notes/CN-GD", headers=world),
        ),
        (
            "/receivables/ageing",
            "get",
            "200",
            client.get(API + "/receivables/ageing?as_of=2024-06-30", headers=world),
        ),
        (
            "/receivables/ageing/drilldown",
            "get",
            "200",
            client.get(
                API + "/receivables/ageing/drilldown?as_of=2024-06-30&key=H-SH", headers=world
            ),
        ),
        (
            "/invoices/{number}",
            "get",
            "422",
            client.get(API + "/invoices/INV-SH?as_of=x", headers=world),
        ),
        ("/receivables/ageing", "get", "401", client.get(API + "/receivables/ageing")),
    ]
    for path, method, status, response in answers:
        with subtests.test(path=path, status=status):
            assert str(response.status_code) == status, response.json
            schema = spec["paths"][path][method]["responses"][status]["content"]["application/json"]
            conforms(response.json, schema["schema"], spec, path)
    with subtests.test("write-off"):
        responses = spec["paths"]["/invoices/{number}/write-offs"]["post"]["responses"]
        conforms(write_off, responses["201"]["content"]["application/json"]["schema"], spec)
    with subtests.test("drill-down is not empty"):
        drilled = client.get(
            API + "/receivables/ageing/drilldown?as_of=2024-06-30&key=H-SH", headers=world
        ).json
        assert [item["invoice_number"] for item in drilled["items"]] == ["INV-SH"]
        assert drilled["items"][0]["on_hold"] is True
