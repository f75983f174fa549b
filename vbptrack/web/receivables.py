"""Receivables pages: the ageing report with its drill-down, chart and Excel download.

Invoices (`receivables_invoices`), payments and the customer page
(`receivables_payments`) add their routes to the same blueprint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vbptrack.db import get_session
from vbptrack.domain.ageing import DEFAULT_LIMITS, NOT_DUE, Basis, columns
from vbptrack.domain.money import ZERO
from vbptrack.services import ageing, exports
from vbptrack.web import (  # noqa: F401 - their routes
    receivables_invoices,
    receivables_payments,
    receivables_terms,
)
from vbptrack.web.auth import current_actor, login_required
from vbptrack.web.downloads import send_workbook
from vbptrack.web.receivables_common import QueryProblem, bp, parse_day, query_text, today

__all__ = ["bp"]

GROUP_CHOICES = (
    ("customer", _l("Customer")),
    ("province", _l("Province")),
    ("rep", _l("Rep")),
    ("distributor", _l("Distributor")),
)
BASIS_CHOICES = (
    (Basis.DUE_DATE.value, _l("Due date")),
    (Basis.INVOICE_DATE.value, _l("Invoice date")),
)
MAX_LIMITS = 12
MAX_LIMIT_DAYS = 36_500  # a hundred years: beyond it a bucket means nothing
CHART_ROWS = 15
_LIMIT_SEPARATORS = re.compile(r"[\s,，;；、]+")


@dataclass
class AgeingQuery:
    """The report's settings as read from the query string, with any problems found."""

    as_of: date
    basis: Basis = Basis.DUE_DATE
    group_by: str = "customer"
    limits: tuple[int, ...] = DEFAULT_LIMITS[Basis.DUE_DATE]
    limits_text: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def args(self, **extra: str) -> dict[str, str]:
        """Query-string arguments that ask for this report again."""
        values = {
            "as_of": self.as_of.isoformat(),
            "basis": self.basis.value,
            "group": self.group_by,
        }
        if self.limits_text:
            values["limits"] = ",".join(str(limit) for limit in self.limits)
        return {**values, **extra}


def parse_limits(text: str) -> tuple[int, ...]:
    parts = [part for part in _LIMIT_SEPARATORS.split(text.strip()) if part]
    hint = _("Enter whole numbers of days, increasing, separated by commas, e.g. 30, 60, 90.")
    try:
        limits = tuple(int(part) for part in parts)
    except ValueError:
        raise QueryProblem("limits", hint) from None
    if not limits or len(limits) > MAX_LIMITS:
        raise QueryProblem(
            "limits", _("Give between 1 and %(count)s limits.", count=MAX_LIMITS) + " " + hint
        )
    if any(not 1 <= limit <= MAX_LIMIT_DAYS for limit in limits):
        raise QueryProblem(
            "limits", _("Each limit is between 1 and %(most)s days.", most=MAX_LIMIT_DAYS)
        )
    if any(b <= a for a, b in zip(limits, limits[1:], strict=False)):
        raise QueryProblem("limits", hint)
    return limits


def read_query() -> AgeingQuery:
    args = request.args
    query = AgeingQuery(as_of=today())
    checks = {
        "as_of": lambda text: setattr(query, "as_of", parse_day(text, "as_of")),
        "basis": lambda text: setattr(query, "basis", Basis(text)),
        "group": lambda text: setattr(query, "group_by", _group(text)),
    }
    for name, check in checks.items():
        text = args.get(name, "").strip()
        if not text:
            continue
        try:
            check(text)
        except QueryProblem as problem:
            query.errors[name] = problem.message
        except ValueError:
            query.errors[name] = _("Choose one of the offered values.")
    query.limits = DEFAULT_LIMITS[query.basis]
    query.limits_text = args.get("limits", "").strip()
    if query.limits_text:
        try:
            query.limits = parse_limits(query.limits_text)
        except QueryProblem as problem:
            query.errors["limits"] = problem.message
    return query


