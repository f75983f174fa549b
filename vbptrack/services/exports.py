"""Excel exports written row by row (openpyxl write-only mode), so memory stays flat
however many rows there are; the file is then streamed to the browser from disk."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from vbptrack.domain.money import from_fen
from vbptrack.services.ageing import AgeingReport

MONEY_FORMAT = "#,##0.00"


def write_rows(
    path: Path,
    *,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    money_columns: Sequence[int] = (),
) -> Path:
    """A one-sheet workbook at `path`; money columns (Decimal) keep two decimals."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header_cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    money = set(money_columns)
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            cell = WriteOnlyCell(sheet, value=value)
            if index in money:
                cell.number_format = MONEY_FORMAT
            cells.append(cell)
        sheet.append(cells)
    book.save(path)
    return path


def ageing_workbook(
    report: AgeingReport, *, labels: dict[str, str] | None = None, directory: Path | None = None
) -> Path:
    """The ageing report as .xlsx: the same rows, columns and totals as the page and API.

    Amounts are written as exact Decimals from fen, so the sheet's sums match the report.
    """
    labels = labels or {}
    header = [
        labels.get("key", "key"),
        labels.get("name", "name"),
        *[labels.get(c, c) for c in report.columns],
        labels.get("unapplied", "unapplied"),
        labels.get("total", "total"),
    ]
    first_money = 2
    money_columns = list(range(first_money, len(header)))

    def rows() -> Iterable[Sequence[Any]]:
        for row in (*report.rows, report.totals):
            yield [
                row.key,
                row.name,
                *[from_fen(row.amounts_fen[c]) for c in report.columns],
                row.unapplied,
                row.total,
            ]

    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the caller streams then deletes it
        prefix="ageing-", suffix=".xlsx", dir=directory, delete=False
    )
    handle.close()
    return write_rows(
        Path(handle.name),
        title=f"ageing {report.as_of.isoformat()}",
        header=header,
        rows=rows(),
        money_columns=money_columns,
    )
