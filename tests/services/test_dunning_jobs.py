"""Dunning runs and statements as background jobs, through a real consumer: letters are
committed one by one, two runs for one date at once (two workers) issue each letter
once, and the statements of every open customer come out as one PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlmodel import Session

from tests.dunning_helpers import customer, overdue_invoice, pdf_text, set_policy
from tests.jobs import consumer, wait_for
from vbptrack.models import DunningLetter, DunningRun, JobFile
from vbptrack.queue import get_queue
from vbptrack.services.access import SYSTEM
from vbptrack.services.jobs import dunning_jobs
from vbptrack.services.jobs import statements as statement_jobs

AS_OF = date(2026, 3, 2)
CUSTOMERS = {"H-SH": "复旦大学附属华山医院", "H-GD": "中山大学附属第一医院", "H-BJ": "北京协和医院"}


def overdue(db: Session) -> None:
    set_policy(db)
    for n, (code, name) in enumerate(CUSTOMERS.items()):
        customer(db, code, name)
        overdue_invoice(db, f"INV-{n}", code, date(2026, 1, 1), f"{1000 + n}.00")


def test_two_runs_for_one_date_at_once_issue_each_letter_once(app: Flask, db: Session) -> None:
    overdue(db)
    queue = get_queue(app)
    first = dunning_jobs.start(db, actor=SYSTEM, queue=queue, as_of=AS_OF, lang="en")
    second = dunning_jobs.start(db, actor=SYSTEM, queue=queue, as_of=AS_OF, lang="en")
    with consumer(app, workers=2):
        jobs = [wait_for(app, job.id, timeout=60) for job in (first, second)]  # type: ignore[arg-type]
    assert [job.status for job in jobs] == ["done", "done"]
    assert sorted(job.result["letters"] for job in jobs) in ([0, 3], [1, 2])  # type: ignore[index]
    db.expire_all()
    per_customer = db.execute(
        select(DunningLetter.customer_id, func.count()).group_by(DunningLetter.customer_id)
    ).all()
    assert len(per_customer) == 3 and {count for _, count in per_customer} == {1}
    numbers = sorted(db.execute(select(DunningLetter.number)).scalars())
    assert numbers == ["DL-2026-000001", "DL-2026-000002", "DL-2026-000003"]
    runs = {run.id: run.letters for run in db.execute(select(DunningRun)).scalars()}
    assert sum(runs.values()) == 3


def test_statements_of_every_open_customer_in_one_pdf(
    app: Flask, db: Session, tmp_path: Path
) -> None:
    overdue(db)
    job = statement_jobs.start(
        db, actor=SYSTEM, queue=get_queue(app), as_of=AS_OF, letter_lang="zh", lang="en"
    )
    with consumer(app, workers=1):
        finished = wait_for(app, job.id, timeout=60)  # type: ignore[arg-type]
    assert finished.status == "done", finished.problems
    assert finished.result == {"customers": 3, "file": "statements-2026-03-02-zh.pdf"}
    assert (finished.done, finished.total) == (3, 3)
    stored = db.execute(select(JobFile).where(JobFile.job_id == job.id)).scalar_one()
    assert stored.media_type == "application/pdf"
    text = pdf_text(stored.data, tmp_path)
    for code, name in CUSTOMERS.items():
        assert name in text, code