def _group(text: str) -> str:
    if text not in ageing.GROUPS:
        raise ValueError(text)
    return text


def column_titles(labels: list[str]) -> dict[str, str]:
    """Column labels for people: "Not due", "1–30", "> 365"."""
    titles = {}
    for column in labels:
        if column == NOT_DUE:
            titles[column] = _("Not due")
        elif column.startswith(">"):
            titles[column] = "> " + column[1:]
        else:
            titles[column] = column.replace("-", "–")
    return titles


def _report(query: AgeingQuery) -> ageing.AgeingReport:
    return ageing.report(
        get_session(),
        actor=current_actor(),
        as_of=query.as_of,
        basis=query.basis,
        group_by=query.group_by,
        limits=query.limits,
        english=str(get_locale()) == "en",
    )


def chart_data(report: ageing.AgeingReport, titles: dict[str, str]) -> dict[str, Any]:
    """The top rows by total, one stacked series per bucket; amounts as exact strings."""
    rows = report.rows[:CHART_ROWS]
    return {
        "labels": [row.name or row.key for row in rows],
        "series": [
            {"label": titles[column], "data": [str(row.amount(column)) for row in rows]}
            for column in report.columns
        ],
        "notDue": report.basis is Basis.DUE_DATE,
    }


def _form_page(query: AgeingQuery, status: int) -> Any:
    return render_template(
        "receivables/index.html",
        query=query,
        report=None,
        groups=GROUP_CHOICES,
        bases=BASIS_CHOICES,
        default_limits=DEFAULT_LIMITS,
    ), status


@bp.route("/")
@login_required
def index() -> Any:
    query = read_query()
    if query.errors:
        return _form_page(query, 400)
    report = _report(query)
    titles = column_titles(report.columns)
    return render_template(
        "receivables/index.html",
        query=query,
        report=report,
        titles=titles,
        chart=chart_data(report, titles),
        groups=GROUP_CHOICES,
        bases=BASIS_CHOICES,
        default_limits=DEFAULT_LIMITS,
    )


@bp.route("/drilldown")
@login_required
def drilldown() -> Any:
    query = read_query()
    if query.errors:
        return _form_page(query, 400)
    key = query_text("key") or ""
    bucket = request.args.get("bucket", "").strip() or None
    titles = column_titles(columns(query.basis, query.limits))
    if bucket is not None and bucket not in titles:
        bucket = None
    items = (
        ageing.drilldown(
            get_session(),
            actor=current_actor(),
            as_of=query.as_of,
            basis=query.basis,
            limits=query.limits,
            group_by=query.group_by,
            key=key,
            bucket=bucket,
        )
        if key
        else []
    )
    return render_template(
        "receivables/drilldown.html",
        query=query,
        key=key,
        bucket=bucket,
        titles=titles,
        items=items,
        total=sum((item["outstanding"] for item in items), ZERO),
        limited=len(items) >= 500,
        group_title=dict(GROUP_CHOICES)[query.group_by],
    )


# The export's code and name columns, per grouping: what the code is a code of.
EXPORT_KEYS = {
    "customer": (_l("Customer code"), _l("Customer")),
    "province": (_l("Province code"), _l("Province")),
    "rep": (_l("Rep (username)"), _l("Rep")),
    "distributor": (_l("Distributor code"), _l("Distributor")),
}


@bp.route("/ageing.xlsx")
@login_required
def ageing_xlsx() -> Any:
    query = read_query()
    if query.errors:
        return _form_page(query, 400)
    report = _report(query)
    titles = column_titles(report.columns)
    key, name = EXPORT_KEYS[query.group_by]
    labels = {
        "key": key,
        "name": name,
        "unapplied": _("Unapplied"),
        "total": _("Total"),
        "total_row": _("Total"),
        **titles,
    }
    path = exports.ageing_workbook(report, labels={k: str(v) for k, v in labels.items()})
    return send_workbook(path, f"ageing-{query.as_of.isoformat()}-{query.group_by}.xlsx")
