"""Deadline reminders that went out by e-mail, and to whom.

One `reminder` row per deadline reminder (kind, ref, deadline date, offset); one
`reminder_recipient` row per person it was e-mailed to. The unique keys are what make
the daily run safe to repeat or to start twice at once: a run claims a person's
reminders by inserting their recipient rows before it sends, and a row already there
means someone else sent it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from vbptrack.models.base import utcnow


class Reminder(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("kind", "ref", "deadline", "offset_days", name="uq_reminder_key"),
        # The deadlines page asks for the reminders of the deadlines it shows.
        Index("ix_reminder_deadline", "deadline", "ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)  # the deadlines feed's kind: tender_bid, filing_expiry …
    ref: str = Field(max_length=80)  # the feed's ref: tender code, contract number …
    title: str = Field(max_length=300)  # as the feed said it (English) when first sent
    deadline: dt.date
    offset_days: int  # reminded this many days before the deadline
    # The first successful e-mail; empty while the only claim on it is still being sent
    # (or failed and was taken back), so lists of what was sent skip it.
    sent_at: dt.datetime | None = Field(default=None, index=True)


class ReminderRecipient(SQLModel, table=True):
    __tablename__ = "reminder_recipient"
    __table_args__ = (
        UniqueConstraint("reminder_id", "user_id", name="uq_reminder_recipient_key"),
        # "What has this user been sent already" for the deadlines still ahead.
        Index("ix_reminder_recipient_user", "user_id", "reminder_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reminder_id: int = Field(foreign_key="reminder.id")
    user_id: int = Field(foreign_key="app_user.id")
    email: str = Field(max_length=120)  # the address it went to, as it was then
    sent_at: dt.datetime = Field(default_factory=utcnow)
