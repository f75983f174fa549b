"""The receivables ageing through the JSON API: both bases, custom limits, every grouping,
totals that are the sum of the rows, and the drill-down behind a row or a cell."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import API, Headers
from tests.factories import api_token, make_distributor, make_hospital, make_user
from vbptrack.services import users as user_service

DUE_COLUMNS = ["not_due", "1-30", "31-60", "61-90", "91-180", "181-365", ">365"]
AS_OF = "2024-06-30"


def post(client: FlaskClient, headers: Headers, path: str, body: Any) -> Any:
    response = client.post(API + path, json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def finance(client: FlaskClient, db: Session, token_for: Callable[..., Headers]) -> Headers:
    """As of 2024-06-30:

    H-A (Shanghai, rep_a): A1 1000 due today; A2 2000 due 2024-05-31 (paid after as_of);
        A3 500 due 2023-06-10.
    H-B (Shanghai, rep_b): B1 3000 = 900 due 2024-01-15 + 2100 due 2024-05-14; 600 of a
        1000 payment went to it, 400 is unapplied.
    H-C (Guangdong, no rep): C1 700 delivered by D-SH, due 2024-07-31; C2 dated after as_of.
    H-D (Shanghai): D1 paid in full. D-SH (a distributor, Shanghai): E1 400 due 2024-04-30.
    """
    make_user(db, "rep_a", "rep", provinces=["31"])
    make_user(db, "rep_b", "rep")
    make_hospital(db, "H-A", "31", name="瑞金医院", rep="rep_a")
    make_hospital(db, "H-B", "31", name="仁济医院", rep="rep_b")
    make_hospital(db, "H-C", "44", name="中山一院")
    make_hospital(db, "H-D", "31")
    make_distributor(db, "D-SH", "31", name="国药控股上海")
    headers = token_for("finance")
    post(
        client,
        headers,
        "/payment-terms",
        {
            "code": "T30-70-120",
            "name": "30% at once, 70% after 120 days",
            "instalments": [
                {"portion": "30", "rule": "days_after_base", "n": 0},
                {"portion": "70", "rule": "days_after_base", "n": 120},
            ],
        },
    )
    for number, customer, day, amount, extra in (
        ("A1", "H-A", "2024-06-15", "1000", {"due_date": "2024-06-30"}),
        ("A2", "H-A", "2024-03-01", "2000", {"due_date": "2024-05-31"}),
        ("A3", "H-A", "2023-01-10", "500", {"due_date": "2023-06-10"}),
        ("B1", "H-B", "2024-01-15", "3000", {"payment_term": "T30-70-120"}),
        ("C1", "H-C", "2024-06-01", "700", {"due_date": "2024-07-31", "distributor_code": "D-SH"}),
        ("C2", "H-C", "2024-07-05", "999", {"due_date": "2024-07-05"}),
        ("D1", "H-D", "2024-05-01", "300", {"due_date": "2024-05-31"}),
        ("E1", "D-SH", "2024-04-01", "400", {"due_date": "2024-04-30"}),
    ):
        body = {
            "number": number,
            "customer_code": customer,
            "invoice_date": day,
            "amount": amount,
            **extra,
        }
        post(client, headers, "/invoices", body)
    for reference, customer, day, amount, invoice, allocated in (
        ("PAY-B", "H-B", "2024-06-01", "1000", "B1", "600"),
        ("PAY-D", "H-D", "2024-06-20", "300", "D1", "300"),
        ("PAY-LATE", "H-A", "2024-07-10", "2000", "A2", "2000"),
    ):
        body = {
            "reference": reference,
            "customer_code": customer,
            "date": day,
            "amount": amount,
            "allocations": [{"invoice_number": invoice, "amount": allocated}],
        }
        post(client, headers, "/payments", body)
    return headers


def money(value: int) -> str:
    return f"{value}.00"


Row = tuple[str, list[int], int, int]  # key, amounts in column order, unapplied, total
# query → (columns, rows in the report's order: largest total first)
REPORTS: list[tuple[str, list[str], list[Row]]] = [
    (
        f"as_of={AS_OF}",
        DUE_COLUMNS,
        [
            ("H-A", [1000, 2000, 0, 0, 0, 0, 500], 0, 3500),
            ("H-B", [0, 0, 2100, 0, 300, 0, 0], -400, 2000),
            ("H-C", [700, 0, 0, 0, 0, 0, 0], 0, 700),
            ("D-SH", [0, 0, 0, 400, 0, 0, 0], 0, 400),
        ],
    ),
    (
        f"as_of={AS_OF}&basis=due_date&group_by=customer&limits=30,60",
        ["not_due", "1-30", "31-60", ">60"],
        [
            ("H-A", [1000, 2000, 0, 500], 0, 3500),
            ("H-B", [0, 0, 2100, 300], -400, 2000),
            ("H-C", [700, 0, 0, 0], 0, 700),
            ("D-SH", [0, 0, 0, 400], 0, 400),
        ],
    ),
    (
        f"as_of={AS_OF}&basis=invoice_date",
        ["0-90", "91-180", "181-365", ">365"],
        [
            ("H-A", [1000, 2000, 0, 500], 0, 3500),
            ("H-B", [0, 2400, 0, 0], -400, 2000),
            ("H-C", [700, 0, 0, 0], 0, 700),
            ("D-SH", [400, 0, 0, 0], 0, 400),  # exactly 90 days old
        ],
    ),
    (
        f"as_of={AS_OF}&basis=invoice_date&limits=30,120",
        ["0-30", "31-120", ">120"],
        [
            ("H-A", [1000, 0, 2500], 0, 3500),
            ("H-B", [0, 0, 2400], -400, 2000),
            ("H-C", [700, 0, 0], 0, 700),
            ("D-SH", [0, 400, 0], 0, 400),
        ],
    ),
    (
        f"as_of={AS_OF}&group_by=province",
        DUE_COLUMNS,
        [
            ("31", [1000, 2000, 2100, 400, 300, 0, 500], -400, 5900),
            ("44", [700, 0, 0, 0, 0, 0, 0], 0, 700),
        ],
    ),
    (
        f"as_of={AS_OF}&group_by=rep",
        DUE_COLUMNS,
        [
            ("rep_a", [1000, 2000, 0, 0, 0, 0, 500], 0, 3500),
            ("rep_b", [0, 0, 2100, 0, 300, 0, 0], -400, 2000),
            ("-", [700, 0, 0, 400, 0, 0, 0], 0, 1100),
        ],
    ),
    (
        f"as_of={AS_OF}&group_by=distributor&basis=invoice_date&limits=365",
        ["0-365", ">365"],
        [
            ("-", [5400, 500], -400, 5500),
            ("D-SH", [1100, 0], 0, 1100),
        ],
    ),
    (
        # Ten days later the late payment and C2 count.
        "as_of=2024-07-10",
        DUE_COLUMNS,
        [
            ("H-B", [0, 0, 2100, 0, 300, 0, 0], -400, 2000),
            ("H-C", [700, 999, 0, 0, 0, 0, 0], 0, 1699),
            ("H-A", [0, 1000, 0, 0, 0, 0, 500], 0, 1500),
            ("D-SH", [0, 0, 0, 400, 0, 0, 0], 0, 400),
        ],
    ),
    # Before anything was invoiced there is nothing to show.
    ("as_of=2022-12-31", DUE_COLUMNS, []),
]
NAMES = {
    "H-A": "瑞金医院",
    "H-B": "仁济医院",
    "H-C": "中山一院",
    "D-SH": "国药控股上海",
    "31": "Shanghai",
    "44": "Guangdong",
    "rep_a": "rep_a",
    "rep_b": "rep_b",
}


def check_totals(report: dict[str, Any]) -> None:
    """Each row's total is its amounts plus unapplied; the totals are the sum of the rows."""
    for row in report["rows"]:
        assert list(row["amounts"]) == sorted(report["columns"])  # every column, nothing else
        assert Decimal(row["total"]) == sum(map(Decimal, row["amounts"].values())) + Decimal(
            row["unapplied"]
        )
        assert Decimal(row["unapplied"]) <= 0
    totals = report["totals"]
    for column in report["columns"]:
        assert Decimal(totals["amounts"][column]) == sum(
            (Decimal(row["amounts"][column]) for row in report["rows"]), Decimal(0)
        )
    for field in ("unapplied", "total"):
        assert Decimal(totals[field]) == sum(
            (Decimal(row[field]) for row in report["rows"]), Decimal(0)
        )


