"""The one Excel writer every export goes through, read back with openpyxl: text that
looks like a formula stays text, numbers stay numbers with their formats, and every sheet
has a frozen header, an auto-filter, widths and a marked total row."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from vbptrack.services.exports import INTEGER, MONEY, RATIO, TEXT, Column, write_sheet

DANGEROUS = [
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "@SUM(A1)",
    "+1+1",
    "-1+1",
    "\tcmd",
    "\r=1+1",
]
COLUMNS = [
    Column("Code"),
    Column("Name", TEXT, 30),
    Column("Agreed", INTEGER),
    Column("Amount", MONEY),
    Column("Completion", RATIO),
]


@pytest.fixture
def sheet(tmp_path: Path):  # type: ignore[no-untyped-def]
    rows = [
        [f"H{n}", name, 1000 + n, Decimal("61529.25"), Decimal("0.3518")]
        for n, name in enumerate(DANGEROUS)
    ]
    path = write_sheet(
        tmp_path / "t.xlsx",
        title="test",
        columns=COLUMNS,
        rows=rows,
        total=["", None, 7028, Decimal("430704.75"), Decimal("1") / Decimal("3")],
        total_label="合计",
    )
    return load_workbook(path).active


def test_text_that_looks_like_a_formula_is_written_as_text(sheet) -> None:  # type: ignore[no-untyped-def]
    names = [row[1] for row in sheet.iter_rows(min_row=2, max_row=len(DANGEROUS) + 1)]
    assert [cell.value for cell in names] == DANGEROUS
    assert {cell.data_type for cell in names} == {"s"}
    assert all(cell.quotePrefix for cell in names)  # an edit in Excel keeps it text too


def test_numbers_stay_numbers_with_their_formats(sheet) -> None:  # type: ignore[no-untyped-def]
    code, _name, agreed, amount, ratio = next(sheet.iter_rows(min_row=2, max_row=2))
    assert code.data_type == "s" and not code.quotePrefix
    assert (agreed.value, agreed.data_type, agreed.number_format) == (1000, "n", "#,##0")
    assert (amount.value, amount.data_type, amount.number_format) == (61529.25, "n", "#,##0.00")
    # a ratio is a fraction shown as a percent, not the text '0.3518'
    assert (ratio.value, ratio.data_type, ratio.number_format) == (0.3518, "n", "0.0%")


def test_the_sheet_has_a_frozen_header_a_filter_widths_and_a_marked_total(sheet) -> None:  # type: ignore[no-untyped-def]
    assert sheet.freeze_panes == "A2"
    last_data_row = len(DANGEROUS) + 1
    assert sheet.auto_filter.ref == f"A1:E{last_data_row}"  # the total stays out of it
    assert [c.value for c in sheet[1]] == ["Code", "Name", "Agreed", "Amount", "Completion"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.column_dimensions["B"].width == 30
    assert sheet.column_dimensions["D"].width >= 14  # wide enough for 430,704.75
    total = sheet[last_data_row + 1]
    assert total[0].value == "合计" and total[1].value is None
    assert total[4].value == pytest.approx(0.3333) and total[4].number_format == "0.0%"
    assert all(c.font.bold for c in total) and total[0].border.top.style == "thin"
    assert sheet.max_row == last_data_row + 1


def test_a_sheet_without_rows_still_has_its_header_and_total(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "e.xlsx", title="x" * 40, columns=COLUMNS, rows=[],
                       total=["", None, 0, Decimal(0), None])  # fmt: skip
    sheet = load_workbook(path).active
    assert sheet.title == "x" * 31  # Excel's limit
    assert sheet.auto_filter.ref == "A1:E1"
    assert [c.value for c in sheet[2]][:3] == ["Total", None, 0]
