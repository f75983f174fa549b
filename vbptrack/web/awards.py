"""Award pages (中选): the list, and each award's fulfilment (履约) for an agreement year,
as of a date, by hospital, province, rep or distributor (each hospital under its main
distributor, see services/fulfilment.py), with the monthly trend, the at-risk list and an
Excel export. A rep sees the hospitals of their territory only."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vbptrack.db import get_session
from vbptrack.domain.money import from_fen
from vbptrack.services import awards as award_service
from vbptrack.services import exports, fulfilment_trend
from vbptrack.services import fulfilment as fulfilment_service
from vbptrack.services.errors import ServiceError
from vbptrack.services.fulfilment import FulfilmentReport
from vbptrack.web.auth import current_actor, login_required
from vbptrack.web.commercial_common import today
from vbptrack.web.downloads import send_workbook
from vbptrack.web.paging import page_args
from vbptrack.web.receivables_common import as_of_or_today, require_printable

bp = Blueprint("awards", __name__, url_prefix="/awards")

GROUP_CHOICES = (
    ("hospital", _l("Hospital")),
    ("province", _l("Province")),
    ("rep", _l("Rep")),
    ("distributor", _l("Distributor")),
)
ROW_FILTER_CHOICES = (
    ("", _l("All rows")),
    ("lagging", _l("Lagging only")),
    ("at_risk", _l("At risk only")),
)
# The at-risk card shows the worst ones and links to all of them.
AT_RISK_SHOWN = 20


def percent(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


@bp.route("/")
@login_required
def index() -> Any:
    session = get_session()
    page, per_page = page_args()
    results = award_service.list_awards(session, page=page, per_page=per_page)
    views = award_service.views(session, results.items, actor=current_actor())
    return render_template("awards/index.html", results=results, views=views, yuan=from_fen)


def _query() -> tuple[dict[str, Any], dict[str, str]]:
    as_of, as_of_problem = as_of_or_today()
    errors = {"as_of": as_of_problem} if as_of_problem else {}
    group_by = request.args.get("group_by", "hospital")
    if group_by not in fulfilment_service.GROUPS:
        group_by = "hospital"
    year_text = request.args.get("year", "").strip()
    year = int(year_text) if year_text.isdigit() and len(year_text) < 3 else None
    only = request.args.get("only", "")
    if only not in fulfilment_service.ROW_FILTERS:
        only = ""
    return {"as_of": as_of, "group_by": group_by, "year": year, "only": only}, errors


def _report(code: str, query: dict[str, Any]) -> FulfilmentReport:
    return fulfilment_service.report(
        get_session(),
        actor=current_actor(),
        award_code=require_printable(code),
        year=query["year"],
        as_of=query["as_of"],
        group_by=query["group_by"],
    )


def _year(code: str, query: dict[str, Any]) -> tuple[FulfilmentReport, str | None]:
    try:
        return _report(code, query), None
    except ServiceError as error:
        if "year" not in error.fields:
            raise
        return _report(code, {**query, "year": None}), error.fields["year"]


@bp.route("/<code>")
@login_required
def detail(code: str) -> Any:
    query, errors = _query()
    report, year_problem = _year(code, query)
    if year_problem:
        errors["year"] = year_problem
    session = get_session()
    view = award_service.view(session, report.award, actor=current_actor())
    months = fulfilment_trend.trend(
        session,
        actor=current_actor(),
        award=report.award,
        year=report.year,
        as_of=report.as_of,
        agreed=report.totals.agreed,
    )
    chart = {
        "labels": {
            "purchased": _("Purchased"),
            "completion": _("Cumulative completion"),
            "progress": _("Time progress"),
        },
        "months": [dataclasses.asdict(month) for month in months],
    }
    page, per_page = page_args()
    start = (page - 1) * per_page
    at_risk = sorted(
        fulfilment_service.at_risk_rows(report),
        key=lambda r: (r.projected is None, r.projected or 0, r.key),
    )
    if query["only"]:
        chosen = fulfilment_service.rows_where(report, query["only"])
        rows, count = chosen[start : start + per_page], len(chosen)
        totals = fulfilment_service.total_of(chosen, report.totals)
    else:
        rows, count, totals = report.page(start, per_page), report.row_count, report.totals
    return render_template(
        "awards/detail.html",
        view=view,
        report=report,
        rows=rows,
        totals=totals,
        only=query["only"],
        filters=ROW_FILTER_CHOICES,
        # The page's own choices, for its links (the export, all at risk).
        query={
            "year": report.year.year,
            "as_of": report.as_of.isoformat(),
            "group_by": report.group_by,
            **({"only": query["only"]} if query["only"] else {}),
        },
        page=page,
        pages=max(1, -(-count // per_page)),
        at_risk=at_risk[:AT_RISK_SHOWN],
        at_risk_count=len(at_risk),
        chart=chart,
        groups=GROUP_CHOICES,
        errors=errors,
        percent=percent,
        yuan=from_fen,
        today=today(),
    )


# The code and name columns of the export, per grouping: what the code is a code of.
EXPORT_KEYS = {
    "hospital": (_l("Hospital code"), _l("Hospital")),
    "province": (_l("Province code"), _l("Province")),
    "rep": (_l("Rep (username)"), _l("Rep")),
    "distributor": (_l("Distributor code"), _l("Distributor")),
}


@bp.route("/<code>/fulfilment.xlsx")
@login_required
def fulfilment_xlsx(code: str) -> Any:
    """The rows the page shows (all of them, or only lagging / at risk) and their total."""
    query, _errors = _query()
    report, _problem = _year(code, query)
    if query["only"]:
        rows = fulfilment_service.rows_where(report, query["only"])
        totals = fulfilment_service.total_of(rows, report.totals)
    else:
        rows, totals = report.rows, report.totals
    key, name = EXPORT_KEYS[report.group_by]
    labels = {
        "key": key,
        "name": name,
        "agreed": _("Agreed"),
        "purchased": _("Purchased"),
        "completion": _("Completion"),
        "time_progress": _("Time progress"),
        "projected": _("Projected"),
        "excess": _("Excess"),
        "lagging": _("Lagging"),
        "at_risk": _("At risk"),
        "yes": _("yes"),
        "no": _("no"),
        "total_row": _("Total"),
    }
    path = exports.fulfilment_workbook(
        report, rows, totals, labels={k: str(v) for k, v in labels.items()}
    )
    only = f"-{query['only']}" if query["only"] else ""
    return send_workbook(
        path,
        f"fulfilment-{report.award.code}-y{report.year.year}-{report.as_of.isoformat()}"
        f"-{report.group_by}{only}.xlsx",
    )
