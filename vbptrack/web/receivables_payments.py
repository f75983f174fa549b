"""Payments (list, and recording one with an "oldest first" proposal the user confirms or
changes) and the customer page: open items, payments and credit notes, holds, history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from vbptrack.db import get_session
from vbptrack.domain.ageing import DEFAULT_LIMITS, Basis
from vbptrack.domain.money import ZERO, MoneyError, format_money_grouped, from_fen, parse_money
from vbptrack.models import Party
from vbptrack.models.fields import CODE_PATTERN
from vbptrack.services import ageing, invoices, parties, payments
from vbptrack.services import customer_accounts as accounts
from vbptrack.services.errors import ServiceError
from vbptrack.web.auth import current_actor, login_required, permission_required
from vbptrack.web.forms import FormField, form_data, typed_money
from vbptrack.web.paging import page_args
from vbptrack.web.receivables_common import (
    WRITE,
    as_of_or_today,
    bp,
    date_field,
    form_errors,
    money_field,
    query_text,
    require_printable,
    today,
    without_blanks,
)

PAYMENT_FIELDS = (
    FormField("customer_code", _l("Customer code"), required=True),
    FormField(
        "reference",
        _l("Bank reference"),
        required=True,
        help=_l("The bank's transaction number: each payment is recorded once."),
    ),
    date_field("date", _l("Date received"), required=True),
    money_field("amount", _l("Amount received"), required=True),
    FormField("note", _l("Note")),
)
BLANK_ROWS = 3  # empty allocation rows to type into
MAX_ROWS = 300
OPEN_ITEMS_SHOWN = 500


@bp.route("/payments")
@login_required
def payments_index() -> Any:
    page, per_page = page_args()
    results = accounts.payments_page(
        get_session(),
        actor=current_actor(),
        q=query_text("q"),
        page=page,
        per_page=per_page,
    )
    return render_template(
        "receivables/payments.html", results=results, can_write=current_actor().can(WRITE)
    )


def _posted_rows(form: MultiDict[str, str]) -> list[dict[str, str]]:
    rows = []
    for index in range(MAX_ROWS):
        number = form.get(f"allocations-{index}-invoice_number")
        amount = form.get(f"allocations-{index}-amount")
        if number is None and amount is None:
            continue
        rows.append({"invoice_number": (number or "").strip(), "amount": typed_money(amount or "")})
    return rows


def _open_invoices(party: Party, on: date) -> list[dict[str, Any]]:
    """The customer's open invoices on a day, earliest due first: what money can go to."""
    items = ageing.drilldown(
        get_session(),
        actor=current_actor(),
        as_of=on,
        basis=Basis.DUE_DATE,
        limits=DEFAULT_LIMITS[Basis.DUE_DATE],
        group_by="customer",
        key=party.code,
        limit=OPEN_ITEMS_SHOWN,
    )
    by_number: dict[str, dict[str, Any]] = {}
    for item in items:
        row = by_number.setdefault(
            item["invoice_number"],
            {
                "invoice_number": item["invoice_number"],
                "due_date": item["due_date"],
                "days_past_due": item["days_past_due"],
                "outstanding": ZERO,
                "on_hold": item["on_hold"],
            },
        )
        row["outstanding"] += item["outstanding"]
    return sorted(by_number.values(), key=lambda r: (r["due_date"], r["invoice_number"]))


def _payment_form(
    values: Mapping[str, Any],
    rows: list[dict[str, str]],
    *,
    status: int = 200,
    errors: Mapping[str, str] | None = None,
    row_errors: Mapping[int, dict[str, str]] | None = None,
    message: str | None = None,
    other: list[str] | None = None,
    notice: str | None = None,
) -> Any:
    db = get_session()
    party = None
    code = str(values.get("customer_code") or "").strip()
    if CODE_PATTERN.match(code):
        party = db.execute(
            accounts.select_customer(current_actor(), code)  # None when unknown or outside
        ).scalar_one_or_none()
    return render_template(
        "receivables/payment_form.html",
        fields=PAYMENT_FIELDS,
        values=values,
        rows=rows + [{"invoice_number": "", "amount": ""}] * BLANK_ROWS,
        errors=errors or {},
        row_errors=row_errors or {},
        message=message,
        other=other or [],
        notice=notice,
        customer=party,
        open_invoices=_open_invoices(party, today()) if party is not None else [],
    ), status


@bp.route("/payments/new", methods=["GET", "POST"])
@login_required
@permission_required(WRITE)
def new_payment() -> Any:
    if request.method == "GET":
        values = {"date": today().isoformat(), "customer_code": request.args.get("customer", "")}
        return _payment_form(values, [])
    values = form_data(request.form, PAYMENT_FIELDS)
    if request.form.get("action") == "propose":
        return _propose(values)
    return _save(values, [row for row in _posted_rows(request.form) if any(row.values())])


