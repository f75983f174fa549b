"""A lock wait is never a 500 (issue 11 finding 8: requests behind a long dunning run got
500 "database is locked" after 30 s). A real second connection holds the write lock —
SQLite's `BEGIN IMMEDIATE`, PostgreSQL's `LOCK TABLE party IN EXCLUSIVE MODE` — while
the app, waiting at most DB_LOCK_TIMEOUT, answers a write 503 with `Retry-After`: the
API's error format under /api/, a page in the user's language elsewhere. Reads go on,
and once the lock is gone the same write succeeds."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from tests.factories import api_token, csrf_token, login, make_user
from vbptrack import config as app_config
from vbptrack import create_app
from vbptrack.db import get_engine, make_engine, session_scope

LOCK_TIMEOUT = 0.5
HOSPITAL = {"code": "H-LOCK", "name": "上海市第一人民医院", "province_code": "31"}


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    config = app_config.test_config(
        database_url, INSTANCE_PATH=str(tmp_path), DB_LOCK_TIMEOUT=LOCK_TIMEOUT
    )
    application = create_app(config)
    yield application
    get_engine(application).dispose()


@contextmanager
def write_lock_held(database_url: str) -> Iterator[None]:
    """Another connection holds the lock every write to `party` needs, until the end."""
    if database_url.startswith("sqlite"):
        other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # the database's one write lock
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    engine = make_engine(database_url)
    with engine.connect() as other:
        other.execute(text("LOCK TABLE party IN EXCLUSIVE MODE"))  # reads go on, writes wait
        try:
            yield
        finally:
            other.rollback()
    engine.dispose()


def timed(call: Callable[[], object]) -> tuple[object, float]:
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def test_a_write_behind_a_held_lock_is_503_in_the_api_format(app: Flask, database_url: str) -> None:
    with session_scope(app) as db:
        headers = api_token(db, make_user(db, "zhang", "manager"))
    client = app.test_client()
    assert client.get("/api/v1/hospitals", headers=headers).status_code == 200  # token stamped
    with write_lock_held(database_url):
        busy, waited = timed(
            lambda: client.post("/api/v1/hospitals", json=HOSPITAL, headers=headers)
        )
        assert busy.status_code == 503  # type: ignore[attr-defined]
        assert busy.headers["Retry-After"] == "5"  # type: ignore[attr-defined]
        assert busy.json["error"]["code"] == "database_busy"  # type: ignore[attr-defined]
        assert set(busy.json["error"]) == {"code", "message", "fields"}  # type: ignore[attr-defined]
        assert LOCK_TIMEOUT <= waited < LOCK_TIMEOUT + 5
        # Readers are not held up by the writer.
        assert client.get("/api/v1/hospitals", headers=headers).status_code == 200
    created = client.post("/api/v1/hospitals", json=HOSPITAL, headers=headers)
    assert created.status_code == 201, created.json


def test_a_form_behind_a_held_lock_gets_a_page_in_the_users_language(
    app: Flask, database_url: str
) -> None:
    with session_scope(app) as db:
        make_user(db, "zhang", "manager")
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    login(browser, "zhang")
    token = csrf_token(browser, "/hospitals/new")
    with write_lock_held(database_url):
        busy = browser.post("/hospitals/new", data={**HOSPITAL, "csrf_token": token})
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "5"
        page = busy.get_data(as_text=True)
        assert "数据库正忙" in page and "Traceback" not in page
    saved = browser.post("/hospitals/new", data={**HOSPITAL, "csrf_token": token})
    assert saved.status_code == 302


@pytest.mark.parametrize("value", ["soon", "0", "-1"])
def test_a_lock_timeout_that_cannot_be_used_stops_the_start(
    database_url: str, tmp_path: Path, value: str
) -> None:
    with pytest.raises(ValueError, match="VBPTRACK_DB_LOCK_TIMEOUT"):
        create_app(
            app_config.test_config(database_url, INSTANCE_PATH=str(tmp_path), DB_LOCK_TIMEOUT=value)
        )
