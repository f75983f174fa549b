"""Agreed-volume and purchase imports, on both databases: Chinese headers, every row
problem, all or nothing, re-imports that do not count twice, batches across COPY."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from tests.factories import make_distributor, make_hospital, make_product
from vbptrack.imports.kinds import KINDS
from vbptrack.imports.runner import ImportResult, run_import
from vbptrack.models import AgreedVolume, Party, Product, Purchase
from vbptrack.services import awards
from vbptrack.services.access import SYSTEM, Actor
from vbptrack.services.errors import Forbidden


def run(
    db: Session, kind: str, text: str, actor: Actor = SYSTEM, batch_size: int = 1000
) -> ImportResult:
    return run_import(
        db,
        actor=actor,
        kind=replace(KINDS[kind], batch_size=batch_size),
        source=io.BytesIO(text.encode("utf-8-sig")),
        filename="export.csv",
    )


def problems(result: ImportResult) -> list[str]:
    return [str(p) for p in result.problems]


def total(db: Session, column: object) -> int:
    return int(db.execute(select(func.coalesce(func.sum(column), 0))).scalar_one())


@pytest.fixture
def award(db: Session) -> None:
    make_product(db, "P-AML")
    make_hospital(db, "H-SH1", "31")
    make_hospital(db, "H-SH2", "31")
    make_hospital(db, "H-BJ", "11")
    make_distributor(db, "D-1", "31")
    awards.create(
        db,
        actor=SYSTEM,
        data={
            "code": "A1",
            "batch": "第九批",
            "product_code": "P-AML",
            "price": "0.2",
            "winners_count": 3,
            "supply_provinces": ["上海"],
            "years": [{"year": 1, "start": "2024-01-01", "end": "2024-12-31"}],
        },
    )


AGREED_HEADER = "中选编号,医疗机构编码,医院名称,协议年度,约定采购量,报量\n"


def test_allocation_sheet_with_chinese_headers_replaces_the_years_it_gives(
    db: Session, award: None
) -> None:
    sheet = AGREED_HEADER + "A1,H-SH1,一院,1,1000,\nA1,H-SH2,二院,1,,2000\n"
    result = run(db, "agreed-volumes", sheet)
    assert result.ok and result.written == 2, problems(result)
    # reported 2000 × 70 % for three winners
    assert total(db, AgreedVolume.quantity) == 2400
    again = run(db, "agreed-volumes", AGREED_HEADER + "A1,H-SH1,一院,1,900,\n")
    assert again.ok
    assert db.execute(select(AgreedVolume.quantity)).scalars().all() == [900]


def test_bad_allocation_rows_write_nothing(db: Session, award: None) -> None:
    run(db, "agreed-volumes", AGREED_HEADER + "A1,H-SH1,一院,1,1000,\n")
    sheet = AGREED_HEADER + (
        "A1,H-SH2,二院,2,10,\n"  # row 2: no year 2
        "A1,H-BJ,北京,1,10,\n"  # row 3: Beijing not supplied
        "A9,H-SH1,一院,1,10,\n"  # row 4: no such award
        "A1,H-XX,无,1,10,\n"  # row 5: no such hospital
        "A1,H-SH2,二院,1,-3,\n"  # row 6: negative
        "A1,H-SH2,二院,1,2.5,\n"  # row 7: not whole
        "A1,H-SH1,一院,1,5,\n"  # row 8: fine, but would replace the year
    )
    result = run(db, "agreed-volumes", sheet, batch_size=2)
    assert problems(result) == [
        "row 2, column 协议年度: The award A1 has no agreement year 2.",
        "row 3, column 医疗机构编码: The hospital H-BJ is in a province"
        " the award A1 does not supply.",
        "row 4, column 中选编号: No award with the code A9.",
        "row 5, column 医疗机构编码: No hospital with the code H-XX.",
        "row 6, column 约定采购量: Must be at least 0.",
        "row 7, column 约定采购量: Enter a whole number.",
    ]
    assert result.written == 0
    assert db.execute(select(AgreedVolume.quantity)).scalars().all() == [1000]


PURCHASE_HEADER = "医院编码,产品编码,采购日期,采购数量,采购金额（元）,配送企业编码,订单明细编号\n"


def test_purchases_import_in_batches_and_overlapping_exports_count_once(
    db: Session, award: None
) -> None:
    january = PURCHASE_HEADER + "".join(
        f"H-SH1,P-AML,2024-01-{day:02d},10,2.00,D-1,\n" for day in range(1, 21)
    )
    result = run(db, "purchases", january, batch_size=7)
    assert result.ok and result.written == 20, problems(result)
    # The next export overlaps 11–20 January and adds 21–31; rows with a reference
    # count by it.
    overlap = (
        PURCHASE_HEADER
        + "".join(f"H-SH1,P-AML,2024-01-{day:02d},10,2.00,D-1,\n" for day in range(11, 32))
        + "H-SH2,P-AML,2024-02-01,5,,,ORD-1\nH-SH2,P-AML,2024-02-01,5,,,ORD-2\n"
    )
    again = run(db, "purchases", overlap, batch_size=7)
    assert again.ok and again.written == 13, problems(again)
    assert total(db, Purchase.quantity) == 31 * 10 + 10
    # The same referenced rows again: nothing new.
    assert run(db, "purchases", PURCHASE_HEADER + "H-SH2,P-AML,2024-02-01,5,,,ORD-1\n").written == 0


def test_purchases_of_products_without_an_award_are_kept(db: Session, award: None) -> None:
    make_product(db, "P-NEW")
    result = run(db, "purchases", PURCHASE_HEADER + "H-BJ,P-NEW,2024-01-05,3,,,\n")
    assert result.ok and result.written == 1
    assert total(db, Purchase.quantity) == 3


def test_bad_purchase_rows_write_nothing(db: Session, award: None) -> None:
    export = PURCHASE_HEADER + (
        "H-SH1,P-AML,2024-01-01,10,,,\n"
        "H-XX,P-AML,2024-01-01,10,,,\n"
        "H-SH1,P-XX,2024-01-01,10,,,\n"
        "H-SH1,P-AML,2024-01-01,-1,,,\n"
        "H-SH1,P-AML,2024-01-01,1.5,,,\n"
        "H-SH1,P-AML,2024-13-01,1,,,\n"
        "H-SH1,P-AML,2024-01-01,1,abc,,\n"
        "H-SH1,P-AML,2024-01-01,1,,D-XX,\n"
        "H-SH1,P-AML,2024-01-01,1,,,A\\B\tC\n"
        # What the contract does not say is refused, never guessed (issue 11).
        "H-SH1,P-AML,2024/1/5,1,,,\n"
        "H-SH1,P-AML,20240105,1,,,\n"
        "H-SH1,P-AML,9999-12-31,1,,,\n"
        "H-SH1,P-AML,2024-01-01,1e3,,,\n"
        'H-SH1,P-AML,2024-01-01,1,"1,234.5",,\n'
        "H-SH1,P-AML,2024-01-01,1,12.500,,\n"
    )
    result = run(db, "purchases", export, batch_size=3)
    assert problems(result) == [
        "row 3, column 医院编码: No hospital with the code H-XX.",
        "row 4, column 产品编码: No product with the code P-XX.",
        "row 5, column 采购数量: Must not be negative.",
        "row 6, column 采购数量: Enter a whole number.",
        "row 7, column 采购日期: Enter a date as YYYY-MM-DD.",
        "row 8, column 采购金额（元）: Enter an amount in yuan, e.g. 1234.50.",
        "row 9, column 配送企业编码: No distributor with the code D-XX.",
        "row 10, column 订单明细编号: Use letters, digits and - _ . / only.",
        "row 11, column 采购日期: Enter a date as YYYY-MM-DD.",
        "row 12, column 采购日期: Enter a date as YYYY-MM-DD.",
        "row 13, column 采购日期: Enter a date between 2000-01-01 and 2099-12-31.",
        "row 14, column 采购数量: Enter a whole number.",
        "row 15, column 采购金额（元）: Enter an amount in yuan, e.g. 1234.50.",
        "row 16, column 采购金额（元）: At most two decimal places.",
    ]
    assert result.written == 0
    assert total(db, Purchase.quantity) == 0


def test_a_bad_row_after_written_batches_writes_nothing(db: Session, award: None) -> None:
    # Batches 1–3 are good and go to the database (on PostgreSQL their inserts run
    # while the next batch is checked); batch 4 has a bad row, so none of it stays.
    good = "".join(f"H-SH1,P-AML,2024-01-01,1,,,REF-{i}\n" for i in range(9))
    result = run(
        db, "purchases", PURCHASE_HEADER + good + "H-SH1,P-AML,2024-01-01,x,,,\n", batch_size=3
    )
    assert problems(result) == ["row 11, column 采购数量: Enter a whole number."]
    assert result.written == 0 and total(db, Purchase.quantity) == 0
    # The session is clean for the next import, which counts the same rows as new.
    again = run(db, "purchases", PURCHASE_HEADER + good, batch_size=3)
    assert again.ok and again.written == 9 and total(db, Purchase.quantity) == 9


def test_a_file_unreadable_after_written_batches_writes_nothing(db: Session, award: None) -> None:
    # More than the 64 KB the encoding is sniffed from, then a byte that is not UTF-8:
    # the reader fails with batches already sent to the database.
    good = "".join(f"H-SH1,P-AML,2024-01-01,1,,,REF-{i}\n" for i in range(3000))
    raw = (PURCHASE_HEADER + good).encode("utf-8") + b"H-SH1,P-AML,2024-01-01,1,,,\xff\n"
    result = run_import(
        db,
        actor=SYSTEM,
        kind=replace(KINDS["purchases"], batch_size=500),
        source=io.BytesIO(raw),
        filename="export.csv",
    )
    assert not result.ok and "neither UTF-8 nor GB18030" in problems(result)[0]
    assert result.written == 0 and total(db, Purchase.quantity) == 0
    assert run(db, "purchases", PURCHASE_HEADER + good.split("\n", 5)[0] + "\n").written == 1


def test_only_commercial_roles_import(db: Session, award: None) -> None:
    rep = Actor(user_id=None, username="rep", role="rep")
    with pytest.raises(Forbidden):
        run(db, "purchases", PURCHASE_HEADER + "H-SH1,P-AML,2024-01-01,10,,,\n", actor=rep)


def test_stored_purchases_point_at_the_parties_and_products_their_codes_name(
    db: Session, award: None
) -> None:
    # `purchase` has no foreign keys (migration 0008, for import speed): the import's code
    # look-ups are what keep every id pointing at a hospital, a product and a distributor.
    export = PURCHASE_HEADER + (
        "H-SH2,P-AML,2024-01-02,4,,D-1,\nH-BJ,P-AML,2024-01-03,6,,,\nD-1,P-AML,2024-01-04,1,,,\n"
    )
    refused = run(db, "purchases", export)
    assert problems(refused) == ["row 4, column 医院编码: No hospital with the code D-1."]
    written = run(db, "purchases", export.rsplit("D-1,P-AML", 1)[0])
    assert written.ok and written.written == 2
    hospital, product, distributor = aliased(Party), aliased(Product), aliased(Party)
    stored = db.execute(
        select(hospital.code, hospital.kind, product.code, distributor.code, Purchase.quantity)
        .join(hospital, hospital.id == Purchase.hospital_id)
        .join(product, product.id == Purchase.product_id)
        .outerjoin(distributor, distributor.id == Purchase.distributor_id)
        .order_by(Purchase.quantity)
    ).all()
    assert [tuple(r) for r in stored] == [
        ("H-SH2", "hospital", "P-AML", "D-1", 4),
        ("H-BJ", "hospital", "P-AML", None, 6),
    ]
