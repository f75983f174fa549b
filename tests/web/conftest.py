"""Page tests run on SQLite only: the pages add no SQL of their own beyond the services,
which run on both databases in tests/services and tests/api."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "vbptrack.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"
