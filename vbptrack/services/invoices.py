"""Invoices: create with their instalments, read as of a date, hold, write off, list."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, insert, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from vbptrack.domain import terms as rules
from vbptrack.domain.ageing import days_past_due
from vbptrack.domain.money import from_fen, quantize, to_fen
from vbptrack.models import (
    Invoice,
    InvoiceInstalment,
    InvoiceLine,
    Party,
    PaymentTerm,
    Product,
    Settlement,
    WriteOff,
)
from vbptrack.models.base import utcnow
from vbptrack.models.parties import DISTRIBUTOR
from vbptrack.models.receivables import WRITE_OFF
from vbptrack.models.receivables_in import HoldIn, InvoiceIn, WriteOffIn
from vbptrack.services import audit, ledger, terms
from vbptrack.services.access import Actor, require, territory_condition
from vbptrack.services.errors import Conflict, InvalidInput, NotFound
from vbptrack.services.paging import Page, matches_text, paginate
from vbptrack.services.problems import invalid, translate, validated

ENTITY = "invoice"


def _no_customer(code: str, field: str) -> InvalidInput:
    return invalid({field: translate("No customer with the code %(code)s.", code=code)})


def customer_by_code(session: Session, actor: Actor, code: str, field: str) -> Party:
    """A customer the actor may see, else a problem on the field that named it."""
    party = session.execute(
        select(Party).where(Party.code == code, territory_condition(actor))
    ).scalar_one_or_none()
    if party is None:
        raise _no_customer(code, field)
    return party


def find(session: Session, number: str) -> Invoice | None:
    return session.execute(select(Invoice).where(Invoice.number == number)).scalar_one_or_none()


def get(session: Session, *, actor: Actor, number: str) -> Invoice:
    """The invoice if it exists and its customer is in the actor's territory."""
    invoice = session.execute(
        select(Invoice)
        .join(Party, Party.id == Invoice.customer_id)
        .where(Invoice.number == number, territory_condition(actor))
    ).scalar_one_or_none()
    if invoice is None:
        raise NotFound(translate("No such invoice, or it is outside your territory."))
    return invoice


class Lookups:
    """Customers, payment terms and term rules, each looked up once.

    Planning one invoice asks for a customer, a term and its rule; an import plans
    thousands that share a few of each. One `Lookups` serves one actor and one
    transaction (nothing it holds changes within it).
    """

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self._customers: dict[str, Party | None] = {}
        self._terms: dict[tuple[str | None, str | None, int | None], PaymentTerm | None] = {}
        self._contract_terms: dict[int, list[terms.ContractTermRow]] = {}
        self._rules: dict[int, rules.PaymentTerm] = {}

    def load_customers(self, session: Session, codes: Iterable[str]) -> None:
        """Look up many customer codes in one query (those not looked up before)."""
        missing = {code for code in codes if code not in self._customers}
        if not missing:
            return
        found = {
            party.code: party
            for party in session.execute(
                select(Party).where(col(Party.code).in_(missing), territory_condition(self.actor))
            ).scalars()
        }
        for code in missing:
            self._customers[code] = found.get(code)

    def customer(self, session: Session, code: str, field: str) -> Party:
        """As `customer_by_code`: a customer the actor may see, else a problem on `field`."""
        self.load_customers(session, [code])
        party = self._customers[code]
        if party is None:
            raise _no_customer(code, field)
        return party

    def term(
        self, session: Session, customer: Party, code: str | None, on: date
    ) -> PaymentTerm | None:
        if code is None:
            # A contract's term depends on the invoice date: each customer's contracts
            # are read once, the one in force is picked per invoice.
            rows = self._contract_terms.get(customer.id)  # type: ignore[arg-type]
            if rows is None:
                rows = self._contract_terms[customer.id] = terms.contract_terms(  # type: ignore[index]
                    session,
                    customer.id,  # type: ignore[arg-type]
                )
            if rows:
                return terms.resolve(session, customer=customer, code=None, on=on, contracts=rows)
        # Everything `terms.resolve` reads from the customer is in the key.
        key = (code, customer.province_code, customer.payment_term_id)
        if key not in self._terms:
            self._terms[key] = terms.resolve(session, customer=customer, code=code)
        return self._terms[key]

    def schedule(
        self, session: Session, term: PaymentTerm, clean: InvoiceIn
    ) -> list[tuple[date, Decimal]]:
        rule = self._rules.get(term.id)  # type: ignore[arg-type]
        if rule is None:
            rule = self._rules[term.id] = terms.to_rule(session, term)  # type: ignore[index]
        try:
            scheduled = rules.schedule(
                rule,
                invoice_date=clean.invoice_date,
                amount=clean.amount,
                acceptance_date=clean.acceptance_date,
            )
        except Exception:
            # Whatever the service refuses it explains in its own words (and raises).
            terms.schedule(
                session,
                term=term,
                invoice_date=clean.invoice_date,
                amount=clean.amount,
                acceptance_date=clean.acceptance_date,
            )
            raise
        return [(item.due_date, item.amount) for item in scheduled]


