"""Filing and listing imports with Chinese headers and values, on both databases:
status changes in date order, bad rows reported as `row N, column C`, nothing written."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlmodel import Session

from tests.factories import make_hospital, make_product, make_user
from vbptrack.imports.kinds import KINDS
from vbptrack.imports.runner import ImportResult, run_import
from vbptrack.models import Filing, FilingChange, Listing, ListingChange
from vbptrack.services.access import SYSTEM, Actor
from vbptrack.services.errors import Forbidden
from vbptrack.services.users import actor_for


def run(db: Session, kind: str, text: str, actor: Actor = SYSTEM) -> ImportResult:
    return run_import(
        db,
        actor=actor,
        kind=KINDS[kind],
        source=io.BytesIO(text.encode("utf-8")),
        filename="file.csv",
    )


def count(db: Session, model: type) -> int:
    return db.execute(select(func.count()).select_from(model)).scalar_one()


FILINGS = (
    "备案类型,产品编码,省份,状态,状态日期,生效日期,到期日期,挂网价格,平台编码\n"
    "挂网,P1,上海,已提交,2026-01-05,,,12.50,GW-001\n"
    "挂网,P1,上海市,已挂网,2026-02-01,2026-02-01,2027-01-31,,\n"
    "医保,P1,31,审核中,2026-01-10,,,,YB-9\n"
)


def test_filings_import_keeps_each_row_as_history(db: Session) -> None:
    make_product(db, "P1")
    result = run(db, "filings", FILINGS)
    assert result.ok, [str(p) for p in result.problems]
    assert result.written == 3
    assert count(db, Filing) == 2 and count(db, FilingChange) == 3
    price = db.execute(select(Filing).where(Filing.kind == "price")).scalar_one()
    assert (price.status, price.price_fen, price.reference) == ("approved", 1250, "GW-001")


def test_bad_filing_rows_are_reported_and_nothing_written(db: Session) -> None:
    make_product(db, "P1")
    text = (
        "备案类型,产品编码,省份,状态,状态日期,生效日期,到期日期\n"
        "挂网,P1,上海,已挂网,2026-02-01,2026-02-01,2026-01-31\n"  # ends before it starts
        "挂网,P1,上海,通过了,2026-02-01,,\n"  # unknown status
        "医保,P1,上海,已提交,2026-02-01,,\n"
        "医保,P1,上海,审核中,2026-01-31,,\n"  # before the row above
        "挂网,P9,上海,已提交,2026-02-01,,\n"
    )
    result = run(db, "filings", text)
    shown = [str(p) for p in result.problems]
    assert shown[0] == "row 2, column 到期日期: The expiry date is before the effective date."
    assert shown[1].startswith("row 3, column 状态: Choose one of:")
    assert "row 5, column 状态日期: The current status dates from 2026-02-01" in shown[2]
    assert shown[3] == "row 6, column 产品编码: No product P9."
    assert count(db, FilingChange) == 0


LISTINGS = (
    "医院编码,产品编码,进院状态,日期,备注,下一步\n"
    "H-SH,P1,已申请,2026-01-05,科室已提交,约药剂科\n"
    "H-SH,P1,药剂科审核,2026-02-01,,等药事会\n"
    "H-SH,P2,临采,2026-02-03,,\n"
)


def test_listings_import_with_chinese_statuses(db: Session) -> None:
    make_hospital(db, "H-SH", "31")
    make_product(db, "P1")
    make_product(db, "P2")
    result = run(db, "listings", LISTINGS)
    assert result.ok, [str(p) for p in result.problems]
    assert count(db, Listing) == 2 and count(db, ListingChange) == 3
    statuses = sorted(db.execute(select(Listing.status)).scalars())
    assert statuses == ["pharmacy_review", "temporary_purchase"]


def test_reps_do_not_import_listings(db: Session) -> None:
    make_hospital(db, "H-SH", "31")
    make_product(db, "P1")
    rep = actor_for(make_user(db, "wang", "rep", provinces=["31"]))
    with pytest.raises(Forbidden):
        run(db, "listings", "医院编码,产品编码,状态,日期\nH-SH,P1,applied,2026-01-05\n", actor=rep)
    assert count(db, ListingChange) == 0


def test_unknown_hospitals_and_out_of_order_changes(db: Session) -> None:
    make_hospital(db, "H-SH", "31")
    make_product(db, "P1")
    text = (
        "医院编码,产品编码,状态,日期\n"
        "H-SH,P1,applied,2026-01-05\n"
        "H-GD,P1,applied,2026-01-05\n"
        "H-SH,P1,listed,2026-01-04\n"
        "H-SH,P1,已进院,20260301\n"
        "H-SH,P1,已进院,2026/3/1\n"
    )
    result = run(db, "listings", text)
    assert [str(p) for p in result.problems] == [
        "row 3, column 医院编码: No hospital H-GD in your territory.",
        "row 4, column 日期: The current status dates from 2026-01-05; "
        "a change cannot be dated before it.",
        "row 5, column 日期: Enter a date as YYYY-MM-DD.",
        "row 6, column 日期: Enter a date as YYYY-MM-DD.",
    ]
    assert count(db, ListingChange) == 0


def test_import_command_for_listings(app: Flask, db: Session, tmp_path: Path) -> None:
    make_hospital(db, "H-SH", "31")
    make_product(db, "P1")
    make_product(db, "P2")
    path = tmp_path / "listings.csv"
    path.write_text(LISTINGS, encoding="gb18030")
    result = app.test_cli_runner().invoke(args=["import", "listings", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 rows written" in result.output


def test_a_second_import_is_checked_against_what_is_stored(db: Session) -> None:
    """The current status dates come from the database for rows of a later file, read in
    one query per batch: a row dated before what is stored is refused, nothing written."""
    make_hospital(db, "H-SH", "31")
    make_product(db, "P1")
    make_product(db, "P2")
    assert run(db, "listings", LISTINGS).ok
    assert run(db, "filings", FILINGS).ok
    listings_before, filings_before = count(db, ListingChange), count(db, FilingChange)

    late = run(
        db,
        "listings",
        "医院编码,产品编码,状态,日期\nH-SH,P2,listed,2026-02-10\nH-SH,P1,listed,2026-01-31\n",
    )
    assert [str(p) for p in late.problems] == [
        "row 3, column 日期: The current status dates from 2026-02-01; "
        "a change cannot be dated before it."
    ]
    early = run(
        db, "filings", "备案类型,产品编码,省份,状态,状态日期\n医保,P1,31,已提交,2026-01-09\n"
    )
    assert [str(p) for p in early.problems] == [
        "row 2, column 状态日期: The current status dates from 2026-01-10; "
        "a change cannot be dated before it."
    ]
    assert (count(db, ListingChange), count(db, FilingChange)) == (listings_before, filings_before)
