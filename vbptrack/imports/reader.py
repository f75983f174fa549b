"""Read a CSV (UTF-8 with or without BOM, or GB18030) or XLSX file as rows of text.

Rows are numbered as a spreadsheet shows them: the header is row 1. Both readers stream,
so a file of millions of rows never sits in memory whole.

An .xlsx is a zip of XML parts, and a hostile one is small on disk and enormous unpacked
(a shared-strings table of millions of strings, which openpyxl holds in memory whole; a
sheet claiming every cell of A1:XFD1048576). So before openpyxl parses anything, the
zip's directory is checked: the parts' unpacked sizes, the shared strings' size, and
each large part's compression ratio (zipfile stops at the declared size, so the check
holds for what is actually unpacked). While the sheet streams, its cells and the time
spent reading are counted against `UploadLimits`, and the sheet's claimed dimension is
ignored, so no row is padded beyond its real cells.
"""

from __future__ import annotations

import codecs
import csv
import io
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from flask import current_app, has_app_context

from vbptrack.services.problems import translate

SNIFF_BYTES = 1 << 16
MB = 1 << 20
SHARED_STRINGS = "xl/sharedStrings.xml"
# Parts smaller than this may compress as well as they like (styles, an empty sheet).
RATIO_FROM_BYTES = 1 * MB
MAX_SHEET_ROWS = 1_048_576  # Excel's own limit: a row past it is no spreadsheet's


class UnreadableFile(ValueError):
    """Not a CSV or XLSX file we can read; the message says why."""


@dataclass(frozen=True)
class UploadLimits:
    """What one .xlsx may cost to read (docs/imports.md has the measured defaults)."""

    unpacked_mb: int = 2048  # all parts together
    shared_strings_mb: int = 256  # held in memory whole by openpyxl
    ratio: int = 100  # unpacked ÷ packed, for each part of 1 MB or more
    cells: int = 50_000_000  # cells read (a row's width; an empty row counts one)
    seconds: float = 900.0  # time spent reading, not validating or writing

    SETTINGS = {
        "XLSX_MAX_UNPACKED_MB": "unpacked_mb",
        "XLSX_MAX_SHARED_STRINGS_MB": "shared_strings_mb",
        "XLSX_MAX_RATIO": "ratio",
        "IMPORT_MAX_CELLS": "cells",
        "IMPORT_MAX_SECONDS": "seconds",
    }

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> UploadLimits:
        """The limits from the app's settings; a ValueError naming a setting that is no
        positive number (it stops the start)."""
        values: dict[str, Any] = {}
        for setting, name in cls.SETTINGS.items():
            if setting not in settings:
                continue
            kind = float if name == "seconds" else int
            try:
                value = kind(str(settings[setting]))
            except ValueError:
                value = 0
            if value <= 0:
                raise ValueError(
                    f"VBPTRACK_{setting} must be a positive number, not {settings[setting]!r}"
                )
            values[name] = value
        return cls(**values)

    @staticmethod
    def upload_mb(settings: Mapping[str, Any]) -> int:
        """`IMPORT_MAX_UPLOAD_MB`, the upload page's limit on a file's size."""
        text = str(settings.get("IMPORT_MAX_UPLOAD_MB", 256))
        if not (text.isascii() and text.isdigit() and int(text) > 0):
            raise ValueError(f"VBPTRACK_IMPORT_MAX_UPLOAD_MB must be a whole number, not {text!r}")
        return int(text)

    @classmethod
    def current(cls) -> UploadLimits:
        """The running app's limits; the defaults outside an app."""
        if has_app_context():
            return cls.from_settings(current_app.config)
        return cls()


UNLIMITED = UploadLimits(
    unpacked_mb=1 << 30, shared_strings_mb=1 << 30, ratio=1 << 30, cells=1 << 62, seconds=1e12
)


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