@dataclass(frozen=True)
class PlannedInvoice:
    """An invoice checked against the database, ready to add."""

    clean: InvoiceIn
    customer: Party
    distributor_id: int | None
    term: PaymentTerm | None
    schedule: list[tuple[date, Decimal]]
    lines: list[tuple[int, int, Decimal]]


def plan(session: Session, *, clean: InvoiceIn, lookups: Lookups) -> PlannedInvoice:
    """Resolve the customer, distributor, lines, term and instalments of a valid invoice
    body; InvalidInput names the field at fault. The number is the caller's to check."""
    customer = lookups.customer(session, clean.customer_code, "customer_code")
    distributor_id = customer.id if customer.kind == DISTRIBUTOR else None
    if clean.distributor_code is not None:
        distributor = lookups.customer(session, clean.distributor_code, "distributor_code")
        if distributor.kind != DISTRIBUTOR:
            raise invalid(
                {
                    "distributor_code": translate(
                        "%(code)s is not a distributor.", code=clean.distributor_code
                    )
                }
            )
        distributor_id = distributor.id
    lines = _lines(session, clean)
    term: PaymentTerm | None = None
    if clean.due_date is not None:
        schedule = [(clean.due_date, clean.amount)]
    else:
        term = lookups.term(session, customer, clean.payment_term, clean.invoice_date)
        if term is None:
            field = "payment_term"
            message = (
                translate("No payment term %(code)s.", code=clean.payment_term)
                if clean.payment_term
                else translate(
                    "Give a payment term or a due date: the customer has no default term."
                )
            )
            raise invalid({field: message})
        schedule = lookups.schedule(session, term, clean)
    return PlannedInvoice(clean, customer, distributor_id, term, schedule, lines)


def add_invoices(session: Session, *, actor: Actor, planned: Sequence[PlannedInvoice]) -> list[int]:
    """Add planned invoices with their instalments, lines and audit events, not
    committed: `create` commits one, an import many in one transaction. Returns their ids.

    Rows go in as bulk INSERTs rather than one ORM object each: an import of 20,000
    invoices spent most of its time building the objects.
    """
    if not planned:
        return []
    # render_nulls: rows that leave different fields empty still go in one statement.
    # RETURNING gives no order to rely on, so ids are matched by number.
    inserted = session.execute(
        insert(Invoice)
        .returning(col(Invoice.id), col(Invoice.number))
        .execution_options(render_nulls=True),
        [
            {
                "number": item.clean.number,
                "customer_id": item.customer.id,
                "distributor_id": item.distributor_id,
                "invoice_date": item.clean.invoice_date,
                "acceptance_date": item.clean.acceptance_date,
                "amount_fen": to_fen(item.clean.amount),
                "tax_fen": to_fen(item.clean.tax or Decimal(0)),
                "payment_term_id": item.term.id if item.term else None,
            }
            for item in planned
        ],
    )
    id_of = {number: invoice_id for invoice_id, number in inserted}
    ids = [id_of[item.clean.number] for item in planned]
    instalments = [
        {"invoice_id": invoice_id, "seq": seq, "due_date": due, "amount_fen": to_fen(amount)}
        for invoice_id, item in zip(ids, planned, strict=True)
        for seq, (due, amount) in enumerate(item.schedule, start=1)
    ]
    if instalments:
        session.execute(insert(InvoiceInstalment), instalments)
    lines = [
        {
            "invoice_id": invoice_id,
            "product_id": product_id,
            "quantity": quantity,
            "unit_price_fen": to_fen(unit_price),
            "amount_fen": to_fen(quantize(unit_price * quantity)),
        }
        for invoice_id, item in zip(ids, planned, strict=True)
        for product_id, quantity, unit_price in item.lines
    ]
    if lines:
        session.execute(insert(InvoiceLine), lines)
    for item in planned:
        audit.record(
            session,
            actor=actor,
            entity=ENTITY,
            key=item.clean.number,
            action="create",
            changes={
                "customer": [None, item.customer.code],
                "amount": [None, str(item.clean.amount)],
                "due": [None, ", ".join(f"{d.isoformat()} {a}" for d, a in item.schedule)],
            },
        )
    session.flush()
    return ids


