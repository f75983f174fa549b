"""How far a running job is, told to the queue's store by a heartbeat thread.

The job's own thread only counts (`advance`, an attribute write per batch); a small
thread writes the count and a heartbeat to the queue's key/value store every
`interval` seconds and reads whether someone asked to cancel. So reporting costs the
work nothing, pages read progress without touching the job's transaction, and a
worker that dies stops beating, which is how the sweep knows (records.sweep).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from vbptrack.services.errors import ServiceError
from vbptrack.services.problems import translate


class LiveStore(Protocol):
    def put_live(self, job_id: int, state: dict[str, Any]) -> None: ...
    def cancel_requested(self, job_id: int) -> bool: ...
    def forget(self, job_id: int) -> None: ...


class JobCancelled(Exception):  # noqa: N818 - it is what happened, not an error
    """Raised at the next safe point after someone asked to cancel."""


class Retry(ServiceError):
    """The job failed in a way that may pass (a mail server saying "try later"): the
    task runs it again after a pause, up to its retries."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class Progress:
    def __init__(
        self, store: LiveStore, job_id: int, *, worker: str, interval: float = 0.5
    ) -> None:
        self.store = store
        self.job_id = job_id
        self.worker = worker
        self.interval = interval
        self.done = 0
        self.total: int | None = None
        self.cancelled = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._beaten = False

    # What the work calls -------------------------------------------------------------

    def set_total(self, total: int | None) -> None:
        self.total = total

    def advance(self, done: int) -> None:
        """`done` so far; raises JobCancelled once a cancel was asked for."""
        self.done = done
        if self.cancelled:
            raise JobCancelled(translate("Cancelled."))

    def check(self) -> None:
        if self.cancelled:
            raise JobCancelled(translate("Cancelled."))

    def rows(self) -> Callable[[int], None]:
        return self.advance

    # The heartbeat -----------------------------------------------------------------------

    def beat(self) -> None:
        state = {"done": self.done, "total": self.total, "beat": time.time(), "worker": self.worker}
        self.store.put_live(self.job_id, state)
        self._beaten = True
        if self.store.cancel_requested(self.job_id):
            self.cancelled = True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.beat()
            except Exception:  # noqa: BLE001, S112 - a missed beat is retried on the next
                continue

    def __enter__(self) -> Progress:
        # No beat yet: a job shorter than one interval costs the queue's store nothing
        # (until the first beat the sweep goes by the row's started_at).
        self._thread = threading.Thread(
            target=self._run, name=f"job-{self.job_id}-heartbeat", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        # The keys are small and the row has the outcome: a failure to forget is harmless.
        if self._beaten:
            with suppress(Exception):
                self.store.forget(self.job_id)


@dataclass(frozen=True)
class JobContext:
    """What a job's work gets besides its session and row: the settings (SMTP, …), the
    day in China when it runs, and the links the reminder e-mails carry."""

    settings: Mapping[str, Any]
    today: date
    links: Any = None
