"""The collections page (回款): DSO, collection rate against the target, the customers
most overdue, and the 13-week cash forecast, for an as-of date."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from vbptrack.db import get_session
from vbptrack.domain.money import format_money
from vbptrack.services import collections as collections_service
from vbptrack.services.collections import CollectionsReport
from vbptrack.services.errors import InvalidInput
from vbptrack.web.auth import current_actor, login_required

bp = Blueprint("collections", __name__, url_prefix="/receivables/collections")

SHANGHAI = ZoneInfo("Asia/Shanghai")
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")


def today() -> date:
    """The date in Asia/Shanghai, whatever the server's time zone."""
    return datetime.now(SHANGHAI).date()


def percent(rate: Decimal | None) -> str | None:
    """A rate as a percentage with two places: 0.9512 → "95.12"."""
    return None if rate is None else f"{rate * HUNDRED:.2f}"


def one_place(value: Decimal | None) -> str:
    """Days with one decimal place, rounded half up; "—" for none."""
    return "—" if value is None else f"{value.quantize(TENTH, rounding=ROUND_HALF_UP)}"


def chart_data(report: CollectionsReport) -> dict[str, Any]:
    """What static/js/collections-chart.js draws; numbers as strings, never floats."""
    return {
        "labels": {
            "rate": _("Collection rate"),
            "target": _("Target"),
            "expected": _("Expected (CNY)"),
        },
        "target": percent(report.target),
        "months": [{"label": p.period.label, "rate": percent(p.rate)} for p in report.months],
        "weeks": [
            {"label": w.start.isoformat(), "amount": format_money(w.amount)}
            for w in report.forecast.weeks
        ],
    }


@bp.route("/")
@login_required
def index() -> Any:
    """The page for ?as_of=YYYY-MM-DD (default today in Shanghai); a date that cannot be
    read is said so next to the picker, and today is shown instead."""
    text = request.args.get("as_of", "")
    as_of = today()
    problem = None
    try:
        as_of = collections_service.parse_as_of(text, as_of)
    except InvalidInput as error:
        problem = error
    report = collections_service.report(get_session(), actor=current_actor(), as_of=as_of)
    return render_template(
        "receivables/collections.html",
        as_of_text=text if problem else as_of.isoformat(),
        problem=problem,
        report=report,
        chart=chart_data(report),
        percent=percent,
        one_place=one_place,
    )
