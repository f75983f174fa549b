"""Uploads with limits (issue 11 item 4): a 1.35 MB shared-strings bomb raised the server's
memory by 666 MB and kept it. Each hostile workbook here is generated small on disk and
huge unpacked; reading it is refused with a clear message before it costs memory or
time, measured in a separate process (its peak RSS, VmHWM). A sheet's claimed dimension
never pads rows, and the limits come from the settings."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlmodel import Session

from tests.factories import login
from tests.web import world
from tests.web.test_import_page import Uploader
from tests.xlsx_files import (
    SHEET_HEAD,
    dimension_bomb,
    purchase_export_rows,
    shared_strings_bomb,
    sheet_bomb,
    write_rows,
    write_workbook,
)
from vbptrack import config as app_config
from vbptrack import create_app
from vbptrack.db import get_engine, session_scope
from vbptrack.imports.reader import UnreadableFile, UploadLimits, read_rows
from vbptrack.models import Party

# The whole reading process — Python, Flask, openpyxl and the app's modules — stays under
# this; openpyxl holding a bomb's strings would take gigabytes.
PEAK_RSS_MB = 160
READ_IN_A_FRESH_PROCESS = """
import json, sys, time
from vbptrack.imports.reader import UnreadableFile, read_rows
start = time.monotonic()
try:
    with open(sys.argv[1], "rb") as raw:
        rows = [line for line in read_rows(raw, "upload.xlsx")]
    outcome = {"rows": rows[:5], "count": len(rows)}
except UnreadableFile as problem:
    outcome = {"refused": str(problem)}
peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]
outcome.update(seconds=time.monotonic() - start, peak_mb=int(peak) // 1024)
print(json.dumps(outcome, ensure_ascii=False))
"""


def read_in_fresh_process(path: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", READ_IN_A_FRESH_PROCESS, str(path)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def unpacked_mb(path: Path) -> float:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return sum(i.file_size for i in archive.infolist()) / (1 << 20)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (shared_strings_bomb, "the workbook's part xl/sharedStrings.xml is compressed"),
        (sheet_bomb, "the workbook's part xl/worksheets/sheet1.xml is compressed"),
    ],
)
def test_a_bomb_is_refused_before_it_costs_memory(
    tmp_path: Path, make: object, message: str
) -> None:
    path = make(tmp_path / "bomb.xlsx")  # type: ignore[operator]
    assert path.stat().st_size < 3 << 20 and unpacked_mb(path) > 100  # small, huge unpacked
    outcome = read_in_fresh_process(path)
    assert message in str(outcome.get("refused")), outcome
    assert outcome["peak_mb"] < PEAK_RSS_MB, outcome  # type: ignore[operator]
    assert outcome["seconds"] < 5, outcome  # type: ignore[operator]


def test_a_claimed_dimension_pads_nothing(tmp_path: Path) -> None:
    """A1:XFD1048576 claimed over three real rows: three rows of two cells come back
    (openpyxl trusting the claim yields a million rows of 16,384)."""
    outcome = read_in_fresh_process(dimension_bomb(tmp_path / "dimension.xlsx"))
    assert outcome["rows"] == [["code", "1"], ["x", "2"], ["y", "3"]] and outcome["count"] == 3
    assert outcome["peak_mb"] < PEAK_RSS_MB and outcome["seconds"] < 5, outcome  # type: ignore[operator]


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "lol">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&j;</t></is></c></row>'
    "</sheetData></worksheet>"
)
BROKEN = (
    SHEET_HEAD + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row>'
    '<row r="2"><c r="A2"><v>1</v></c></row><row r="3"><c '
)


@pytest.mark.parametrize("sheet", [LAUGHS, BROKEN], ids=["entity-expansion", "broken-xml"])
def test_a_sheet_whose_xml_cannot_be_trusted_is_refused(tmp_path: Path, sheet: str) -> None:
    """A billion-laughs sheet (defusedxml refuses the entities) or XML cut off midway:
    the import says the file is unreadable, never a 500."""
    path = write_workbook(tmp_path / "x.xlsx", sheet_parts=[sheet], shared_strings=[],
                          string_count=0)  # fmt: skip
    with path.open("rb") as raw, pytest.raises(UnreadableFile, match="not a valid .xlsx"):
        list(read_rows(raw, "x.xlsx"))


def test_a_text_table_past_its_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    path = shared_strings_bomb(tmp_path / "strings.xlsx", strings=40_000)  # about 7 MB unpacked
    limits = UploadLimits(shared_strings_mb=5)
    with path.open("rb") as raw, pytest.raises(UnreadableFile, match="text table unpacks to 7 MB"):
        list(read_rows(raw, "strings.xlsx", limits))
    with path.open("rb") as raw, pytest.raises(UnreadableFile, match="unpacks to 7 MB, more"):
        list(read_rows(raw, "strings.xlsx", UploadLimits(unpacked_mb=6)))


def test_cells_and_reading_time_are_bounded(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "export.xlsx", purchase_export_rows(200))  # 201 rows of 16
    with path.open("rb") as raw:
        assert len(list(read_rows(raw, "export.xlsx", UploadLimits(cells=201 * 16)))) == 201
    with path.open("rb") as raw, pytest.raises(UnreadableFile, match="more than 3,000 cells"):
        list(read_rows(raw, "export.xlsx", UploadLimits(cells=3000)))
    # Only reading counts: a slow consumer between rows does not use up the budget.
    with path.open("rb") as raw:
        for _ in read_rows(raw, "export.xlsx", UploadLimits(seconds=0.5)):
            time.sleep(0.005)
    with (
        path.open("rb") as raw,
        pytest.raises(UnreadableFile, match="took more than 1e-06 seconds"),
    ):
        list(read_rows(raw, "export.xlsx", UploadLimits(seconds=0.000001)))


def test_the_upload_page_explains_the_refusal_and_writes_nothing(
    app: Flask, db: Session, tmp_path: Path
) -> None:
    world.quick_user(db, "manager", "manager")
    client = app.test_client()
    uploader = Uploader(app, client, login(client, "manager"))
    # 40,000 strings: 7 MB unpacked from 40 KB, refused for its ratio like the big ones.
    content = shared_strings_bomb(tmp_path / "bomb.xlsx", strings=40_000).read_bytes()
    response = uploader.upload("hospitals", content, "b.xlsx")
    assert "far more than a spreadsheet ever is" in response.get_data(as_text=True)
    assert db.execute(select(func.count()).select_from(Party)).scalar_one() == 0


def test_limits_come_from_the_settings_and_a_bad_one_stops_the_start(
    database_url: str, tmp_path: Path
) -> None:
    settings = {"XLSX_MAX_RATIO": "50", "IMPORT_MAX_CELLS": "1000", "IMPORT_MAX_SECONDS": "2.5"}
    app = create_app(app_config.test_config(database_url, INSTANCE_PATH=str(tmp_path), **settings))
    with app.app_context():
        assert UploadLimits.current() == UploadLimits(ratio=50, cells=1000, seconds=2.5)
    get_engine(app).dispose()
    with pytest.raises(ValueError, match="VBPTRACK_XLSX_MAX_UNPACKED_MB"):
        create_app(
            app_config.test_config(
                database_url, INSTANCE_PATH=str(tmp_path), XLSX_MAX_UNPACKED_MB="lots"
            )
        )


def test_the_upload_page_has_its_own_size_limit(database_url: str, tmp_path: Path) -> None:
    """A million-row export is about 72 MB as .xlsx, past the 64 MB other posts may send:
    the upload page takes up to IMPORT_MAX_UPLOAD_MB (256), here set to 1."""
    config = app_config.test_config(
        database_url,
        INSTANCE_PATH=str(tmp_path),
        IMPORT_MAX_UPLOAD_MB="1",
        MAX_CONTENT_LENGTH=100_000,
    )
    app = create_app(config)
    with session_scope(app) as db:
        world.quick_user(db, "manager", "manager")
    client = app.test_client()
    token = login(client, "manager")
    body = b"code,name,province_code\n" + b"H1,x,31\n" * 20_000  # 160 KB: over 100 KB
    taken = client.post(
        "/imports/",
        data={"kind": "hospitals", "csrf_token": token, "file": (io.BytesIO(body), "h.csv")},
        content_type="multipart/form-data",
    )
    assert taken.status_code in (200, 303, 422)  # taken (queued), not refused for its size
    too_big = client.post(
        "/imports/",
        data={
            "kind": "hospitals",
            "csrf_token": token,
            "file": (io.BytesIO(body * 7), "h.csv"),
        },  # fmt: skip
        content_type="multipart/form-data",
    )
    assert too_big.status_code == 413
    get_engine(app).dispose()
