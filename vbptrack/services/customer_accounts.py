"""A customer's account as the receivables pages show it: the customer (in the actor's
territory), its balance and overdue part as of a date, its payments and credit notes with
what they applied, its receivables history; and the payments list.

Every query is limited to the actor's territory and to one page or one customer, so the
cost does not grow with the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, case, func, or_, select
from sqlmodel import Session, col

from vbptrack.domain.money import from_fen
from vbptrack.models import (
    AuditEvent,
    CreditNote,
    Invoice,
    InvoiceInstalment,
    Party,
    Payment,
    Settlement,
)
from vbptrack.services.access import Actor, territory_condition
from vbptrack.services.errors import NotFound
from vbptrack.services.paging import Page, matches_text, paginate
from vbptrack.services.problems import translate


def select_customer(actor: Actor, code: str) -> Select[tuple[Party]]:
    return select(Party).where(Party.code == code, territory_condition(actor))


def customer(session: Session, actor: Actor, code: str) -> Party:
    """The hospital or distributor with this code if the actor may see it, else 404."""
    party = session.execute(select_customer(actor, code)).scalar_one_or_none()
    if party is None:
        raise NotFound(translate("No such customer, or it is outside your territory."))
    return party


@dataclass(frozen=True)
class Document:
    """A payment or a credit note and how much of it invoices have taken."""

    kind: str  # "payment" | "credit_note"
    number: str
    date: date
    amount: Decimal
    applied: Decimal
    customer_code: str = ""
    customer_name: str = ""
    invoice_number: str | None = None
    note: str | None = None

    @property
    def unapplied(self) -> Decimal:
        return self.amount - self.applied


def _applied(
    session: Session, column: object, ids: Sequence[int], as_of: date | None
) -> dict[int, int]:
    if not ids:
        return {}
    statement = (
        select(column, func.sum(Settlement.amount_fen))  # type: ignore[call-overload]
        .where(col(column).in_(ids))  # type: ignore[arg-type]
        .group_by(column)
    )
    if as_of is not None:
        statement = statement.where(Settlement.date <= as_of)
    return {key: int(fen or 0) for key, fen in session.execute(statement).all()}


def payments_page(
    session: Session, *, actor: Actor, q: str | None, page: int, per_page: int
) -> Page[Document]:
    """Payments newest first, one page without an exact count (the table is large)."""
    statement = (
        select(Payment)
        .join(Party, Party.id == Payment.customer_id)
        .where(territory_condition(actor))
        .order_by(col(Payment.date).desc(), col(Payment.id).desc())
    )
    if q:
        statement = statement.where(
            matches_text(q, col(Payment.reference), col(Party.code), col(Party.name))
        )
    result = paginate(session, statement, page=page, per_page=per_page, count=False)
    payments: list[Payment] = list(result.items)
    applied = _applied(
        session,
        Settlement.payment_id,
        [p.id for p in payments],  # type: ignore[misc]
        None,
    )
    parties = _parties(session, {p.customer_id for p in payments})
    items = [
        Document(
            "payment",
            p.reference,
            p.date,
            from_fen(p.amount_fen),
            from_fen(applied.get(p.id, 0)),  # type: ignore[arg-type]
            parties[p.customer_id].code,
            parties[p.customer_id].name,
            note=p.note,
        )
        for p in payments
    ]
    return Page(items, result.page, result.per_page, result.total, exact=False)


def _parties(session: Session, ids: set[int]) -> dict[int, Party]:
    if not ids:
        return {}
    return {
        p.id: p  # type: ignore[misc]
        for p in session.execute(select(Party).where(col(Party.id).in_(ids))).scalars()
    }


def customer_documents(
    session: Session, party: Party, as_of: date, limit: int = 200
) -> list[Document]:
    """The customer's payments and credit notes dated on or before `as_of`, newest first,
    each with what invoices had taken of it by then."""
    payments = (
        session.execute(
            select(Payment)
            .where(Payment.customer_id == party.id, Payment.date <= as_of)
            .order_by(col(Payment.date).desc(), col(Payment.id).desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    notes = session.execute(
        select(CreditNote, Invoice.number)
        .outerjoin(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(CreditNote.customer_id == party.id, CreditNote.date <= as_of)
        .order_by(col(CreditNote.date).desc(), col(CreditNote.id).desc())
        .limit(limit)
    ).all()
    paid = _applied(session, Settlement.payment_id, [p.id for p in payments], as_of)  # type: ignore[misc]
    credited = _applied(session, Settlement.credit_note_id, [n.id for n, _ in notes], as_of)  # type: ignore[misc]
    documents = [
        Document(
            "payment",
            p.reference,
            p.date,
            from_fen(p.amount_fen),
            from_fen(paid.get(p.id, 0)),  # type: ignore[arg-type]
            note=p.note,
        )
        for p in payments
    ] + [
        Document(
            "credit_note",
            n.number,
            n.date,
            from_fen(n.amount_fen),
            from_fen(credited.get(n.id, 0)),  # type: ignore[arg-type]
            invoice_number=number,
            note=n.reason,
        )
        for n, number in notes
    ]
    documents.sort(key=lambda d: (d.date, d.number), reverse=True)
    return documents


def customer_history(session: Session, party: Party, limit: int = 100) -> Sequence[AuditEvent]:
    """The customer's receivables trail, newest first: its record, its invoices, payments
    and credit notes."""
    invoices = select(Invoice.number).where(Invoice.customer_id == party.id)
    payments = select(Payment.reference).where(Payment.customer_id == party.id)
    notes = select(CreditNote.number).where(CreditNote.customer_id == party.id)
    statement = (
        select(AuditEvent)
        .where(
            or_(
                (AuditEvent.entity == party.kind) & (AuditEvent.entity_key == party.code),
                (AuditEvent.entity == "invoice") & col(AuditEvent.entity_key).in_(invoices),
                (AuditEvent.entity == "payment") & col(AuditEvent.entity_key).in_(payments),
                (AuditEvent.entity == "credit_note") & col(AuditEvent.entity_key).in_(notes),
            )
        )
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    )
    return session.execute(statement).scalars().all()


@dataclass(frozen=True)
class Balance:
    outstanding: Decimal
    overdue: Decimal


def customer_balance(session: Session, party: Party, as_of: date) -> Balance:
    """What the customer owed on `as_of` on invoices issued by then, and how much of it
    was past due (due before that day)."""
    settled = (
        select(func.coalesce(func.sum(Settlement.amount_fen), 0))
        .where(Settlement.instalment_id == InvoiceInstalment.id, Settlement.date <= as_of)
        .correlate(InvoiceInstalment)
        .scalar_subquery()
    )
    open_fen = InvoiceInstalment.amount_fen - settled
    overdue_fen = case((InvoiceInstalment.due_date < as_of, open_fen), else_=0)
    outstanding, overdue = session.execute(
        select(func.coalesce(func.sum(open_fen), 0), func.coalesce(func.sum(overdue_fen), 0))
        .select_from(InvoiceInstalment)
        .join(Invoice, Invoice.id == InvoiceInstalment.invoice_id)
        .where(Invoice.customer_id == party.id, Invoice.invoice_date <= as_of)
    ).one()
    return Balance(from_fen(int(outstanding)), from_fen(int(overdue)))
