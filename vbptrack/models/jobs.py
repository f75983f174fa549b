"""Long work done in the background (docs/architecture.md "Jobs"): one `job` row per
import, dunning run, e-mail, reminder run or batch of statements, and the files a job
reads (an uploaded import) or makes (a PDF of statements).

The row says what the job is, for whom, how far it got and how it ended; the queue
(Huey) only carries the job's id. Live progress while a job runs is kept in the queue's
own store, so a job that holds a long transaction never has to write this row to say how
far it is (on SQLite that write would wait for its own transaction).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from vbptrack.models.base import utcnow

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"
STATUSES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
FINISHED = (DONE, FAILED, CANCELLED)

UPLOAD = "upload"  # a file the job reads
OUTPUT = "output"  # a file the job made, to download


class Job(SQLModel, table=True):
    __table_args__ = (
        # "My recent jobs" and everyone's for an admin, newest first.
        Index("ix_job_user_created", "user_id", "id"),
        Index("ix_job_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)  # import, dunning_run, letter_email, reminders, statements
    # What it works on, shown in lists: the import kind and file, the run's date …
    subject: str = Field(default="", max_length=200)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")  # None: the system
    username: str = Field(max_length=60)
    lang: str = Field(default="en", max_length=5)  # the language its messages are written in
    status: str = Field(default=QUEUED, max_length=12)
    done: int = 0
    total: int | None = None
    # Plain values the task needs (ids, dates, codes); never objects.
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # [{"row", "column", "message", "value"}]; a job that failed outside any row has row 0.
    problems: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    attempts: int = 0
    worker: str | None = Field(default=None, max_length=120)  # host:pid of who runs it
    created_at: dt.datetime = Field(default_factory=utcnow)
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


class JobFile(SQLModel, table=True):
    """A file a job reads or makes. Kept in the database so a worker on another machine
    (Redis deployments) reads the same bytes the web server received."""

    __tablename__ = "job_file"
    __table_args__ = (Index("ix_job_file_job", "job_id", "purpose"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id")
    purpose: str = Field(max_length=10)  # upload | output
    filename: str = Field(max_length=200)
    media_type: str = Field(default="application/octet-stream", max_length=100)
    size: int = 0
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)
