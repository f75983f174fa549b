"""/receivables/collections: DSO, collection rates, the most overdue customers and the
13-week cash forecast for an as-of date (default today in Asia/Shanghai).

Money is a decimal string with two places, rates are fractions with four ("0.9512" is
95.12 %), days late and DSO have one decimal place; a figure that cannot be computed
(nothing invoiced, nothing due) is null.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import request

from vbptrack.api import actor, bp
from vbptrack.db import get_session
from vbptrack.domain.collections import Period
from vbptrack.domain.money import format_money
from vbptrack.services import collections as collections_service
from vbptrack.services.collections import CollectionsReport, PeriodRate

SHANGHAI = ZoneInfo("Asia/Shanghai")
TENTH = Decimal("0.1")


def _decimal(value: Decimal | None, places: Decimal | None = None) -> str | None:
    if value is None:
        return None
    if places is not None:
        value = value.quantize(places, rounding=ROUND_HALF_UP)
    return f"{value:f}"


def _period(period: Period) -> dict[str, Any]:
    return {"label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat()}


def _rate(rate: PeriodRate) -> dict[str, Any]:
    return {
        "period": _period(rate.period),
        "collected": format_money(rate.collected),
        "opening": format_money(rate.opening),
        "invoiced_due": format_money(rate.invoiced_due),
        "rate": _decimal(rate.rate),
        "meets_target": rate.meets_target,
    }


def report_json(report: CollectionsReport) -> dict[str, Any]:
    forecast = report.forecast
    return {
        "as_of": report.as_of.isoformat(),
        "target_rate": _decimal(report.target, Decimal("0.0001")),
        "open_total": format_money(report.open_total),
        "dso": {
            "window": _period(report.dso.window),
            "receivables": format_money(report.dso.receivables),
            "revenue": format_money(report.dso.revenue),
            "days": _decimal(report.dso.value),
        },
        "months": [_rate(r) for r in report.months],
        "quarters": [_rate(r) for r in report.quarters],
        "top_overdue": [
            {
                "customer_code": c.code,
                "customer_name": c.name,
                "overdue": format_money(c.overdue),
                "oldest_days_past_due": c.oldest_days_past_due,
                "average_days_late": _decimal(c.average_days_late, TENTH),
            }
            for c in report.top_overdue
        ],
        "forecast": {
            "weeks": [
                {
                    "week": w.number,
                    "start": w.start.isoformat(),
                    "end": w.end.isoformat(),
                    "amount": format_money(w.amount),
                }
                for w in forecast.weeks
            ],
            "later": format_money(forecast.later),
            "overdue_date_unknown": format_money(forecast.unknown),
            "total": format_money(forecast.total),
        },
    }


@bp.get("/receivables/collections")
def collections_report() -> Any:
    today = datetime.now(SHANGHAI).date()
    as_of = collections_service.parse_as_of(request.args.get("as_of"), today)
    return report_json(collections_service.report(get_session(), actor=actor(), as_of=as_of))