def create(session: Session, *, actor: Actor, data: Mapping[str, Any]) -> Invoice:
    require(actor, "receivables.write")
    clean: InvoiceIn = validated(InvoiceIn, data)
    if find(session, clean.number) is not None:
        raise Conflict(
            translate("The invoice %(number)s already exists.", number=clean.number),
            {"number": translate("Already in use.")},
        )
    planned = plan(session, clean=clean, lookups=Lookups(actor))
    [invoice_id] = add_invoices(session, actor=actor, planned=[planned])
    invoice = session.get(Invoice, invoice_id)
    assert invoice is not None
    session.commit()
    return invoice


def _lines(session: Session, clean: InvoiceIn) -> list[tuple[int, int, Decimal]]:
    if not clean.lines:
        return []
    codes = {line.product_code for line in clean.lines}
    ids = dict(
        session.execute(select(Product.code, Product.id).where(col(Product.code).in_(codes))).all()
    )
    problems = {
        f"lines.{i}.product_code": translate("No product %(code)s.", code=line.product_code)
        for i, line in enumerate(clean.lines)
        if line.product_code not in ids
    }
    if problems:
        raise invalid(problems)
    return [(ids[line.product_code], line.quantity, line.unit_price) for line in clean.lines]


@dataclass(frozen=True)
class InstalmentView:
    due_date: date
    amount: Decimal
    paid: Decimal
    credited: Decimal
    written_off: Decimal
    outstanding: Decimal
    days_past_due: int  # as of the view's date; 0 or less: not overdue


@dataclass(frozen=True)
class InvoiceView:
    invoice: Invoice
    customer: Party
    as_of: date
    instalments: list[InstalmentView]

    @property
    def outstanding(self) -> Decimal:
        return sum((i.outstanding for i in self.instalments), Decimal("0.00"))

    @property
    def overdue(self) -> bool:
        return any(i.outstanding > 0 and i.due_date < self.as_of for i in self.instalments)


def view(session: Session, *, actor: Actor, number: str, as_of: date) -> InvoiceView:
    invoice = get(session, actor=actor, number=number)
    customer = session.get(Party, invoice.customer_id)
    assert customer is not None
    states = ledger.instalment_states(session, [invoice.id], as_of).get(invoice.id, [])  # type: ignore[list-item]
    return InvoiceView(
        invoice,
        customer,
        as_of,
        [
            InstalmentView(
                s.instalment.due_date,
                from_fen(s.instalment.amount_fen),
                from_fen(s.paid_fen),
                from_fen(s.credited_fen),
                from_fen(s.written_off_fen),
                from_fen(s.outstanding_fen),
                days_past_due(as_of, s.instalment.due_date),
            )
            for s in states
        ],
    )


