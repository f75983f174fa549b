"""The upload page: a good file is written whole, a bad one not at all, every problem listed."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import select
from sqlmodel import Session

from tests.factories import login
from tests.jobs import consumer, wait_for
from tests.web import world
from tests.web.pages import field_error, find, find_all, page, snapshot, text
from vbptrack.models import AuditEvent, Party, Product

HOSPITALS_CSV = """医院编码,医院名称,省份,城市,医院等级
H310001,复旦大学附属中山医院,上海,上海,三甲
H440001,中山大学附属第一医院,广东省,广州,三甲
H320001,南京市第一医院,320000,南京,
"""

BAD_HOSPITALS_CSV = """医院编码,医院名称,省份,城市,医院等级
H310001,复旦大学附属中山医院,上海,上海,三甲
H440001,,广东省,广州,三甲
H320001,南京市第一医院,火星,南京,四甲
H310001,重复的编码,上海,上海,三甲
"""


class Uploader:
    """Uploads through the page; the import runs on the app's own queue, by a real
    consumer (threads of this process, as `vbptrack serve` runs it), and `upload` answers
    with the upload page once the job has ended."""

    def __init__(self, app: Flask, client: FlaskClient, token: str) -> None:
        self.app = app
        self.client = client
        self.token = token

    def post(self, kind: str, content: bytes | None, filename: str = "data.csv") -> Any:
        data: dict[str, Any] = {"kind": kind, "csrf_token": self.token}
        if content is not None:
            data["file"] = (io.BytesIO(content), filename)
        return self.client.post("/imports/", data=data, content_type="multipart/form-data")

    def upload(self, kind: str, content: bytes | None, filename: str = "data.csv") -> Any:
        response = self.post(kind, content, filename)
        if response.status_code != 303:
            return response
        location = response.headers["Location"]
        job_id = int(location.rsplit("job=", 1)[1])
        with consumer(self.app, workers=1):
            wait_for(self.app, job_id)
        return self.client.get(location)


@pytest.fixture
def manager(app: Flask, db: Session) -> Uploader:
    world.quick_user(db, "manager", "manager")
    client = app.test_client()
    return Uploader(app, client, login(client, "manager"))


def problem_rows(response: Any) -> list[tuple[str, str, str]]:
    table = find(page(response), "table", class_="problems")
    assert table is not None, "no table of problems"
    rows = []
    for row in find_all(table, "tr"):
        cells = [text(cell) for cell in row if cell.tag == "td"]
        if cells:
            rows.append((cells[0], cells[1], cells[3]))  # row, column, problem
    return rows


def quoted_values(response: Any) -> dict[str, str]:
    """Row → the bad value the table quotes for it."""
    table = find(page(response), "table", class_="problems")
    assert table is not None
    found = {}
    for row in find_all(table, "tr"):
        cells = [cell for cell in row if cell.tag == "td"]
        if cells and text(cells[2]):
            found[text(cells[0])] = text(cells[2])
    return found


def codes(db: Session, model: Any = Party) -> set[str]:
    db.expire_all()
    return set(db.execute(select(model.code)).scalars())


def test_csv_with_chinese_headers_is_written(manager: Uploader, db: Session) -> None:
    response = manager.upload("hospitals", HOSPITALS_CSV.encode(), "医院名单.csv")
    assert response.status_code == 200
    success = find(page(response), class_="flash-success")
    assert success is not None
    assert text(success) == "3 rows written from 医院名单.csv."
    db.expire_all()
    rows = {p.code: p for p in db.execute(select(Party)).scalars()}
    assert set(rows) == {"H310001", "H440001", "H320001"}
    assert rows["H440001"].province_code == "44"
    assert rows["H320001"].province_code == "32"
    assert rows["H310001"].grade == "三甲"
    assert rows["H320001"].grade is None
    assert rows["H310001"].kind == "hospital"
    # The records are on their pages, with where they came from in the history.
    detail = manager.client.get("/hospitals/H440001")
    assert "中山大学附属第一医院" in text(page(detail))
    assert "import" in text(find(page(detail), "section", class_="history"))  # type: ignore[arg-type]


def test_a_bad_row_means_nothing_is_written(manager: Uploader, db: Session) -> None:
    before = snapshot(db)
    response = manager.upload("hospitals", BAD_HOSPITALS_CSV.encode(), "医院名单.csv")
    assert response.status_code == 200  # the page, with the job that failed
    root = page(response)
    assert "Nothing was imported" in text(root)
    assert find(root, class_="flash-success") is None
    problems = problem_rows(response)
    # Rows numbered as the spreadsheet shows them (header is row 1); columns as written.
    assert ("3", "医院名称", "This field is required.") in problems
    assert ("4", "省份", "Unknown province “火星”.") in problems
    assert any(row == "4" and column == "医院等级" for row, column, _ in problems)
    assert any(
        row == "5" and column == "医院编码" and "row 2" in message
        for row, column, message in problems
    )
    assert not any(row == "2" for row, _, _ in problems)
    assert quoted_values(response)["4"] in {"“火星”", "“四甲”"}  # the bad cells, as written
    assert snapshot(db) == before


def test_a_reimport_that_writes_nothing_says_the_rows_were_already_there(
    manager: Uploader, db: Session
) -> None:
    manager.upload("hospitals", HOSPITALS_CSV.encode(), "医院名单.csv")
    response = manager.upload("hospitals", HOSPITALS_CSV.encode(), "医院名单.csv")
    notice = find(page(response), class_="flash-info")
    assert notice is not None
    assert text(notice) == "Nothing new in 医院名单.csv: all 3 rows were already there."


def test_each_kind_offers_a_template_that_imports_as_it_is(manager: Uploader, db: Session) -> None:
    """The template's header is the kind's Chinese column names; its example row is
    accepted (hospitals first: the other kinds' examples name that hospital)."""
    from openpyxl import load_workbook

    response = manager.client.get("/imports/templates/hospitals.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("医院编码", "医院名称", "省份")
    assert rows[1][:3] == ("H310001", "复旦大学附属中山医院", "上海")
    done = manager.upload("hospitals", response.data, "hospitals-template.xlsx")
    assert "1 rows written" in text(find(page(done), class_="flash-success"))  # type: ignore[arg-type]
    assert codes(db) == {"H310001"}
    assert manager.client.get("/imports/templates/invoices.xlsx").status_code == 403
    assert manager.client.get("/imports/templates/widgets.xlsx").status_code == 404
    assert "vbptrack import" not in text(page(manager.client.get("/imports/")))


def test_xlsx(manager: Uploader, db: Session, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["产品编码", "通用名", "规格", "单位", "包装数量", "类别", "批准文号"])
    sheet.append(["P0001", "阿托伐他汀钙片", "20mg", "片", 28, "药品", "国药准字H20051408"])
    sheet.append(["S0001", "冠脉支架", None, "个", 1.0, "高值耗材", None])
    sheet.append([None, None, None, None, None, None, None])  # blank rows at the end
    path = tmp_path / "产品.xlsx"
    workbook.save(path)
    response = manager.upload("products", path.read_bytes(), path.name)
    assert response.status_code == 200, problem_rows(response)
    assert "2 rows written from 产品.xlsx." in text(page(response))
    db.expire_all()
    products = {p.code: p for p in db.execute(select(Product)).scalars()}
    assert products["P0001"].pack_size == 28
    assert products["S0001"].category == "high_value_consumable"
    events = db.execute(select(AuditEvent).where(AuditEvent.entity == "import")).scalars().all()
    assert [e.note for e in events] == ["产品.xlsx: 2 rows"]


def test_xlsx_with_a_bad_row(manager: Uploader, db: Session, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["产品编码", "通用名", "单位", "包装数量"])
    sheet.append(["P0001", "阿托伐他汀钙片", "片", 28])
    sheet.append(["P0002", "氨氯地平片", "片", 0])
    path = tmp_path / "products.xlsx"
    workbook.save(path)
    before = snapshot(db)
    response = manager.upload("products", path.read_bytes(), path.name)
    assert response.status_code == 200  # the page, with the job that failed
    assert problem_rows(response) == [("3", "包装数量", "Must be at least 1.")]
    assert snapshot(db) == before


def test_csv_saved_by_excel_in_gb18030(manager: Uploader, db: Session) -> None:
    response = manager.upload(
        "distributors",
        "配送企业编码,配送企业名称,省份\nD001,国药控股上海,上海\n".encode("gb18030"),
        "配送.csv",
    )
    assert response.status_code == 200, problem_rows(response)
    assert codes(db) == {"D001"}


def test_missing_required_column(manager: Uploader, db: Session) -> None:
    response = manager.upload("hospitals", "医院编码,城市\nH1,上海\n".encode())
    assert response.status_code == 200  # the page, with the job that failed
    problems = problem_rows(response)
    assert any(
        "missing column" in message and column in {"name", "province_code"}
        for _, column, message in problems
    )
    assert codes(db) == set()


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"\x00\x01not a zip", "data.xlsx", "not a valid .xlsx workbook"),
        (b"code,name\n", "data.txt", "unsupported file type"),
        (b"", "empty.csv", "the file is empty"),
        ("医院编码,医院名称,省份\n".encode(), "header-only.csv", "no rows"),
    ],
)
def test_unreadable_files_are_explained(
    manager: Uploader, db: Session, content: bytes, filename: str, message: str
) -> None:
    before = snapshot(db)
    response = manager.upload("hospitals", content, filename)
    assert response.status_code == 200  # the page, with the job that failed
    assert any(message in problem for _, _, problem in problem_rows(response))
    assert snapshot(db) == before


