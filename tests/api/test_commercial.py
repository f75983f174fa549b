"""Awards, agreed volumes, purchases, fulfilment, tenders and deadlines through the API,
on SQLite and PostgreSQL: what a commercial manager and a rep see, and bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import API, Headers, database_state
from tests.factories import make_distributor, make_hospital, make_product


def call(
    client: FlaskClient,
    method: str,
    headers: Headers,
    path: str,
    body: Any = None,
    status: int = 200,
) -> Any:
    response = client.open(API + path, method=method, json=body, headers=headers)
    assert response.status_code == status, response.json
    return response.json


AWARD = {
    "code": "VBP10-AML",
    "batch": "第十批国家集采",
    "product_code": "P-AML",
    "price": "0.15",
    "winners_count": 2,
    "rank": 1,
    "supply_provinces": ["31"],
    "backup_provinces": ["44"],
    "years": [
        {"year": 1, "start": "2024-01-01", "end": "2024-12-31"},
        {"year": 2, "start": "2025-01-01", "end": "2025-12-31"},
    ],
}


@pytest.fixture
def world(client: FlaskClient, db: Session, manager: Headers) -> Headers:
    """An award supplying Shanghai (Guangdong as backup) with two Shanghai hospitals and
    one in Guangdong; Beijing's hospital is outside the award."""
    make_product(db, "P-AML")
    make_product(db, "P-OTHER")
    for code, province in (("H-SH1", "31"), ("H-SH2", "31"), ("H-GD", "44"), ("H-BJ", "11")):
        make_hospital(db, code, province)
    call(client, "POST", manager, "/awards", AWARD, 201)
    return manager


def test_award_agreed_volumes_purchases_and_fulfilment(client: FlaskClient, world: Headers) -> None:
    award = call(client, "GET", world, "/awards/VBP10-AML")
    assert award["price"] == "0.15"
    assert award["supply_provinces"] == ["31"] and award["backup_provinces"] == ["44"]
    volumes = [
        {"hospital_code": "H-SH1", "year": 1, "quantity": 1000},
        {"hospital_code": "H-SH2", "year": 1, "quantity": 2000},
        # Only reported demand: 2 winners → 60 % is agreed.
        {"hospital_code": "H-GD", "year": 1, "reported_quantity": 1000},
    ]
    result = call(client, "PUT", world, "/awards/VBP10-AML/agreed-volumes", volumes)
    assert result["rows"] == 3
    purchases = [
        {"hospital_code": "H-SH1", "product_code": "P-AML", "date": "2024-03-01", "quantity": 400},
        {"hospital_code": "H-SH1", "product_code": "P-AML", "date": "2024-06-30", "quantity": 100},
        {"hospital_code": "H-SH2", "product_code": "P-AML", "date": "2024-05-01", "quantity": 500},
        # After as_of, another product, and before the year: none of them count.
        {"hospital_code": "H-SH2", "product_code": "P-AML", "date": "2024-07-02", "quantity": 9},
        {"hospital_code": "H-SH2", "product_code": "P-OTHER", "date": "2024-05-01", "quantity": 7},
        {"hospital_code": "H-GD", "product_code": "P-AML", "date": "2023-12-31", "quantity": 5},
        {"hospital_code": "H-GD", "product_code": "P-AML", "date": "2024-02-01", "quantity": 600},
    ]
    written = call(client, "POST", world, "/purchases", purchases, 201)
    assert written == {"received": 7, "written": 7, "duplicates": 0}
    # The same export sent again counts nothing twice.
    again = call(client, "POST", world, "/purchases", purchases[:3], 201)
    assert again == {"received": 3, "written": 0, "duplicates": 3}

    report = call(client, "GET", world, "/fulfilment?award=VBP10-AML&year=1&as_of=2024-07-01")
    rows = {row["key"]: row for row in report["rows"]}
    # 2024 is a leap year: 1 Jan … 1 Jul inclusive is 183 of 366 days, exactly half.
    assert rows["H-SH1"] == {
        "key": "H-SH1",
        "name": rows["H-SH1"]["name"],
        "agreed": 1000,
        "purchased": 500,
        "completion": "0.5000",
        "time_progress": "0.5000",
        "lagging": False,
        "projected": "1.0000",
        "excess": 0,
        "at_risk": False,
    }
    assert rows["H-SH2"]["completion"] == "0.2500" and rows["H-SH2"]["lagging"] is True
    assert rows["H-SH2"]["projected"] == "0.5000" and rows["H-SH2"]["at_risk"] is True
    assert rows["H-GD"]["agreed"] == 600 and rows["H-GD"]["purchased"] == 600
    assert rows["H-GD"]["completion"] == "1.0000" and rows["H-GD"]["projected"] == "2.0000"
    assert report["totals"]["agreed"] == 3600 and report["totals"]["purchased"] == 1600

    by_province = call(
        client,
        "GET",
        world,
        "/fulfilment?award=VBP10-AML&year=1&as_of=2024-07-01&group_by=province",
    )
    provinces = {row["key"]: row for row in by_province["rows"]}
    assert provinces["31"]["agreed"] == 3000 and provinces["31"]["purchased"] == 1000
    assert provinces["44"]["purchased"] == 600
    assert by_province["totals"] == report["totals"]


