"""Shared pieces: databases to measure on, timing, and the markdown report."""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from vbptrack import migrate

POSTGRES_URL = os.environ.get(
    "VBPTRACK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
OUT = Path(__file__).resolve().parent / "out"


@contextmanager
def sqlite_database(name: str) -> Iterator[str]:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    yield url


@contextmanager
def postgres_database(name: str) -> Iterator[str]:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    db_name = f"vbptrack_bench_{name}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{db_name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + db_name
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()


def databases(name: str) -> list[tuple[str, Callable[[], object]]]:
    backends = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
    found: list[tuple[str, Callable[[], object]]] = []
    if "sqlite" in backends:
        found.append(("SQLite", lambda: sqlite_database(name)))
    if "postgresql" in backends:
        found.append(("PostgreSQL", lambda: postgres_database(name)))
    return found


def median_ms(action: Callable[[], object], repeat: int = 15, warmup: int = 2) -> float:
    """Median wall time of `action` in milliseconds after a warm-up."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)
