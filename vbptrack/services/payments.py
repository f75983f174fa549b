"""Payments and credit notes: recorded, applied to invoices, and what stays unapplied.

A payment may be split over invoices; each allocation is spread over the invoice's
instalments earliest due first. What a payment does not allocate stays on the customer's
account as unapplied cash; a credit note without an invoice is unapplied credit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from vbptrack.domain.allocation import OpenItem, oldest_first
from vbptrack.domain.money import from_fen, to_fen
from vbptrack.models import CreditNote, Invoice, Party, Payment, Settlement
from vbptrack.models.receivables import CREDIT_NOTE, PAYMENT
from vbptrack.models.receivables_in import AllocationIn, CreditNoteIn, PaymentIn
from vbptrack.services import audit, ledger
from vbptrack.services.access import Actor, require
from vbptrack.services.errors import Conflict, InvalidInput
from vbptrack.services.invoices import customer_by_code
from vbptrack.services.problems import invalid, translate, validated


def _find_invoices(session: Session, numbers: Iterable[str]) -> dict[str, Invoice]:
    return {
        i.number: i
        for i in session.execute(
            select(Invoice).where(col(Invoice.number).in_(list(numbers)))
        ).scalars()
    }


def _invoices_of(
    session: Session,
    customer: Party,
    numbers: list[str],
    field: str,
    found: dict[str, Invoice] | None = None,
) -> dict[str, Invoice]:
    if found is None:
        found = _find_invoices(session, numbers)
    problems = {}
    for index, number in enumerate(numbers):
        invoice = found.get(number)
        if invoice is None or invoice.customer_id != customer.id:
            problems[field.format(index=index)] = translate(
                "No invoice %(number)s of this customer.", number=number
            )
    if problems:
        raise invalid(problems)
    return found


@dataclass(frozen=True)
class _Application:
    """Money from one payment or credit note, allocated to invoices of its customer."""

    customer: Party
    allocations: list[tuple[str, Decimal]]
    on: date
    payment_id: int | None = None
    credit_note_id: int | None = None


def _apply(
    session: Session,
    *,
    customer: Party,
    allocations: list[tuple[str, Decimal]],
    field: str,
    kind: str,
    on: date,
    payment_id: int | None = None,
    credit_note_id: int | None = None,
) -> None:
    """Check every allocation against what is still owed (after locking), then apply."""
    application = _Application(customer, allocations, on, payment_id, credit_note_id)
    _apply_all(session, [application], field=field, kind=kind)


def _apply_all(
    session: Session, applications: Sequence[_Application], *, field: str, kind: str
) -> None:
    """`_apply` for many payments in one go: the invoices are looked up, locked and
    read once, and each application sees what the ones before it took."""
    numbers = {number for a in applications for number, _ in a.allocations}
    if not numbers:
        return  # unapplied cash: nothing to look up
    found = _find_invoices(session, numbers)
    for application in applications:
        _invoices_of(
            session,
            application.customer,
            [number for number, _ in application.allocations],
            field + ".invoice_number",
            found,
        )
    ids = [i.id for i in found.values()]
    ledger.lock_invoices(session, ids)  # type: ignore[arg-type]
    states = ledger.instalment_states(session, ids)  # type: ignore[arg-type]
    for application in applications:
        problems = {}
        for index, (number, amount) in enumerate(application.allocations):
            invoice = found[number]
            open_fen = ledger.outstanding_fen(states.get(invoice.id, []))  # type: ignore[arg-type]
            if to_fen(amount) > open_fen:
                problems[field.format(index=index) + ".amount"] = translate(
                    "At most the outstanding %(amount)s of invoice %(number)s.",
                    amount=str(from_fen(open_fen)),
                    number=number,
                )
        if problems:
            raise invalid(problems)
        for number, amount in application.allocations:
            invoice = found[number]
            ledger.spread(
                session,
                invoice=invoice,
                states=states.get(invoice.id, []),  # type: ignore[arg-type]
                amount=amount,
                kind=kind,
                on=application.on,
                payment_id=application.payment_id,
                credit_note_id=application.credit_note_id,
            )


def create_payment(session: Session, *, actor: Actor, data: Mapping[str, Any]) -> Payment:
    require(actor, "receivables.write")
    clean = validated(PaymentIn, data)
    if session.execute(select(Payment.id).where(Payment.reference == clean.reference)).first():
        raise Conflict(
            translate("The payment %(ref)s already exists.", ref=clean.reference),
            {"reference": translate("Already in use.")},
        )
    customer = customer_by_code(session, actor, clean.customer_code, "customer_code")
    numbers = [a.invoice_number for a in clean.allocations]
    if len(set(numbers)) != len(numbers):
        raise invalid({"allocations": translate("Each invoice at most once per payment.")})
    allocated = sum((a.amount for a in clean.allocations), Decimal("0.00"))
    if allocated > clean.amount:
        raise invalid(
            {
                "allocations": translate(
                    "The allocations (%(allocated)s) exceed the payment (%(amount)s).",
                    allocated=str(allocated),
                    amount=str(clean.amount),
                )
            }
        )
    [payment] = add_payments(session, actor=actor, items=[(clean, customer)])
    session.commit()
    return payment


def add_payments(
    session: Session, *, actor: Actor, items: Sequence[tuple[PaymentIn, Party]]
) -> list[Payment]:
    """Record payments (each with its customer) and apply their allocations, with the
    audit events, flushed but not committed: `create_payment` commits one, an import
    many in one transaction.

    The caller has checked each reference is new, each invoice is named once per payment
    and the allocations do not exceed the payment; allocations beyond an invoice's
    outstanding raise InvalidInput (after locking the invoices).
    """
    records = [
        Payment(
            reference=clean.reference,
            customer_id=customer.id,  # type: ignore[arg-type]
            date=clean.date,
            amount_fen=to_fen(clean.amount),
            note=clean.note,
        )
        for clean, customer in items
    ]
    session.add_all(records)
    session.flush()
    _apply_all(
        session,
        [
            _Application(
                customer,
                [(a.invoice_number, a.amount) for a in clean.allocations],
                clean.date,
                payment_id=payment.id,
            )
            for payment, (clean, customer) in zip(records, items, strict=True)
        ],
        field="allocations.{index}",
        kind=PAYMENT,
    )
    for payment, (clean, customer) in zip(records, items, strict=True):
        audit.record(
            session,
            actor=actor,
            entity="payment",
            key=payment.reference,
            action="create",
            changes={
                "customer": [None, customer.code],
                "amount": [None, str(clean.amount)],
                "allocated": [None, {a.invoice_number: str(a.amount) for a in clean.allocations}],
            },
        )
        _audit_invoices(session, actor=actor, payment=payment, allocations=clean.allocations)
    return records


def add_allocations(
    session: Session,
    *,
    actor: Actor,
    payment: Payment,
    customer: Party,
    allocations: Sequence[AllocationIn],
) -> None:
    """Apply more of a recorded payment (an import whose rows for one payment come in
    separate batches), not committed. The caller has checked that all allocations
    together stay within the payment and name each invoice once."""
    _apply(
        session,
        customer=customer,
        allocations=[(a.invoice_number, a.amount) for a in allocations],
        field="allocations.{index}",
        kind=PAYMENT,
        on=payment.date,
        payment_id=payment.id,
    )
    audit.record(
        session,
        actor=actor,
        entity="payment",
        key=payment.reference,
        action="allocate",
        changes={"allocated": [None, {a.invoice_number: str(a.amount) for a in allocations}]},
    )
    _audit_invoices(session, actor=actor, payment=payment, allocations=allocations)


def _audit_invoices(
    session: Session, *, actor: Actor, payment: Payment, allocations: Sequence[AllocationIn]
) -> None:
    for allocation in allocations:
        audit.record(
            session,
            actor=actor,
            entity="invoice",
            key=allocation.invoice_number,
            action="payment",
            note=f"{payment.reference} {payment.date.isoformat()}",
        )


def create_credit_note(session: Session, *, actor: Actor, data: Mapping[str, Any]) -> CreditNote:
    require(actor, "receivables.write")
    clean = validated(CreditNoteIn, data)
    if session.execute(select(CreditNote.id).where(CreditNote.number == clean.number)).first():
        raise Conflict(
            translate("The credit note %(ref)s already exists.", ref=clean.number),
            {"number": translate("Already in use.")},
        )
    customer = customer_by_code(session, actor, clean.customer_code, "customer_code")
    note = CreditNote(
        number=clean.number,
        customer_id=customer.id,
        date=clean.date,  # type: ignore[arg-type]
        amount_fen=to_fen(clean.amount),
        reason=clean.reason,
    )
    if clean.invoice_number is not None:
        invoice = _invoices_of(session, customer, [clean.invoice_number], "invoice_number")
        note.invoice_id = invoice[clean.invoice_number].id
    session.add(note)
    session.flush()
    if clean.invoice_number is not None:
        try:
            _apply(
                session,
                customer=customer,
                allocations=[(clean.invoice_number, clean.amount)],
                field="credit",
                kind=CREDIT_NOTE,
                on=clean.date,
                credit_note_id=note.id,
            )
        except InvalidInput as problem:
            raise invalid({"amount": next(iter(problem.fields.values()))}) from problem
        audit.record(
            session,
            actor=actor,
            entity="invoice",
            key=clean.invoice_number,
            action="credit_note",
            note=f"{clean.number} {clean.amount}",
        )
    audit.record(
        session,
        actor=actor,
        entity="credit_note",
        key=note.number,
        action="create",
        changes={
            "customer": [None, customer.code],
            "amount": [None, str(clean.amount)],
            "invoice": [None, clean.invoice_number],
        },
    )
    session.commit()
    return note


def unapplied_fen(
    session: Session, customer_ids: Iterable[int] | Select[Any] | None, as_of: date
) -> dict[int, int]:
    """Per customer, money received or credited on or before `as_of` that no invoice has
    taken (settlements dated on or before `as_of`), as a positive number of fen.

    `customer_ids` limits it to some customers: ids, or a SELECT of ids (a territory)."""
    received: dict[int, int] = defaultdict(int)

    def add(statement: Any, sign: int) -> None:
        if customer_ids is not None:
            ids = customer_ids if isinstance(customer_ids, Select) else list(customer_ids)
            statement = statement.where(col(statement.selected_columns[0]).in_(ids))
        for customer_id, fen in session.execute(statement).all():
            received[customer_id] += sign * int(fen or 0)

    add(
        select(Payment.customer_id, func.sum(Payment.amount_fen))
        .where(Payment.date <= as_of)
        .group_by(Payment.customer_id),
        1,
    )
    add(
        select(Payment.customer_id, func.sum(Settlement.amount_fen))
        .join(Settlement, Settlement.payment_id == Payment.id)
        .where(Settlement.date <= as_of)
        .group_by(Payment.customer_id),
        -1,
    )
    add(
        select(CreditNote.customer_id, func.sum(CreditNote.amount_fen))
        .where(CreditNote.date <= as_of)
        .group_by(CreditNote.customer_id),
        1,
    )
    add(
        select(CreditNote.customer_id, func.sum(Settlement.amount_fen))
        .join(Settlement, Settlement.credit_note_id == CreditNote.id)
        .where(Settlement.date <= as_of)
        .group_by(CreditNote.customer_id),
        -1,
    )
    return {customer_id: fen for customer_id, fen in received.items() if fen}


def propose_allocation(
    session: Session, *, customer: Party, amount: Decimal
) -> list[tuple[str, Decimal]]:
    """ "Allocate oldest first": what the UI proposes for a user to confirm or change.

    Only the customer's open invoices not on hold are read: the filter is SQL, so a
    customer with years of paid invoices costs no more than one with a few open ones.
    """
    settled = (
        select(func.coalesce(func.sum(Settlement.amount_fen), 0))
        .where(Settlement.invoice_id == Invoice.id)
        .scalar_subquery()
    )
    open_invoices = session.execute(
        select(Invoice.id, Invoice.number).where(
            Invoice.customer_id == customer.id,
            col(Invoice.hold_reason).is_(None),
            Invoice.amount_fen > settled,
        )
    ).all()
    numbers = dict(open_invoices)
    states = ledger.instalment_states(session, list(numbers))
    items = []
    for invoice_id, mine in states.items():
        open_fen = ledger.outstanding_fen(mine)
        if open_fen > 0:
            earliest = min(s.instalment.due_date for s in mine if s.outstanding_fen > 0)
            items.append(OpenItem(numbers[invoice_id], earliest, from_fen(open_fen)))
    return oldest_first(items, amount)