def test_fulfilment_by_distributor(client: FlaskClient, db: Session, world: Headers) -> None:
    make_distributor(db, "D-SH", "31", name="上海医药")
    make_distributor(db, "D-GD", "44", name="广州医药")
    volumes = [
        {"hospital_code": code, "year": 1, "quantity": quantity}
        for code, quantity in (("H-SH1", 1000), ("H-SH2", 2000), ("H-GD", 600))
    ]
    call(client, "PUT", world, "/awards/VBP10-AML/agreed-volumes", volumes)
    purchases = [
        {"hospital_code": hospital, "product_code": "P-AML", "date": day, "quantity": quantity,
         "distributor_code": distributor}
        for hospital, day, quantity, distributor in (
            ("H-SH1", "2024-03-01", 300, "D-SH"),
            ("H-SH1", "2024-04-01", 200, "D-GD"),  # H-SH1's main distributor is D-SH
            ("H-GD", "2024-03-01", 600, "D-GD"),
            ("H-SH2", "2024-03-01", 50, None),  # delivered by nobody named
        )
    ]  # fmt: skip
    call(client, "POST", world, "/purchases", purchases, 201)

    query = "/fulfilment?award=VBP10-AML&year=1&as_of=2024-07-01"
    report = call(client, "GET", world, query + "&group_by=distributor")
    assert report["group_by"] == "distributor"
    assert [(r["key"], r["name"], r["agreed"], r["purchased"]) for r in report["rows"]] == [
        ("D-GD", "广州医药", 600, 600),
        # H-SH1 goes whole to D-SH: the 200 D-GD delivered there count here.
        ("D-SH", "上海医药", 1000, 500),
        ("-", "(no distributor)", 2000, 50),
    ]
    assert report["rows"][1]["completion"] == "0.5000" and report["rows"][1]["lagging"] is False
    assert report["totals"] == call(client, "GET", world, query)["totals"]
    schema = client.get(API + "/openapi.json").json["components"]["schemas"]
    assert set(report["rows"][0]) == set(schema["FulfilmentRow"]["properties"])
    assert "distributor" in schema["Fulfilment"]["properties"]["group_by"]["enum"]


