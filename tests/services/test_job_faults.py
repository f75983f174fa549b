"""What goes wrong around background jobs, with the real thing each time: a worker
process killed with kill -9 in the middle of an import, a mail server that says "later"
before it accepts, and the daily reminder run that the queue's scheduler starts."""

from __future__ import annotations

import io
import os
import shutil
import signal
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlmodel import Session

from tests.conftest import unavailable
from tests.dunning_helpers import customer, overdue_invoice, set_policy
from tests.jobs import consumer, job_row, wait_for, worker_process
from tests.smtp import MailServer
from vbptrack import config, create_app
from vbptrack.db import get_engine
from vbptrack.models import DunningLetter, Job, Party
from vbptrack.queue import get_queue
from vbptrack.services import dunning
from vbptrack.services.access import SYSTEM
from vbptrack.services.jobs import imports as import_jobs
from vbptrack.services.jobs import mail_jobs

ROWS = 60_000


def big_hospitals_file() -> bytes:
    return ("医院编码,医院名称,省份\n" + "".join(
        f"H{n:06d},第{n}人民医院,上海\n" for n in range(ROWS)
    )).encode()  # fmt: skip


@pytest.mark.slow
def test_a_worker_killed_mid_import_leaves_nothing_and_the_job_failed(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """kill -9 while the import writes: the database rolls the transaction back, and the
    next worker to start marks the job failed (its worker's process is gone). The two
    shapes a deployment has: SQLite on the embedded queue here, PostgreSQL on Redis below."""
    shutil.copy(sqlite_template, tmp_path / "vbptrack.db")
    database_url = f"sqlite:///{tmp_path / 'vbptrack.db'}"
    kill_mid_import(database_url, f"sqlite:///{tmp_path / 'queue.db'}", "vbptrack", tmp_path)


@pytest.mark.slow
@pytest.mark.postgres
def test_the_same_on_postgresql_and_redis(postgres_url: str, tmp_path: Path) -> None:
    from tests.conftest import _empty_postgres
    from tests.jobs import REDIS_URL, redis_available

    if not redis_available():
        unavailable(f"Redis not reachable at {REDIS_URL}")
    _empty_postgres(postgres_url)
    name = f"vbptrack_kill_{tmp_path.name}".replace("-", "_")
    kill_mid_import(postgres_url, REDIS_URL, name, tmp_path)


def kill_mid_import(database_url: str, queue_url: str, name: str, tmp_path: Path) -> None:
    settings = config.test_config(
        database_url, INSTANCE_PATH=str(tmp_path), QUEUE_URL=queue_url, QUEUE_NAME=name
    )
    app = create_app(settings)
    env = {
        "VBPTRACK_DATABASE_URL": database_url,
        "VBPTRACK_QUEUE_URL": queue_url,
        "VBPTRACK_QUEUE_NAME": name,
        "VBPTRACK_SECRET_KEY": "test",
        "VBPTRACK_REMINDER_TIME": "off",
    }
    try:
        with Session(get_engine(app), expire_on_commit=False) as db:
            job = import_jobs.start(
                db,
                actor=SYSTEM,
                queue=get_queue(app),
                kind_name="hospitals",
                source=io.BytesIO(big_hospitals_file()),
                filename="big.csv",
                lang="en",
            )
        first = worker_process(env, log=tmp_path / "worker-1.log")
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                live = get_queue(app).live([job.id]).get(job.id)  # type: ignore[list-item]
                if live and live["done"] >= 3000:  # rows written inside its transaction
                    break
                time.sleep(0.02)
            else:
                raise AssertionError((tmp_path / "worker-1.log").read_text())
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        assert job_row(app, job.id).status == "running"  # type: ignore[arg-type]
        with Session(get_engine(app)) as db:
            assert db.execute(select(func.count()).select_from(Party)).scalar_one() == 0
        second = worker_process(env, log=tmp_path / "worker-2.log")
        try:
            failed = wait_for(app, job.id, timeout=120)  # type: ignore[arg-type]
        finally:
            second.terminate()
            second.wait(timeout=10)
        assert failed.status == "failed"
        assert failed.problems[0]["message"] == (
            "The worker stopped while this job ran; nothing of it was written."
        )
        with Session(get_engine(app)) as db:
            assert db.execute(select(func.count()).select_from(Party)).scalar_one() == 0
    finally:
        if queue_url.startswith("redis"):
            get_queue(app).huey.storage.flush_all()
        get_engine(app).dispose()


def test_a_server_that_refuses_then_accepts_gets_the_letter_once_on_the_retry(
    app: Flask, db: Session, smtp_server: MailServer
) -> None:
    set_policy(db)
    customer(db, "H-SH", "复旦大学附属华山医院")
    overdue_invoice(db, "INV-1", "H-SH", date(2026, 1, 1), "1000.00")
    (letter,) = dunning.issue(db, actor=SYSTEM, as_of=date(2026, 3, 2)).letters
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    smtp_server.refuse_next = 1  # "451 try again later", then it takes the message
    job = mail_jobs.start(
        db,
        actor=SYSTEM,
        queue=get_queue(app),
        number=letter.number,
        data={"to": "ap@huashan.example", "lang": "zh"},
        smtp=app.config,
        lang="en",
    )
    with consumer(app, workers=1):
        finished = wait_for(app, job.id, timeout=30)  # type: ignore[arg-type]
    assert finished.status == "done", finished.problems
    assert finished.attempts == 2  # refused once, sent on the retry
    assert smtp_server.attempts == 2
    assert [m.rcpt_tos for m in smtp_server.received] == [["ap@huashan.example"]]
    db.expire_all()
    stored = db.execute(
        select(DunningLetter).where(DunningLetter.number == letter.number)
    ).scalar_one()
    assert (stored.sent_via, stored.emailed_to) == ("email", "ap@huashan.example")


def test_a_mailbox_that_does_not_exist_is_not_tried_again(
    app: Flask, db: Session, smtp_server: MailServer
) -> None:
    set_policy(db)
    customer(db, "H-SH", "复旦大学附属华山医院")
    overdue_invoice(db, "INV-1", "H-SH", date(2026, 1, 1), "1000.00")
    (letter,) = dunning.issue(db, actor=SYSTEM, as_of=date(2026, 3, 2)).letters
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    smtp_server.refused.add("nobody@huashan.example")
    job = mail_jobs.start(
        db,
        actor=SYSTEM,
        queue=get_queue(app),
        number=letter.number,
        data={"to": "nobody@huashan.example", "lang": "zh"},
        smtp=app.config,
        lang="en",
    )
    with consumer(app, workers=1):
        finished = wait_for(app, job.id, timeout=30)  # type: ignore[arg-type]
    assert finished.status == "failed" and finished.attempts == 1
    assert "550" in finished.problems[0]["message"]
    assert smtp_server.received == []


def test_the_daily_reminder_run_is_a_periodic_task_at_half_past_seven_in_china(
    app: Flask, db: Session, smtp_server: MailServer
) -> None:
    """The scheduler's own check (Huey reads the periodic tasks due at a minute, in UTC):
    07:30 in Shanghai is 23:30 UTC; what it enqueues a real consumer runs, as a job of
    the system's."""
    from tests.factories import make_user

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    make_user(db, "wang", "manager")
    huey = get_queue(app).huey
    due = {t.name for t in huey.read_periodic(datetime(2026, 3, 1, 23, 30))}
    assert "daily_reminders" in due
    assert "daily_reminders" not in {
        t.name for t in huey.read_periodic(datetime(2026, 3, 1, 7, 30))
    }
    (task,) = [
        t for t in huey.read_periodic(datetime(2026, 3, 1, 23, 30)) if t.name == "daily_reminders"
    ]
    with consumer(app, workers=1):
        huey.enqueue(task)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            db.expire_all()
            job = db.execute(select(Job).where(Job.kind == "reminders")).scalar_one_or_none()
            if job is not None and job.status == "done":
                break
            time.sleep(0.05)
    assert job is not None and job.status == "done", job
    assert (job.username, job.user_id) == ("system", None)
    assert job.params["as_of"] == datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
