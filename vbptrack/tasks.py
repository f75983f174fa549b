"""The background tasks, registered on an app's queue (vbptrack/queue.py).

Tasks are thin (STYLE.md lesson 16): each takes a job id, opens its own session, claims
the job, calls one service function with a Progress to report to, and records how it
ended. The rules stay in domain/, the transactions in services/.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import force_locale
from huey import crontab
from huey.exceptions import RetryTask
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from vbptrack.db import get_engine
from vbptrack.models import Job
from vbptrack.models.base import utcnow
from vbptrack.models.jobs import CANCELLED, DONE, FAILED
from vbptrack.services.errors import ServiceError
from vbptrack.services.jobs import records
from vbptrack.services.jobs.progress import JobCancelled, JobContext, Progress, Retry
from vbptrack.services.problems import translate

log = logging.getLogger("vbptrack.tasks")


# work(session, job, progress, context) → the job's result (or None when the work has
# already recorded the outcome in its own last transaction, as an import does).
class TryAgain(Exception):  # noqa: N818
    """Raised to Huey so it runs the task again after its retry delay (a plain exception
    uses up one of the task's retries; Huey's RetryTask would not)."""


Work = Callable[[Session, Job, Progress, JobContext], dict[str, Any] | None]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def context(app: Flask) -> JobContext:
    from vbptrack.web.deadlines import reminder_links

    return JobContext(
        settings=app.config, today=datetime.now(SHANGHAI).date(), links=reminder_links()
    )


def run_job(app: Flask, queue: Any, job_id: int, work: Work, *, retries: int = 0) -> None:
    """Claim the job, run the work, record the outcome. `retries` is how many more runs
    Huey will make of this task if it raises RetryTask."""
    from vbptrack.queue import worker_identity

    with app.app_context(), Session(get_engine(app), expire_on_commit=False) as session:
        try:
            job = records.claim(session, job_id, worker=worker_identity())
        except OperationalError as exc:  # a locked SQLite database: try again shortly
            log.warning("job %s: could not claim (%s); retrying", job_id, exc)
            session.rollback()
            raise RetryTask(delay=2) from exc
        if job is None:
            return
        interval = float(app.config.get("JOB_PROGRESS_SECONDS") or 0.5)
        with (
            force_locale(job.lang),
            Progress(queue, job_id, worker=worker_identity(), interval=interval) as progress,
        ):
            try:
                result = work(session, job, progress, context(app))
            except JobCancelled:
                session.rollback()
                records.finish(session, job, CANCELLED, done=progress.done)
            except Retry as exc:
                session.rollback()
                if retries > 0:
                    records.requeue(session, job, exc.message)
                    raise TryAgain(exc.message) from exc
                records.finish(session, job, FAILED, problems=[records.problem(exc.message)])
            except ServiceError as exc:
                session.rollback()
                messages = [exc.message, *exc.fields.values()]
                text = " ".join(m for m in messages if m)
                records.finish(session, job, FAILED, problems=[records.problem(text)])
            except Exception:
                log.exception("job %s (%s) failed", job_id, job.kind)
                session.rollback()
                message = translate("Something went wrong on our side; the error is logged.")
                records.finish(session, job, FAILED, problems=[records.problem(message)])
            else:
                session.refresh(job)
                if not records.is_finished(job):
                    job.total = job.total if job.total is not None else progress.total
                    records.finish(session, job, DONE, result=result or {}, done=progress.done)


def sweep_now(app: Flask) -> list[records.Stalled]:
    """Close the jobs whose worker died (run when workers start, and every minute)."""
    from vbptrack.queue import get_queue, worker_identity

    queue = get_queue(app)
    stale_after = timedelta(seconds=float(app.config.get("JOB_STALE_SECONDS") or 60))
    with app.app_context(), Session(get_engine(app), expire_on_commit=False) as session:
        found = records.sweep(
            session,
            queue.live,
            now=utcnow(),
            stale_after=stale_after,
            host=socket.gethostname(),
            this_worker=worker_identity(),
        )
    for item in found:
        log.warning("job %s marked failed: %s", item.job_id, item.reason)
    return found


def _reminder_schedule(text: str) -> Any:
    """The daily reminder run at HH:MM China time (UTC+8 all year), as Huey's UTC crontab;
    None when switched off."""
    text = (text or "").strip().lower()
    if text in {"", "off", "none", "no"}:
        return None
    hours, _sep, minutes = text.partition(":")
    hour, minute = int(hours), int(minutes or 0)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"VBPTRACK_REMINDER_TIME must be HH:MM, not {text!r}")
    return crontab(minute=str(minute), hour=str((hour - 8) % 24))


def register(queue: Any, app: Flask) -> None:
    from vbptrack.services.jobs import dunning_jobs, imports, mail_jobs, reminder_jobs, statements

    huey = queue.huey
    mail_retries = int(app.config.get("MAIL_RETRIES", 4))
    mail_delay = float(app.config.get("MAIL_RETRY_DELAY", 60))

    @huey.task(name="import_file")
    def import_file(job_id: int) -> None:
        run_job(app, queue, job_id, imports.run)

    @huey.task(name="issue_dunning_run")
    def issue_dunning_run(job_id: int) -> None:
        run_job(app, queue, job_id, dunning_jobs.run)

    @huey.task(name="print_statements")
    def print_statements(job_id: int) -> None:
        run_job(app, queue, job_id, statements.run)

    # E-mail waits and tries again when the server says "later": 60 s, 120 s, 240 s …
    @huey.task(
        name="email_letter",
        retries=mail_retries,
        retry_delay=mail_delay,
        retry_backoff=2,
        context=True,
    )
    def email_letter(job_id: int, task: Any) -> None:
        run_job(app, queue, job_id, mail_jobs.run, retries=task.retries)

    @huey.task(
        name="send_reminders",
        retries=mail_retries,
        retry_delay=mail_delay,
        retry_backoff=2,
        context=True,
    )
    def send_reminders(job_id: int, task: Any) -> None:
        run_job(app, queue, job_id, reminder_jobs.run, retries=task.retries)

    @huey.periodic_task(crontab(), name="sweep_stalled_jobs")
    def sweep_stalled_jobs() -> None:
        sweep_now(app)

    schedule = _reminder_schedule(str(app.config.get("REMINDER_TIME", "")))
    if schedule is not None:

        @huey.periodic_task(schedule, name="daily_reminders")
        def daily_reminders() -> None:
            reminder_jobs.start_daily(app, queue)

        queue.tasks["daily_reminders"] = daily_reminders

    queue.tasks.update(
        {
            "import_file": import_file,
            "issue_dunning_run": issue_dunning_run,
            "print_statements": print_statements,
            "email_letter": email_letter,
            "send_reminders": send_reminders,
            "sweep_stalled_jobs": sweep_stalled_jobs,
        }
    )
