"""Invoice pages: the list, the new-invoice form, and one invoice with its instalments as
of a date, hold and release, write-off, credit note and history."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vbptrack.db import get_session
from vbptrack.models import Party, PaymentTerm
from vbptrack.services import audit, invoices, payments
from vbptrack.services import terms as term_service
from vbptrack.services.errors import NotFound, ServiceError
from vbptrack.web.auth import current_actor, login_required, permission_required
from vbptrack.web.forms import FormField, form_data, typed
from vbptrack.web.helpers import term_name
from vbptrack.web.paging import page_args
from vbptrack.web.receivables_common import (
    STATUS_CHOICES,
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

INVOICE_FIELDS = (
    FormField("number", _l("Invoice number"), required=True),
    FormField(
        "customer_code", _l("Customer code"), required=True, help=_l("Hospital or distributor")
    ),
    date_field("invoice_date", _l("Invoice date"), required=True),
    date_field(
        "acceptance_date",
        _l("Acceptance date"),
        help=_l("Delivery acceptance; VBP terms count from it."),
    ),
    money_field("amount", _l("Amount"), required=True),
    money_field("tax", _l("Tax")),
    FormField(
        "payment_term",
        _l("Payment term"),
        kind="select",
        help=_l("Empty: the customer's default term, unless you give a due date."),
    ),
    date_field("due_date", _l("Due date"), help=_l("Instead of a payment term")),
    FormField("distributor_code", _l("Distributor code")),
)
OPTIONAL = [item.name for item in INVOICE_FIELDS if not item.required]

# The forms on an invoice's page: input name → the service's field name.
HOLD_INPUTS = {"hold_reason": "reason"}
WRITE_OFF_INPUTS = {"wo_date": "date", "wo_amount": "amount", "wo_reason": "reason"}
CREDIT_INPUTS = {
    "cn_number": "number",
    "cn_date": "date",
    "cn_amount": "amount",
    "cn_reason": "reason",
}


def _with_terms(fields: tuple[FormField, ...]) -> list[FormField]:
    """The fields, the payment-term select offering every stored term."""
    stored = term_service.by_length(get_session())
    choices = tuple((term.code, f"{term.code} · {term_name(term)}") for term in stored)
    return [
        dataclasses.replace(item, choices=choices) if item.name == "payment_term" else item
        for item in fields
    ]


@bp.route("/invoices")
@login_required
def invoices_index() -> Any:
    page, per_page = page_args()
    as_of, as_of_error = as_of_or_today()
    status = request.args.get("status", "")
    results = invoices.search(
        get_session(),
        actor=current_actor(),
        as_of=as_of,
        q=query_text("q"),
        customer_code=query_text("customer"),
        status=status if status in dict(STATUS_CHOICES) else None,
        page=page,
        per_page=per_page,
        count=False,
    )
    return render_template(
        "receivables/invoices.html",
        results=results,
        as_of=as_of,
        as_of_error=as_of_error,
        statuses=STATUS_CHOICES,
        can_write=current_actor().can(WRITE),
    )


def _invoice_form(
    values: Mapping[str, Any], errors: Mapping[str, str], status: int, **extra: Any
) -> Any:
    return render_template(
        "receivables/invoice_form.html",
        fields=_with_terms(INVOICE_FIELDS),
        values=values,
        errors=errors,
        **extra,
    ), status


@bp.route("/invoices/new", methods=["GET", "POST"])
@login_required
@permission_required(WRITE)
def new_invoice() -> Any:
    if request.method == "GET":
        values = {"invoice_date": today().isoformat()}
        if request.args.get("customer"):
            values["customer_code"] = request.args["customer"]
        return _invoice_form(values, {}, 200)
    data = form_data(request.form, INVOICE_FIELDS)
    db = get_session()
    try:
        invoice = invoices.create(db, actor=current_actor(), data=without_blanks(data, OPTIONAL))
    except ServiceError as problem:
        db.rollback()
        errors, other = form_errors(problem.fields, [item.name for item in INVOICE_FIELDS])
        return _invoice_form(data, errors, problem.status, message=problem.message, other=other)
    flash(_("Invoice %(number)s saved.", number=invoice.number), "success")
    return redirect(url_for("receivables.invoice", number=invoice.number))


def _detail(
    number: str,
    *,
    status: int = 200,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    message: str | None = None,
    other: list[str] | None = None,
) -> Any:
    db = get_session()
    actor = current_actor()
    as_of, as_of_error = as_of_or_today()
    view = invoices.view(db, actor=actor, number=require_printable(number), as_of=as_of)
    invoice = view.invoice
    term = db.get(PaymentTerm, invoice.payment_term_id) if invoice.payment_term_id else None
    distributor = db.get(Party, invoice.distributor_id) if invoice.distributor_id else None
    defaults = {"wo_date": today().isoformat(), "cn_date": today().isoformat()}
    return render_template(
        "receivables/invoice.html",
        view=view,
        invoice=invoice,
        term=term,
        distributor=distributor,
        as_of_error=as_of_error,
        history=audit.history(db, entity=invoices.ENTITY, key=invoice.number),
        can_write=actor.can(WRITE),
        values={**defaults, **(values or {})},
        errors=errors or {},
        message=message,
        other=other or [],
    ), status


@bp.route("/invoices/<path:number>")
@login_required
def invoice(number: str) -> Any:
    return _detail(number)


def _post(number: str, inputs: Mapping[str, str], action: Any, done: str) -> Any:
    """Run one of the invoice page's forms: the posted inputs under the service's names."""
    values = {name: request.form.get(name, "") for name in inputs}
    read = typed(values, money=("wo_amount", "cn_amount"), dates=("wo_date", "cn_date"))
    data = {field: read[name] for name, field in inputs.items()}
    db = get_session()
    try:
        action(db, data)
    except NotFound:
        raise
    except ServiceError as problem:
        db.rollback()
        errors, other = form_errors(problem.fields, inputs, {v: k for k, v in inputs.items()})
        return _detail(
            number,
            status=problem.status,
            values=values,
            errors=errors,
            message=problem.message,
            other=other,
        )
    flash(done, "success")
    return redirect(url_for("receivables.invoice", number=number))


@bp.route("/invoices/<path:number>/hold", methods=["POST"])
@login_required
@permission_required(WRITE)
def hold(number: str) -> Any:
    return _post(
        number,
        HOLD_INPUTS,
        lambda db, data: invoices.hold(db, actor=current_actor(), number=number, data=data),
        _("The invoice is on hold: it stays in the ageing but gets no dunning letters."),
    )


@bp.route("/invoices/<path:number>/release", methods=["POST"])
@login_required
@permission_required(WRITE)
def release(number: str) -> Any:
    return _post(
        number,
        {},
        lambda db, data: invoices.release(db, actor=current_actor(), number=number),
        _("The hold is released."),
    )


@bp.route("/invoices/<path:number>/write-off", methods=["POST"])
@login_required
@permission_required(WRITE)
def write_off(number: str) -> Any:
    return _post(
        number,
        WRITE_OFF_INPUTS,
        lambda db, data: invoices.write_off(db, actor=current_actor(), number=number, data=data),
        _("The write-off is recorded."),
    )


@bp.route("/invoices/<path:number>/credit-note", methods=["POST"])
@login_required
@permission_required(WRITE)
def credit_note(number: str) -> Any:
    db = get_session()
    actor = current_actor()
    found = invoices.get(db, actor=actor, number=require_printable(number))
    customer = db.get(Party, found.customer_id)
    assert customer is not None

    def create(db: Any, data: dict[str, Any]) -> None:
        payments.create_credit_note(
            db,
            actor=actor,
            data={
                **without_blanks(data, ["reason"]),
                "customer_code": customer.code,
                "invoice_number": found.number,
            },
        )

    return _post(number, CREDIT_INPUTS, create, _("The credit note is recorded."))