def test_ageing_on_both_bases_every_grouping_and_custom_limits(
    client: FlaskClient, finance: Headers, subtests: pytest.Subtests
) -> None:
    for query, columns, rows in REPORTS:
        with subtests.test(query=query):
            response = client.get(f"{API}/receivables/ageing?{query}", headers=finance)
            assert response.status_code == 200, response.json
            report = response.json
            assert set(report) == {"as_of", "basis", "columns", "rows", "totals"}
            assert report["basis"] == ("invoice_date" if "invoice_date" in query else "due_date")
            assert report["columns"] == columns
            assert [
                (
                    r["key"],
                    [r["amounts"][c] for c in columns],
                    r["unapplied"],
                    r["total"],
                )
                for r in report["rows"]
            ] == [
                (key, [money(a) for a in amounts], money(unapplied), money(total))
                for key, amounts, unapplied, total in rows
            ]
            for row in report["rows"]:
                assert row["name"] == NAMES.get(row["key"], row["name"])
            check_totals(report)

    report = client.get(f"{API}/receivables/ageing?as_of={AS_OF}", headers=finance).json
    assert report["as_of"] == AS_OF
    assert report["totals"] == {
        "amounts": dict(
            zip(DUE_COLUMNS, map(money, [1700, 2000, 2100, 400, 300, 0, 500]), strict=True)
        ),
        "unapplied": "-400.00",
        "total": "6600.00",
    }
    empty = client.get(API + "/receivables/ageing?as_of=2022-12-31", headers=finance).json
    assert empty["totals"] == {
        "amounts": {column: "0.00" for column in DUE_COLUMNS},
        "unapplied": "0.00",
        "total": "0.00",
    }
    rep = client.get(API + "/receivables/ageing?group_by=rep", headers=finance).json
    assert {row["key"]: row["name"] for row in rep["rows"]}["-"] == "(no rep)"

    # Defaults: today in Shanghai, due-date basis, the standard limits.
    report = client.get(API + "/receivables/ageing", headers=finance).json
    assert report["as_of"] == datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert (report["basis"], report["columns"]) == ("due_date", DUE_COLUMNS)


