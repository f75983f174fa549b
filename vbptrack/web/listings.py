"""Listing pages: the board by status, My hospitals (a rep's phone page, stuck items
first), the hospital × product matrix, and one listing with its history and a form to
record the next status."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vbptrack.db import get_session
from vbptrack.domain import listings as rules
from vbptrack.domain.listings import STUCK_DAYS
from vbptrack.services import listings as listing_service
from vbptrack.services.errors import ServiceError
from vbptrack.web.auth import current_actor, login_required, permission_required
from vbptrack.web.forms import FormField, form_data
from vbptrack.web.market_access_common import LISTING_LABELS, as_of_or_today, today
from vbptrack.web.paging import page_args
from vbptrack.web.receivables_common import query_text

bp = Blueprint("listings", __name__, url_prefix="/listings")

FIELDS = (
    FormField("status", _l("New status"), kind="select", required=True,
              choices=tuple(LISTING_LABELS.items())),
    FormField("date", _l("Date"), kind="date", required=True),
    FormField("note", _l("Note")),
    FormField("next_step", _l("Next step")),
)  # fmt: skip


def _common() -> dict[str, Any]:
    return {"labels": LISTING_LABELS, "stuck_days": STUCK_DAYS}


@bp.route("/")
@login_required
def board() -> Any:
    as_of, problem = as_of_or_today()
    if problem:
        flash(problem, "error")
    columns = listing_service.board(
        get_session(),
        actor=current_actor(),
        as_of=as_of,
        product_code=query_text("product"),
        province_code=query_text("province"),
    )
    return render_template("listings/board.html", columns=columns, as_of=as_of, **_common())


@bp.route("/mine")
@login_required
def mine() -> Any:
    as_of, problem = as_of_or_today()
    if problem:
        flash(problem, "error")
    page, per_page = page_args()
    results = listing_service.search(
        get_session(),
        actor=current_actor(),
        as_of=as_of,
        status=query_text("status") if query_text("status") in LISTING_LABELS else None,
        hospital_code=query_text("hospital"),
        stuck_first=True,
        page=page,
        per_page=per_page,
    )
    return render_template("listings/mine.html", results=results, as_of=as_of, **_common())


@bp.route("/matrix")
@login_required
def matrix() -> Any:
    as_of, problem = as_of_or_today()
    if problem:
        flash(problem, "error")
    page, _per_page = page_args()
    grid = listing_service.matrix(
        get_session(), actor=current_actor(), as_of=as_of, q=query_text("q"), page=page
    )
    return render_template("listings/matrix.html", grid=grid, as_of=as_of, **_common())


def _detail(hospital_code: str, product_code: str, values: dict[str, Any], errors: dict[str, str],
            status: int = 200, message: str | None = None) -> Any:  # fmt: skip
    as_of, problem = as_of_or_today()
    view = listing_service.view(
        get_session(),
        actor=current_actor(),
        hospital_code=hospital_code,
        product_code=product_code,
        as_of=as_of,
    )
    return render_template(
        "listings/detail.html",
        view=view,
        as_of=as_of,
        fields=FIELDS,
        values=values,
        errors=errors,
        message=message or problem,
        can_edit=current_actor().can("listings.write"),
        **_common(),
    ), status


@bp.route("/<hospital_code>/<path:product_code>")
@login_required
def detail(hospital_code: str, product_code: str) -> Any:
    # The form starts on what is true now: saving it untouched must change nothing.
    current = listing_service.view(
        get_session(),
        actor=current_actor(),
        hospital_code=hospital_code,
        product_code=product_code,
        as_of=today(),
    )
    values = {"date": today().isoformat(), "status": current.status}
    if current.next_step:
        values["next_step"] = current.next_step
    return _detail(hospital_code, product_code, values, {})


@bp.route("/<hospital_code>/<path:product_code>", methods=["POST"])
@login_required
@permission_required("listings.write")
def record(hospital_code: str, product_code: str) -> Any:
    db = get_session()
    data = form_data(request.form, FIELDS)
    before = listing_service.view(
        db,
        actor=current_actor(),
        hospital_code=hospital_code,
        product_code=product_code,
        as_of=today(),
    )
    try:
        listing_service.record_change(
            db,
            actor=current_actor(),
            hospital_code=hospital_code,
            product_code=product_code,
            data=data,
        )
    except ServiceError as problem:
        db.rollback()
        if problem.status == 404:
            raise
        return _detail(hospital_code, product_code, data, problem.fields, problem.status,
                       problem.message)  # fmt: skip
    if before.history and rules.is_follow_up(before.status, data.get("status", "")):
        if rules.adds_nothing(before.next_step, data.get("next_step"), data.get("note")):
            flash(_("Nothing to save: the status and the next step are as they were."), "info")
        else:
            flash(_("Saved; the status is unchanged and keeps its date."), "success")
    else:
        flash(_("Saved."), "success")
    return redirect(
        url_for("listings.detail", hospital_code=hospital_code, product_code=product_code)
    )
