"""Collections (回款): DSO, the collection rate, the periods they are measured over, and
the 13-week cash forecast (domain guide §5.3).

Definitions, all for an explicit as-of date:

- A **period** is a closed range of days. Calendar months and quarters are counted back
  from the one containing as_of, newest last; the newest ends on as_of (month or quarter
  to date), because nothing after as_of may count.
- **DSO** = receivables at the period's end ÷ revenue of the period × days in the period,
  to one decimal place; no revenue → None (no meaningful number).
- **Collection rate** = collected ÷ (opening receivables + invoiced in the period that fell
  due in the period), to four decimal places (0.9512 is 95.12 %); a zero denominator →
  None. The company target is ≥ 95 %.
- **Cash forecast**: an open instalment is expected at due date + the customer's usual
  lateness (its average days late rounded half up, never below 0; 0 without history).
  An instalment already past due on as_of (due date < as_of) is expected no earlier than
  as_of + 1 day; if its due date + lateness lies more than `unknown_after_days` (default
  90) days before as_of, it has no date we can forecast and goes to the "overdue, date
  unknown" bucket. Week k
  (1 … 13) is as_of + 7(k − 1) … as_of + 7k − 1, so week 1 starts on as_of itself; what is
  expected after week 13 goes to "later". Weeks + later + unknown = everything open.
"""

from __future__ import annotations

import calendar
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

TARGET_RATE = Decimal("0.95")
RATE_PLACES = Decimal("0.0001")
DSO_PLACES = Decimal("0.1")
FORECAST_WEEKS = 13
UNKNOWN_AFTER_DAYS = 90
ZERO = Decimal("0.00")


class PeriodError(ValueError):
    """A number of periods or days that cannot be used; the message says why."""


@dataclass(frozen=True)
class Period:
    """Days `start` … `end`, both included; `label` names it ("2024-03", "2024-Q1")."""

    label: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _months_back(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) - count
    return index // 12, index % 12 + 1


def month_bounds(day: date) -> Period:
    """The calendar month that contains `day`.

    >>> month_bounds(date(2024, 2, 10))
    Period(label='2024-02', start=datetime.date(2024, 2, 1), end=datetime.date(2024, 2, 29))
    """
    label = f"{day.year:04d}-{day.month:02d}"
    return Period(label, day.replace(day=1), _month_end(day.year, day.month))


def quarter_bounds(day: date) -> Period:
    """The calendar quarter that contains `day`.

    >>> quarter_bounds(date(2024, 5, 17))
    Period(label='2024-Q2', start=datetime.date(2024, 4, 1), end=datetime.date(2024, 6, 30))
    """
    first_month = 3 * ((day.month - 1) // 3) + 1
    return Period(
        f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}",
        date(day.year, first_month, 1),
        _month_end(day.year, first_month + 2),
    )


def _clip(period: Period, as_of: date) -> Period:
    return Period(period.label, period.start, min(period.end, as_of))


def month_periods(as_of: date, n: int) -> list[Period]:
    """The `n` calendar months up to the one containing as_of, newest last; the newest
    ends on as_of (month to date).

    >>> [(p.label, str(p.start), str(p.end)) for p in month_periods(date(2024, 3, 15), 2)]
    [('2024-02', '2024-02-01', '2024-02-29'), ('2024-03', '2024-03-01', '2024-03-15')]
    """
    if n < 1:
        raise PeriodError("ask for at least one month")
    periods = []
    for back in range(n - 1, -1, -1):
        year, month = _months_back(as_of.year, as_of.month, back)
        periods.append(_clip(month_bounds(date(year, month, 1)), as_of))
    return periods


def quarter_periods(as_of: date, n: int) -> list[Period]:
    """The `n` calendar quarters up to the one containing as_of, newest last; the newest
    ends on as_of (quarter to date).

    >>> [(p.label, str(p.start), str(p.end)) for p in quarter_periods(date(2024, 2, 29), 2)]
    [('2023-Q4', '2023-10-01', '2023-12-31'), ('2024-Q1', '2024-01-01', '2024-02-29')]
    """
    if n < 1:
        raise PeriodError("ask for at least one quarter")
    first = quarter_bounds(as_of).start
    periods = []
    for back in range(n - 1, -1, -1):
        year, month = _months_back(first.year, first.month, 3 * back)
        periods.append(_clip(quarter_bounds(date(year, month, 1)), as_of))
    return periods