# query → [(invoice number, due date, days past due, amount, outstanding)]
DRILLDOWNS = [
    ("key=H-A&bucket=1-30", [("A2", "2024-05-31", 30, "2000.00", "2000.00")]),
    (
        "key=H-B",
        [
            ("B1", "2024-01-15", 167, "900.00", "300.00"),
            ("B1", "2024-05-14", 47, "2100.00", "2100.00"),
        ],
    ),
    ("key=H-B&bucket=not_due", []),
    ("key=H-D", []),
    ("key=-&group_by=rep&bucket=not_due", [("C1", "2024-07-31", -31, "700.00", "700.00")]),
    ("key=44&group_by=province", [("C1", "2024-07-31", -31, "700.00", "700.00")]),
    (
        "key=D-SH&group_by=distributor",
        [
            ("E1", "2024-04-30", 61, "400.00", "400.00"),
            ("C1", "2024-07-31", -31, "700.00", "700.00"),
        ],
    ),
    (
        "key=H-A&basis=invoice_date&bucket=91-180",
        [("A2", "2024-05-31", 30, "2000.00", "2000.00")],
    ),
    (
        "key=H-A&basis=invoice_date&limits=30,120&bucket=>120",
        [
            ("A3", "2023-06-10", 386, "500.00", "500.00"),
            ("A2", "2024-05-31", 30, "2000.00", "2000.00"),
        ],
    ),
]
# query → the parameter a 422 names
BAD_QUERIES = [
    ("/receivables/ageing?basis=ageing", "basis"),
    ("/receivables/ageing?group_by=product", "group_by"),
    ("/receivables/ageing?limits=30,20", "limits"),
    ("/receivables/ageing?limits=30,30", "limits"),
    ("/receivables/ageing?limits=0,30", "limits"),
    ("/receivables/ageing?limits=30,,60", "limits"),
    ("/receivables/ageing?limits=30.5", "limits"),
    ("/receivables/ageing?limits=-30", "limits"),
    ("/receivables/ageing?limits=", "limits"),
    ("/receivables/ageing?limits=thirty", "limits"),
    ("/receivables/ageing?limits=99999999999999999999", "limits"),
    ("/receivables/ageing?as_of=2024-06-31", "as_of"),
    ("/receivables/ageing?as_of=0001-01-31", "as_of"),
    ("/receivables/ageing/drilldown?bucket=1-30", "key"),
    ("/receivables/ageing/drilldown?key=H-A&bucket=1-45", "bucket"),
    ("/receivables/ageing/drilldown?key=H-A&basis=invoice_date&bucket=not_due", "bucket"),
    ("/receivables/ageing/drilldown?key=H-A&group_by=product", "group_by"),
]