def _propose(values: dict[str, Any]) -> Any:
    """Fill the allocation rows oldest due first; nothing is written."""
    db = get_session()
    errors: dict[str, str] = {}
    party = None
    amount = ZERO
    code = str(values.get("customer_code", "")).strip()
    if not CODE_PATTERN.match(code):
        errors["customer_code"] = _("Enter the customer's code.")
    else:
        try:
            party = invoices.customer_by_code(db, current_actor(), code, "customer_code")
        except ServiceError as problem:
            errors.update(problem.fields)
    try:
        amount = parse_money(str(values.get("amount", "")))
        if amount <= 0:
            raise MoneyError("not positive", "positive")
    except MoneyError:
        errors["amount"] = _("Enter the amount received, e.g. 1234.50.")
    if party is None or errors:
        return _payment_form(
            values,
            _posted_rows(request.form),
            status=422,
            errors=errors,
            message=_("A proposal needs the customer and the amount."),
        )
    proposal = payments.propose_allocation(db, customer=party, amount=amount)
    rows = [{"invoice_number": number, "amount": str(part)} for number, part in proposal]
    placed = sum((part for _number, part in proposal), ZERO)
    notice = _(
        "Proposed oldest due first: %(placed)s to %(count)s invoice(s), %(left)s stays "
        "unapplied on the customer's account. Check or change the rows, then record.",
        placed=format_money_grouped(placed),
        count=len(rows),
        left=format_money_grouped(amount - placed),
    )
    return _payment_form(values, rows, notice=notice)


def _save(values: dict[str, Any], rows: list[dict[str, str]]) -> Any:
    db = get_session()
    data = {
        **without_blanks(values, ["note"]),
        "allocations": [{k: v for k, v in row.items() if v} for row in rows],
    }
    try:
        payment = payments.create_payment(db, actor=current_actor(), data=data)
    except ServiceError as problem:
        db.rollback()
        row_errors: dict[int, dict[str, str]] = {}
        general: dict[str, str] = {}
        for field, text in problem.fields.items():
            parts = field.split(".")
            if len(parts) == 3 and parts[0] == "allocations" and parts[1].isdigit():
                row_errors.setdefault(int(parts[1]), {}).setdefault(parts[2], text)
            else:
                general[field] = text
        inputs = [item.name for item in PAYMENT_FIELDS] + ["allocations"]
        errors, other = form_errors(general, inputs)
        return _payment_form(
            values,
            rows,
            status=problem.status,
            errors=errors,
            row_errors=row_errors,
            message=problem.message,
            other=other,
        )
    applied = sum((parse_money(row["amount"]) for row in data["allocations"]), ZERO)
    flash(
        _(
            "Payment %(ref)s recorded: %(applied)s applied, %(left)s unapplied.",
            ref=payment.reference,
            applied=format_money_grouped(applied),
            left=format_money_grouped(from_fen(payment.amount_fen) - applied),
        ),
        "success",
    )
    customer = db.get(Party, payment.customer_id)
    assert customer is not None
    return redirect(url_for("receivables.customer", code=customer.code))


@bp.route("/customers/<path:code>")
@login_required
def customer(code: str) -> Any:
    db = get_session()
    actor = current_actor()
    party = accounts.customer(db, actor, require_printable(code))
    as_of, as_of_error = as_of_or_today()
    items = ageing.drilldown(
        db,
        actor=actor,
        as_of=as_of,
        basis=Basis.DUE_DATE,
        limits=DEFAULT_LIMITS[Basis.DUE_DATE],
        group_by="customer",
        key=party.code,
        limit=OPEN_ITEMS_SHOWN,
    )
    unapplied_fen = payments.unapplied_fen(db, [party.id], as_of).get(party.id, 0)  # type: ignore[list-item]
    balance = accounts.customer_balance(db, party, as_of)
    held = invoices.search(
        db,
        actor=actor,
        as_of=as_of,
        customer_code=party.code,
        status="held",
        per_page=100,
        count=False,
    )
    return render_template(
        "receivables/customer.html",
        party=party,
        rep=parties.rep_username(db, party),
        as_of=as_of,
        as_of_error=as_of_error,
        items=items,
        limited=len(items) >= OPEN_ITEMS_SHOWN,
        balance=balance,
        unapplied=from_fen(unapplied_fen),
        documents=accounts.customer_documents(db, party, as_of),
        held=held.items,
        history=accounts.customer_history(db, party),
        can_write=actor.can(WRITE),
    )
