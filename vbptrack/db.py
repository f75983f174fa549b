"""Database engine per app, one session per request on `g`, closed at teardown, and
what a lock wait looks like on each database.

A writer waits at most `DB_LOCK_TIMEOUT` seconds for a lock another connection holds
(SQLite's busy timeout, PostgreSQL's `lock_timeout`), then fails with a lock error that
web/errors.py answers 503 rather than 500; nothing waits forever behind a long import.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

ENGINE_KEY = "vbptrack.engine"
DEFAULT_LOCK_TIMEOUT = 10.0  # seconds

# sqlite3's result codes for "another connection holds the lock" (SQLITE_BUSY, _LOCKED).
_SQLITE_LOCK_CODES = {5, 6}
# PostgreSQL: lock_not_available (lock_timeout), serialization_failure, deadlock_detected.
_POSTGRES_LOCK_STATES = {"55P03", "40001", "40P01"}


def make_engine(url: str, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": lock_timeout}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            # WAL: readers never wait for the writer; the busy timeout bounds a writer's wait.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
            cursor.close()

        return engine
    milliseconds = int(lock_timeout * 1000)
    return create_engine(
        url, pool_pre_ping=True, connect_args={"options": f"-c lock_timeout={milliseconds}"}
    )


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def is_lock_wait(error: BaseException) -> bool:
    """A statement that failed because another connection held a lock (waited out, or a
    deadlock or serialization conflict): the database is busy, the request was fine."""
    if not isinstance(error, DBAPIError):
        return False
    if _sqlstate(error) in _POSTGRES_LOCK_STATES:
        return True
    code = getattr(error.orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_LOCK_CODES  # extended codes carry the base in the low byte
    text = str(error.orig).lower()
    return "database is locked" in text or "database table is locked" in text


def lock_timeout_setting(value: object) -> float:
    """`DB_LOCK_TIMEOUT` as seconds; a ValueError naming the setting otherwise."""
    try:
        seconds = float(str(value))
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise ValueError(f"VBPTRACK_DB_LOCK_TIMEOUT must be seconds from 0 to 3600, not {value!r}")
    return seconds


def init_app(app: Flask) -> None:
    app.extensions[ENGINE_KEY] = make_engine(
        app.config["DATABASE_URL"],
        lock_timeout=lock_timeout_setting(app.config.get("DB_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT)),
    )
    app.teardown_appcontext(close_session)


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions[ENGINE_KEY]  # type: ignore[no-any-return]


def get_session() -> Session:
    """The request's session; services commit, the teardown closes."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session  # type: ignore[no-any-return]


def rollback_session() -> None:
    """End the request's failed transaction, so the error page can still read."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A session outside a request (CLI, demo loader, tests)."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        yield session
