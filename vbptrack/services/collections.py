"""Collections (回款) for an as-of date: DSO, collection rate per month and quarter, the
customers most overdue, how late each customer usually pays, and the 13-week forecast.

Every figure is summed in the database over the actor's territory, for the as-of date:
invoices dated after it, and payments or settlements dated after it, do not count.

Definitions (the formulas themselves are in `vbptrack.domain.collections`):

- **Open** on a day D = amounts of the instalments of invoices dated ≤ D, minus the
  settlements (payments, credit notes, write-offs) dated ≤ D on them. Unapplied cash is
  not netted in (the ageing report shows it separately).
- **DSO** over the 90 days ending on as_of: open on as_of ÷ invoiced amount of invoices
  dated in the window × 90.
- **Collection rate** of a month or quarter (the newest ends on as_of):
  collected = payments dated in the period (cash received, allocated or not);
  opening = open on the day before the period starts;
  invoiced and due = instalments of invoices dated in the period whose due date is in it.
- **Overdue** on as_of: open on instalments whose due date is before as_of (due today is
  not overdue); days past due of the oldest = as_of − its due date.
- **Average days late** of a customer: over its last 20 instalments fully settled on or
  before as_of with at least one payment among the settlements, the mean of (date of the
  last payment settlement − due date); early payment counts negative. Instalments closed
  only by credit notes or write-offs say nothing about paying habits and are left out.

Seven queries whatever the size of the ledger, each a GROUP BY or conditional sums in the
database; no table is read into Python. The largest result is one row per (customer,
due date) with money open: the forecast applies each customer's lateness to it (the rule
lives in the domain), and the top-overdue list is rolled up from the same rows, so open
amounts per instalment are computed once. Office roles see everything, so their
queries skip the join to `party`; a rep's add a semi-join on their territory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, and_, case, func, literal, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import expression
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session, col

from vbptrack.domain import collections as rules
from vbptrack.domain.ageing import days_past_due
from vbptrack.domain.collections import Forecast, OpenInstalment, Period
from vbptrack.domain.days import DayError, parse_day
from vbptrack.domain.money import from_fen
from vbptrack.models import Invoice, InvoiceInstalment, Party, Payment, Settlement
from vbptrack.models.fields import day_range
from vbptrack.models.receivables import PAYMENT
from vbptrack.services.access import Actor, territory_condition
from vbptrack.services.problems import invalid, translate

DSO_DAYS = 90
MONTHS = 12
QUARTERS = 4
TOP_OVERDUE = 10
LATENESS_HISTORY = 20


def parse_as_of(text: str | None, default: date, field: str = "as_of") -> date:
    """The as-of date from a query string (YYYY-MM-DD); `default` when it is absent.
    A problem is reported on `field`, the parameter's name."""
    value = (text or "").strip()
    if not value:
        return default
    within = day_range()
    try:
        return parse_day(value, within)
    except DayError as error:
        if error.kind == "format":
            raise invalid({field: translate("Enter a date as YYYY-MM-DD.")}) from None
        raise invalid(
            {
                field: translate(
                    "Enter a date between %(first)s and %(last)s.",
                    first=within.earliest.isoformat(),
                    last=within.latest.isoformat(),
                )
            }
        ) from None