def test_no_file_or_no_kind(manager: Uploader) -> None:
    response = manager.upload("hospitals", None)
    assert response.status_code == 422
    assert field_error(page(response), "file") == "Choose a file to upload."
    response = manager.upload("widgets", HOSPITALS_CSV.encode())
    assert response.status_code == 422
    assert field_error(page(response), "kind") == "Choose what the file holds."


def test_the_page_lists_the_columns_each_kind_accepts(manager: Uploader) -> None:
    root = page(manager.client.get("/imports/?kind=products"))
    kind = find(root, "select", name="kind")
    assert kind is not None
    assert [o.get("value") for o in find_all(kind, "option")] == [
        "hospitals",
        "distributors",
        "products",
        "purchases",
        "agreed-volumes",
        "filings",
        "listings",
    ]
    assert find(kind, "option", value="products").get("selected") is not None  # type: ignore[union-attr]
    assert "医院编码" in text(root)
    links = [
        a.get("href") for a in find_all(root, "a") if "/imports/templates/" in a.get("href", "")
    ]
    assert "/imports/templates/products.xlsx" in links


@pytest.mark.parametrize(("role", "page"), [("finance", 200), ("rep", 403)])
def test_roles_without_master_data_cannot_import(
    app: Flask, db: Session, role: str, page: int
) -> None:
    """Finance imports invoices and payments, but not master data; a rep imports nothing."""
    world.quick_user(db, "someone", role)
    client = app.test_client()
    uploader = Uploader(app, client, login(client, "someone"))
    assert client.get("/imports/").status_code == page
    assert uploader.upload("hospitals", HOSPITALS_CSV.encode()).status_code == 403
    assert codes(db) == set()
