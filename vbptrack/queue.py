"""The task queue (Huey): embedded SQLite storage by default, Redis in production.

`VBPTRACK_QUEUE_URL` chooses: empty or `sqlite:///PATH` is the embedded queue (a file
beside the database in `instance/`, no server; `vbptrack serve` runs its workers in
process), `redis://HOST:PORT/DB` is Redis (workers are `vbptrack worker` processes,
on this machine or others).

Each app gets one Huey instance with the tasks of `vbptrack/tasks.py` registered on it.
The queue carries job ids only; the `job` row holds everything else. The queue's
key/value store also holds what changes while a job runs (progress, a heartbeat, a
cancel request), so neither a page asking "how far is it" nor the job saying so waits
for the job's own long transaction.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey
from huey.constants import EmptyData
from huey.consumer import Consumer
from huey.storage import SqliteStorage

QUEUE_KEY = "vbptrack.queue"
QUEUE_NAME = "vbptrack"
log = logging.getLogger("vbptrack.queue")

# Who runs a job, written on its row when it starts: the host and process, and a token
# per process so a restarted process with a recycled pid is not taken for the old one.
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def worker_identity() -> str:
    # After a fork (process workers) the pid changed; the token still tells processes apart.
    host, _pid, token = WORKER_ID.split(":")
    return f"{host}:{os.getpid()}:{token}"


def is_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://", "unix://"))


class QueueFileStorage(SqliteStorage):  # type: ignore[misc]
    """Huey's SQLite storage with `synchronous=NORMAL`: in WAL mode that survives a crash
    of any process (a power cut may lose the last messages), and saves an fsync on every
    enqueue, dequeue and progress beat. Huey's own switch knows only FULL and OFF."""

    def _create_connection(self) -> Any:
        connection = super()._create_connection()
        connection.execute("pragma synchronous=1")
        return connection


def make_huey(url: str, name: str = QUEUE_NAME) -> Huey:
    """The Huey instance for a queue URL. Results are not kept by Huey: a job's outcome is
    its row."""
    if is_redis(url):
        return RedisHuey(name, url=url, results=False)
    if not url.startswith("sqlite:///"):
        raise ValueError(f"VBPTRACK_QUEUE_URL must be sqlite:///PATH or redis://…, not {url!r}")
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(
        name, filename=str(path), results=False, timeout=30, storage_class=QueueFileStorage
    )


class JobQueue:
    """The app's queue: enqueue a task for a job, and the jobs' live state."""

    def __init__(self, huey: Huey, url: str) -> None:
        self.huey = huey
        self.url = url
        self.tasks: dict[str, Any] = {}  # task name → Huey TaskWrapper

    @property
    def embedded(self) -> bool:
        return not is_redis(self.url)

    def enqueue(self, task: str, job_id: int, *, delay: float | None = None) -> None:
        wrapper = self.tasks[task]
        if delay:
            wrapper.schedule((job_id,), delay=delay)
        else:
            wrapper(job_id)

    # Live state, as JSON in the queue's key/value store -----------------------------------

    @staticmethod
    def _key(job_id: int, what: str) -> str:
        return f"vbptrack.job.{job_id}.{what}"

    def put_live(self, job_id: int, state: dict[str, Any]) -> None:
        self.huey.storage.put_data(self._key(job_id, "live"), json.dumps(state).encode())

    def live(self, job_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        ids = list(job_ids)
        if not ids:
            return {}
        keys = {self._key(job_id, "live"): job_id for job_id in ids}
        found = self.huey.storage.peek_many(list(keys))
        return {
            keys[key]: json.loads(bytes(value))
            for key, value in found.items()
            if value is not EmptyData
        }

    def request_cancel(self, job_id: int) -> None:
        self.huey.storage.put_data(self._key(job_id, "cancel"), b"1")

    def cancel_requested(self, job_id: int) -> bool:
        return self.huey.storage.peek_data(self._key(job_id, "cancel")) is not EmptyData

    def forget(self, job_id: int) -> None:
        for what in ("live", "cancel"):
            self.huey.storage.delete_data(self._key(job_id, what))


def init_app(app: Flask) -> None:
    url = app.config.get("QUEUE_URL") or f"sqlite:///{Path(app.instance_path) / 'queue.db'}"
    queue = JobQueue(make_huey(url, app.config.get("QUEUE_NAME") or QUEUE_NAME), url)
    app.extensions[QUEUE_KEY] = queue
    from vbptrack import tasks

    tasks.register(queue, app)


def get_queue(app: Flask | None = None) -> JobQueue:
    return (app or current_app).extensions[QUEUE_KEY]  # type: ignore[no-any-return]


class InProcessConsumer(Consumer):  # type: ignore[misc]
    """Huey's consumer as threads of the web server's process (`vbptrack serve` on the
    embedded queue, and the tests). It leaves the signal handlers to the server: Ctrl+C
    stops the server, which then stops the workers."""

    def _set_signal_handlers(self) -> None:
        pass


def consumer_options(app: Flask, workers: int | None = None) -> dict[str, Any]:
    """How the consumer polls: the embedded queue is polled (at most every half second
    when idle, so a new job starts promptly); Redis blocks until a job arrives."""
    return {
        "workers": workers or int(app.config.get("QUEUE_WORKERS") or 2),
        "worker_type": "thread",
        "max_delay": 0.5,
        "initial_delay": 0.05,
        "backoff": 1.5,
        "periodic": True,
    }


def start_in_process(app: Flask, workers: int | None = None, periodic: bool = True) -> Consumer:
    """Start the workers as threads of this process; `stop(graceful=True)` ends them."""
    from vbptrack import tasks

    tasks.sweep_now(app)
    options = consumer_options(app, workers)
    options["periodic"] = periodic
    consumer = InProcessConsumer(get_queue(app).huey, **options)
    consumer.start()
    return consumer
