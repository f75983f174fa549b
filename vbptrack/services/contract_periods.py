"""The term in force of every contract, in SQL: `domain.contracts.current_end` for a whole
list at once, so the contract list can be ordered and paged by the end in force in the
database instead of loading every contract to sort it.

The domain computes how many periods an auto contract has rolled from month numbers
(`periods_rolled`); this is the same arithmetic, written once for both databases, and
tests/services/test_contract_periods.py holds the two equal on SQLite and PostgreSQL
(month ends, leap years, the last notice day and the day after).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, case, cast, extract, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, expression
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import col

from vbptrack.domain import contracts as rules
from vbptrack.models import Contract

# Larger than any number of periods: stands for "no such limit" inside smallest().
NO_LIMIT = 1_000_000


class add_days(expression.FunctionElement[date]):  # noqa: N801 - reads as SQL
    """A date plus a whole number of days."""

    type = Date()
    inherit_cache = True
    name = "add_days"


@compiles(add_days)
def _add_days(element: add_days, compiler: SQLCompiler, **kw: Any) -> str:
    day, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({day} AS DATE) + {days})"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element: add_days, compiler: SQLCompiler, **kw: Any) -> str:
    day, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({day}, '+' || ({days}) || ' days')"


class add_months(expression.FunctionElement[date]):  # noqa: N801 - reads as SQL
    """A date plus a whole number of months (>= 0), clamped to the month's end like
    dateutil's relativedelta (Jan 31 + 1 month = Feb 28/29)."""

    type = Date()
    inherit_cache = True
    name = "add_months"


@compiles(add_months)
def _add_months(element: add_months, compiler: SQLCompiler, **kw: Any) -> str:
    day, months = (compiler.process(c, **kw) for c in element.clauses)
    # PostgreSQL's month arithmetic clamps to the month's end itself.
    return f"CAST({day} + make_interval(months => {months}) AS DATE)"


@compiles(add_months, "sqlite")
def _add_months_sqlite(element: add_months, compiler: SQLCompiler, **kw: Any) -> str:
    day, months = (compiler.process(c, **kw) for c in element.clauses)
    # SQLite's '+N months' overflows into the next month (Jan 31 → Mar 3): go to the
    # first of the target month, add the day, and keep the earlier of that and the
    # target month's last day.
    same_day = (
        f"date({day}, 'start of month', '+' || ({months}) || ' months', "
        f"'+' || (CAST(strftime('%d', {day}) AS INTEGER) - 1) || ' days')"
    )
    month_end = f"date({day}, 'start of month', '+' || (({months}) + 1) || ' months', '-1 day')"
    return f"min({same_day}, {month_end})"


class smallest(expression.FunctionElement[int]):  # noqa: N801 - reads as SQL
    """The smallest of its (non-null) arguments."""

    type = Integer()
    inherit_cache = True
    name = "smallest"


@compiles(smallest)
def _smallest(element: smallest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(smallest, "sqlite")
def _smallest_sqlite(element: smallest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


def _month_number(day: ColumnElement[Any]) -> ColumnElement[int]:
    return cast(extract("year", day), Integer) * 12 + cast(extract("month", day), Integer)


def _day_of_month(day: ColumnElement[Any]) -> ColumnElement[int]:
    return cast(extract("day", day), Integer)


def _first_period_ending_on_or_after(day: ColumnElement[Any]) -> ColumnElement[int]:
    """domain.contracts._first_period_ending_on_or_after, per contract row."""
    end = col(Contract.end)
    months = (
        _month_number(day)
        - _month_number(end)
        + case((_day_of_month(day) > _day_of_month(end), 1), else_=0)
    )
    step = col(Contract.renewal_months)
    return case((months <= 0, 0), else_=(months + step - 1) // step)


def periods_rolled_sql(as_of: date) -> ColumnElement[int]:
    """domain.contracts.periods_rolled for every contract row."""
    notice = _first_period_ending_on_or_after(
        add_days(literal(as_of, Date()), col(Contract.notice_days))
    )
    terminated = case(
        (col(Contract.terminated_on).is_(None), NO_LIMIT),
        else_=_first_period_ending_on_or_after(col(Contract.terminated_on)),
    )
    renewed = case(
        (col(Contract.renewed_on).is_(None), NO_LIMIT),
        else_=_first_period_ending_on_or_after(col(Contract.renewed_on)),
    )
    rolls = (col(Contract.renewal_mode) == rules.AUTO) & (col(Contract.renewal_months) > 0)
    return case((rolls, smallest(notice, terminated, renewed)), else_=0)


def end_in_force_sql(as_of: date) -> ColumnElement[date]:
    """domain.contracts.current_end for every contract row: the end of the term in force."""
    rolled = periods_rolled_sql(as_of)
    return case(
        (rolled > 0, add_months(col(Contract.end), rolled * col(Contract.renewal_months))),
        else_=col(Contract.end),
    )
