"""Real consumers for the tests of background jobs: Huey's workers as threads of the test
process (what `vbptrack serve` runs), or `vbptrack worker` processes (what production
runs), and waiting for a job to end."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlmodel import Session

from vbptrack.db import get_engine
from vbptrack.models import Job
from vbptrack.models.jobs import FINISHED
from vbptrack.queue import start_in_process

REDIS_URL = os.environ.get("VBPTRACK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@contextmanager
def consumer(app: Flask, workers: int = 2) -> Iterator[Any]:
    running = start_in_process(app, workers=workers)
    try:
        yield running
    finally:
        running.stop(graceful=True)


def job_row(app: Flask, job_id: int) -> Job:
    with Session(get_engine(app), expire_on_commit=False) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def wait_for(app: Flask, job_id: int, timeout: float = 30, statuses: Any = FINISHED) -> Job:
    """The job once its status is one of `statuses` (finished, by default)."""
    deadline = time.monotonic() + timeout
    while True:
        job = job_row(app, job_id)
        if job.status in statuses:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job.status} after {timeout} s")
        time.sleep(0.05)


def worker_process(env: dict[str, str], *, workers: int = 1, log: Path | None = None) -> Any:
    """`vbptrack worker` as its own process, configured by `env` (VBPTRACK_*)."""
    output = log.open("ab") if log else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-c", "from vbptrack.cli import main; main()", "worker",
         "--workers", str(workers)],
        env={**os.environ, **env},
        stdout=output,
        stderr=subprocess.STDOUT,
    )  # fmt: skip


def redis_available() -> bool:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - anything means "no Redis here"
        return False
    return True
