"""Statements of account for every customer with open items as of a date, in one PDF
to print (a rep's: their territory's). Rendering takes a moment per customer, so it is a
job; the PDF is kept with the job to download."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from vbptrack.documents import combine_pdfs
from vbptrack.models import Job, JobFile, Party
from vbptrack.models.jobs import OUTPUT
from vbptrack.services import ageing, dunning_letters
from vbptrack.services.access import Actor
from vbptrack.services.jobs import records
from vbptrack.services.jobs.progress import JobContext, Progress
from vbptrack.services.problems import invalid, translate

KIND = "statements"
LANGS = ("zh", "en")


def start(
    session: Session, *, actor: Actor, queue: Any, as_of: date, letter_lang: str, lang: str
) -> Job:
    if letter_lang not in LANGS:
        raise invalid({"lang": translate("Choose the letter's language: zh or en.")})
    job = records.create(
        session,
        actor=actor,
        kind=KIND,
        subject=f"{as_of.isoformat()} ({letter_lang})",
        params={"as_of": as_of.isoformat(), "lang": letter_lang},
        lang=lang,
    )
    session.commit()
    queue.enqueue("print_statements", job.id)
    return job


def run(session: Session, job: Job, progress: Progress, _context: JobContext) -> dict[str, Any]:
    actor = records.actor_of(session, job)
    as_of = date.fromisoformat(job.params["as_of"])
    letter_lang = job.params["lang"]
    rows = ageing.report(session, actor=actor, as_of=as_of, group_by="customer").rows
    codes = sorted(row.key for row in rows)
    customers = {
        party.code: party
        for party in session.execute(select(Party).where(col(Party.code).in_(codes))).scalars()
    }
    progress.set_total(len(codes))
    pdfs = []
    for done, code in enumerate(codes, start=1):
        pdfs.append(
            dunning_letters.statement_pdf(
                session, actor=actor, customer=customers[code], as_of=as_of, lang=letter_lang
            )
        )
        progress.advance(done)
    if not pdfs:
        return {"customers": 0}
    data = combine_pdfs(pdfs)
    filename = f"statements-{as_of.isoformat()}-{letter_lang}.pdf"
    session.add(
        JobFile(
            job_id=job.id,  # type: ignore[arg-type]
            purpose=OUTPUT,
            filename=filename,
            media_type="application/pdf",
            size=len(data),
            data=data,
        )
    )
    session.commit()
    return {"customers": len(codes), "file": filename}
