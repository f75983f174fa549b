"""/payment-terms, /invoices, /payments, /credit-notes and /receivables/ageing.

The services hold the rules; this module reads query parameters, calls them, and writes
the contract's JSON: money as strings with two places, dates as YYYY-MM-DD. "Today" (the
default as-of date) is the date in Asia/Shanghai, decided here and passed down.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import request
from sqlalchemy import func, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from vbptrack.api import actor, bp, json_body, list_args, page_body
from vbptrack.db import get_session
from vbptrack.domain.ageing import DEFAULT_LIMITS, Basis, LimitsError, check_limits, columns
from vbptrack.domain.money import MoneyError, format_money, from_fen, parse_money
from vbptrack.models import (
    CreditNote,
    Invoice,
    InvoiceLine,
    Party,
    Payment,
    PaymentTerm,
    Product,
    Settlement,
    WriteOff,
)
from vbptrack.services import ageing as ageing_service
from vbptrack.services import invoices as invoice_service
from vbptrack.services import payments as payment_service
from vbptrack.services import terms as term_service
from vbptrack.services.access import territory_condition
from vbptrack.services.errors import InvalidInput, NotFound
from vbptrack.services.invoices import InvoiceRow, InvoiceView
from vbptrack.services.paging import paginate
from vbptrack.services.problems import MESSAGES, translate

SHANGHAI = ZoneInfo("Asia/Shanghai")
DATE_PATTERN = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
INVOICE_STATUSES = ("open", "paid", "overdue", "held")
# Enough for any real report; keeps the bucket dates inside what a date can hold.
MAX_LIMITS = 20
MAX_LIMIT_DAYS = 36_500
DRILLDOWN_ROWS = 500


def today() -> date:
    """The date in Asia/Shanghai, whatever the server's time zone."""
    return datetime.now(SHANGHAI).date()


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Decimal) -> str:
    return format_money(value)


def _ratio(value: Decimal) -> str:
    """A percentage without trailing zeros: 30.0000 → "30", 33.3300 → "33.33"."""
    return f"{value.normalize():f}"


