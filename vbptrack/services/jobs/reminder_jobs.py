"""The deadline reminder run as a job: "send now" on the deadlines page, and the daily
run that the queue's scheduler starts (VBPTRACK_REMINDER_TIME, China time).

The run is safe to repeat (services/reminders.py claims before it sends and takes a
refused e-mail's claim back), so a run with refused e-mails is simply run again after a
pause: the retry sends only what did not go out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlmodel import Session

from vbptrack.db import get_engine
from vbptrack.models import Job
from vbptrack.models.jobs import DONE
from vbptrack.services import mail, reminders
from vbptrack.services.access import SYSTEM, Actor, require
from vbptrack.services.jobs import records
from vbptrack.services.jobs.progress import JobContext, Progress, Retry
from vbptrack.services.problems import translate

KIND = "reminders"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def start(
    session: Session,
    *,
    actor: Actor,
    queue: Any,
    as_of: date,
    settings: Mapping[str, Any],
    lang: str,
) -> Job:
    require(actor, reminders.SEND)
    mail.require_configured(settings)
    job = records.create(
        session,
        actor=actor,
        kind=KIND,
        subject=as_of.isoformat(),
        params={"as_of": as_of.isoformat()},
        lang=lang,
    )
    session.commit()
    queue.enqueue("send_reminders", job.id)
    return job


def start_daily(app: Flask, queue: Any) -> Job | None:
    """The periodic task's start: today's run, for the system (admins see it)."""
    if not mail.configured(app.config):
        return None
    today = datetime.now(SHANGHAI).date()
    with app.app_context(), Session(get_engine(app), expire_on_commit=False) as session:
        return start(
            session,
            actor=SYSTEM,
            queue=queue,
            as_of=today,
            settings=app.config,
            lang=str(app.config.get("BABEL_DEFAULT_LOCALE") or "en"),
        )


def run(session: Session, job: Job, progress: Progress, context: JobContext) -> dict[str, Any]:
    result = reminders.send_due(
        session,
        actor=records.actor_of(session, job),
        as_of=date.fromisoformat(job.params["as_of"]),
        settings=context.settings,
        links=context.links,
    )
    progress.set_total(len(result.sent) + len(result.failed))
    progress.advance(len(result.sent))
    failures = [
        translate("Could not e-mail %(user)s (%(email)s): %(error)s", user=digest.username,
                  email=digest.email, error=error)
        for digest, error in result.failed
    ]  # fmt: skip
    if result.temporary_failures:
        # What went out stays sent (claimed); the retry sends only the rest.
        raise Retry("; ".join(failures))
    outcome = {
        "reminders": result.reminders,
        "emails": len(result.sent),
        "without_email": result.without_email,
    }
    records.finish(
        session,
        job,
        DONE,
        result=outcome,
        problems=[records.problem(message) for message in failures],
        done=len(result.sent),
    )
    return outcome