def check_archive(raw: IO[bytes], limits: UploadLimits) -> None:
    """Refuse a workbook whose parts would unpack beyond the limits, from the zip's
    directory alone: nothing is decompressed here."""
    from zipfile import BadZipFile, ZipFile

    try:
        with ZipFile(raw) as archive:
            parts = archive.infolist()
    except (BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(translate("not a valid .xlsx workbook")) from exc
    finally:
        raw.seek(0)
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limits.unpacked_mb * MB:
        raise UnreadableFile(
            translate(
                "the workbook unpacks to %(size)s MB, more than the %(limit)s MB allowed: "
                "split it, or save it as CSV",
                size=unpacked // MB,
                limit=limits.unpacked_mb,
            )
        )
    for part in parts:
        if part.filename == SHARED_STRINGS and part.file_size > limits.shared_strings_mb * MB:
            raise UnreadableFile(
                translate(
                    "the workbook's text table unpacks to %(size)s MB, more than the %(limit)s MB "
                    "allowed: split it, or save it as CSV",
                    size=part.file_size // MB,
                    limit=limits.shared_strings_mb,
                )
            )
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size >= RATIO_FROM_BYTES and ratio > limits.ratio:
            raise UnreadableFile(
                translate(
                    "the workbook's part %(part)s is compressed %(ratio)s times, far more than a "
                    "spreadsheet ever is: it is refused as unsafe",
                    part=part.filename,
                    ratio=int(ratio),
                )
            )


def _bounded(rows: Iterable[Sequence[Any]], limits: UploadLimits) -> Iterator[list[str]]:
    """The rows as text, refused once they pass the cell count, the row count or the
    time budget. Only the time spent here counts: not the caller's validation between
    two rows."""
    clock = time.monotonic
    spent = 0.0
    cells = 0
    started = clock()
    for count, row in enumerate(rows, start=1):
        cells += len(row) or 1
        if cells > limits.cells or count > MAX_SHEET_ROWS:
            limit = format(limits.cells, ",")
            raise UnreadableFile(
                translate(
                    "the sheet has more than %(limit)s cells (or more rows than Excel allows): "
                    "split the file",
                    limit=limit,
                )
            )
        line = [_cell_text(value) for value in row]
        spent += clock() - started
        if spent > limits.seconds:
            seconds = format(limits.seconds, "g")
            raise UnreadableFile(
                translate(
                    "reading the sheet took more than %(seconds)s seconds: split the file",
                    seconds=seconds,
                )
            )
        yield line
        started = clock()


def _xlsx_rows(raw: IO[bytes], limits: UploadLimits) -> Iterator[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    check_archive(raw, limits)
    try:
        workbook = load_workbook(raw, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        raise UnreadableFile(translate("not a valid .xlsx workbook")) from exc
    try:
        sheet = workbook.worksheets[0]
        # The sheet's <dimension> is what the writer claims, not what is there: trusting
        # A1:XFD1048576 pads every row to 16,384 cells and adds a million empty rows.
        sheet.reset_dimensions()  # type: ignore[union-attr]
        yield from _bounded(sheet.iter_rows(values_only=True), limits)
    except UnreadableFile:
        raise
    except (BadZipFile, KeyError, ValueError, SyntaxError) as exc:
        # A part whose data does not match the directory, XML that does not parse
        # (ParseError is a SyntaxError), a DTD or entity defusedxml refuses.
        raise UnreadableFile(translate("not a valid .xlsx workbook")) from exc
    finally:
        workbook.close()


def read_rows(
    raw: IO[bytes], filename: str, limits: UploadLimits | None = None
) -> Iterator[list[str]]:
    """Every row of the file as a list of trimmed strings, the header first. An .xlsx
    is read within `limits` (the app's settings when not given)."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return _csv_rows(raw)
    if suffix == ".xlsx":
        return _xlsx_rows(raw, limits or UploadLimits.current())
    raise UnreadableFile(
        translate(
            "unsupported file type “%(suffix)s”: use .csv or .xlsx", suffix=suffix or filename
        )
    )