class days_between(expression.FunctionElement[int]):  # noqa: N801 - reads as SQL
    """Whole days from the second date to the first, in each database's own arithmetic."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(ROUND(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)})) AS INTEGER)"
    )


@dataclass(frozen=True)
class Dso:
    window: Period
    receivables: Decimal
    revenue: Decimal
    value: Decimal | None  # days, one decimal place


@dataclass(frozen=True)
class PeriodRate:
    period: Period
    collected: Decimal
    opening: Decimal
    invoiced_due: Decimal
    rate: Decimal | None  # a fraction, four places
    meets_target: bool | None


@dataclass(frozen=True)
class OverdueCustomer:
    code: str
    name: str
    overdue: Decimal
    oldest_days_past_due: int
    average_days_late: Decimal | None


@dataclass(frozen=True)
class CollectionsReport:
    as_of: date
    target: Decimal
    open_total: Decimal
    dso: Dso
    months: list[PeriodRate]
    quarters: list[PeriodRate]
    top_overdue: list[OverdueCustomer]
    forecast: Forecast

    @property
    def this_quarter(self) -> PeriodRate:
        return self.quarters[-1]


def _visible(actor: Actor, customer_id: Any) -> Any:
    """The actor's territory as a condition on a customer id column.

    Office roles see everything, and then no join to `party` is needed at all; a rep's
    territory is a semi-join on the parties `territory_condition` lets them see.
    """
    if actor.sees_everything:
        return true()
    return customer_id.in_(select(Party.id).where(territory_condition(actor)))


def _settled(as_of: date) -> Any:
    """Per instalment: settled on or before as_of, and the date of its last payment."""
    return (
        select(
            Settlement.instalment_id.label("instalment_id"),  # type: ignore[attr-defined]
            func.sum(Settlement.amount_fen).label("fen"),
            func.max(case((Settlement.kind == PAYMENT, Settlement.date))).label("paid_on"),
        )
        .where(Settlement.date <= as_of)
        .group_by(Settlement.instalment_id)
        .subquery()
    )


def _sum_if(condition: Any, amount: Any) -> Any:
    return func.coalesce(func.sum(case((condition, amount), else_=literal(0))), 0)


def open_fen_on(session: Session, actor: Actor, days: Sequence[date]) -> dict[date, int]:
    """What is open on each of `days` (see the module docstring).

    Open(D) = instalments of invoices dated ≤ D − settlements that count by D (dated ≤ D,
    on an invoice dated ≤ D). Both sums come grouped by day, at most one row per day of
    history, and are accumulated here for every D at once.
    """
    last = max(days)
    visible = _visible(actor, Invoice.customer_id)
    invoiced = session.execute(
        select(Invoice.invoice_date, func.sum(InvoiceInstalment.amount_fen))
        .select_from(InvoiceInstalment)
        .join(Invoice, Invoice.id == InvoiceInstalment.invoice_id)
        .where(Invoice.invoice_date <= last, visible)
        .group_by(Invoice.invoice_date)
    ).all()
    counts_from = case(
        (Settlement.date > Invoice.invoice_date, Settlement.date), else_=Invoice.invoice_date
    )
    settled = session.execute(
        select(counts_from, func.sum(Settlement.amount_fen))
        .select_from(Settlement)
        .join(Invoice, Invoice.id == Settlement.invoice_id)
        .where(Settlement.date <= last, Invoice.invoice_date <= last, visible)
        .group_by(counts_from)
    ).all()
    return {
        day: sum(int(fen) for dated, fen in invoiced if dated <= day)
        - sum(int(fen) for dated, fen in settled if dated <= day)
        for day in days
    }


def _period_sums(
    session: Session, actor: Actor, periods: Sequence[Period], window: Period
) -> tuple[list[int], list[int], int]:
    """Per period, cash collected and invoiced-and-due; and the window's revenue."""
    first = min(p.start for p in (*periods, window))
    last = max(p.end for p in (*periods, window))

    def within(column: Any, period: Period) -> Any:
        return column.between(period.start, period.end)

    collected = session.execute(
        select(*(_sum_if(within(Payment.date, p), Payment.amount_fen) for p in periods)).where(
            Payment.date.between(first, last),  # type: ignore[attr-defined]
            _visible(actor, Payment.customer_id),
        )
    ).one()
    invoiced = session.execute(
        select(
            _sum_if(within(Invoice.invoice_date, window), InvoiceInstalment.amount_fen),
            *(
                _sum_if(
                    and_(within(Invoice.invoice_date, p), within(InvoiceInstalment.due_date, p)),
                    InvoiceInstalment.amount_fen,
                )
                for p in periods
            ),
        )
        .select_from(InvoiceInstalment)
        .join(Invoice, Invoice.id == InvoiceInstalment.invoice_id)
        .where(
            Invoice.invoice_date.between(first, last),  # type: ignore[attr-defined]
            _visible(actor, Invoice.customer_id),
        )
    ).one()
    return [int(v) for v in collected], [int(v) for v in invoiced[1:]], int(invoiced[0])


def days_late_by_customer(
    session: Session, actor: Actor, as_of: date, history: int = LATENESS_HISTORY
) -> dict[int, Decimal | None]:
    """Customer id → average days late over its last `history` paid instalments."""
    settled = _settled(as_of)
    ranked = (
        select(
            Invoice.customer_id.label("customer_id"),  # type: ignore[attr-defined]
            days_between(settled.c.paid_on, InvoiceInstalment.due_date).label("days_late"),
            func.row_number()
            .over(
                partition_by=Invoice.customer_id,
                order_by=(settled.c.paid_on.desc(), InvoiceInstalment.id.desc()),  # type: ignore[union-attr]
            )
            .label("recent"),
        )
        .select_from(InvoiceInstalment)
        .join(settled, settled.c.instalment_id == InvoiceInstalment.id)
        .join(Invoice, Invoice.id == InvoiceInstalment.invoice_id)
        .where(
            Invoice.invoice_date <= as_of,
            _visible(actor, Invoice.customer_id),
            settled.c.fen == InvoiceInstalment.amount_fen,
            settled.c.paid_on.is_not(None),
        )
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.customer_id, func.sum(ranked.c.days_late), func.count())
        .where(ranked.c.recent <= history)
        .group_by(ranked.c.customer_id)
    ).all()
    return {
        customer_id: rules.average_days_late(int(total), int(count))
        for customer_id, total, count in rows
    }


