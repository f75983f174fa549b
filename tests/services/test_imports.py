"""The import framework: encodings, XLSX, header aliases, row-level problems, all or nothing."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlmodel import Session

from tests.factories import make_distributor, make_hospital, make_user
from vbptrack.imports.kinds import KINDS
from vbptrack.imports.runner import ImportResult, run_import
from vbptrack.models import AuditEvent, Party, Product
from vbptrack.services.access import SYSTEM, Actor
from vbptrack.services.errors import Forbidden

HEADER_ZH = "医院编码,医院名称,省份,城市,医院等级\n"


def run(
    db: Session, kind: str, content: bytes, filename: str = "file.csv", actor: Actor = SYSTEM
) -> ImportResult:
    return run_import(
        db, actor=actor, kind=KINDS[kind], source=io.BytesIO(content), filename=filename
    )


def count(db: Session, model: type) -> int:
    return db.execute(select(func.count()).select_from(model)).scalar_one()


def problems(result: ImportResult) -> list[str]:
    return [str(p) for p in result.problems]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(db: Session, encoding: str) -> None:
    content = (HEADER_ZH + "H310001,复旦大学附属中山医院,上海市,上海,三甲\n").encode(encoding)
    result = run(db, "hospitals", content)
    assert result.ok, problems(result)
    party = db.execute(select(Party).where(Party.code == "H310001")).scalar_one()
    assert (party.name, party.province_code, party.grade) == ("复旦大学附属中山医院", "31", "三甲")


def test_gb18030_beyond_the_first_chunk(db: Session) -> None:
    """The encoding is sniffed from the file's start; rare characters later still decode."""
    rows = "".join(f"H{i:05d},第{i}人民医院,广东,广州,二甲\n" for i in range(3000))
    content = (HEADER_ZH + rows + "H99999,䶮医院,广东,广州,二甲\n").encode("gb18030")
    result = run(db, "hospitals", content)
    assert result.ok, problems(result)[:3]
    assert result.written == 3001


def test_english_headers_and_loose_header_matching(db: Session) -> None:
    content = "Code ,NAME,Province_Code*,grade\nH1,A 医院,44,三乙\n".encode()
    result = run(db, "hospitals", content)
    assert result.ok, problems(result)


def test_xlsx_with_numbers_dates_and_blank_rows(db: Session) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["产品编码", "通用名", "规格", "单位", "包装数量", "类别", "备注"])
    sheet.append(["P0001", "阿托伐他汀钙片", "20mg", "片", 7, "药品", date(2024, 1, 1)])
    sheet.append([None, None, None, None, None, None, None])
    sheet.append(["P0002", "药物洗脱冠脉支架", "3.0×18mm", "个", 1.0, "高值耗材", None])
    buffer = io.BytesIO()
    book.save(buffer)
    result = run(db, "products", buffer.getvalue(), "products.xlsx")
    assert result.ok, problems(result)
    assert result.written == 2
    stent = db.execute(select(Product).where(Product.code == "P0002")).scalar_one()
    assert (stent.pack_size, stent.category) == (1, "high_value_consumable")


def test_every_bad_row_reported_with_spreadsheet_row_and_header_and_nothing_written(
    db: Session,
) -> None:
    content = (
        HEADER_ZH
        + "H1,好医院,上海,上海,三甲\n"
        + "\n"  # a blank line still counts as a spreadsheet row
        + "H2,,上海,上海,三甲\n"
        + "H3,某医院,火星,,三甲\n"
        + "H4,某医院,上海,,四甲\n"
        + "H1,重复医院,上海,,三甲\n"
    ).encode()
    result = run(db, "hospitals", content)
    assert problems(result) == [
        "row 4, column 医院名称: This field is required.",
        "row 5, column 省份: Unknown province “火星”.",
        "row 6, column 医院等级: Choose one of: '三甲', '三乙', '三丙', '二甲', '二乙', '二丙', "
        "'一级' or '未定级'.",
        "row 7, column 医院编码: the code H1 is also on row 2",
    ]
    assert result.written == 0
    assert count(db, Party) == 0
    assert count(db, AuditEvent) == 0


