"""Tender pages (招投标): the pipeline board, the deadline calendar, the tender page with
its history, bid lines and documents checklist, and turning a won line into an award."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vbptrack.db import get_session
from vbptrack.domain import tenders as rules
from vbptrack.domain.fulfilment import consecutive_years
from vbptrack.domain.money import from_fen
from vbptrack.services import commercial_policy, tender_calendar
from vbptrack.services import tenders as tender_service
from vbptrack.services.errors import ServiceError
from vbptrack.services.problems import invalid
from vbptrack.web.auth import current_actor, login_required, permission_required
from vbptrack.web.commercial_common import (
    DATE_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    WRITE,
    month_arg,
    today,
)
from vbptrack.web.forms import FormField, form_data, typed_day
from vbptrack.web.receivables_common import QueryProblem, parse_day, require_printable

bp = Blueprint("tenders", __name__, url_prefix="/tenders")

TENDER_FIELDS = (
    FormField("code", _l("Code"), required=True),
    FormField("title", _l("Title"), required=True),
    FormField("kind", _l("Kind"), kind="select", required=True, choices=tuple(KIND_LABELS.items())),
    FormField("platform", _l("Platform")),
    FormField("province_codes", _l("Provinces"), help=_l("Codes or names, separated by commas")),
    *(FormField(name, label, kind="date") for name, label in DATE_LABELS.items()),
)
STATUS_FIELDS = (
    FormField(
        "status",
        _l("New status"),
        kind="select",
        required=True,
        choices=tuple(STATUS_LABELS.items()),
    ),
    FormField("date", _l("Date"), kind="date", required=True),
    FormField("note", _l("Note")),
)
LINE_FIELDS = (
    FormField("product_code", _l("Product code"), required=True),
    FormField("price_per_unit", _l("Bid price per smallest unit"), kind="money", required=True),
    FormField(
        "price_per_pack",
        _l("Bid price per pack"),
        kind="money",
        help=_l("Empty: the unit price × the pack size"),
    ),
    FormField("reported_quantity", _l("Reported quantity"), kind="number"),
    FormField(
        "outcome",
        _l("Outcome"),
        kind="select",
        required=True,
        choices=tuple(OUTCOME_LABELS.items()),
    ),
)
DOCUMENT_FIELDS = (
    FormField(
        "name",
        _l("Document"),
        required=True,
        help=_l("e.g. registration certificate, GMP, authorisation"),
    ),
    FormField("expires", _l("Expires"), kind="date"),
    FormField("ready", _l("Ready"), kind="checkbox"),
)
AWARD_FIELDS = (
    FormField("code", _l("Award code"), required=True),
    FormField("batch", _l("Batch"), help=_l("Empty: the tender's title")),
    FormField("winners_count", _l("Number of winners"), kind="number", required=True),
    FormField("rank", _l("Rank"), kind="number"),
    FormField(
        "supply_provinces", _l("Primary supply provinces"), help=_l("Empty: the tender's provinces")
    ),
    FormField("backup_provinces", _l("Backup supply provinces")),
    FormField("start", _l("First agreement year starts"), kind="date", required=True),
    FormField("years", _l("Agreement years"), kind="number", required=True),
)


def _codes(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


@bp.route("/")
@login_required
def index() -> Any:
    columns = tender_calendar.board(get_session(), actor=current_actor())
    return render_template(
        "tenders/board.html",
        columns=columns,
        labels=STATUS_LABELS,
        kinds=KIND_LABELS,
        date_labels=DATE_LABELS,
        next_date=tender_calendar.next_date,
        can_write=current_actor().can(WRITE),
        today=today(),
    )


@bp.route("/calendar")
@login_required
def calendar() -> Any:
    (year, month), problem = month_arg()
    first, last = tender_calendar.month_range(year, month)
    items = tender_calendar.dated_in(
        get_session(), first, last, actor=current_actor(), open_only=False
    )
    by_day: dict[date, list[Any]] = {}
    for day, kind, tender in items:
        by_day.setdefault(day, []).append((kind, tender))
    # Weeks from Monday: blanks before the first and after the last day.
    cells: list[date | None] = [None] * first.weekday()
    cells += [date(year, month, d) for d in range(1, last.day + 1)]
    cells += [None] * (-len(cells) % 7)
    weeks = [cells[i : i + 7] for i in range(0, len(cells), 7)]
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return render_template(
        "tenders/calendar.html",
        first=first,
        weeks=weeks,
        by_day=by_day,
        items=items,
        date_labels=DATE_LABELS,
        status_labels=STATUS_LABELS,
        closed=rules.CLOSED,
        previous=f"{previous[0]:04d}-{previous[1]:02d}",
        following=f"{following[0]:04d}-{following[1]:02d}",
        problem=problem,
        today=today(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
@permission_required(WRITE)
def new() -> Any:
    values: dict[str, Any] = {}
    errors: Mapping[str, str] = {}
    message = None
    if request.method == "POST":
        values = form_data(request.form, TENDER_FIELDS)
        data = {
            "code": values.get("code", ""),
            "title": values.get("title", ""),
            "kind": values.get("kind", ""),
            "platform": values.get("platform") or None,
            "province_codes": _codes(values.get("province_codes", "")),
            "dates": {name: values.get(name) or None for name in DATE_LABELS},
        }
        try:
            tender = tender_service.create(
                get_session(), actor=current_actor(), data=data, today=today()
            )
        except ServiceError as error:
            errors = {k.removeprefix("dates."): v for k, v in error.fields.items()}
            errors = {k.split(".")[0]: v for k, v in errors.items()}
            message = error.message
        else:
            flash(_("Tender %(code)s created.", code=tender.code), "success")
            return redirect(url_for("tenders.detail", code=tender.code))
    return render_template(
        "tenders/form.html", fields=TENDER_FIELDS, values=values, errors=errors, message=message
    ), (422 if message else 200)


def _detail(
    code: str,
    *,
    form: str | None = None,
    values: Any = None,
    errors: Any = None,
    message: str | None = None,
    line_id: int | None = None,
) -> Any:
    session = get_session()
    tender = tender_service.get(session, actor=current_actor(), code=require_printable(code))
    view = tender_service.view(session, tender)
    policy = commercial_policy.current()
    deadlines = []
    for name, column in (
        ("registration", "registration_date"),
        ("documents", "documents_date"),
        ("bid", "bid_date"),
    ):
        day = getattr(tender, column)
        if day is not None:
            deadlines.append(
                (DATE_LABELS[name], day, rules.reminder_dates(day, policy.reminder_days))
            )
    return render_template(
        "tenders/detail.html",
        view=view,
        tender=tender,
        deadlines=deadlines,
        date_labels=DATE_LABELS,
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
        outcome_labels=OUTCOME_LABELS,
        status_fields=STATUS_FIELDS,
        line_fields=LINE_FIELDS,
        document_fields=DOCUMENT_FIELDS,
        award_fields=AWARD_FIELDS,
        form=form,
        form_line=line_id,
        values=values or {},
        errors=errors or {},
        message=message,
        can_write=current_actor().can(WRITE),
        yuan=from_fen,
        today=today(),
    ), (422 if message else 200)


@bp.route("/<code>")
@login_required
def detail(code: str) -> Any:
    return _detail(code)


def _post(
    code: str, form: str, fields: Any, action: Any, done: str, line_id: int | None = None
) -> Any:
    values = form_data(request.form, fields)
    try:
        action(values)
    except ServiceError as error:
        errors = {
            k.split(".")[-1] if k.startswith("years") else k.split(".")[0]: v
            for k, v in error.fields.items()
        }
        return _detail(
            code, form=form, values=values, errors=errors, message=error.message, line_id=line_id
        )
    flash(done, "success")
    return redirect(url_for("tenders.detail", code=code))


@bp.post("/<code>/status")
@login_required
@permission_required(WRITE)
def change_status(code: str) -> Any:
    def act(values: dict[str, Any]) -> None:
        tender_service.change_status(
            get_session(),
            actor=current_actor(),
            code=code,
            data={**values, "note": values.get("note") or None},
        )

    return _post(code, "status", STATUS_FIELDS, act, _("Status recorded."))


@bp.post("/<code>/lines")
@login_required
@permission_required(WRITE)
def add_line(code: str) -> Any:
    def act(values: dict[str, Any]) -> None:
        data = {k: v for k, v in values.items() if v not in ("", None)}
        tender_service.add_line(get_session(), actor=current_actor(), code=code, data=data)

    return _post(code, "line", LINE_FIELDS, act, _("Bid line added."))


@bp.post("/<code>/documents")
@login_required
@permission_required(WRITE)
def add_document(code: str) -> Any:
    def act(values: dict[str, Any]) -> None:
        data = {**values, "expires": values.get("expires") or None}
        tender_service.add_document(get_session(), actor=current_actor(), code=code, data=data)

    return _post(code, "document", DOCUMENT_FIELDS, act, _("Document added to the checklist."))


def agreement_years(start_text: str, count_text: str) -> list[dict[str, str]]:
    """Consecutive agreement years of one year each from the first start date."""
    problems = {}
    start = None
    try:
        start = parse_day(typed_day(start_text), "start")
    except QueryProblem as problem:
        problems["start"] = problem.message
    count = int(count_text) if count_text.strip().isdigit() else 0
    if not 1 <= count <= 10:
        problems["years"] = _("Enter a whole number from %(low)s to %(high)s.", low=1, high=10)
    if problems or start is None:
        raise invalid(problems)
    return [
        {"year": number, "start": year.start.isoformat(), "end": year.end.isoformat()}
        for number, year in enumerate(consecutive_years(start, count), start=1)
    ]


@bp.post("/<code>/lines/<int:line_id>/award")
@login_required
@permission_required(WRITE)
def award_line(code: str, line_id: int) -> Any:
    created: list[str] = []

    def act(values: dict[str, Any]) -> None:
        data = {
            "code": values.get("code", ""),
            "batch": values.get("batch") or None,
            "winners_count": values.get("winners_count", ""),
            "rank": values.get("rank") or None,
            "supply_provinces": _codes(values.get("supply_provinces", "")),
            "backup_provinces": _codes(values.get("backup_provinces", "")),
            "years": agreement_years(values.get("start", ""), values.get("years", "")),
        }
        award = tender_service.award_from_line(
            get_session(), actor=current_actor(), code=code, line_id=line_id, data=data
        )
        created.append(award.code)

    response = _post(code, "award", AWARD_FIELDS, act, _("Award created."), line_id=line_id)
    if created:
        return redirect(url_for("awards.detail", code=created[0]))
    return response
