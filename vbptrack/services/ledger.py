"""What is still owed on instalments, and applying money to them: the receivables ledger.

Outstanding(instalment, as_of) = amount − settlements dated on or before as_of (§5.3).
Applying money locks the invoices first (SELECT … FOR UPDATE on PostgreSQL; SQLite
serialises writers), always in id order, so two payments racing for one invoice cannot
both see the same outstanding and over-allocate it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session, col

from vbptrack.domain.allocation import OpenItem, oldest_first, settlement_date
from vbptrack.domain.money import from_fen, to_fen
from vbptrack.models import Invoice, InvoiceInstalment, Settlement


@dataclass
class InstalmentState:
    instalment: InvoiceInstalment
    paid_fen: int = 0
    credited_fen: int = 0
    written_off_fen: int = 0

    @property
    def outstanding_fen(self) -> int:
        return self.instalment.amount_fen - self.paid_fen - self.credited_fen - self.written_off_fen


# Ids per IN list: PostgreSQL takes at most 65,535 parameters a statement, SQLite 32,766
# unless built with more.
ID_BATCH = 10_000


def instalment_states(
    session: Session, invoice_ids: Sequence[int], as_of: date | None = None
) -> dict[int, list[InstalmentState]]:
    """Per invoice, its instalments (earliest due first) with what settled them as of a date
    (every settlement when `as_of` is None). Any number of invoices: asked in batches."""
    if not invoice_ids:
        return {}
    if len(invoice_ids) > ID_BATCH:
        ids = list(invoice_ids)
        merged: dict[int, list[InstalmentState]] = {}
        for start in range(0, len(ids), ID_BATCH):
            merged.update(instalment_states(session, ids[start : start + ID_BATCH], as_of))
        return merged
    instalments = (
        session.execute(
            select(InvoiceInstalment)
            .where(col(InvoiceInstalment.invoice_id).in_(invoice_ids))
            .order_by(
                InvoiceInstalment.invoice_id, InvoiceInstalment.due_date, InvoiceInstalment.seq
            )
        )
        .scalars()
        .all()
    )
    states = {i.id: InstalmentState(i) for i in instalments}
    settled = (
        select(Settlement.instalment_id, Settlement.kind, func.sum(Settlement.amount_fen))
        .where(col(Settlement.invoice_id).in_(invoice_ids))
        .group_by(Settlement.instalment_id, Settlement.kind)
    )
    if as_of is not None:
        settled = settled.where(Settlement.date <= as_of)
    for instalment_id, kind, fen in session.execute(settled).all():
        state = states[instalment_id]
        setattr(
            state,
            {"payment": "paid_fen", "credit_note": "credited_fen", "write_off": "written_off_fen"}[
                kind
            ],
            int(fen),
        )
    result: dict[int, list[InstalmentState]] = defaultdict(list)
    for state in states.values():
        result[state.instalment.invoice_id].append(state)
    return dict(result)


def outstanding_fen(states: Iterable[InstalmentState]) -> int:
    return sum(state.outstanding_fen for state in states)


def lock_invoices(session: Session, invoice_ids: Iterable[int]) -> None:
    """Hold the invoices until the transaction ends, in id order to avoid deadlocks."""
    ids = sorted(set(invoice_ids))
    if ids:
        session.execute(
            select(Invoice.id)
            .where(col(Invoice.id).in_(ids))
            .order_by(Invoice.id)
            .with_for_update()
        ).all()


def spread(
    session: Session,
    *,
    invoice: Invoice,
    states: Sequence[InstalmentState],
    amount: Decimal,
    kind: str,
    on: date,
    payment_id: int | None = None,
    credit_note_id: int | None = None,
    write_off_id: int | None = None,
) -> None:
    """Apply `amount` to the invoice's instalments, earliest due first (the contract's
    rule). The caller has checked it does not exceed the outstanding.

    A settlement is dated no earlier than the invoice: money received before an invoice
    existed was unapplied cash until then, and an ageing for that day must say so.
    """
    items = [
        OpenItem(state, state.instalment.due_date, from_fen(state.outstanding_fen))
        for state in states
    ]
    dated = settlement_date(on, invoice.invoice_date)
    for state, part in oldest_first(items, amount):
        fen = to_fen(part)
        session.add(
            Settlement(
                instalment_id=state.instalment.id,  # type: ignore[arg-type]
                invoice_id=invoice.id,  # type: ignore[arg-type]
                kind=kind,
                payment_id=payment_id,
                credit_note_id=credit_note_id,
                write_off_id=write_off_id,
                date=dated,
                amount_fen=fen,
            )
        )
        if kind == "payment":
            state.paid_fen += fen
        elif kind == "credit_note":
            state.credited_fen += fen
        else:
            state.written_off_fen += fen
