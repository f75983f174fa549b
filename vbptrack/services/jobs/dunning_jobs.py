"""A dunning run in the background, committed letter by letter (§5.4).

Each letter is whole: numbered, rendered in both languages, archived and recorded in one
transaction of its own, so the run's page shows letters as they are issued, other users'
requests never wait for the whole run, and a run that stops half-way (cancelled, or its
worker killed) leaves whole letters only. Running it again for the same date issues the
rest and nothing twice: every letter is planned again under the policy lock just before
it is issued (domain.may_send refuses a second letter on one day).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update
from sqlmodel import Session

from vbptrack.domain import dunning as rules
from vbptrack.models import DunningPolicy, DunningRun, Job
from vbptrack.models.jobs import DONE
from vbptrack.services import audit, dunning, dunning_documents, dunning_policy
from vbptrack.services.access import Actor, require
from vbptrack.services.dunning import LANGS, Failure, _last_sequence, _record
from vbptrack.services.dunning_policy import ISSUE
from vbptrack.services.jobs import records
from vbptrack.services.jobs.progress import JobContext, Progress
from vbptrack.services.problems import translate

KIND = "dunning_run"


def _stopped() -> str:
    return translate(
        "The worker stopped while this run issued its letters. The letters issued so far "
        "are kept; run it again for the same date to issue the rest."
    )


records.STOPPED_MESSAGES[KIND] = _stopped


def _lock(session: Session) -> dunning_policy.Policy:
    """The policy, locked until the commit: on PostgreSQL `SELECT … FOR UPDATE`; SQLite
    ignores that, so a no-op update takes its write lock first. Either way a second run
    waits here, then plans from what the first has committed."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(DunningPolicy)
            .where(DunningPolicy.id == dunning_policy.POLICY_ID)
            .values(updated_at=DunningPolicy.updated_at)
        )
    return dunning_policy.load(session, for_update=True)


def start(session: Session, *, actor: Actor, queue: Any, as_of: date, lang: str) -> Job:
    """Queue the run for `as_of`; answers at once (the page showed the dry run first)."""
    require(actor, ISSUE)
    dunning.check_as_of(as_of)
    job = records.create(
        session,
        actor=actor,
        kind=KIND,
        subject=as_of.isoformat(),
        params={"as_of": as_of.isoformat()},
        lang=lang,
    )
    session.commit()
    queue.enqueue("issue_dunning_run", job.id)
    return job


def run(session: Session, job: Job, progress: Progress, _context: JobContext) -> None:
    actor = records.actor_of(session, job)
    require(actor, ISSUE)
    as_of = date.fromisoformat(job.params["as_of"])
    policy = _lock(session)
    planned = dunning.plan(session, actor=actor, as_of=as_of, policy=policy)
    run_row = DunningRun(as_of=as_of, created_by=actor.username)
    session.add(run_row)
    session.flush()
    job.total = len(planned.letters)
    job.result = {"run_id": run_row.id, "as_of": as_of.isoformat()}
    session.add(job)
    session.commit()  # the run exists (its page can show it) and the lock is let go
    progress.set_total(len(planned.letters))
    failures: list[Failure] = []
    issued = 0
    for position, candidate in enumerate(planned.letters, start=1):
        progress.check()  # a cancel stops before the next letter; issued ones stay
        policy = _lock(session)
        fresh = dunning.plan(
            session,
            actor=actor,
            as_of=as_of,
            policy=policy,
            customer_ids=[candidate.customer.id],  # type: ignore[list-item]
        )
        if not fresh.letters:  # another run issued it meanwhile, or it was paid
            session.rollback()
            progress.advance(position)
            continue
        letter = fresh.letters[0]
        letter.number = rules.letter_number(as_of.year, _last_sequence(session, as_of.year) + 1)
        try:
            documents = {lang: dunning_documents.letter_pdf(policy, letter, lang) for lang in LANGS}
        except dunning_documents.DocumentError as exc:
            session.rollback()
            failures.append(Failure(letter.customer.code, str(exc)))
            progress.advance(position)
            continue
        _record(session, run_row, letter, documents)
        issued += 1
        run_row.letters = issued
        session.add(run_row)
        session.commit()
        progress.advance(position)
    run_row.letters, run_row.failures = issued, len(failures)
    run_row.problems = [f"{f.customer_code}: {f.problem}" for f in failures]
    session.add(run_row)
    audit.record(
        session,
        actor=actor,
        entity="dunning_run",
        key=str(run_row.id),
        action="issue",
        note=f"{as_of.isoformat()}: {issued} letters, {len(failures)} failed",
    )
    result = {
        "run_id": run_row.id,
        "as_of": as_of.isoformat(),
        "letters": issued,
        "failures": [{"customer_code": f.customer_code, "problem": f.problem} for f in failures],
    }
    records.finish(session, job, DONE, result=result, done=len(planned.letters), commit=False)
    session.commit()