def trailing_days(as_of: date, days: int) -> Period:
    """The `days` days that end on as_of, as_of included (the DSO window).

    >>> trailing_days(date(2024, 3, 31), 90)
    Period(label='90d', start=datetime.date(2024, 1, 2), end=datetime.date(2024, 3, 31))
    """
    if days < 1:
        raise PeriodError("a window of at least one day")
    return Period(f"{days}d", as_of - timedelta(days=days - 1), as_of)


def dso(
    receivables_at_end: Decimal, revenue_in_period: Decimal, days_in_period: int
) -> Decimal | None:
    """Days sales outstanding, to one decimal place; None without revenue (or with a
    negative one, which credit notes could give).

    >>> dso(Decimal("300000.00"), Decimal("450000.00"), 90)
    Decimal('60.0')
    >>> dso(Decimal("100.00"), Decimal("0.00"), 90) is None
    True
    """
    if days_in_period < 1:
        raise PeriodError("a period of at least one day")
    if revenue_in_period <= 0:
        return None
    value = receivables_at_end / revenue_in_period * days_in_period
    return value.quantize(DSO_PLACES, rounding=ROUND_HALF_UP)


def collection_rate(
    collected: Decimal, opening_receivables: Decimal, invoiced_and_due_in_period: Decimal
) -> Decimal | None:
    """Collected ÷ (opening receivables + invoiced in the period that fell due in it), as a
    fraction to four places; None when there was nothing to collect.

    >>> collection_rate(Decimal("950.00"), Decimal("800.00"), Decimal("200.00"))
    Decimal('0.9500')
    >>> collection_rate(Decimal("5.00"), Decimal("0.00"), Decimal("0.00")) is None
    True
    """
    due = opening_receivables + invoiced_and_due_in_period
    if due == 0:
        return None
    return (collected / due).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def meets_target(rate: Decimal | None, target: Decimal = TARGET_RATE) -> bool | None:
    """Whether a rate reaches the target (≥); None when there is no rate.

    >>> meets_target(Decimal("0.9500")), meets_target(Decimal("0.9499")), meets_target(None)
    (True, False, None)
    """
    return None if rate is None else rate >= target


def average_days_late(total_days_late: int, instalments: int) -> Decimal | None:
    """Average of (paid date − due date) over settled instalments, negative when the
    customer pays early; None without history. Not rounded: `usual_lateness` rounds once,
    and pages round for display.

    >>> average_days_late(95, 4), average_days_late(-3, 2), average_days_late(0, 0)
    (Decimal('23.75'), Decimal('-1.5'), None)
    """
    if instalments < 1:
        return None
    return Decimal(total_days_late) / instalments


