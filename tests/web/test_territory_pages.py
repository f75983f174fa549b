"""What a rep sees of tenders, filings and awards on the pages: their territory and the
national tenders; anything else answers "not found", exactly like a missing record,
while a manager sees everything.

The world's rep covers Shanghai (31) and one Beijing hospital (11); its national tender
T-0001 names Shanghai. Here a Guangdong round, a Shanghai round and a national batch
naming Guangdong are added, all due in March 2025, and price filings in both provinces.
"""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlmodel import Session

from tests.web import world
from tests.web.pages import find, page, text
from vbptrack.services import awards, filings, tenders
from vbptrack.services.access import SYSTEM
from vbptrack.web.receivables_common import today

GUANGDONG = "T-GD"
SHANGHAI = "T-SH"
NATIONAL = "T-NAT"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def data(db: Session) -> world.World:
    built = world.build(db, roles=("manager", "rep"))
    for code, title, kind, province, day in (
        (GUANGDONG, "广东省药品集采", "provincial", "44", "2025-03-21"),
        (SHANGHAI, "上海市药品集采", "provincial", "31", "2025-03-22"),
        (NATIONAL, "第十二批国家集采", "national_vbp", "44", "2025-03-23"),
    ):
        tenders.create(
            db,
            actor=SYSTEM,
            data={"code": code, "title": title, "kind": kind, "province_codes": [province],
                  "dates": {"bid": day}},
            today=today(),
        )  # fmt: skip
    for province in ("31", "44"):
        filings.record(
            db,
            actor=SYSTEM,
            data={"kind": "price", "product_code": world.PRODUCT, "province_code": province,
                  "status": "approved", "date": "2025-01-02", "expires": "2025-04-01",
                  "reference": f"REF-{province}"},
            today=today(),
        )  # fmt: skip
    return built


def signed_in(app: Flask, data: world.World, role: str) -> FlaskClient:
    return world.signed_in(app, data.users[role])


def shown(client: FlaskClient, path: str, element_id: str) -> str:
    """The text of the page's element with this id (which must be there)."""
    element = find(page(client.get(path)), id=element_id)
    assert element is not None, (path, element_id)
    return text(element)


def test_the_board_and_calendar_show_a_rep_their_tenders_and_national_ones(
    app: Flask, data: world.World
) -> None:
    rep, manager = signed_in(app, data, "rep"), signed_in(app, data, "manager")
    mine = {world.TENDER, SHANGHAI, NATIONAL}
    for path, element in (
        ("/tenders/", "pipeline"),
        ("/tenders/calendar?month=2025-03", "calendar-list"),
    ):
        seen = shown(rep, path, element)
        assert all(code in seen for code in mine), path
        assert GUANGDONG not in seen and "广东省药品集采" not in seen, path
        assert GUANGDONG in shown(manager, path, element), path
    planned = find(page(rep.get("/tenders/")), "section", **{"data-status": "planned"})
    assert planned is not None
    count = find(planned, "span", class_="badge")
    assert count is not None and text(count) == "3"  # not 4: the Guangdong round is not counted


def test_a_tender_outside_the_territory_is_not_found_for_a_rep(
    app: Flask, data: world.World
) -> None:
    rep, manager = signed_in(app, data, "rep"), signed_in(app, data, "manager")
    assert rep.get(f"/tenders/{SHANGHAI}").status_code == 200
    national = rep.get(f"/tenders/{NATIONAL}")
    assert national.status_code == 200 and "第十二批国家集采" in text(page(national))
    outside = rep.get(f"/tenders/{GUANGDONG}")
    assert outside.status_code == 404
    body = text(page(outside))
    assert "广东省药品集采" not in body and f"No tender {GUANGDONG} in your territory." in body
    missing = rep.get("/tenders/T-NONE")
    assert missing.status_code == 404 and "No tender T-NONE in your territory." in text(
        page(missing)
    )
    assert "您的辖区内没有招标项目 T-GD。" in text(
        page(rep.get(f"/tenders/{GUANGDONG}", headers=ZH))
    )
    assert manager.get(f"/tenders/{GUANGDONG}").status_code == 200


