"""Imports of invoices and payments: what an ERP exports, checked row by row, all or nothing.

Rows validate with the API's input models (`InvoiceIn`, `PaymentIn`) and are checked and
written by the same service code as `POST /invoices` and `POST /payments`, without its
per-record commit: the runner commits the whole file or nothing.

A payments file has one row per allocation. Rows sharing a reference are one payment
wherever they are in the file (usually next to each other, but a sorted file can still
split a payment across two batches): the file's state keeps every payment seen so far,
so a later row checks against the payment's first row and what it already allocated, and
the writer adds its allocations to the payment written earlier. Likewise an invoice's
outstanding is read once and reduced by each allocation the file makes to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlmodel import Session, col

from vbptrack.domain.money import from_fen, to_fen
from vbptrack.imports.spec import Column, ImportKind, Row
from vbptrack.models import Invoice, Party, Payment
from vbptrack.models.receivables_in import AllocationIn, InvoiceIn, PaymentIn
from vbptrack.services import invoices, ledger, payments
from vbptrack.services.access import SYSTEM, Actor
from vbptrack.services.errors import Forbidden, InvalidInput
from vbptrack.services.problems import field_problems, translate

Problems = list[tuple[int, str, str]]

INVOICE_COLUMNS = (
    Column("number", ("发票号", "发票号码", "发票编号"), required=True),
    Column("customer_code", ("客户编码", "医院编码", "单位编码"), required=True),
    Column("invoice_date", ("开票日期", "发票日期"), required=True),
    Column("acceptance_date", ("验收日期", "验收日")),
    Column("amount", ("金额", "价税合计", "含税金额", "发票金额"), required=True),
    Column("tax", ("税额",)),
    Column("payment_term", ("付款条件", "账期代码")),
    Column("due_date", ("到期日", "应收日期")),
    Column("distributor_code", ("配送企业编码",)),
)

PAYMENT_COLUMNS = (
    Column("reference", ("付款单号", "回款单号", "流水号"), required=True),
    Column("customer_code", ("客户编码", "医院编码", "单位编码"), required=True),
    Column("date", ("付款日期", "回款日期", "到账日期"), required=True),
    Column("amount", ("付款金额", "回款金额", "金额"), required=True),
    Column("invoice_number", ("发票号", "发票号码", "发票编号")),
    Column("allocated_amount", ("核销金额", "分配金额")),
)

# Validation gets no actor (the runner passes validators none), so it resolves customers
# in every territory; the writer refuses an actor who does not see them all. The roles
# that may import receivables (admin, finance) do.
ALL_CUSTOMERS = SYSTEM


def _given(values: dict[str, str]) -> dict[str, str]:
    """The row's given cells: an empty cell means not given. Dates and amounts go to the
    input model as the file writes them (`YYYY-MM-DD`, `1234.50`); a workbook's date
    cells arrive as that text already (imports/reader.py)."""
    return {key: value for key, value in values.items() if value != ""}


def _validate_row(
    model: type[BaseModel], number: int, data: dict[str, Any], names: Any
) -> tuple[Any, Problems]:
    """The row as `model`, or its problems by file field (`names` maps the model's)."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = {names.get(name, name): message for name, message in field_problems(exc).items()}
    return None, [(number, name, m) for name, m in problems.items()]


def _require_full_view(actor: Actor) -> None:
    if not actor.sees_everything:
        raise Forbidden(translate("Your role does not allow this."))


# Invoices ---------------------------------------------------------------------------------


def _invoice_state() -> dict[str, Any]:
    return {"seen": {}, "lookups": invoices.Lookups(ALL_CUSTOMERS)}


def _validate_invoices(session: Session, rows: Sequence[Row], state: dict[str, Any]) -> Any:
    seen: dict[str, int] = state["seen"]
    lookups: invoices.Lookups = state["lookups"]
    problems: Problems = []
    valid: list[tuple[int, InvoiceIn]] = []
    for number, values in rows:
        item, row_problems = _validate_row(InvoiceIn, number, _given(values), {})
        problems.extend(row_problems)
        if item is None:
            continue
        if item.number in seen:
            message = translate(
                "the invoice %(number)s is also on row %(row)s",
                number=item.number,
                row=seen[item.number],
            )
            problems.append((number, "number", message))
            continue
        seen[item.number] = number
        valid.append((number, item))
    existing = set(
        session.execute(
            select(col(Invoice.number)).where(col(Invoice.number).in_([i.number for _, i in valid]))
        ).scalars()
    )
    lookups.load_customers(
        session,
        {i.customer_code for _, i in valid}
        | {i.distributor_code for _, i in valid if i.distributor_code is not None},
    )
    planned = []
    for number, item in valid:
        if item.number in existing:
            message = translate("The invoice %(number)s already exists.", number=item.number)
            problems.append((number, "number", message))
            continue
        try:
            planned.append(invoices.plan(session, clean=item, lookups=lookups))
        except InvalidInput as problem:
            problems.extend((number, name, message) for name, message in problem.fields.items())
    problems.sort(key=lambda p: p[0])
    return planned, problems


def _write_invoices(session: Session, actor: Actor, rows: Sequence[Any]) -> int:
    _require_full_view(actor)
    invoices.add_invoices(session, actor=actor, planned=rows)
    return len(rows)


# Payments ---------------------------------------------------------------------------------

# PaymentIn's names for the row's allocation → the file's columns.
ALLOCATION_FIELDS = {
    "allocations.0.invoice_number": "invoice_number",
    "allocations.0.amount": "allocated_amount",
    "allocations": "invoice_number",
}


@dataclass
class _Payment:
    """A payment as the file gives it: its first good row, what it allocated so far."""

    row: int
    clean: PaymentIn  # without allocations
    customer: Party | None = None  # None: refused on its first row, later rows say nothing
    allocated_fen: int = 0
    invoices: set[str] = field(default_factory=set)
    written_id: int | None = None  # the id, not the object: files can hold many payments


@dataclass
class _OpenInvoice:
    customer_id: int
    open_fen: int  # less what earlier rows of the file allocated to it


@dataclass(frozen=True)
class _Line:
    row: int
    payment: _Payment
    allocation: AllocationIn | None  # None: a row of unapplied cash


def _payment_state() -> dict[str, Any]:
    return {"payments": {}, "invoices": {}, "lookups": invoices.Lookups(ALL_CUSTOMERS)}


def _prepare_payment(values: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = _given(values)
    allocation = {}
    if "invoice_number" in data:
        allocation["invoice_number"] = data.pop("invoice_number")
    if "allocated_amount" in data:
        allocation["amount"] = data.pop("allocated_amount")
    if allocation:
        data["allocations"] = [allocation]
    return data


def _load_invoices(
    session: Session, numbers: set[str], known: dict[str, _OpenInvoice | None]
) -> None:
    """Outstanding of invoices the file names for the first time, locked until the import
    ends so that no other payment can take the same money meanwhile."""
    if not numbers:
        return
    found = {
        number: (invoice_id, customer_id)
        for invoice_id, number, customer_id in session.execute(
            select(col(Invoice.id), col(Invoice.number), col(Invoice.customer_id)).where(
                col(Invoice.number).in_(numbers)
            )
        ).all()
    }
    ids = [invoice_id for invoice_id, _ in found.values()]
    ledger.lock_invoices(session, ids)
    states = ledger.instalment_states(session, ids)
    for number in numbers:
        if number not in found:
            known[number] = None
            continue
        invoice_id, customer_id = found[number]
        known[number] = _OpenInvoice(
            customer_id, ledger.outstanding_fen(states.get(invoice_id, []))
        )


def _disagreements(payment: _Payment, item: PaymentIn) -> list[tuple[str, str]]:
    first = payment.clean
    pairs = (
        ("customer_code", first.customer_code, item.customer_code, first.customer_code),
        ("date", first.date, item.date, first.date.isoformat()),
        ("amount", first.amount, item.amount, str(first.amount)),
    )
    return [
        (
            name,
            translate(
                "differs from row %(row)s of payment %(reference)s (%(value)s)",
                row=payment.row,
                reference=first.reference,
                value=shown,
            ),
        )
        for name, theirs, mine, shown in pairs
        if theirs != mine
    ]


def _check_allocation(
    payment: _Payment, allocation: AllocationIn, known: dict[str, _OpenInvoice | None]
) -> tuple[str, str] | None:
    """A problem with the allocation, else None (and the allocation is counted)."""
    number = allocation.invoice_number
    if number in payment.invoices:
        return "invoice_number", translate("Each invoice at most once per payment.")
    invoice = known.get(number)
    assert payment.customer is not None
    if invoice is None or invoice.customer_id != payment.customer.id:
        return "invoice_number", translate("No invoice %(number)s of this customer.", number=number)
    fen = to_fen(allocation.amount)
    if payment.allocated_fen + fen > to_fen(payment.clean.amount):
        return "allocated_amount", translate(
            "The allocations (%(allocated)s) exceed the payment (%(amount)s).",
            allocated=str(from_fen(payment.allocated_fen + fen)),
            amount=str(payment.clean.amount),
        )
    if fen > invoice.open_fen:
        return "allocated_amount", translate(
            "At most the outstanding %(amount)s of invoice %(number)s.",
            amount=str(from_fen(invoice.open_fen)),
            number=number,
        )
    payment.allocated_fen += fen
    payment.invoices.add(number)
    invoice.open_fen -= fen
    return None


def _validate_payments(session: Session, rows: Sequence[Row], state: dict[str, Any]) -> Any:
    known_payments: dict[str, _Payment] = state["payments"]
    known_invoices: dict[str, _OpenInvoice | None] = state["invoices"]
    lookups: invoices.Lookups = state["lookups"]
    problems: Problems = []
    valid: list[tuple[int, PaymentIn]] = []
    for number, values in rows:
        item, row_problems = _validate_row(
            PaymentIn, number, _prepare_payment(values), ALLOCATION_FIELDS
        )
        problems.extend(row_problems)
        if item is not None:
            valid.append((number, item))
    fresh = [item for _, item in valid if item.reference not in known_payments]
    taken = set(
        session.execute(
            select(col(Payment.reference)).where(
                col(Payment.reference).in_({i.reference for i in fresh})
            )
        ).scalars()
    )
    lookups.load_customers(session, {item.customer_code for item in fresh})
    _load_invoices(
        session,
        {
            a.invoice_number
            for _, item in valid
            for a in item.allocations
            if a.invoice_number not in known_invoices
        },
        known_invoices,
    )
    lines = []
    for number, item in valid:
        payment = known_payments.get(item.reference)
        if payment is None:
            payment = _Payment(number, item.model_copy(update={"allocations": []}))
            known_payments[item.reference] = payment
            if item.reference in taken:
                message = translate("The payment %(ref)s already exists.", ref=item.reference)
                problems.append((number, "reference", message))
                continue
            try:
                payment.customer = lookups.customer(session, item.customer_code, "customer_code")
            except InvalidInput as problem:
                problems.extend((number, name, m) for name, m in problem.fields.items())
                continue
        else:
            disagreements = _disagreements(payment, item)
            if disagreements:
                problems.extend((number, name, message) for name, message in disagreements)
                continue
            if payment.customer is None:
                continue  # its first row says why it is refused
        allocation = item.allocations[0] if item.allocations else None
        if allocation is not None:
            refused = _check_allocation(payment, allocation, known_invoices)
            if refused is not None:
                problems.append((number, *refused))
                continue
        lines.append(_Line(number, payment, allocation))
    problems.sort(key=lambda p: p[0])
    return lines, problems


def _write_payments(session: Session, actor: Actor, rows: Sequence[Any]) -> int:
    _require_full_view(actor)
    grouped: dict[int, tuple[_Payment, list[AllocationIn]]] = {}
    for line in rows:
        _, allocations = grouped.setdefault(id(line.payment), (line.payment, []))
        if line.allocation is not None:
            allocations.append(line.allocation)
    groups = list(grouped.values())
    new = [(payment, allocations) for payment, allocations in groups if payment.written_id is None]
    # More rows of payments written with an earlier batch.
    more = [
        (payment, allocations)
        for payment, allocations in groups
        if payment.written_id is not None and allocations
    ]
    written = payments.add_payments(
        session,
        actor=actor,
        items=[
            (payment.clean.model_copy(update={"allocations": allocations}), payment.customer)  # type: ignore[misc]
            for payment, allocations in new
        ],
    )
    for (payment, _), record in zip(new, written, strict=True):
        payment.written_id = record.id
    for payment, allocations in more:
        payments.add_allocations(
            session,
            actor=actor,
            payment=session.get_one(Payment, payment.written_id),
            customer=payment.customer,  # type: ignore[arg-type]
            allocations=allocations,
        )
    session.flush()
    return len(rows)


INVOICES = ImportKind(
    name="invoices",
    title="Invoices",
    columns=INVOICE_COLUMNS,
    permission="receivables.write",
    validate=_validate_invoices,
    write=_write_invoices,
    make_state=_invoice_state,
)
PAYMENTS = ImportKind(
    name="payments",
    title="Payments",
    columns=PAYMENT_COLUMNS,
    permission="receivables.write",
    validate=_validate_payments,
    write=_write_payments,
    make_state=_payment_state,
)
