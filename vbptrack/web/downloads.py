"""Sending a file made on disk (an Excel export) and removing it: one helper for every
download, so no temporary file is left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import send_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send_workbook(path: Path, download_name: str) -> Any:
    stream = path.open("rb")
    response = send_file(stream, mimetype=XLSX, as_attachment=True, download_name=download_name)
    try:
        path.unlink()  # POSIX: the open handle still streams it, and nothing is left behind
    except OSError:  # pragma: no cover - Windows: only once the response is closed
        response.call_on_close(lambda: path.unlink(missing_ok=True))
    return response