def hold(session: Session, *, actor: Actor, number: str, data: Mapping[str, Any]) -> Invoice:
    """Put an invoice on hold (disputed, under negotiation): still aged, never dunned."""
    require(actor, "receivables.write")
    clean: HoldIn = validated(HoldIn, data)
    invoice = get(session, actor=actor, number=number)
    before = invoice.hold_reason
    invoice.hold_reason = clean.reason
    invoice.held_at = utcnow()
    audit.record(
        session,
        actor=actor,
        entity=ENTITY,
        key=number,
        action="hold",
        changes={"hold": [before, clean.reason]},
    )
    session.commit()
    return invoice


def release(session: Session, *, actor: Actor, number: str) -> Invoice:
    require(actor, "receivables.write")
    invoice = get(session, actor=actor, number=number)
    if invoice.hold_reason is None:
        raise Conflict(translate("The invoice %(number)s is not on hold.", number=number))
    audit.record(
        session,
        actor=actor,
        entity=ENTITY,
        key=number,
        action="release",
        changes={"hold": [invoice.hold_reason, None]},
    )
    invoice.hold_reason = None
    invoice.held_at = None
    session.commit()
    return invoice


def write_off(session: Session, *, actor: Actor, number: str, data: Mapping[str, Any]) -> WriteOff:
    """Write off part or all of what is still owed (finance only), with a reason."""
    require(actor, "receivables.write")
    clean: WriteOffIn = validated(WriteOffIn, data)
    invoice = get(session, actor=actor, number=number)
    ledger.lock_invoices(session, [invoice.id])  # type: ignore[list-item]
    states = ledger.instalment_states(session, [invoice.id]).get(invoice.id, [])  # type: ignore[list-item]
    open_fen = ledger.outstanding_fen(states)
    if to_fen(clean.amount) > open_fen:
        raise invalid(
            {
                "amount": translate(
                    "At most the outstanding %(amount)s.", amount=str(from_fen(open_fen))
                )
            }
        )
    if clean.date < invoice.invoice_date:
        raise invalid({"date": translate("The date is before the invoice date.")})
    entry = WriteOff(
        invoice_id=invoice.id,
        date=clean.date,
        amount_fen=to_fen(clean.amount),  # type: ignore[arg-type]
        reason=clean.reason,
        created_by=actor.username,
    )
    session.add(entry)
    session.flush()
    ledger.spread(
        session,
        invoice=invoice,
        states=states,
        amount=clean.amount,
        kind=WRITE_OFF,
        on=clean.date,
        write_off_id=entry.id,
    )
    audit.record(
        session,
        actor=actor,
        entity=ENTITY,
        key=number,
        action="write_off",
        changes={"written_off": [None, str(clean.amount)]},
        note=clean.reason,
    )
    session.commit()
    return entry


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    customer_code: str
    customer_name: str
    outstanding: Decimal
    next_due: date | None


