"""Every Excel export, downloaded as a user does and opened with openpyxl: a party named
like a formula is a plain string cell, numbers and ratios are numbers with formats, the
header is frozen and filtered, the total row is marked (issue 11 item 5, issue 17 item 18)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlmodel import Session

from tests.factories import make_hospital
from tests.web import world
from vbptrack.services import awards, invoices, purchases
from vbptrack.services.access import SYSTEM

# Parties a user (or an import) named like spreadsheet formulas.
NAMES = {"H310901": '=HYPERLINK("http://x","y")', "H310902": "=1+1", "H310903": "@SUM(A1)"}


@pytest.fixture
def data(db: Session) -> world.World:
    built = world.build(db)
    for code, name in NAMES.items():
        make_hospital(db, code, "31", name=name)
    return built


def _sheet(response: Any) -> Any:
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.get_data())).active


def _rows_by_code(sheet: Any) -> dict[str, Any]:
    return {row[0].value: row for row in sheet.iter_rows(min_row=2)}


def _well_formed(sheet: Any, header: list[str]) -> None:
    assert [cell.value for cell in sheet[1]][: len(header)] == header
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet[1][-1].column_letter}{sheet.max_row - 1}"
    assert sheet.column_dimensions["B"].width >= 30
    total = sheet[sheet.max_row]
    assert total[0].value == "Total" and total[0].font.bold


def test_the_ageing_export_writes_names_as_text_and_amounts_as_numbers(
    app: Flask, db: Session, data: world.World
) -> None:
    for n, code in enumerate(NAMES, start=1):
        invoices.create(
            db, actor=SYSTEM,
            data={"number": f"X-{n}", "customer_code": code, "invoice_date": "2024-01-10",
                  "due_date": "2024-02-09", "amount": f"{n}234.50"},
        )  # fmt: skip
    finance = world.signed_in(app, data.users["finance"])
    sheet = _sheet(finance.get("/receivables/ageing.xlsx?as_of=2024-03-31&group=customer"))
    _well_formed(sheet, ["Customer code", "Customer", "Not due", "1–30", "31–60"])
    rows = _rows_by_code(sheet)
    for n, (code, name) in enumerate(NAMES.items(), start=1):
        cell = rows[code][1]
        assert (cell.value, cell.data_type) == (name, "s"), code
        amount = rows[code][4]  # 31–60 days past due
        assert (amount.value, amount.data_type) == (float(f"{n}234.50"), "n")
        assert amount.number_format == "#,##0.00"
    total = rows["Total"]
    assert total[-1].value == pytest.approx(1234.5 + 2234.5 + 3234.5)
    assert total[-1].data_type == "n"


def test_the_fulfilment_export_writes_names_as_text_ratios_as_numbers_and_filters_lagging(
    app: Flask, db: Session, data: world.World
) -> None:
    awards.set_agreed_volumes(
        db, actor=SYSTEM, code=world.AWARD,
        items=[{"hospital_code": code, "year": 1, "quantity": 1000} for code in NAMES],
    )  # fmt: skip
    purchases.add_purchases(
        db, actor=SYSTEM,
        items=[{"hospital_code": "H310901", "product_code": world.PRODUCT,
                "date": "2025-03-01", "quantity": 900}],
    )  # fmt: skip
    manager = world.signed_in(app, data.users["manager"])
    url = f"/awards/{world.AWARD}/fulfilment.xlsx?year=1&as_of=2025-06-30&group_by=hospital"
    sheet = _sheet(manager.get(url))
    _well_formed(sheet, ["Hospital code", "Hospital", "Agreed", "Purchased", "Completion"])
    rows = _rows_by_code(sheet)
    for code, name in NAMES.items():
        assert (rows[code][1].value, rows[code][1].data_type) == (name, "s"), code
    agreed, purchased, completion, progress = (rows["H310901"][i] for i in (2, 3, 4, 5))
    assert (agreed.value, agreed.data_type, agreed.number_format) == (1000, "n", "#,##0")
    assert (purchased.value, purchased.data_type) == (900, "n")
    assert (completion.value, completion.data_type, completion.number_format) == (
        0.9,
        "n",
        "0.0%",
    )
    assert progress.value == pytest.approx(181 / 365, abs=0.0001)  # 2025-06-30: 181 days
    assert rows["H310901"][8].value == "no"  # not lagging
    assert rows["Total"][2].value == 3000  # the three (the volumes replaced the year's)

    lagging = _rows_by_code(_sheet(manager.get(url + "&only=lagging")))
    assert set(lagging) == {"H310902", "H310903", "Total"}
    assert lagging["Total"][2].value == 2000  # the total of the rows exported