def test_drilldown_bad_parameters_and_a_reps_territory(
    client: FlaskClient, db: Session, finance: Headers, subtests: pytest.Subtests
) -> None:
    for query, expected in DRILLDOWNS:
        with subtests.test(query=query):
            response = client.get(
                f"{API}/receivables/ageing/drilldown?as_of={AS_OF}&{query}", headers=finance
            )
            assert response.status_code == 200, response.json
            assert response.json["truncated"] is False
            assert [
                (
                    i["invoice_number"],
                    i["due_date"],
                    i["days_past_due"],
                    i["amount"],
                    i["outstanding"],
                )
                for i in response.json["items"]
            ] == expected

    cell = client.get(
        f"{API}/receivables/ageing/drilldown?as_of={AS_OF}&key=H-A&bucket=1-30", headers=finance
    ).json
    assert cell == {
        "as_of": AS_OF,
        "basis": "due_date",
        "group_by": "customer",
        "key": "H-A",
        "bucket": "1-30",
        "truncated": False,
        "items": [
            {
                "invoice_number": "A2",
                "customer_code": "H-A",
                "customer_name": "瑞金医院",
                "invoice_date": "2024-03-01",
                "due_date": "2024-05-31",
                "days_past_due": 30,
                "amount": "2000.00",
                "outstanding": "2000.00",
                "on_hold": False,
            }
        ],
    }

    for path, field in BAD_QUERIES:
        with subtests.test(path=path):
            response = client.get(API + path, headers=finance)
            assert response.status_code == 422, response.json
            assert set(response.json["error"]["fields"]) == {field}

    with subtests.test("a rep sees their territory only"):
        rep_a = api_token(db, user_service.find(db, "rep_a"))  # type: ignore[arg-type]
        report = client.get(f"{API}/receivables/ageing?as_of={AS_OF}", headers=rep_a).json
        assert [row["key"] for row in report["rows"]] == ["H-A", "H-B", "D-SH"]
        assert report["totals"]["total"] == "5900.00"
        check_totals(report)
        provinces = client.get(
            f"{API}/receivables/ageing?as_of={AS_OF}&group_by=province", headers=rep_a
        ).json
        assert [row["key"] for row in provinces["rows"]] == ["31"]
        hidden = client.get(
            f"{API}/receivables/ageing/drilldown?as_of={AS_OF}&key=H-C", headers=rep_a
        ).json
        assert hidden["items"] == []