def test_bad_agreed_volumes_and_purchases_write_nothing(
    client: FlaskClient, db: Session, world: Headers
) -> None:
    before = database_state(db)
    problems = call(
        client,
        "PUT",
        world,
        "/awards/VBP10-AML/agreed-volumes",
        [
            {"hospital_code": "H-SH1", "year": 3, "quantity": 10},  # no year 3
            {"hospital_code": "H-BJ", "year": 1, "quantity": 10},  # Beijing not supplied
            {"hospital_code": "H-NONE", "year": 1, "quantity": 10},
            {"hospital_code": "H-SH2", "year": 1, "quantity": -1},
            {"hospital_code": "H-SH2", "year": 1, "quantity": 1.5},
        ],
        422,
    )["error"]["fields"]
    assert "no agreement year 3" in problems["0.year"]
    assert "does not supply" in problems["1.hospital_code"]
    assert "H-NONE" in problems["2.hospital_code"]
    assert "at least 0" in problems["3.quantity"]
    assert "whole number" in problems["4.quantity"]
    problems = call(
        client,
        "POST",
        world,
        "/purchases",
        [
            {
                "hospital_code": "H-SH1",
                "product_code": "P-AML",
                "date": "2024-03-01",
                "quantity": 4,
            },
            {
                "hospital_code": "H-SH1",
                "product_code": "P-NONE",
                "date": "2024-03-01",
                "quantity": 4,
            },
            {
                "hospital_code": "H-SH1",
                "product_code": "P-AML",
                "date": "2024-03-01",
                "quantity": -4,
            },
        ],
        422,
    )["error"]["fields"]
    assert set(problems) == {"1.product_code", "2.quantity"}
    assert database_state(db) == before


def test_roles_and_territory(
    client: FlaskClient, world: Headers, token_for: Callable[..., Headers]
) -> None:
    call(
        client,
        "PUT",
        world,
        "/awards/VBP10-AML/agreed-volumes",
        [
            {"hospital_code": "H-SH1", "year": 1, "quantity": 100},
            {"hospital_code": "H-GD", "year": 1, "quantity": 100},
        ],
    )
    rep = token_for("rep", provinces=["44"])
    finance = token_for("finance")
    for headers in (rep, finance):
        call(client, "POST", headers, "/awards", {**AWARD, "code": "X"}, 403)
        call(client, "POST", headers, "/purchases", [], 403)
        call(client, "PUT", headers, "/awards/VBP10-AML/agreed-volumes", [], 403)
        call(
            client,
            "POST",
            headers,
            "/tenders",
            {"code": "T", "title": "t", "kind": "alliance"},
            403,
        )
    report = call(client, "GET", rep, "/fulfilment?award=VBP10-AML&as_of=2024-07-01")
    assert [row["key"] for row in report["rows"]] == ["H-GD"]
    assert report["totals"]["agreed"] == 100


def test_fulfilment_bad_parameters(client: FlaskClient, world: Headers) -> None:
    assert call(client, "GET", world, "/fulfilment", status=422)["error"]["fields"]["award"]
    call(client, "GET", world, "/fulfilment?award=NOPE", status=404)
    bad = call(client, "GET", world, "/fulfilment?award=VBP10-AML&year=7", status=422)
    assert "year" in bad["error"]["fields"]
    bad = call(client, "GET", world, "/fulfilment?award=VBP10-AML&group_by=x", status=422)
    assert bad["error"]["fields"]["group_by"] == (
        "Choose one of: hospital, province, rep, distributor."
    )
    bad = call(client, "GET", world, "/fulfilment?award=VBP10-AML&as_of=2024-13-01", status=422)
    assert "as_of" in bad["error"]["fields"]
    call(client, "POST", world, "/awards", AWARD, 409)