def usual_lateness(average: Decimal | None) -> int:
    """Days a customer's payment is expected after the due date: the average rounded
    half up, never below 0, 0 without history.

    >>> usual_lateness(Decimal("23.5")), usual_lateness(Decimal("-4.0")), usual_lateness(None)
    (24, 0, 0)
    """
    if average is None:
        return 0
    return max(0, int(average.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def expected_date(
    due_date: date,
    lateness_days: int,
    as_of: date,
    unknown_after_days: int | None = UNKNOWN_AFTER_DAYS,
) -> date | None:
    """When an open instalment's money is expected, None when we cannot say.

    Not yet due (due ≥ as_of): due + lateness. Past due: no earlier than as_of + 1 day,
    and None when due + lateness lies more than `unknown_after_days` before as_of
    (None: never give up on a date).

    >>> as_of = date(2024, 3, 1)
    >>> expected_date(date(2024, 3, 10), 5, as_of), expected_date(date(2024, 2, 20), 5, as_of)
    (datetime.date(2024, 3, 15), datetime.date(2024, 3, 2))
    >>> expected_date(date(2023, 10, 1), 5, as_of) is None
    True

    A due date at the calendar's end (a record typed before dates were bounded) is
    expected on its last day rather than overflowing the report for everyone.

    >>> expected_date(date(9999, 12, 31), 5, as_of)
    datetime.date(9999, 12, 31)
    """
    lateness = timedelta(days=max(0, lateness_days))
    expected = date.max if date.max - due_date < lateness else due_date + lateness
    if due_date >= as_of:
        return expected
    if unknown_after_days is not None and (as_of - expected).days > unknown_after_days:
        return None
    return max(expected, as_of + timedelta(days=1))


@dataclass(frozen=True)
class OpenInstalment(Generic[K]):
    """What is still open on one instalment (or several of one customer with one due date)."""

    due_date: date
    outstanding: Decimal
    customer: K


@dataclass(frozen=True)
class ForecastWeek:
    number: int
    start: date
    end: date
    amount: Decimal


@dataclass(frozen=True)
class Forecast:
    as_of: date
    weeks: tuple[ForecastWeek, ...]
    later: Decimal  # expected after the last week
    unknown: Decimal  # overdue, date unknown

    @property
    def remainder(self) -> Decimal:
        return self.later + self.unknown

    @property
    def total(self) -> Decimal:
        return sum((w.amount for w in self.weeks), ZERO) + self.remainder


def forecast_weeks(as_of: date, weeks: int = FORECAST_WEEKS) -> list[tuple[date, date]]:
    """(first, last day) of each forecast week; week 1 starts on as_of.

    >>> [(str(first), str(last)) for first, last in forecast_weeks(date(2024, 2, 26), 2)]
    [('2024-02-26', '2024-03-03'), ('2024-03-04', '2024-03-10')]
    """
    if weeks < 1:
        raise PeriodError("forecast at least one week")
    return [
        (as_of + timedelta(days=7 * k), as_of + timedelta(days=7 * k + 6)) for k in range(weeks)
    ]


def cash_forecast(
    as_of: date,
    instalments: Iterable[OpenInstalment[K]],
    days_late: Mapping[K, Decimal | None],
    *,
    weeks: int = FORECAST_WEEKS,
    unknown_after_days: int | None = UNKNOWN_AFTER_DAYS,
) -> Forecast:
    """Open money by the week it is expected in (see the module docstring); `days_late`
    maps a customer to its average days late (missing or None: no history).

    >>> as_of = date(2024, 3, 1)
    >>> items = [OpenInstalment(date(2024, 3, 4), Decimal("100.00"), "H1"),
    ...          OpenInstalment(date(2024, 3, 4), Decimal("50.00"), "H2"),
    ...          OpenInstalment(date(2023, 1, 31), Decimal("7.00"), "H2")]
    >>> result = cash_forecast(as_of, items, {"H1": Decimal("10")})
    >>> [(w.number, w.amount) for w in result.weeks if w.amount]
    [(1, Decimal('50.00')), (2, Decimal('100.00'))]
    >>> result.later, result.unknown, result.total
    (Decimal('0.00'), Decimal('7.00'), Decimal('157.00'))
    """
    ranges = forecast_weeks(as_of, weeks)
    horizon = ranges[-1][1]
    amounts = [ZERO] * weeks
    later = ZERO
    unknown = ZERO
    for item in instalments:
        lateness = usual_lateness(days_late.get(item.customer))
        expected = expected_date(item.due_date, lateness, as_of, unknown_after_days)
        if expected is None:
            unknown += item.outstanding
        elif expected > horizon:
            later += item.outstanding
        else:
            # expected ≥ as_of always: a past-due instalment is moved to as_of + 1 at least.
            amounts[(expected - as_of).days // 7] += item.outstanding
    return Forecast(
        as_of,
        tuple(
            ForecastWeek(number, start, end, amount)
            for number, ((start, end), amount) in enumerate(zip(ranges, amounts, strict=True), 1)
        ),
        later,
        unknown,
    )
