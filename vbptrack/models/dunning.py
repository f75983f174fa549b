"""Dunning (催款): the policy and its levels, runs, letters with their lines, and the
archived PDF of each letter.

A letter's PDF is stored once, when it is issued, with its SHA-256; it is served byte
for byte ever after (a delivered demand interrupts the limitation period, so what was
sent must be provable). Money is integer fen.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from vbptrack.models.base import utcnow

SENT_BY_POST = "post"
SENT_BY_EMAIL = "email"
SENT_BY_HAND = "hand"
SENT_VIA = (SENT_BY_POST, SENT_BY_EMAIL, SENT_BY_HAND)


class DunningPolicy(SQLModel, table=True):
    """The one policy (id 1): intervals and who we are on the letter."""

    __tablename__ = "dunning_policy"

    id: int | None = Field(default=None, primary_key=True)
    min_interval_days: int = 14
    payment_deadline_days: int = 10
    company_name_zh: str = Field(default="", max_length=200)
    company_name_en: str = Field(default="", max_length=200)
    address_zh: str = Field(default="", max_length=300)
    address_en: str = Field(default="", max_length=300)
    bank_name: str = Field(default="", max_length=200)
    # The English letter's bank and contact; empty: the Chinese ones are used.
    bank_name_en: str = Field(default="", max_length=200)
    bank_account: str = Field(default="", max_length=60)
    contact_name: str = Field(default="", max_length=60)
    contact_name_en: str = Field(default="", max_length=60)
    contact_phone: str = Field(default="", max_length=60)
    contact_email: str = Field(default="", max_length=120)
    seal_image: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    seal_mime: str | None = Field(default=None, max_length=40)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class DunningLevel(SQLModel, table=True):
    __tablename__ = "dunning_level"

    id: int | None = Field(default=None, primary_key=True)
    level: int = Field(unique=True)
    name: str = Field(max_length=60)
    min_days_past_due: int
    annual_interest_rate: Decimal = Field(
        default=Decimal(0), sa_column=Column(Numeric(9, 4), nullable=False)
    )
    fee_fen: int = Field(default=0, sa_type=BigInteger)
    # Jinja templates (sandboxed) of the letter's wording in each language.
    title_zh: str = Field(default="", max_length=60)
    title_en: str = Field(default="", max_length=60)
    wording_zh: str = Field(default="", sa_column=Column(Text, nullable=False))
    wording_en: str = Field(default="", sa_column=Column(Text, nullable=False))


class DunningRun(SQLModel, table=True):
    __tablename__ = "dunning_run"

    id: int | None = Field(default=None, primary_key=True)
    as_of: dt.date = Field(index=True)
    letters: int = 0
    failures: int = 0
    # "CODE: problem" per letter that could not be issued, shown on the run's page.
    problems: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    created_by: str = Field(max_length=60)
    created_at: dt.datetime = Field(default_factory=utcnow)


class DunningLetter(SQLModel, table=True):
    __tablename__ = "dunning_letter"
    __table_args__ = (Index("ix_dunning_letter_customer_date", "customer_id", "date"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True, index=True)
    run_id: int = Field(foreign_key="dunning_run.id", index=True)
    customer_id: int = Field(foreign_key="party.id")
    level: int
    date: dt.date
    deadline: dt.date
    outstanding_fen: int = Field(sa_type=BigInteger)
    interest_fen: int = Field(sa_type=BigInteger)
    fee_fen: int = Field(sa_type=BigInteger)
    sent_via: str | None = Field(default=None, max_length=10)
    sent_on: dt.date | None = None
    delivered_on: dt.date | None = None
    emailed_to: str | None = Field(default=None, max_length=120)
    created_at: dt.datetime = Field(default_factory=utcnow)


class DunningLetterLine(SQLModel, table=True):
    """One overdue instalment on a letter, linking the letter to its invoice."""

    __tablename__ = "dunning_letter_line"

    id: int | None = Field(default=None, primary_key=True)
    letter_id: int = Field(foreign_key="dunning_letter.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    position: int
    due_date: dt.date
    days_past_due: int
    outstanding_fen: int = Field(sa_type=BigInteger)
    interest_fen: int = Field(sa_type=BigInteger)


class DunningDocument(SQLModel, table=True):
    """The archived PDF of a letter in one language, exactly as issued."""

    __tablename__ = "dunning_document"
    __table_args__ = (UniqueConstraint("letter_id", "lang"),)

    id: int | None = Field(default=None, primary_key=True)
    letter_id: int = Field(foreign_key="dunning_letter.id", index=True)
    lang: str = Field(max_length=5)
    pdf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    size: int
    created_at: dt.datetime = Field(default_factory=utcnow)
