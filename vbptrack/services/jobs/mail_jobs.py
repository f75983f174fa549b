"""A dunning letter e-mailed in the background, tried again with growing pauses while
the mail server says "later" (tasks.py sets the retries and the backoff). The letter is
marked as sent by e-mail only once the server took it, so a refused try records
nothing and the message arrives once, on the try that worked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from vbptrack.models import Job, Party
from vbptrack.models.dunning_in import EmailIn
from vbptrack.services import dunning_letters, mail
from vbptrack.services.access import Actor, require
from vbptrack.services.dunning_policy import ISSUE
from vbptrack.services.jobs import records
from vbptrack.services.jobs.progress import JobContext, Progress, Retry
from vbptrack.services.problems import invalid, translate, validated

KIND = "letter_email"


def start(
    session: Session,
    *,
    actor: Actor,
    queue: Any,
    number: str,
    data: Mapping[str, Any],
    smtp: Mapping[str, Any],
    lang: str,
) -> Job:
    """Check what can be checked now (the address, the letter, the server's settings),
    then queue the e-mail."""
    require(actor, ISSUE)
    values = validated(EmailIn, data)
    letter = dunning_letters.get(session, actor=actor, number=number)
    customer = session.get(Party, letter.customer_id)
    assert customer is not None
    to = values.to or customer.email
    if not to:
        raise invalid({"to": translate("The customer has no e-mail address; enter one.")})
    mail.require_configured(smtp)
    job = records.create(
        session,
        actor=actor,
        kind=KIND,
        subject=f"{letter.number} → {to}",
        params={"number": letter.number, "to": to, "lang": values.lang},
        lang=lang,
        total=1,
    )
    session.commit()
    queue.enqueue("email_letter", job.id)
    return job


def run(session: Session, job: Job, progress: Progress, context: JobContext) -> dict[str, Any]:
    params = job.params
    try:
        dunning_letters.email(
            session,
            actor=records.actor_of(session, job),
            number=params["number"],
            data={"to": params["to"], "lang": params["lang"]},
            smtp=context.settings,
            today=context.today,
        )
    except mail.MailError as exc:
        if exc.temporary:
            raise Retry(exc.message) from exc
        raise
    progress.advance(1)
    return {"number": params["number"], "to": params["to"]}
