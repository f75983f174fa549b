"""Fixtures: a fresh app and an isolated database per test, on SQLite and PostgreSQL.

Tests that take `database_url` (directly or through `app`) run once per backend. The
SQLite database is a copy of one migrated at session start; PostgreSQL gets its own
database for the run, migrated once and emptied (TRUNCATE) before each test.

Locally, without a PostgreSQL server the PostgreSQL runs are skipped with a message
saying how to enable them; under CI (CI=true) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel

from tests.smtp import MailServer, running_mail_server
from vbptrack import create_app, migrate
from vbptrack.config import test_config
from vbptrack.db import get_engine

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_URL = os.environ.get(
    "VBPTRACK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def unavailable(reason: str) -> None:
    """Skip locally, fail under CI: CI must prove the real thing works."""
    if IN_CI:
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str]:
    """A database of our own on the PostgreSQL server, dropped at the end of the run."""
    admin_engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin_engine.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "not here"
        admin_engine.dispose()
        unavailable(
            f"PostgreSQL not reachable at {POSTGRES_URL} ({type(exc).__name__}); start it or "
            "set VBPTRACK_TEST_POSTGRES_URL to run the PostgreSQL tests"
        )
    name = f"vbptrack_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    with admin_engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin_engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """xdist's worker id, or 'main' when the run is not distributed."""
    workerinput = getattr(request.config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "main"


SEEDED: dict[str, list[dict[str, object]]] = {}


def _empty_postgres(url: str) -> None:
    """Empty every table, then put back the rows the migrations seeded (provinces,
    standard payment terms) exactly as they were, sequences included."""
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name != "alembic_version"]
    engine = create_engine(url)
    with engine.begin() as connection:
        if url not in SEEDED:
            SEEDED[url] = {}
            for table in tables:
                rows = [dict(r._mapping) for r in connection.execute(table.select())]
                if rows:
                    SEEDED[url][table.name] = rows
        names = ", ".join(f'"{t.name}"' for t in tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        for table in tables:  # parents first
            rows = SEEDED[url].get(table.name)
            if not rows:
                continue
            connection.execute(table.insert(), rows)
            if "id" in table.c:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "  # noqa: S608
                        f'(SELECT max(id) FROM "{table.name}"))'
                    )
                )
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "vbptrack.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(test_config(database_url, INSTANCE_PATH=str(tmp_path)))
    yield application
    get_engine(application).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session on the test's database for arranging data and checking what was written."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def smtp_server() -> Iterator[MailServer]:
    """A real SMTP server on a free local port (tests/smtp.py)."""
    with running_mail_server() as server:
        yield server
