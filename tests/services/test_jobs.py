"""Background jobs through a real consumer on the embedded queue: an import runs in the
background all or nothing, reports its progress, can be cancelled, and a job is run once."""

from __future__ import annotations

import io
import time

from flask import Flask
from sqlalchemy import func, select
from sqlmodel import Session

from tests.factories import make_user
from tests.jobs import consumer, wait_for
from vbptrack.models import Job, JobFile, Party
from vbptrack.queue import get_queue
from vbptrack.services.access import SYSTEM
from vbptrack.services.jobs import imports as import_jobs
from vbptrack.services.jobs import records

HEADER = "医院编码,医院名称,省份\n"


def hospitals_csv(count: int, bad_row: int | None = None) -> bytes:
    lines = [HEADER]
    for n in range(count):
        province = "火星" if bad_row is not None and n + 2 == bad_row else "上海"
        lines.append(f"H{n:06d},第{n}人民医院,{province}\n")
    return "".join(lines).encode()


def start(app: Flask, db: Session, data: bytes, actor=SYSTEM) -> Job:  # type: ignore[no-untyped-def]
    return import_jobs.start(
        db,
        actor=actor,
        queue=get_queue(app),
        kind_name="hospitals",
        source=io.BytesIO(data),
        filename="医院.csv",
        lang="zh",
    )


def count(db: Session) -> int:
    return int(db.execute(select(func.count()).select_from(Party)).scalar_one())


def test_an_import_runs_in_the_background_and_ends_done(app: Flask, db: Session) -> None:
    job = start(app, db, hospitals_csv(30))
    assert job.status == "queued"
    assert count(db) == 0  # nothing happens inside the request
    with consumer(app):
        finished = wait_for(app, job.id)  # type: ignore[arg-type]
    assert finished.status == "done", finished.problems
    assert finished.result == {"written": 30, "rows": 30, "already_there": 0, "more_problems": 0}
    assert (finished.done, finished.total) == (30, 30)
    assert finished.started_at is not None and finished.finished_at is not None
    assert count(db) == 30
    # The upload is let go once read.
    assert db.execute(select(JobFile).where(JobFile.job_id == job.id)).first() is None


def test_a_bad_row_fails_the_job_and_writes_nothing(app: Flask, db: Session) -> None:
    job = start(app, db, hospitals_csv(30, bad_row=7))
    with consumer(app):
        finished = wait_for(app, job.id)  # type: ignore[arg-type]
    assert finished.status == "failed"
    assert finished.problems == [
        {"row": 7, "column": "省份", "message": "未知省份“火星”。", "value": "火星"}
    ]
    assert count(db) == 0


def test_a_reimport_says_the_rows_were_already_there(app: Flask, db: Session) -> None:
    with consumer(app):
        first = start(app, db, hospitals_csv(5))
        wait_for(app, first.id)  # type: ignore[arg-type]
        again = start(app, db, hospitals_csv(5))
        finished = wait_for(app, again.id)  # type: ignore[arg-type]
    assert finished.status == "done"
    assert finished.result["written"] == 0  # type: ignore[index]
    assert finished.result["already_there"] == 5  # type: ignore[index]


def test_progress_is_reported_while_it_runs_and_cancel_writes_nothing(
    app: Flask, db: Session
) -> None:
    job = start(app, db, hospitals_csv(40_000))
    queue = get_queue(app)
    seen: list[int] = []
    with consumer(app):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            live = queue.live([job.id]).get(job.id)  # type: ignore[list-item]
            if live and 0 < live["done"] < 40_000:
                seen.append(live["done"])
                if len(set(seen)) >= 2:
                    break
            time.sleep(0.02)
        assert len(set(seen)) >= 2, f"no progress seen: {seen}"
        assert queue.live([job.id])[job.id]["total"] == 40_000  # type: ignore[index]
        db.expire_all()
        row = records.get(db, actor=SYSTEM, job_id=job.id)  # type: ignore[arg-type]
        assert row.status == "running"
        queue.request_cancel(job.id)  # type: ignore[arg-type]
        finished = wait_for(app, job.id)  # type: ignore[arg-type]
    assert finished.status == "cancelled"
    assert count(db) == 0


def test_a_job_is_claimed_once(app: Flask, db: Session) -> None:
    """The claim is a conditional update: a second claim of the same job gets nothing,
    so a message delivered twice (or two workers) runs the job once."""
    job = records.create(db, actor=SYSTEM, kind="import", subject="x", params={}, lang="en")
    db.commit()
    assert records.claim(db, job.id, worker="a:1:x") is not None  # type: ignore[arg-type]
    assert records.claim(db, job.id, worker="b:2:y") is None  # type: ignore[arg-type]
    assert records.get(db, actor=SYSTEM, job_id=job.id).worker == "a:1:x"  # type: ignore[arg-type]


def test_a_user_sees_only_their_own_jobs(app: Flask, db: Session) -> None:
    from vbptrack.services.errors import NotFound
    from vbptrack.services.users import actor_for

    ann = actor_for(make_user(db, "ann", "manager"))
    bob = actor_for(make_user(db, "bob", "manager"))
    admin = actor_for(make_user(db, "root", "admin"))
    job = start(app, db, hospitals_csv(1), actor=ann)
    assert [j.id for j in records.search(db, actor=ann).items] == [job.id]
    assert records.search(db, actor=bob).items == []
    assert [j.id for j in records.search(db, actor=admin).items] == [job.id]
    try:
        records.get(db, actor=bob, job_id=job.id)  # type: ignore[arg-type]
    except NotFound:
        pass
    else:
        raise AssertionError("bob saw ann's job")