def test_tender_pipeline_won_line_becomes_award_and_deadlines(
    client: FlaskClient, db: Session, world: Headers
) -> None:
    tender = {
        "code": "T-11",
        "title": "第十一批国家集采",
        "kind": "national_vbp",
        "province_codes": ["31", "44"],
        "dates": {"registration": "2024-03-05", "documents": "2024-03-12", "bid": "2024-03-20"},
    }
    created = call(client, "POST", world, "/tenders", tender, 201)
    assert created["status"] == "planned" and created["province_codes"] == ["31", "44"]
    call(
        client,
        "POST",
        world,
        "/tenders",
        {
            "code": "T-OLD",
            "title": "旧",
            "kind": "alliance",
            "status": "withdrawn",
            "dates": {"bid": "2024-03-06"},
        },
        201,
    )
    call(
        client,
        "POST",
        world,
        "/tenders/T-11/status",
        {"status": "registered", "date": "2024-03-04", "note": "报名完成"},
        201,
    )
    line = call(
        client,
        "POST",
        world,
        "/tenders/T-11/lines",
        {"product_code": "P-AML", "price_per_unit": "0.12", "reported_quantity": 5000},
        201,
    )
    assert line["lines"][0]["price_per_pack"] == line["lines"][0]["price_per_unit"]  # pack of 1
    call(
        client,
        "POST",
        world,
        "/tenders/T-11/documents",
        {"name": "GMP 证书", "expires": "2025-06-30", "ready": True},
        201,
    )
    line_id = line["lines"][0]["id"]
    award = call(
        client,
        "POST",
        world,
        f"/tenders/T-11/lines/{line_id}/award",
        {
            "code": "VBP11-AML",
            "winners_count": 4,
            "years": [{"year": 1, "start": "2024-06-01", "end": "2025-05-31"}],
        },
        201,
    )
    assert award["price"] == "0.12" and award["batch"] == "第十一批国家集采"
    assert award["supply_provinces"] == ["31", "44"]
    page = call(client, "GET", world, "/tenders/T-11")
    assert page["lines"][0]["outcome"] == "won" and page["lines"][0]["award"] == "VBP11-AML"
    assert [h["status"] for h in page["history"]] == ["planned", "registered"]
    assert page["history"][1]["note"] == "报名完成" and page["history"][1]["by"] == "api_manager"
    call(
        client,
        "POST",
        world,
        f"/tenders/T-11/lines/{line_id}/award",
        {
            "code": "VBP11-B",
            "winners_count": 4,
            "years": [{"year": 1, "start": "2024-06-01", "end": "2025-05-31"}],
        },
        409,
    )

    feed = call(client, "GET", world, "/deadlines?as_of=2024-03-05&within=15")
    assert [(i["date"], i["kind"], i["ref"]) for i in feed["items"]] == [
        ("2024-03-05", "tender_registration", "T-11"),
        ("2024-03-12", "tender_documents", "T-11"),
        ("2024-03-20", "tender_bid", "T-11"),
    ]  # the withdrawn tender's bid date is not listed
    ends = call(client, "GET", world, "/deadlines?as_of=2024-12-01&within=31")
    assert [(i["date"], i["kind"], i["ref"]) for i in ends["items"]] == [
        ("2024-12-31", "agreement_year_end", "VBP10-AML")
    ]
    assert call(client, "GET", world, "/deadlines?within=-1", status=422)["error"]["fields"][
        "within"
    ]


def test_lists_cost_a_few_queries_whatever_their_length(
    client: FlaskClient, app: Any, world: Headers
) -> None:
    from sqlalchemy import event

    from vbptrack.db import get_engine

    for number in range(12):
        call(client, "POST", world, "/tenders",
             {"code": f"T{number}", "title": "t", "kind": "alliance", "province_codes": ["31"]},
             201)  # fmt: skip
        call(client, "POST", world, "/awards", {**AWARD, "code": f"A{number}"}, 201)
    with app.app_context():
        engine = get_engine(app)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        tenders = call(client, "GET", world, "/tenders?per_page=100")
        tender_statements = len(statements)
        statements.clear()
        awards_page = call(client, "GET", world, "/awards?per_page=100")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert tenders["total"] == 12 and tenders["items"][0]["province_codes"] == ["31"]
    assert awards_page["total"] == 13 and awards_page["items"][0]["supply_provinces"] == ["31"]
    assert tender_statements <= 8 and len(statements) <= 10, (tender_statements, statements)
