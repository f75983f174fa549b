"""Background jobs on Redis, as production runs them: a real consumer on a Redis queue,
and two `vbptrack worker` processes on PostgreSQL + Redis sharing 50 jobs, each run
exactly once even when every job's message is delivered twice."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlmodel import Session

from tests.conftest import unavailable
from tests.jobs import REDIS_URL, consumer, redis_available, wait_for, worker_process
from vbptrack import config, create_app
from vbptrack.db import get_engine
from vbptrack.models import Job, Party
from vbptrack.queue import get_queue
from vbptrack.services.access import SYSTEM
from vbptrack.services.jobs import imports as import_jobs


@contextmanager
def app_on_redis(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The test app on a Redis queue of its own name, emptied afterwards."""
    if not redis_available():
        unavailable(f"Redis not reachable at {REDIS_URL}; start it to run the Redis tests")
    name = f"vbptrack_test_{uuid.uuid4().hex[:8]}"
    app = create_app(
        config.test_config(
            database_url, INSTANCE_PATH=str(tmp_path), QUEUE_URL=REDIS_URL, QUEUE_NAME=name
        )
    )
    try:
        yield app
    finally:
        get_queue(app).huey.storage.flush_all()
        get_engine(app).dispose()


@pytest.fixture
def redis_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    with app_on_redis(database_url, tmp_path) as app:
        yield app


def one_hospital(code: str) -> bytes:
    return f"医院编码,医院名称,省份\n{code},{code} 人民医院,上海\n".encode()


def start(app: Flask, db: Session, code: str) -> Job:
    return import_jobs.start(
        db,
        actor=SYSTEM,
        queue=get_queue(app),
        kind_name="hospitals",
        source=io.BytesIO(one_hospital(code)),
        filename=f"{code}.csv",
        lang="en",
    )


def test_an_import_through_a_consumer_on_redis(redis_app: Flask) -> None:
    with Session(get_engine(redis_app), expire_on_commit=False) as db:
        job = start(redis_app, db, "H-REDIS")
        assert not get_queue(redis_app).embedded
        with consumer(redis_app):
            finished = wait_for(redis_app, job.id)  # type: ignore[arg-type]
        assert finished.status == "done" and finished.result["written"] == 1  # type: ignore[index]
        assert db.execute(select(Party.code)).scalars().all() == ["H-REDIS"]


@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_run_fifty_jobs_each_exactly_once(postgres_url: str, tmp_path: Path) -> None:
    """The production shape: PostgreSQL + Redis."""
    from tests.conftest import _empty_postgres

    _empty_postgres(postgres_url)
    database_url = postgres_url
    with app_on_redis(database_url, tmp_path) as redis_app:
        run_fifty(redis_app, database_url, tmp_path)


def run_fifty(redis_app: Flask, database_url: str, tmp_path: Path) -> None:
    queue = get_queue(redis_app)
    env = {
        "VBPTRACK_DATABASE_URL": database_url,
        "VBPTRACK_QUEUE_URL": REDIS_URL,
        "VBPTRACK_SECRET_KEY": "test",
        "VBPTRACK_REMINDER_TIME": "off",
        "VBPTRACK_QUEUE_NAME": redis_app.config["QUEUE_NAME"],
    }
    with Session(get_engine(redis_app), expire_on_commit=False) as db:
        jobs = [start(redis_app, db, f"H{n:03d}") for n in range(50)]
    for job in jobs:  # every message twice: a job must still run once
        queue.enqueue("import_file", job.id)  # type: ignore[arg-type]
    workers = [worker_process(env, workers=2, log=tmp_path / f"worker-{n}.log") for n in (1, 2)]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with Session(get_engine(redis_app)) as db:
                waiting = db.execute(
                    select(func.count()).select_from(Job).where(Job.status != "done")
                ).scalar_one()
            if waiting == 0:
                break
            time.sleep(0.2)
        # The duplicates are picked up too (and refused by the claim) before the end.
        deadline = time.monotonic() + 30
        while queue.huey.pending_count() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stopping = time.monotonic()
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(timeout=20)
        print(f"workers stopped in {time.monotonic() - stopping:.1f} s")
    with Session(get_engine(redis_app)) as db:
        rows = db.execute(select(Job).order_by(Job.id)).scalars().all()
        assert [job.status for job in rows] == ["done"] * 50
        assert {job.attempts for job in rows} == {1}  # claimed once each
        assert sum(job.result["written"] for job in rows) == 50  # type: ignore[index]
        assert db.execute(select(func.count()).select_from(Party)).scalar_one() == 50
        pids = {job.worker.split(":")[1] for job in rows}  # type: ignore[union-attr]
        assert pids == {str(p.pid) for p in workers}, "both workers took part"