def open_by_due_date(session: Session, actor: Actor, as_of: date) -> list[tuple[int, date, int]]:
    """(customer id, due date, fen open on as_of) for every pair with money open."""
    settled = _settled(as_of)
    open_fen = InvoiceInstalment.amount_fen - func.coalesce(settled.c.fen, 0)
    rows = session.execute(
        select(Invoice.customer_id, InvoiceInstalment.due_date, func.sum(open_fen))
        .select_from(InvoiceInstalment)
        .join(Invoice, Invoice.id == InvoiceInstalment.invoice_id)
        .outerjoin(settled, settled.c.instalment_id == InvoiceInstalment.id)
        .where(Invoice.invoice_date <= as_of, _visible(actor, Invoice.customer_id), open_fen > 0)
        .group_by(Invoice.customer_id, InvoiceInstalment.due_date)
    ).all()
    return [(customer_id, due, int(fen)) for customer_id, due, fen in rows]


def top_overdue(
    session: Session,
    as_of: date,
    open_rows: Sequence[tuple[int, date, int]],
    days_late: dict[int, Decimal | None],
    limit: int = TOP_OVERDUE,
) -> list[OverdueCustomer]:
    """The customers with the most money overdue on as_of (due before it), most first;
    ties by customer code. Rolled up from `open_by_due_date`'s rows."""
    overdue: dict[int, int] = {}
    oldest: dict[int, date] = {}
    for customer_id, due, fen in open_rows:
        if due < as_of:
            overdue[customer_id] = overdue.get(customer_id, 0) + fen
            oldest[customer_id] = min(due, oldest.get(customer_id, due))
    if not overdue:
        return []
    # Enough candidates to settle ties at the cut by code, without naming every customer.
    cut = sorted(overdue.values(), reverse=True)[:limit][-1]
    candidates = [cid for cid, fen in overdue.items() if fen >= cut]
    names = {
        pid: (code, name)
        for pid, code, name in session.execute(
            select(Party.id, Party.code, Party.name).where(col(Party.id).in_(candidates))
        ).all()
    }
    ranked = sorted(candidates, key=lambda cid: (-overdue[cid], names[cid][0]))[:limit]
    return [
        OverdueCustomer(
            code=names[cid][0],
            name=names[cid][1],
            overdue=from_fen(overdue[cid]),
            oldest_days_past_due=days_past_due(as_of, oldest[cid]),
            average_days_late=days_late.get(cid),
        )
        for cid in ranked
    ]


def forecast(
    as_of: date,
    open_rows: Sequence[tuple[int, date, int]],
    days_late: dict[int, Decimal | None],
) -> Forecast:
    """The 13-week cash forecast over `open_by_due_date`'s rows."""
    items = [OpenInstalment(due, from_fen(fen), customer) for customer, due, fen in open_rows]
    return rules.cash_forecast(as_of, items, days_late)


def report(session: Session, *, actor: Actor, as_of: date) -> CollectionsReport:
    months = rules.month_periods(as_of, MONTHS)
    quarters = rules.quarter_periods(as_of, QUARTERS)
    window = rules.trailing_days(as_of, DSO_DAYS)
    periods = [*months, *quarters]
    day_before = {p: p.start - timedelta(days=1) for p in periods}
    open_on = open_fen_on(session, actor, [as_of, *day_before.values()])
    collected, invoiced_due, revenue = _period_sums(session, actor, periods, window)
    rates = []
    for period, collected_fen, due_fen in zip(periods, collected, invoiced_due, strict=True):
        rate = rules.collection_rate(
            from_fen(collected_fen), from_fen(open_on[day_before[period]]), from_fen(due_fen)
        )
        rates.append(
            PeriodRate(
                period=period,
                collected=from_fen(collected_fen),
                opening=from_fen(open_on[day_before[period]]),
                invoiced_due=from_fen(due_fen),
                rate=rate,
                meets_target=rules.meets_target(rate),
            )
        )
    receivables = from_fen(open_on[as_of])
    days_late = days_late_by_customer(session, actor, as_of)
    open_rows = open_by_due_date(session, actor, as_of)
    return CollectionsReport(
        as_of=as_of,
        target=rules.TARGET_RATE,
        open_total=receivables,
        dso=Dso(
            window=window,
            receivables=receivables,
            revenue=from_fen(revenue),
            value=rules.dso(receivables, from_fen(revenue), window.days),
        ),
        months=rates[: len(months)],
        quarters=rates[len(months) :],
        top_overdue=top_overdue(session, as_of, open_rows, days_late),
        forecast=forecast(as_of, open_rows, days_late),
    )


__all__ = [
    "CollectionsReport",
    "Dso",
    "OverdueCustomer",
    "PeriodRate",
    "days_late_by_customer",
    "forecast",
    "open_by_due_date",
    "open_fen_on",
    "parse_as_of",
    "report",
    "top_overdue",
]
