"""Receivables: payment terms, invoices and their instalments, payments, credit notes,
write-offs, and the settlements that apply money to instalments.

Money is integer fen (BIGINT) so sums in SQL are exact on SQLite and PostgreSQL.
Every amount applied to an instalment, whatever its source, is one `settlement` row with
its own date: outstanding as of any day is the instalment's amount minus the settlements
dated on or before that day, one indexed aggregate.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Column, Index, Numeric
from sqlmodel import Field, SQLModel

from vbptrack.models.base import utcnow

PAYMENT = "payment"
CREDIT_NOTE = "credit_note"
WRITE_OFF = "write_off"
SETTLEMENT_KINDS = (PAYMENT, CREDIT_NOTE, WRITE_OFF)


class PaymentTerm(SQLModel, table=True):
    __tablename__ = "payment_term"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=100)
    # The name English pages show; empty: `name` is shown in both languages.
    name_en: str = Field(default="", max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow)


class PaymentTermInstalment(SQLModel, table=True):
    __tablename__ = "payment_term_instalment"

    id: int | None = Field(default=None, primary_key=True)
    term_id: int = Field(foreign_key="payment_term.id", index=True)
    position: int
    portion: Decimal = Field(sa_column=Column(Numeric(9, 4), nullable=False))
    rule: str = Field(max_length=40)
    n: int
    base: str = Field(max_length=20)


class Invoice(SQLModel, table=True):
    __table_args__ = (
        Index("ix_invoice_customer_date", "customer_id", "invoice_date"),
        Index("ix_invoice_date", "invoice_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=60, unique=True, index=True)
    customer_id: int = Field(foreign_key="party.id")
    # The distributor that delivered (the customer itself when we invoice a distributor).
    distributor_id: int | None = Field(default=None, foreign_key="party.id", index=True)
    invoice_date: dt.date
    acceptance_date: dt.date | None = None
    amount_fen: int = Field(sa_type=BigInteger)
    tax_fen: int = Field(default=0, sa_type=BigInteger)
    payment_term_id: int | None = Field(default=None, foreign_key="payment_term.id")
    hold_reason: str | None = Field(default=None, max_length=300)
    held_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class InvoiceLine(SQLModel, table=True):
    __tablename__ = "invoice_line"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    quantity: int
    unit_price_fen: int = Field(sa_type=BigInteger)
    amount_fen: int = Field(sa_type=BigInteger)


class InvoiceInstalment(SQLModel, table=True):
    __tablename__ = "invoice_instalment"
    # (due_date, id): the overdue list reads instalments latest due first with id as the
    # tie-break; with due_date alone PostgreSQL sorted each day's instalments first.
    __table_args__ = (Index("ix_invoice_instalment_due_date_id", "due_date", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    seq: int
    due_date: dt.date
    amount_fen: int = Field(sa_type=BigInteger)


class Payment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=60, unique=True, index=True)
    customer_id: int = Field(foreign_key="party.id", index=True)
    date: dt.date = Field(index=True)
    amount_fen: int = Field(sa_type=BigInteger)
    note: str | None = Field(default=None, max_length=300)
    created_at: dt.datetime = Field(default_factory=utcnow)


class CreditNote(SQLModel, table=True):
    __tablename__ = "credit_note"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=60, unique=True, index=True)
    customer_id: int = Field(foreign_key="party.id", index=True)
    date: dt.date = Field(index=True)
    amount_fen: int = Field(sa_type=BigInteger)
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id", index=True)
    reason: str | None = Field(default=None, max_length=300)
    created_at: dt.datetime = Field(default_factory=utcnow)


class WriteOff(SQLModel, table=True):
    __tablename__ = "write_off"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    date: dt.date
    amount_fen: int = Field(sa_type=BigInteger)
    reason: str = Field(max_length=300)
    created_by: str = Field(max_length=60)
    created_at: dt.datetime = Field(default_factory=utcnow)


class Settlement(SQLModel, table=True):
    """Money applied to one instalment: from a payment, a credit note or a write-off."""

    __table_args__ = (Index("ix_settlement_instalment_date", "instalment_id", "date"),)

    id: int | None = Field(default=None, primary_key=True)
    instalment_id: int = Field(foreign_key="invoice_instalment.id")
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    kind: str = Field(max_length=12)
    payment_id: int | None = Field(default=None, foreign_key="payment.id", index=True)
    credit_note_id: int | None = Field(default=None, foreign_key="credit_note.id", index=True)
    write_off_id: int | None = Field(default=None, foreign_key="write_off.id")
    date: dt.date
    amount_fen: int = Field(sa_type=BigInteger)