def test_a_bad_row_after_the_first_batch_undoes_the_batches_already_written(
    db: Session,
) -> None:
    rows = "".join(f"H{i:05d},第{i}医院,江苏,南京,二甲\n" for i in range(2500))
    content = (HEADER_ZH + rows + "BAD CODE,坏医院,江苏,南京,二甲\n").encode()
    result = run(db, "hospitals", content)
    assert problems(result) == ["row 2502, column 医院编码: Use letters, digits and - _ . / only."]
    assert count(db, Party) == 0


def test_missing_and_doubled_columns(db: Session) -> None:
    result = run(db, "hospitals", "医院编码,城市\nH1,上海\n".encode())
    assert result.written == 0
    messages = problems(result)
    assert any(m.startswith("row 1, column name: missing column") for m in messages)
    assert any(m.startswith("row 1, column province_code: missing column") for m in messages)
    result = run(db, "hospitals", "医院编码,客户编码,医院名称,省份\nH1,H1,A,上海\n".encode())
    assert problems(result) == ["row 1, column 客户编码: same column as “医院编码”"]


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "empty.csv", "row 1, column -: the file is empty"),
        (HEADER_ZH.encode(), "header.csv", "row 2, column -: the file has a header but no rows"),
        (b"not a workbook", "bad.xlsx", "row 1, column -: not a valid .xlsx workbook"),
        (b"a,b", "data.txt", "row 1, column -: unsupported file type “.txt”: use .csv or .xlsx"),
    ],
)
def test_unreadable_files(db: Session, content: bytes, filename: str, message: str) -> None:
    result = run(db, "hospitals", content, filename)
    assert problems(result) == [message]
    assert count(db, Party) == 0


def test_known_codes_are_updated_and_audited(db: Session) -> None:
    make_hospital(db, "H1", "31", name="旧名称")
    result = run(db, "hospitals", (HEADER_ZH + "H1,新名称,上海,上海,三甲\n").encode())
    assert result.ok and result.written == 1
    party = db.execute(select(Party).where(Party.code == "H1")).scalar_one()
    db.refresh(party)
    assert party.name == "新名称"
    events = (
        db.execute(
            select(AuditEvent).where(AuditEvent.entity_key == "H1", AuditEvent.action == "import")
        )
        .scalars()
        .all()
    )
    assert events and events[0].changes["name"] == ["旧名称", "新名称"]


def test_a_code_of_the_other_kind_is_refused(db: Session) -> None:
    make_distributor(db, "D1")
    result = run(db, "hospitals", (HEADER_ZH + "D1,某医院,上海,,三甲\n").encode())
    assert problems(result) == ["row 2, column 医院编码: the code D1 already names a distributor"]


def test_rep_column_must_name_a_rep(db: Session) -> None:
    make_user(db, "li.na", "rep")
    make_user(db, "boss", "manager")
    content = (
        "医院编码,医院名称,省份,负责代表\nH1,A,上海,li.na\nH2,B,上海,boss\nH3,C,上海,nobody\n"
    ).encode()
    result = run(db, "hospitals", content)
    assert problems(result) == [
        "row 3, column 负责代表: no sales rep with the username “boss”",
        "row 4, column 负责代表: no sales rep with the username “nobody”",
    ]


def test_roles_without_master_data_rights_cannot_import(db: Session) -> None:
    rep = Actor(user_id=None, username="rep", role="rep")
    with pytest.raises(Forbidden):
        run(db, "hospitals", (HEADER_ZH + "H1,A,上海,,三甲\n").encode(), actor=rep)


def test_distributors_with_optional_province(db: Session) -> None:
    content = (
        "配送企业编码,配送企业名称,省份\n"
        "D1,国药控股上海有限公司,上海\n"
        "D2,九州通医药集团股份有限公司,\n"
    )
    result = run(db, "distributors", content.encode())
    assert result.ok, problems(result)
    assert count(db, Party) == 2


def test_an_import_leaves_one_summary_event(db: Session) -> None:
    run(db, "hospitals", (HEADER_ZH + "H1,A,上海,,三甲\n").encode(), "list.csv")
    summary = db.execute(select(AuditEvent).where(AuditEvent.entity == "import")).scalar_one()
    assert summary.note == "list.csv: 1 rows"