def test_the_deadlines_page_shows_a_rep_their_territorys_dates(
    app: Flask, data: world.World
) -> None:
    url = "/deadlines/?as_of=2025-03-15&within=30"
    rep_feed = shown(signed_in(app, data, "rep"), url, "deadlines")
    assert SHANGHAI in rep_feed and NATIONAL in rep_feed and world.TENDER in rep_feed
    assert GUANGDONG not in rep_feed
    # filings are named by kind, product and province (issue 17 item 7)
    assert f"Price filing · {world.PRODUCT} · Shanghai" in rep_feed
    assert f"Price filing · {world.PRODUCT} · Guangdong" not in rep_feed
    manager_feed = shown(signed_in(app, data, "manager"), url, "deadlines")
    assert (
        GUANGDONG in manager_feed and f"Price filing · {world.PRODUCT} · Guangdong" in manager_feed
    )


def test_a_filing_outside_the_reps_provinces_is_not_found(app: Flask, data: world.World) -> None:
    rep, manager = signed_in(app, data, "rep"), signed_in(app, data, "manager")
    own = rep.get(f"/filings/price/{world.PRODUCT}/31")
    assert own.status_code == 200 and "REF-31" in text(page(own))
    # Beijing: the province of the rep's hand-assigned hospital, nothing filed there yet
    assert rep.get(f"/filings/insurance/{world.PRODUCT}/11").status_code == 200
    for path in (f"/filings/price/{world.PRODUCT}/44",  # filed in Guangdong
                 f"/filings/insurance/{world.PRODUCT}/44",  # not filed, still Guangdong's
                 f"/filings/price/{world.PRODUCT}/65"):  # fmt: skip
        outside = rep.get(path)
        assert outside.status_code == 404, path
        assert "REF-44" not in text(page(outside)) and "No such filing in your territory." in text(
            page(outside)
        )
    shown = manager.get(f"/filings/price/{world.PRODUCT}/44")
    assert shown.status_code == 200 and "REF-44" in text(page(shown))


def test_an_award_page_shows_a_rep_only_their_hospitals(
    app: Flask, db: Session, data: world.World
) -> None:
    """An award supplying Shanghai with Guangdong as backup: the rep's page and Excel
    export carry the Shanghai hospital only, totals included."""
    awards.create(
        db,
        actor=SYSTEM,
        data={"code": "A-SOUTH", "batch": "第十批", "product_code": world.PRODUCT,
              "price": "0.4", "winners_count": 2, "supply_provinces": ["31"],
              "backup_provinces": ["44"],
              "years": [{"year": 1, "start": "2025-01-01", "end": "2025-12-31"}]},
    )  # fmt: skip
    awards.set_agreed_volumes(
        db,
        actor=SYSTEM,
        code="A-SOUTH",
        items=[
            {"hospital_code": world.IN_TERRITORY, "year": 1, "quantity": 1000},
            {"hospital_code": world.OUTSIDE, "year": 1, "quantity": 4000},
        ],
    )
    rep, manager = signed_in(app, data, "rep"), signed_in(app, data, "manager")
    for group in ("hospital", "province"):
        url = f"/awards/A-SOUTH?as_of=2025-07-02&group_by={group}"
        rows = shown(rep, url, "fulfilment-rows")
        assert world.OUTSIDE not in rows and "广东" not in rows and "4,000" not in rows, group
        assert "1,000" in rows, group
        assert "5,000" in shown(manager, url, "fulfilment-rows"), group
    export = rep.get("/awards/A-SOUTH/fulfilment.xlsx?as_of=2025-07-02")
    sheet = load_workbook(io.BytesIO(export.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert [row[0] for row in values[1:]] == [world.IN_TERRITORY, "Total"]
    assert values[-1][2] == 1000
