"""Read a CSV (UTF-8 with or without BOM, or GB18030) or XLSX file as rows of text.

Rows are numbered as a spreadsheet shows them: the header is row 1. Both readers stream,
so a file of millions of rows never sits in memory whole.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from vbptrack.services.problems import translate

SNIFF_BYTES = 1 << 16


class UnreadableFile(ValueError):
    """Not a CSV or XLSX file we can read; the message says why."""


def _detect_encoding(raw: IO[bytes]) -> str:
    """utf-8-sig when the start decodes as UTF-8, else GB18030 (what Excel saves in China)."""
    head = raw.read(SNIFF_BYTES)
    raw.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the boundary is fine
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # A date cell (a platform's order time too) is its day: no import field holds a
        # time, and a date field takes YYYY-MM-DD only.
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel stores every number as a float; 12 is 12.0 there. repr keeps 0.1 as "0.1".
        if value.is_integer():
            return str(int(value))
        return str(Decimal(repr(value)))
    return str(value).strip()


def _csv_rows(raw: IO[bytes]) -> Iterator[list[str]]:
    encoding = _detect_encoding(raw)
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    try:
        strip = str.strip
        for row in csv.reader(text):
            yield list(map(strip, row))
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            translate("the file is neither UTF-8 nor GB18030 text (%(reason)s)", reason=exc.reason)
        ) from exc
    except csv.Error as exc:
        raise UnreadableFile(
            translate("not a valid CSV file: %(reason)s", reason=str(exc))
        ) from exc
    finally:
        text.detach()


def _xlsx_rows(raw: IO[bytes]) -> Iterator[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(raw, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(translate("not a valid .xlsx workbook")) from exc
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in row]
    finally:
        workbook.close()


def read_rows(raw: IO[bytes], filename: str) -> Iterator[list[str]]:
    """Every row of the file as a list of trimmed strings, the header first."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return _csv_rows(raw)
    if suffix == ".xlsx":
        return _xlsx_rows(raw)
    raise UnreadableFile(
        translate(
            "unsupported file type “%(suffix)s”: use .csv or .xlsx", suffix=suffix or filename
        )
    )
