"""Excel exports, every one through `write_sheet`: written row by row (openpyxl write-only
mode, so memory stays flat however many rows there are), then streamed from disk.

What each sheet gets, whatever it exports:
- numbers as numbers with a number format: money `#,##0.00` (exact Decimals from fen),
  quantities `#,##0`, ratios as fractions shown `0.0%` (never text like '0.3518');
- a bold, frozen header with an auto-filter over the data rows and set column widths;
- the total row marked as such (its label, bold, a rule above it) and outside the
  filter, so sorting never moves it into the data;
- text written as text: a name such as `=HYPERLINK(…)`, `=1+1`, `+1`, `-1` or `@SUM(A1)`
  (or one starting with a tab or CR) is a plain string cell, never a formula Excel or
  LibreOffice would run (issue 11 item 5). Reps download these files.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from vbptrack.domain.money import from_fen
from vbptrack.services.ageing import AgeingReport
from vbptrack.services.fulfilment import FulfilmentReport, FulfilmentRow

TEXT, INTEGER, MONEY, RATIO, DATE = "text", "integer", "money", "ratio", "date"
FORMATS = {INTEGER: "#,##0", MONEY: "#,##0.00", RATIO: "0.0%", DATE: "yyyy-mm-dd"}
# A column's width in characters when it does not say (CJK text counts double).
WIDTHS = {TEXT: 16, INTEGER: 12, MONEY: 16, RATIO: 11, DATE: 12}
# What a spreadsheet would read as the start of a formula (or of a DDE payload).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RATIO_PLACES = Decimal("0.0001")

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="EEF1F6")
TOTAL_FILL = PatternFill("solid", fgColor="FAFBFC")
RULE_ABOVE = Border(top=Side(style="thin"))


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: int | None = None  # characters; None: from the header and the kind


def text_cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A cell that holds `value` as text, whatever it starts with.

    openpyxl stores a string starting with "=" as a formula; the type is set back to
    string, and the quote prefix (Excel's leading apostrophe) keeps a user who edits the
    cell from turning it into one either."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def _cell(sheet: WriteOnlyWorksheet, column: Column, value: Any) -> WriteOnlyCell:
    if value is None:
        return WriteOnlyCell(sheet, value=None)
    if column.kind == TEXT or isinstance(value, str):
        return text_cell(sheet, str(value))
    if column.kind == RATIO:
        value = Decimal(value).quantize(RATIO_PLACES)
    elif column.kind == MONEY:
        value = Decimal(value)
    elif column.kind == DATE and not isinstance(value, date):
        raise TypeError(f"not a date: {value!r}")
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = FORMATS[column.kind]
    return cell


def _display_width(text: str) -> int:
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def write_sheet(
    path: Path,
    *,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    total: Sequence[Any] | None = None,
    total_label: str = "Total",
) -> Path:
    """A one-sheet workbook at `path`: the header, `rows` and a marked `total` row whose
    first cell is `total_label`."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for index, column in enumerate(columns, start=1):
        width = column.width or max(WIDTHS[column.kind], _display_width(column.header) + 3)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = text_cell(sheet, column.header)
        cell.font, cell.fill = BOLD, HEADER_FILL
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append(
            [_cell(sheet, column, value) for column, value in zip(columns, row, strict=True)]
        )
        count += 1
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    if total is not None:
        cells = [
            _cell(sheet, column, total_label if index == 0 else value)
            for index, (column, value) in enumerate(zip(columns, total, strict=True))
        ]
        for cell in cells:
            cell.font, cell.fill, cell.border = BOLD, TOTAL_FILL, RULE_ABOVE
        sheet.append(cells)
    book.save(path)
    return path


def new_path(prefix: str, directory: Path | None = None) -> Path:
    """A temporary .xlsx the caller streams and then deletes."""
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the caller streams then deletes it
        prefix=prefix, suffix=".xlsx", dir=directory, delete=False
    )
    handle.close()
    return Path(handle.name)


def ageing_workbook(
    report: AgeingReport,
    *,
    labels: dict[str, str] | None = None,
    directory: Path | None = None,
) -> Path:
    """The ageing report as .xlsx: the same rows, columns and totals as the page and API.

    Amounts are written as exact Decimals from fen, so the sheet's sums match the report.
    `labels` names the columns: "key", "name", each bucket, "unapplied", "total", and
    "total_row" for the total row's label.
    """
    labels = labels or {}
    columns = [
        Column(labels.get("key", "key"), TEXT, 14),
        Column(labels.get("name", "name"), TEXT, 36),
        *[Column(labels.get(c, c), MONEY) for c in report.columns],
        Column(labels.get("unapplied", "unapplied"), MONEY),
        Column(labels.get("total", "total"), MONEY),
    ]

    def cells(row: Any) -> list[Any]:
        amounts = [from_fen(row.amounts_fen.get(c, 0)) for c in report.columns]
        return [row.key, row.name, *amounts, row.unapplied, row.total]

    totals = cells(report.totals)
    totals[1] = None
    return write_sheet(
        new_path("ageing-", directory),
        title=f"ageing {report.as_of.isoformat()}",
        columns=columns,
        rows=(cells(row) for row in report.rows),
        total=totals,
        total_label=labels.get("total_row", "Total"),
    )


def fulfilment_workbook(
    report: FulfilmentReport,
    rows: Sequence[FulfilmentRow],
    totals: FulfilmentRow,
    *,
    labels: dict[str, str],
    directory: Path | None = None,
) -> Path:
    """A fulfilment report's rows (all of them, or the lagging / at-risk ones) and their
    total as .xlsx: quantities as whole numbers, ratios as fractions shown as percents.
    `labels` names "key", "name", the figures, "yes"/"no" and "total_row"."""
    columns = [
        Column(labels["key"], TEXT, 16),
        Column(labels["name"], TEXT, 36),
        Column(labels["agreed"], INTEGER),
        Column(labels["purchased"], INTEGER),
        Column(labels["completion"], RATIO),
        Column(labels["time_progress"], RATIO),
        Column(labels["projected"], RATIO),
        Column(labels["excess"], INTEGER),
        Column(labels["lagging"], TEXT, 10),
        Column(labels["at_risk"], TEXT, 10),
    ]

    def cells(row: FulfilmentRow) -> list[Any]:
        return [
            row.key,
            row.name,
            row.agreed,
            row.purchased,
            row.completion,
            row.progress,
            row.projected,
            row.excess,
            labels["yes"] if row.lagging else labels["no"],
            labels["yes"] if row.at_risk else labels["no"],
        ]

    total = cells(totals)
    total[1] = None
    return write_sheet(
        new_path("fulfilment-", directory),
        title=f"{report.award.code} Y{report.year.year}",
        columns=columns,
        rows=(cells(row) for row in rows),
        total=total,
        total_label=labels.get("total_row", "Total"),
    )