def search(
    session: Session,
    *,
    actor: Actor,
    as_of: date,
    q: str | None = None,
    customer_code: str | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 50,
    count: bool = True,
) -> Page[InvoiceRow]:
    """Invoices newest first; `status` open | paid | overdue | held as of `as_of`.

    The overdue list is ordered by due date instead, latest first (each invoice at its
    latest due date before as_of), so it reads an index of due dates rather than every
    recent invoice. Filters and order use indexes; outstanding is computed only for the
    page shown.
    """
    settled = (
        select(func.coalesce(func.sum(Settlement.amount_fen), 0))
        .where(Settlement.invoice_id == Invoice.id, Settlement.date <= as_of)
        .scalar_subquery()
    )
    statement = (
        select(Invoice)
        .join(Party, Party.id == Invoice.customer_id)
        .where(territory_condition(actor), Invoice.invoice_date <= as_of)
    )
    if q:
        statement = statement.where(_number_or_customer(session, q.strip()))
    if customer_code:
        # The id first: PostgreSQL misjudges how many invoices one customer has when it
        # sees only a join on the code, and picks a slow plan for a big customer.
        customer_id = session.execute(
            select(Party.id).where(Party.code == customer_code)
        ).scalar_one_or_none()
        statement = statement.where(Invoice.customer_id == (customer_id or -1))
    if status == "held":
        statement = statement.where(col(Invoice.hold_reason).is_not(None))
    elif status == "paid":
        statement = statement.where(Invoice.amount_fen <= settled)
    elif status == "open":
        statement = statement.where(Invoice.amount_fen > settled)
    if status == "overdue":
        # Driven from the instalments' due dates, newest first: walking invoices by date
        # would read every recent invoice that is not yet due before finding overdue ones.
        # Each invoice appears once, at its latest due date before as_of.
        later = aliased(InvoiceInstalment)
        statement = (
            statement.join(InvoiceInstalment, InvoiceInstalment.invoice_id == Invoice.id)
            .where(
                InvoiceInstalment.due_date < as_of,
                ~exists().where(
                    later.invoice_id == InvoiceInstalment.invoice_id,
                    later.due_date < as_of,
                    or_(
                        later.due_date > InvoiceInstalment.due_date,
                        and_(
                            later.due_date == InvoiceInstalment.due_date,
                            later.id > InvoiceInstalment.id,  # type: ignore[operator]
                        ),
                    ),
                ),
                _has_open_instalment_due_before(as_of),
            )
            .order_by(
                col(InvoiceInstalment.due_date).desc(),
                col(InvoiceInstalment.id).desc(),
            )
        )
    else:
        statement = statement.order_by(col(Invoice.invoice_date).desc(), col(Invoice.id).desc())
    result = paginate(session, statement, page=page, per_page=per_page, count=count)
    return Page(
        items=rows_for(session, result.items, as_of),
        page=result.page,
        per_page=result.per_page,
        total=result.total,
        exact=result.exact,
    )


# More customers than this matching a search means the search is broad ("医院"); their
# invoices are then found by walking the newest first, not through a list of ids.
CUSTOMER_MATCHES = 1000


def _number_or_customer(session: Session, needle: str) -> Any:
    """SQL: the invoice number starts with `needle`, or its customer's name or code
    contains it. The number is an index range on `ix_invoice_number` (numbers are stored as
    issued, so "inv" also tries "INV"); the customers are looked up first in the small party
    table, so the database sees their ids, not a subquery it cannot estimate (PostgreSQL
    then scanned every invoice for a number search)."""
    starts = {needle, needle.upper()}
    by_number = [
        and_(Invoice.number >= start, Invoice.number < start + "\uffff") for start in starts
    ]
    customers = select(Party.id).where(matches_text(needle, col(Party.name), col(Party.code)))
    ids = session.execute(customers.limit(CUSTOMER_MATCHES + 1)).scalars().all()
    if len(ids) > CUSTOMER_MATCHES:
        return or_(*by_number, col(Invoice.customer_id).in_(customers))
    if ids:
        return or_(*by_number, col(Invoice.customer_id).in_(ids))
    return or_(*by_number)


def _has_open_instalment_due_before(as_of: date) -> Any:
    """SQL: the invoice has an instalment due before as_of and not settled by then."""
    due = aliased(InvoiceInstalment)
    settled = (
        select(func.coalesce(func.sum(Settlement.amount_fen), 0))
        .where(Settlement.instalment_id == due.id, Settlement.date <= as_of)
        .scalar_subquery()
    )
    return exists().where(
        due.invoice_id == Invoice.id, due.due_date < as_of, due.amount_fen > settled
    )


def rows_for(session: Session, invoices: Sequence[Invoice], as_of: date) -> list[InvoiceRow]:
    ids = [i.id for i in invoices]
    states = ledger.instalment_states(session, ids, as_of)  # type: ignore[arg-type]
    parties = {
        p.id: p
        for p in session.execute(
            select(Party).where(col(Party.id).in_({i.customer_id for i in invoices}))
        ).scalars()
    }
    rows = []
    for invoice in invoices:
        mine = states.get(invoice.id, [])  # type: ignore[arg-type]
        open_dues = [s.instalment.due_date for s in mine if s.outstanding_fen > 0]
        customer = parties[invoice.customer_id]
        rows.append(
            InvoiceRow(
                invoice,
                customer.code,
                customer.name,
                from_fen(ledger.outstanding_fen(mine)),
                min(open_dues) if open_dues else None,
            )
        )
    return rows
