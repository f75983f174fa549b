"""Job rows: create, claim, finish, cancel, list; and the sweep that closes jobs whose
worker died.

A job is claimed by one worker with a conditional UPDATE (`status = 'queued'`): the
database lets exactly one claim through, so even a message delivered twice runs once.
Claims, finishes and the sweep are short transactions of their own; a job's long work
happens between them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import force_locale
from sqlalchemy import delete, select, update
from sqlmodel import Session, col

from vbptrack.models import Job, JobFile, User
from vbptrack.models.base import utcnow
from vbptrack.models.jobs import CANCELLED, DONE, FAILED, FINISHED, QUEUED, RUNNING, UPLOAD
from vbptrack.models.users import ADMIN
from vbptrack.services.access import SYSTEM, Actor
from vbptrack.services.errors import NotFound
from vbptrack.services.paging import Page, paginate
from vbptrack.services.problems import translate


def create(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    subject: str,
    params: Mapping[str, Any],
    lang: str,
    total: int | None = None,
) -> Job:
    """A queued job, flushed (the caller adds its files and commits, then enqueues)."""
    job = Job(
        kind=kind,
        subject=subject[:200],
        user_id=actor.user_id,
        username=actor.username,
        lang=lang,
        params=dict(params),
        total=total,
    )
    session.add(job)
    session.flush()
    return job


def visible(actor: Actor) -> Any:
    """The jobs an actor may see: their own; an admin's, everyone's."""
    statement = select(Job)
    if actor.role != ADMIN:
        statement = statement.where(Job.user_id == actor.user_id, col(Job.user_id).is_not(None))
    return statement


def get(session: Session, *, actor: Actor, job_id: int) -> Job:
    job = session.execute(visible(actor).where(Job.id == job_id)).scalar_one_or_none()
    if job is None:
        raise NotFound(translate("No job %(id)s.", id=job_id))
    return job


def search(
    session: Session,
    *,
    actor: Actor,
    mine: bool = False,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Job]:
    statement = visible(actor)
    if mine:
        statement = statement.where(Job.user_id == actor.user_id)
    if kind:
        statement = statement.where(Job.kind == kind)
    statement = statement.order_by(col(Job.id).desc())
    return paginate(session, statement, page=page, per_page=per_page)


def actor_of(session: Session, job: Job) -> Actor:
    """Who the job acts for, with their role as it is now (a user since made a rep does
    not import master data from a job queued earlier)."""
    if job.user_id is None:
        return SYSTEM
    from vbptrack.services.users import actor_for

    user = session.get(User, job.user_id)
    if user is None or not user.active:
        return Actor(user_id=job.user_id, username=job.username, role="inactive")
    return actor_for(user)


def claim(session: Session, job_id: int, *, worker: str) -> Job | None:
    """Mark the job running for this worker; None when it is not queued any more
    (another worker has it, it was cancelled, or it is gone)."""
    claimed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == QUEUED)
        .values(
            status=RUNNING,
            worker=worker,
            started_at=utcnow(),
            attempts=Job.attempts + 1,
        )
    )
    session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(Job, job_id, populate_existing=True)


def finish(
    session: Session,
    job: Job,
    status: str,
    *,
    result: Mapping[str, Any] | None = None,
    problems: Sequence[Mapping[str, Any]] = (),
    done: int | None = None,
    commit: bool = True,
) -> None:
    """The job's outcome; its uploaded file is let go (nothing reads it again)."""
    job.status = status
    job.finished_at = utcnow()
    if result is not None:
        job.result = dict(result)
    job.problems = [dict(p) for p in problems]
    if done is not None:
        job.done = done
    elif status == DONE and job.total is not None:
        job.done = job.total
    session.add(job)
    session.execute(delete(JobFile).where(JobFile.job_id == job.id, JobFile.purpose == UPLOAD))
    if commit:
        session.commit()


def requeue(session: Session, job: Job, message: str) -> None:
    """Back in the queue for a retry; the problem that made it retry is shown meanwhile."""
    job.status = QUEUED
    job.problems = [problem(message)]
    session.add(job)
    session.commit()


def problem(
    message: str, row: int = 0, column: str = "", value: str | None = None
) -> dict[str, Any]:
    return {"row": row, "column": column, "message": message, "value": value}


