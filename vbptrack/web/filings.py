"""Filing pages: the product × province matrix coloured by status (the manager's first
page), and one filing with its history and a form to record the next status."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vbptrack.db import get_session
from vbptrack.domain.money import from_fen
from vbptrack.domain.provinces import BY_CODE
from vbptrack.services import filings as filing_service
from vbptrack.services import listings as listing_service
from vbptrack.services.errors import NotFound, ServiceError
from vbptrack.web.auth import current_actor, login_required, permission_required
from vbptrack.web.forms import FormField, form_data
from vbptrack.web.market_access_common import FILING_KINDS, FILING_LABELS, as_of_or_today, today
from vbptrack.web.paging import page_args
from vbptrack.web.receivables_common import query_text

bp = Blueprint("filings", __name__, url_prefix="/filings")

FIELDS = (
    FormField("status", _l("New status"), kind="select", required=True,
              choices=tuple(FILING_LABELS.items())),
    FormField("date", _l("Date"), kind="date", required=True),
    FormField("effective", _l("Effective"), kind="date"),
    FormField("expires", _l("Expires"), kind="date"),
    FormField("price", _l("Filed price"), kind="money"),
    FormField("reference", _l("Platform reference")),
    FormField("note", _l("Note")),
)  # fmt: skip


@bp.route("/")
@login_required
def index() -> Any:
    as_of, problem = as_of_or_today()
    if problem:
        flash(problem, "error")
    kind = request.args.get("kind", "price")
    if kind not in FILING_KINDS:
        kind = "price"
    page, _per_page = page_args()
    grid = filing_service.matrix(
        get_session(), actor=current_actor(), kind=kind, as_of=as_of, q=query_text("q"), page=page
    )
    return render_template(
        "filings/matrix.html",
        grid=grid,
        kind=kind,
        kinds=FILING_KINDS,
        labels=FILING_LABELS,
        as_of=as_of,
    )


def _detail(
    kind: str,
    product_code: str,
    province_code: str,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    message: str | None = None,
) -> Any:
    if kind not in FILING_KINDS or province_code not in BY_CODE:
        abort(404)
    db = get_session()
    actor = current_actor()
    filing_service.require_province(db, actor=actor, province_code=province_code)
    product = listing_service.product_by_code(db, product_code)
    try:
        filing = filing_service.get(
            db, actor=actor, kind=kind, product_code=product_code, province_code=province_code
        )
        history = filing_service.history(db, filing)
    except NotFound:
        filing, history = None, []
    return render_template(
        "filings/detail.html",
        kind=kind,
        kinds=FILING_KINDS,
        product=product,
        province_code=province_code,
        filing=filing,
        price=from_fen(filing.price_fen) if filing and filing.price_fen is not None else None,
        history=history,
        labels=FILING_LABELS,
        fields=FIELDS,
        values=values,
        errors=errors,
        message=message,
        can_edit=actor.can("commercial.write"),
    ), status


@bp.route("/<kind>/<path:product_code>/<province_code>")
@login_required
def detail(kind: str, product_code: str, province_code: str) -> Any:
    return _detail(kind, product_code, province_code, {"date": today().isoformat()}, {})


@bp.route("/<kind>/<path:product_code>/<province_code>", methods=["POST"])
@login_required
@permission_required("commercial.write")
def record(kind: str, product_code: str, province_code: str) -> Any:
    db = get_session()
    data = {
        **form_data(request.form, FIELDS),
        "kind": kind,
        "product_code": product_code,
        "province_code": province_code,
    }
    try:
        filing_service.record(db, actor=current_actor(), data=data, today=today())
    except ServiceError as problem:
        db.rollback()
        return _detail(kind, product_code, province_code, data, problem.fields, problem.status,
                       problem.message)  # fmt: skip
    flash(_("Saved."), "success")
    return redirect(
        url_for("filings.detail", kind=kind, product_code=product_code, province_code=province_code)
    )
