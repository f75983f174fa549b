"""Tender, award and deadline pages: what a commercial manager does and a rep sees."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import delete
from sqlmodel import Session

from tests.factories import make_hospital
from tests.web import world
from tests.web.pages import csrf_from, find, find_all, page, snapshot, text
from vbptrack.services import awards, purchases
from vbptrack.services.access import SYSTEM


@pytest.fixture
def data(db: Session) -> world.World:
    built = world.build(db, roles=("manager", "rep"))
    make_hospital(db, "H310002", "31")
    awards.set_agreed_volumes(
        db,
        actor=SYSTEM,
        code=world.AWARD,
        items=[
            {"hospital_code": world.IN_TERRITORY, "year": 1, "quantity": 1000},
            {"hospital_code": "H310002", "year": 1, "quantity": 2000},
        ],
    )
    purchases.add_purchases(
        db,
        actor=SYSTEM,
        items=[
            {
                "hospital_code": world.IN_TERRITORY,
                "product_code": world.PRODUCT,
                "date": "2025-03-01",
                "quantity": 600,
            },
            {
                "hospital_code": "H310002",
                "product_code": world.PRODUCT,
                "date": "2025-02-01",
                "quantity": 100,
            },
        ],
    )
    return built


def manager(app: Flask, data: world.World) -> FlaskClient:
    return world.signed_in(app, data.users["manager"])


def post(client: FlaskClient, path: str, form: dict[str, str]) -> object:
    token = csrf_from(client.get(path if "/lines/" not in path else path.split("/lines/")[0]))
    return client.post(path, data={**form, "csrf_token": token})


def test_manager_runs_a_tender_from_board_to_award(
    app: Flask, db: Session, data: world.World
) -> None:
    client = manager(app, data)
    created = post(
        client,
        "/tenders/new",
        {
            "code": "T-0002",
            "title": "江苏省联盟集采",
            "kind": "alliance",
            "province_codes": "32, 上海",
            "bid": "2025-04-10",
        },
    )
    assert created.status_code == 302  # type: ignore[attr-defined]
    board = page(client.get("/tenders/"))
    planned = find(board, "section", **{"data-status": "planned"})
    assert planned is not None and "江苏省联盟集采" in text(planned)

    post(
        client,
        "/tenders/T-0002/status",
        {"status": "registered", "date": "2025-03-01", "note": "报名已确认"},
    )
    post(
        client,
        "/tenders/T-0002/lines",
        {"product_code": world.PRODUCT, "price_per_unit": "0.25", "outcome": "won"},
    )
    post(client, "/tenders/T-0002/documents", {"name": "药品注册证", "expires": "2024-12-31"})
    detail = page(client.get("/tenders/T-0002"))
    assert "报名已确认" in text(find(detail, id="status-history"))  # type: ignore[arg-type]
    assert "Expired" in text(find(detail, id="documents"))  # type: ignore[arg-type]
    assert "0.25" in text(find(detail, id="bid-lines"))  # type: ignore[arg-type]
    reminders = text(find(detail, id="reminders"))  # type: ignore[arg-type]
    assert "2025-03-27" in reminders and "2025-04-09" in reminders  # 14 and 1 days before

    line_row = find(detail, "tr", **{"data-line": "2"})
    assert line_row is not None
    made = post(
        client,
        "/tenders/T-0002/lines/2/award",
        {
            "code": "A-JS",
            "winners_count": "2",
            "start": "2025-05-01",
            "years": "2",
        },
    )
    assert made.headers["Location"] == "/awards/A-JS"  # type: ignore[attr-defined]
    award = awards.view(db, awards.get(db, "A-JS"), actor=SYSTEM).as_json()
    assert award["years"][1] == {"year": 2, "start": "2026-05-01", "end": "2027-04-30"}
    assert award["supply_provinces"] == ["31", "32"] and award["price"] == "0.25"


def test_bad_tender_form_says_why_and_writes_nothing(
    app: Flask, db: Session, data: world.World
) -> None:
    client = manager(app, data)
    before = snapshot(db)
    response = post(
        client,
        "/tenders/new",
        {"code": "T 2", "title": "", "kind": "alliance", "bid": "2025-02-30"},
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    root = page(response)
    assert "Use letters, digits" in text(root) and "required" in text(root)
    bad_status = post(client, f"/tenders/{world.TENDER}/status", {"status": "won", "date": "x"})
    assert bad_status.status_code == 422  # type: ignore[attr-defined]
    assert "Enter a date" in text(page(bad_status))
    assert snapshot(db) == before


def test_fulfilment_page_rep_sees_only_territory_and_excel_matches(
    app: Flask, data: world.World
) -> None:
    as_of = "2025-07-02"  # 183 of 365 days
    client = manager(app, data)
    root = page(client.get(f"/awards/{world.AWARD}?as_of={as_of}"))
    rows = find(root, "table", id="fulfilment-rows")
    assert rows is not None
    assert world.IN_TERRITORY in text(rows) and "H310002" in text(rows)
    assert "H310002" in text(find(root, id="at-risk"))  # type: ignore[arg-type]
    assert "23.3 %" in text(find(root, id="fulfilment-totals"))  # 700 / 3000

    rep = world.signed_in(app, data.users["rep"])
    rep_root = page(rep.get(f"/awards/{world.AWARD}?as_of={as_of}"))
    assert "H310002" in text(rep_root)  # Shanghai is the rep's province

    export = client.get(f"/awards/{world.AWARD}/fulfilment.xlsx?as_of={as_of}")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][:4] == [world.IN_TERRITORY, values[1][1], 1000, 600]
    assert values[-1][2:4] == [3000, 700]


def test_fulfilment_by_distributor_page_and_excel(
    app: Flask, db: Session, data: world.World
) -> None:
    # The in-territory hospital's main distributor is DISTRIBUTOR_IN (its 600 came without
    # one); H310002 bought through nobody named.
    purchases.add_purchases(
        db,
        actor=SYSTEM,
        items=[{"hospital_code": world.IN_TERRITORY, "product_code": world.PRODUCT,
                "date": "2025-04-01", "quantity": 50,
                "distributor_code": world.DISTRIBUTOR_IN}],
    )  # fmt: skip
    client = manager(app, data)
    query = "as_of=2025-07-02&group_by=distributor"
    root = page(client.get(f"/awards/{world.AWARD}?{query}"))
    chosen = find(root, "option", value="distributor")
    assert chosen is not None and chosen.get("selected") is not None
    table = find(root, "table", id="fulfilment-rows")
    assert table is not None
    cells = [[text(cell) for cell in find_all(row, "td")] for row in find_all(table, "tr")]
    # key, name, agreed, purchased, completion (body rows; the footer is the total)
    assert [row[:5] for row in cells if row and row[0]] == [
        [world.DISTRIBUTOR_IN, f"{world.DISTRIBUTOR_IN} 医药有限公司", "1,000", "650", "65.0 %"],
        ["-", "(no distributor)", "2,000", "100", "5.0 %"],
    ]

    export = client.get(f"/awards/{world.AWARD}/fulfilment.xlsx?{query}")
    assert export.status_code == 200
    assert "-distributor.xlsx" in export.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(export.data)).active
    values = [[cell.value for cell in row][:4] for row in sheet.iter_rows()]
    assert values[0][:2] == ["Distributor code", "Distributor"]
    assert [r[0] for r in values[1:]] == [world.DISTRIBUTOR_IN, "-", "Total"]
    assert values[1][2:] == [1000, 650] and values[2][1:] == ["(no distributor)", 2000, 100]

    client.post("/language", data={"language": "zh", "next": "/",
                                   "csrf_token": csrf_from(client.get("/tenders/"))})  # fmt: skip
    chinese = text(page(client.get(f"/awards/{world.AWARD}?{query}")))
    assert "按配送企业统计履约" in chinese and "（无配送企业）" in chinese


def test_rep_outside_award_provinces_sees_no_rows(app: Flask, db: Session) -> None:
    built = world.build(db, roles=("rep",))
    from vbptrack.models import UserProvince

    db.execute(delete(UserProvince))  # the rep now has only the Beijing hospital
    db.commit()
    rep = world.signed_in(app, built.users["rep"])
    root = page(rep.get(f"/awards/{world.AWARD}?as_of=2025-03-01"))
    assert find(root, "table", id="fulfilment-rows") is None
    assert rep.get("/tenders/new").status_code == 403


def test_calendar_and_deadlines(app: Flask, data: world.World) -> None:
    client = manager(app, data)
    calendar = page(client.get("/tenders/calendar?month=2025-03"))
    assert "第十一批国家集采" in text(find(calendar, id="calendar-list"))  # type: ignore[arg-type]
    bad = page(client.get("/tenders/calendar?month=2025-13"))
    assert "YYYY-MM" in text(bad)
    feed = page(client.get("/deadlines/?as_of=2025-03-06&within=30"))
    table = find(feed, "table", id="deadlines")
    assert table is not None and world.TENDER in text(table)
    assert "14 days Reminder" in text(table)  # the bid is on 2025-03-20
    ends = page(client.get("/deadlines/?as_of=2025-12-01&within=30"))
    assert world.AWARD in text(find(ends, "table", id="deadlines"))  # type: ignore[arg-type]
    assert date(2025, 12, 31).isoformat() in text(ends)


def test_pages_speak_chinese(app: Flask, data: world.World) -> None:
    client = manager(app, data)
    client.post("/language", data={"language": "zh", "next": "/",
                                   "csrf_token": csrf_from(client.get("/tenders/"))})  # fmt: skip
    for path in ("/tenders/", "/tenders/calendar?month=2025-03", f"/tenders/{world.TENDER}",
                 "/awards/", f"/awards/{world.AWARD}?as_of=2025-07-02", "/deadlines/"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, path
        assert "招标" in response.get_data(as_text=True), path
    board = text(page(client.get("/tenders/")))
    assert "计划中 1 第十一批国家集采" in board