def cancel_queued(session: Session, job: Job) -> bool:
    """Cancel a job no worker has started; False if one just did."""
    cancelled = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == QUEUED)
        .values(status=CANCELLED, finished_at=utcnow())
    )
    session.execute(delete(JobFile).where(JobFile.job_id == job.id, JobFile.purpose == UPLOAD))
    session.commit()
    return bool(cancelled.rowcount == 1)  # type: ignore[attr-defined]


def file(session: Session, job_id: int, purpose: str) -> JobFile | None:
    return session.execute(
        select(JobFile).where(JobFile.job_id == job_id, JobFile.purpose == purpose)
    ).scalar_one_or_none()


# Jobs whose worker died ---------------------------------------------------------------


@dataclass(frozen=True)
class Stalled:
    job_id: int
    reason: str


def _pid_is_dead(worker: str | None, host: str) -> bool:
    """A worker on this machine whose process is gone (kill -9, a crash, a reboot)."""
    if not worker:
        return False
    worker_host, _sep, rest = worker.partition(":")
    pid_text = rest.partition(":")[0]
    if worker_host != host or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def stalled(
    jobs: Iterable[Job],
    live: Mapping[int, Mapping[str, Any]],
    *,
    now: datetime,
    stale_after: timedelta,
    host: str,
    this_worker: str,
) -> list[Stalled]:
    """Running jobs nobody is working on: their worker's process is gone (on this
    machine), or their heartbeat has been silent for `stale_after` (anywhere)."""
    found = []
    for job in jobs:
        if job.worker == this_worker:
            continue
        state = live.get(job.id or 0)
        beat = (
            datetime.fromtimestamp(float(state["beat"]), tz=now.tzinfo)
            if state and "beat" in state
            else job.started_at
        )
        if _pid_is_dead(job.worker, host):
            found.append(Stalled(job.id or 0, "worker process gone"))
        elif beat is not None and now - beat > stale_after:
            found.append(Stalled(job.id or 0, "no heartbeat"))
    return found


# What a job that stopped half-way leaves behind, by kind (the user reads this).
STOPPED_MESSAGES: dict[str, Callable[[], str]] = {}


def stopped_message(kind: str) -> str:
    message = STOPPED_MESSAGES.get(kind)
    if message is not None:
        return message()
    return translate("The worker stopped while this job ran; nothing of it was written.")


def sweep(
    session: Session,
    live: Callable[[Iterable[int]], Mapping[int, Mapping[str, Any]]],
    *,
    now: datetime,
    stale_after: timedelta,
    host: str,
    this_worker: str,
) -> list[Stalled]:
    """Mark failed the running jobs whose worker died; returns them."""
    running = list(session.execute(select(Job).where(Job.status == RUNNING)).scalars())
    found = stalled(
        running,
        live(job.id for job in running if job.id is not None),
        now=now,
        stale_after=stale_after,
        host=host,
        this_worker=this_worker,
    )
    by_id = {job.id: job for job in running}
    for item in found:
        job = by_id[item.job_id]
        with force_locale(job.lang):
            message = stopped_message(job.kind)
        # Only if it is still running: the worker may have finished it meanwhile.
        session.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == RUNNING)
            .values(
                status=FAILED,
                finished_at=now,
                problems=[problem(message)],
            )
        )
        session.execute(delete(JobFile).where(JobFile.job_id == job.id, JobFile.purpose == UPLOAD))
    session.commit()
    return found


def is_finished(job: Job) -> bool:
    return job.status in FINISHED


__all__ = [
    "CANCELLED",
    "DONE",
    "FAILED",
    "QUEUED",
    "RUNNING",
    "actor_of",
    "cancel_queued",
    "claim",
    "create",
    "finish",
    "get",
    "search",
    "sweep",
]


def progress_of(job: Job, live: Mapping[int, Mapping[str, Any]]) -> tuple[int, int | None]:
    """(done, total): while it runs, what its worker last said; after, what the row says."""
    state = live.get(job.id or 0)
    if job.status == RUNNING and state:
        total = state.get("total")
        return int(state.get("done") or 0), int(total) if total is not None else job.total
    return job.done, job.total