class QueryArgs:
    """Query parameters read one by one; every problem is collected, then one 422."""

    def __init__(self) -> None:
        self.problems: dict[str, str] = {}

    def text(self, name: str) -> str | None:
        value = request.args.get(name, "").strip()
        return value or None

    def day(self, name: str, default: date | None = None, *, required: bool = False) -> Any:
        text = self.text(name)
        if text is None:
            if required:
                self.problems[name] = "This parameter is required (YYYY-MM-DD)."
            return default
        if DATE_PATTERN.match(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        self.problems[name] = "Enter a date as YYYY-MM-DD."
        return default

    def money(self, name: str) -> Any:
        text = self.text(name)
        if text is None:
            self.problems[name] = "This parameter is required."
            return None
        # The message keys live in MESSAGES; looked up first so the catalogue extractor
        # does not mistake a key for a message.
        problem = None
        try:
            value = parse_money(text)
        except MoneyError as exc:
            problem = f"money_{exc.kind}"
        except ArithmeticError:  # "1e40": more digits than a Decimal holds
            problem = "money_invalid"
        else:
            if value <= 0:
                problem = "money_positive"
        if problem is not None:
            template = MESSAGES[problem]
            self.problems[name] = translate(template)
            return None
        return value

    def choice(self, name: str, choices: Sequence[str], default: str | None) -> Any:
        text = self.text(name)
        if text is None:
            return default
        if text not in choices:
            self.problems[name] = "Choose one of: " + ", ".join(choices) + "."
            return default
        return text

    def check(self) -> None:
        if self.problems:
            raise InvalidInput("Invalid query parameters.", self.problems)


# --- payment terms ---------------------------------------------------------------------


def _term_parts(session: Session, term_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    return {
        term_id: [
            {
                "portion": _ratio(Decimal(part.portion)),
                "rule": part.rule,
                "n": part.n,
                "base": part.base,
            }
            for part in parts
        ]
        for term_id, parts in term_service.instalments_of(session, term_ids).items()
    }


def _terms_json(session: Session, terms: Sequence[PaymentTerm]) -> list[dict[str, Any]]:
    parts = _term_parts(session, [t.id for t in terms if t.id is not None])
    return [
        {"code": term.code, "name": term.name, "instalments": parts.get(term.id, [])}  # type: ignore[arg-type]
        for term in terms
    ]


@bp.get("/payment-terms")
def list_payment_terms() -> Any:
    page, per_page = list_args()
    session = get_session()
    results = term_service.search(session, page=page, per_page=per_page)
    return page_body(results, _terms_json(session, results.items))


@bp.post("/payment-terms")
def create_payment_term() -> Any:
    session = get_session()
    term = term_service.create(session, actor=actor(), data=json_body("receivables.write"))
    return _terms_json(session, [term])[0], 201


@bp.get("/payment-terms/<path:code>/schedule")
def payment_term_schedule(code: str) -> Any:
    session = get_session()
    args = QueryArgs()
    invoice_date = args.day("invoice_date", required=True)
    acceptance_date = args.day("acceptance_date")
    amount = args.money("amount")
    customer_code = args.text("customer_code")
    args.check()
    term = term_service.get(session, code)
    if customer_code is not None:
        # With a customer, VBP means that customer's province's settlement rule.
        customer = invoice_service.customer_by_code(
            session, actor(), customer_code, "customer_code"
        )
        term = term_service.resolve(session, customer=customer, code=code) or term
    schedule = term_service.schedule(
        session,
        term=term,
        invoice_date=invoice_date,
        amount=amount,
        acceptance_date=acceptance_date,
    )
    return {
        "payment_term": term.code,
        "instalments": [
            {"due_date": _day(item.due_date), "amount": _money(item.amount)} for item in schedule
        ],
    }


@bp.get("/payment-terms/<path:code>")
def get_payment_term(code: str) -> Any:
    session = get_session()
    return _terms_json(session, [term_service.get(session, code)])[0]


def _province_term_json(row: term_service.ProvinceVbpTerm) -> dict[str, Any]:
    return {
        "province_code": row.code,
        "province": row.name,
        "province_en": row.name_en,
        "payment_term": row.term_code,
        "payment_term_name": row.term_name,
    }


@bp.get("/provinces/vbp-terms")
def list_province_vbp_terms() -> Any:
    rows = term_service.province_vbp_terms(get_session())
    return {"items": [_province_term_json(row) for row in rows]}


@bp.put("/provinces/<province>/vbp-term")
def put_province_vbp_term(province: str) -> Any:
    body = json_body("receivables.write")
    if set(body) != {"payment_term"} or not isinstance(body["payment_term"], str | None):
        raise InvalidInput(
            "Invalid request.",
            {"payment_term": "required: a payment term code, or null for the national default"},
        )
    row = term_service.set_province_vbp_term(
        get_session(), actor=actor(), province_code=province, term_code=body["payment_term"]
    )
    return _province_term_json(row)


# --- invoices --------------------------------------------------------------------------


def invoice_json(session: Session, view: InvoiceView) -> dict[str, Any]:
    invoice = view.invoice
    term = session.get(PaymentTerm, invoice.payment_term_id) if invoice.payment_term_id else None
    distributor = session.get(Party, invoice.distributor_id) if invoice.distributor_id else None
    lines = session.execute(
        select(InvoiceLine, col(Product.code))
        .join(Product, col(Product.id) == col(InvoiceLine.product_id))
        .where(col(InvoiceLine.invoice_id) == invoice.id)
        .order_by(col(InvoiceLine.id))
    ).all()
    open_dues = [i.due_date for i in view.instalments if i.outstanding > 0]
    return {
        "number": invoice.number,
        "customer_code": view.customer.code,
        "customer_name": view.customer.name,
        "distributor_code": distributor.code if distributor else None,
        "invoice_date": _day(invoice.invoice_date),
        "acceptance_date": _day(invoice.acceptance_date),
        "amount": _money(from_fen(invoice.amount_fen)),
        "tax": _money(from_fen(invoice.tax_fen)),
        "payment_term": term.code if term else None,
        "due_date": _day(max((i.due_date for i in view.instalments), default=None)),
        "as_of": _day(view.as_of),
        "outstanding": _money(view.outstanding),
        "next_due": _day(min(open_dues, default=None)),
        "overdue": view.overdue,
        "on_hold": invoice.hold_reason is not None,
        "hold_reason": invoice.hold_reason,
        "instalments": [
            {
                "due_date": _day(i.due_date),
                "amount": _money(i.amount),
                "paid": _money(i.paid),
                "credited": _money(i.credited),
                "written_off": _money(i.written_off),
                "outstanding": _money(i.outstanding),
            }
            for i in view.instalments
        ],
        "lines": [
            {
                "product_code": code,
                "quantity": line.quantity,
                "unit_price": _money(from_fen(line.unit_price_fen)),
                "amount": _money(from_fen(line.amount_fen)),
            }
            for line, code in lines
        ],
    }


def _invoice(number: str, as_of: date) -> dict[str, Any]:
    session = get_session()
    view = invoice_service.view(session, actor=actor(), number=number, as_of=as_of)
    return invoice_json(session, view)


def invoice_row_json(row: InvoiceRow) -> dict[str, Any]:
    invoice = row.invoice
    return {
        "number": invoice.number,
        "customer_code": row.customer_code,
        "customer_name": row.customer_name,
        "invoice_date": _day(invoice.invoice_date),
        "amount": _money(from_fen(invoice.amount_fen)),
        "outstanding": _money(row.outstanding),
        "next_due": _day(row.next_due),
        "on_hold": invoice.hold_reason is not None,
    }


@bp.get("/invoices")
def list_invoices() -> Any:
    page, per_page = list_args()
    args = QueryArgs()
    as_of = args.day("as_of", today())
    status = args.choice("status", INVOICE_STATUSES, None)
    args.check()
    results = invoice_service.search(
        get_session(),
        actor=actor(),
        as_of=as_of,
        q=args.text("q"),
        customer_code=args.text("customer_code"),
        status=status,
        page=page,
        per_page=per_page,
    )
    return page_body(results, [invoice_row_json(row) for row in results.items])


@bp.post("/invoices")
def create_invoice() -> Any:
    invoice = invoice_service.create(
        get_session(), actor=actor(), data=json_body("receivables.write")
    )
    return _invoice(invoice.number, today()), 201


@bp.post("/invoices/<path:number>/hold")
def hold_invoice(number: str) -> Any:
    invoice = invoice_service.hold(
        get_session(), actor=actor(), number=number, data=json_body("receivables.write")
    )
    return _invoice(invoice.number, today())


@bp.delete("/invoices/<path:number>/hold")
def release_invoice(number: str) -> Any:
    invoice = invoice_service.release(get_session(), actor=actor(), number=number)
    return _invoice(invoice.number, today())


@bp.post("/invoices/<path:number>/write-offs")
def write_off_invoice(number: str) -> Any:
    entry: WriteOff = invoice_service.write_off(
        get_session(), actor=actor(), number=number, data=json_body("receivables.write")
    )
    return {
        "invoice_number": number,
        "date": _day(entry.date),
        "amount": _money(from_fen(entry.amount_fen)),
        "reason": entry.reason,
        "created_by": entry.created_by,
    }, 201


@bp.get("/invoices/<path:number>")
def get_invoice(number: str) -> Any:
    args = QueryArgs()
    as_of = args.day("as_of", today())
    args.check()
    return _invoice(number, as_of)


# --- payments and credit notes ---------------------------------------------------------


def _visible(statement: Select[Any], owner: Any) -> Select[Any]:
    """Only records of customers the actor may see."""
    return statement.join(Party, Party.id == owner).where(territory_condition(actor()))


def _customers(session: Session, ids: set[int]) -> dict[int, Party]:
    if not ids:
        return {}
    return {p.id: p for p in session.execute(select(Party).where(col(Party.id).in_(ids))).scalars()}


def _allocations(session: Session, source: Any, ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """Per payment (or credit note), (invoice number, fen) in the order they were applied."""
    result: dict[int, list[tuple[str, int]]] = defaultdict(list)
    if not ids:
        return result
    rows = session.execute(
        select(source, col(Invoice.number), func.sum(col(Settlement.amount_fen)))
        .join(Invoice, col(Invoice.id) == col(Settlement.invoice_id))
        .where(col(source).in_(ids))
        .group_by(source, Invoice.number)
        .order_by(source, func.min(Settlement.id))
    ).all()
    for owner, number, fen in rows:
        result[owner].append((number, int(fen)))
    return result


def _payments_json(session: Session, payments: Sequence[Payment]) -> list[dict[str, Any]]:
    customers = _customers(session, {p.customer_id for p in payments})
    allocations = _allocations(
        session, Settlement.payment_id, [p.id for p in payments if p.id is not None]
    )
    result = []
    for payment in payments:
        mine = allocations.get(payment.id, [])  # type: ignore[arg-type]
        customer = customers[payment.customer_id]
        result.append(
            {
                "reference": payment.reference,
                "customer_code": customer.code,
                "customer_name": customer.name,
                "date": _day(payment.date),
                "amount": _money(from_fen(payment.amount_fen)),
                "note": payment.note,
                "allocations": [
                    {"invoice_number": number, "amount": _money(from_fen(fen))}
                    for number, fen in mine
                ],
                "unapplied": _money(from_fen(payment.amount_fen - sum(f for _, f in mine))),
            }
        )
    return result


def _credit_notes_json(session: Session, notes: Sequence[CreditNote]) -> list[dict[str, Any]]:
    customers = _customers(session, {n.customer_id for n in notes})
    invoice_ids = {n.invoice_id for n in notes if n.invoice_id is not None}
    numbers: dict[int | None, str] = (
        dict(
            session.execute(
                select(col(Invoice.id), col(Invoice.number)).where(col(Invoice.id).in_(invoice_ids))
            ).all()
        )
        if invoice_ids
        else {}
    )
    applied = _allocations(
        session, Settlement.credit_note_id, [n.id for n in notes if n.id is not None]
    )
    result = []
    for note in notes:
        customer = customers[note.customer_id]
        applied_fen = sum(fen for _, fen in applied.get(note.id or 0, []))
        result.append(
            {
                "number": note.number,
                "customer_code": customer.code,
                "customer_name": customer.name,
                "date": _day(note.date),
                "amount": _money(from_fen(note.amount_fen)),
                "invoice_number": numbers.get(note.invoice_id),
                "reason": note.reason,
                "unapplied": _money(from_fen(note.amount_fen - applied_fen)),
            }
        )
    return result


def _listed(model: Any) -> Any:
    """One page of payments or credit notes, newest first, optionally of one customer."""
    page, per_page = list_args()
    statement = _visible(select(model), model.customer_id)
    customer_code = QueryArgs().text("customer_code")
    if customer_code:
        statement = statement.where(col(Party.code) == customer_code)
    statement = statement.order_by(col(model.date).desc(), col(model.id).desc())
    return paginate(get_session(), statement, page=page, per_page=per_page)


def _one(model: Any, key: Any, value: str, what: str) -> Any:
    record = (
        get_session()
        .execute(_visible(select(model), model.customer_id).where(key == value))
        .scalar_one_or_none()
    )
    if record is None:
        raise NotFound(f"No such {what}, or it is outside your territory.")
    return record


@bp.get("/payments")
def list_payments() -> Any:
    results = _listed(Payment)
    return page_body(results, _payments_json(get_session(), results.items))


@bp.post("/payments")
def create_payment() -> Any:
    session = get_session()
    payment = payment_service.create_payment(
        session, actor=actor(), data=json_body("receivables.write")
    )
    return _payments_json(session, [payment])[0], 201


@bp.get("/payments/<path:reference>")
def get_payment(reference: str) -> Any:
    payment = _one(Payment, Payment.reference, reference, "payment")
    return _payments_json(get_session(), [payment])[0]


@bp.get("/credit-notes")
def list_credit_notes() -> Any:
    results = _listed(CreditNote)
    return page_body(results, _credit_notes_json(get_session(), results.items))


@bp.post("/credit-notes")
def create_credit_note() -> Any:
    session = get_session()
    note = payment_service.create_credit_note(
        session, actor=actor(), data=json_body("receivables.write")
    )
    return _credit_notes_json(session, [note])[0], 201


@bp.get("/credit-notes/<path:number>")
def get_credit_note(number: str) -> Any:
    note = _one(CreditNote, CreditNote.number, number, "credit note")
    return _credit_notes_json(get_session(), [note])[0]


# --- ageing ----------------------------------------------------------------------------


def _ageing_args(args: QueryArgs) -> tuple[date, Basis, str, tuple[int, ...]]:
    as_of = args.day("as_of", today())
    basis = Basis(args.choice("basis", [b.value for b in Basis], Basis.DUE_DATE.value))
    group_by = args.choice("group_by", ageing_service.GROUPS, "customer")
    limits = DEFAULT_LIMITS[basis]
    text = request.args.get("limits")
    if text is not None:
        pieces = [piece.strip() for piece in text.split(",")]
        if not all(piece.isascii() and piece.isdigit() for piece in pieces):
            args.problems["limits"] = "Give whole numbers of days separated by commas."
        elif len(pieces) > MAX_LIMITS:
            args.problems["limits"] = f"At most {MAX_LIMITS} limits."
        else:
            try:
                limits = check_limits([int(piece) for piece in pieces])
            except LimitsError as exc:
                args.problems["limits"] = f"{str(exc).capitalize()}."
            else:
                if limits[-1] > MAX_LIMIT_DAYS:
                    args.problems["limits"] = f"At most {MAX_LIMIT_DAYS} days."
    if "as_of" not in args.problems and "limits" not in args.problems:
        try:
            as_of - timedelta(days=limits[-1] + 1)
        except OverflowError:
            args.problems["as_of"] = "Too early for these bucket limits."
    return as_of, basis, group_by, limits


@bp.get("/receivables/ageing")
def ageing() -> Any:
    args = QueryArgs()
    as_of, basis, group_by, limits = _ageing_args(args)
    args.check()
    report = ageing_service.report(
        get_session(),
        actor=actor(),
        as_of=as_of,
        basis=basis,
        group_by=group_by,
        limits=limits,
        english=True,
    )

    def amounts(row: ageing_service.AgeingRow) -> dict[str, str]:
        return {label: _money(row.amount(label)) for label in report.columns}

    return {
        "as_of": _day(report.as_of),
        "basis": report.basis.value,
        "columns": report.columns,
        "rows": [
            {
                "key": row.key,
                "name": row.name,
                "amounts": amounts(row),
                "unapplied": _money(row.unapplied),
                "total": _money(row.total),
            }
            for row in report.rows
        ],
        "totals": {
            "amounts": amounts(report.totals),
            "unapplied": _money(report.totals.unapplied),
            "total": _money(report.totals.total),
        },
    }


@bp.get("/receivables/ageing/drilldown")
def ageing_drilldown() -> Any:
    args = QueryArgs()
    as_of, basis, group_by, limits = _ageing_args(args)
    key = args.text("key")
    if key is None:
        args.problems["key"] = "This parameter is required: a row's key from the report."
    bucket = args.text("bucket")
    if bucket is not None and "limits" not in args.problems:
        args.choice("bucket", columns(basis, limits), None)
    args.check()
    found = ageing_service.drilldown(
        get_session(),
        actor=actor(),
        as_of=as_of,
        basis=basis,
        limits=limits,
        group_by=group_by,
        key=key,  # type: ignore[arg-type]
        bucket=bucket,
        limit=DRILLDOWN_ROWS + 1,
    )
    return {
        "as_of": _day(as_of),
        "basis": basis.value,
        "group_by": group_by,
        "key": key,
        "bucket": bucket,
        "truncated": len(found) > DRILLDOWN_ROWS,
        "items": [
            {
                "invoice_number": item["invoice_number"],
                "customer_code": item["customer_code"],
                "customer_name": item["customer_name"],
                "invoice_date": _day(item["invoice_date"]),
                "due_date": _day(item["due_date"]),
                "days_past_due": item["days_past_due"],
                "amount": _money(item["amount"]),
                "outstanding": _money(item["outstanding"]),
                "on_hold": item["on_hold"],
            }
            for item in found[:DRILLDOWN_ROWS]
        ],
    }
