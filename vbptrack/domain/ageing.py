"""Ageing buckets (domain guide §5.3) on two bases.

Due-date basis: days past due = as_of − due date; `not_due` is ≤ 0 (due today is not
overdue), then `1-L1`, `(L1+1)-L2`, …, `>Ln`.
Invoice-date basis: age = as_of − invoice date; `0-L1`, `(L1+1)-L2`, …, `>Ln`.

Because every bucket is a range of days, it is also a range of dates; `date_ranges` gives
those ranges so the database can bucket millions of rows with date comparisons on an
indexed column instead of date arithmetic that differs between SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Basis(StrEnum):
    DUE_DATE = "due_date"
    INVOICE_DATE = "invoice_date"


DEFAULT_LIMITS: dict[Basis, tuple[int, ...]] = {
    Basis.DUE_DATE: (30, 60, 90, 180, 365),
    Basis.INVOICE_DATE: (90, 180, 365),
}
NOT_DUE = "not_due"


class LimitsError(ValueError):
    """Bucket limits that cannot be used; the message says why."""


def check_limits(limits: Sequence[int]) -> tuple[int, ...]:
    """Limits are positive and strictly increasing.

    >>> check_limits([30, 60, 90])
    (30, 60, 90)
    """
    if not limits:
        raise LimitsError("give at least one limit")
    if any(limit < 1 for limit in limits):
        raise LimitsError("limits must be whole numbers of at least 1")
    if any(b <= a for a, b in zip(limits, limits[1:], strict=False)):
        raise LimitsError("limits must increase")
    return tuple(limits)


def columns(basis: Basis, limits: Sequence[int]) -> list[str]:
    """Column labels in order.

    >>> columns(Basis.DUE_DATE, [30, 60])
    ['not_due', '1-30', '31-60', '>60']
    >>> columns(Basis.INVOICE_DATE, [90, 180])
    ['0-90', '91-180', '>180']
    """
    check_limits(limits)
    first = 1 if basis is Basis.DUE_DATE else 0
    labels = [NOT_DUE] if basis is Basis.DUE_DATE else []
    lower = first
    for limit in limits:
        labels.append(f"{lower}-{limit}")
        lower = limit + 1
    labels.append(f">{limits[-1]}")
    return labels


def days_past_due(as_of: date, due_date: date) -> int:
    """Days past due as of a date; 0 or less is not yet overdue (due today is not).

    >>> days_past_due(date(2024, 3, 31), date(2024, 2, 29))
    31
    >>> days_past_due(date(2024, 3, 1), date(2024, 3, 1))
    0
    """
    return (as_of - due_date).days


def bucket(days: int, basis: Basis, limits: Sequence[int]) -> str:
    """The column for a number of days (past due, or since the invoice).

    >>> bucket(0, Basis.DUE_DATE, [30]), bucket(1, Basis.DUE_DATE, [30])
    ('not_due', '1-30')
    >>> bucket(31, Basis.DUE_DATE, [30]), bucket(90, Basis.INVOICE_DATE, [90, 180])
    ('>30', '0-90')
    """
    labels = columns(basis, limits)
    if basis is Basis.DUE_DATE:
        if days <= 0:
            return NOT_DUE
        labels = labels[1:]
    for label, limit in zip(labels, limits, strict=False):
        if days <= limit:
            return label
    return labels[-1]


@dataclass(frozen=True)
class DateRange:
    """A bucket as dates: the anchor date (due or invoice date) lies in [earliest, latest]."""

    label: str
    earliest: date | None  # None: no lower bound
    latest: date | None  # None: no upper bound


def date_ranges(as_of: date, basis: Basis, limits: Sequence[int]) -> list[DateRange]:
    """The date range of each bucket for an as-of date, newest first.

    >>> for r in date_ranges(date(2024, 3, 31), Basis.DUE_DATE, [30]):
    ...     print(r.label, r.earliest, r.latest)
    not_due 2024-03-31 None
    1-30 2024-03-01 2024-03-30
    >30 None 2024-02-29
    """
    labels = columns(basis, limits)
    ranges: list[DateRange] = []
    if basis is Basis.DUE_DATE:
        # days ≤ 0 ⇔ anchor ≥ as_of
        ranges.append(DateRange(labels[0], as_of, None))
        labels = labels[1:]
        lower_days = 1
    else:
        lower_days = 0
    for label, limit in zip(labels, limits, strict=False):
        ranges.append(
            DateRange(label, as_of - timedelta(days=limit), as_of - timedelta(days=lower_days))
        )
        lower_days = limit + 1
    ranges.append(DateRange(labels[-1], None, as_of - timedelta(days=lower_days)))
    return ranges
