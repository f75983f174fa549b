"""Payment terms: from a base date to due dates, and an amount split into instalments.

The four rules of the domain guide §5.2 (N ≥ 0):

1. ``days_after_base``            base + N days
2. ``days_after_base_month_end``  last day of base's month + N days
3. ``months_after_base``          base + N calendar months, clamped to the month's end
4. ``end_of_month_after_months``  last day of the month N months after base's month

The base is the invoice date or the delivery acceptance date (验收日), per instalment.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from vbptrack.domain.money import quantize

HUNDRED = Decimal(100)


class Rule(StrEnum):
    DAYS_AFTER_BASE = "days_after_base"
    DAYS_AFTER_BASE_MONTH_END = "days_after_base_month_end"
    MONTHS_AFTER_BASE = "months_after_base"
    END_OF_MONTH_AFTER_MONTHS = "end_of_month_after_months"


class Base(StrEnum):
    INVOICE_DATE = "invoice_date"
    ACCEPTANCE_DATE = "acceptance_date"


class TermError(ValueError):
    """A term that cannot be applied; the message says why."""


def month_end(day: date) -> date:
    """
    >>> month_end(date(2024, 2, 10))
    datetime.date(2024, 2, 29)
    """
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def due_date(rule: Rule, n: int, base: date) -> date:
    """The due date that `rule` with `n` gives for a base date.

    >>> due_date(Rule.END_OF_MONTH_AFTER_MONTHS, 1, date(2016, 1, 22))
    datetime.date(2016, 2, 29)
    """
    if n < 0:
        raise TermError("N must not be negative")
    if rule is Rule.DAYS_AFTER_BASE:
        return base + timedelta(days=n)
    if rule is Rule.DAYS_AFTER_BASE_MONTH_END:
        return month_end(base) + timedelta(days=n)
    if rule is Rule.MONTHS_AFTER_BASE:
        return base + relativedelta(months=n)  # relativedelta clamps Jan 31 + 1 to Feb 28/29
    if rule is Rule.END_OF_MONTH_AFTER_MONTHS:
        return month_end(base.replace(day=1) + relativedelta(months=n))
    raise TermError(f"unknown rule {rule}")


@dataclass(frozen=True)
class Instalment:
    portion: Decimal  # percent of the amount, e.g. Decimal("30")
    rule: Rule
    n: int
    base: Base = Base.INVOICE_DATE


@dataclass(frozen=True)
class PaymentTerm:
    code: str
    name: str
    instalments: tuple[Instalment, ...]

    @property
    def needs_acceptance_date(self) -> bool:
        return any(item.base is Base.ACCEPTANCE_DATE for item in self.instalments)


# The base date `nominal_days` measures from: the middle of a 30-day month, so a month-end
# rule counts a typical 15 days to the month's end.
NOMINAL_BASE = date(2001, 6, 15)


def nominal_days(instalments: Sequence[Instalment]) -> Decimal:
    """How long a term gives, in days: each instalment's days from the base to its due
    date, weighted by its portion. What lists sort terms by (NET90 before NET120, which
    their codes sort the other way round).

    >>> net = lambda n: [Instalment(Decimal(100), Rule.DAYS_AFTER_BASE, n)]
    >>> nominal_days(net(90)) < nominal_days(net(120))
    True
    >>> nominal_days([Instalment(Decimal(100), Rule.END_OF_MONTH_AFTER_MONTHS, 1)])
    Decimal('46')
    >>> nominal_days([Instalment(Decimal(30), Rule.DAYS_AFTER_BASE, 0),
    ...               Instalment(Decimal(70), Rule.DAYS_AFTER_BASE, 90)])
    Decimal('63')
    """
    return (
        sum(
            (
                item.portion * (due_date(item.rule, item.n, NOMINAL_BASE) - NOMINAL_BASE).days
                for item in instalments
            ),
            Decimal(0),
        )
        / HUNDRED
    )


def check_portions(instalments: Sequence[Instalment]) -> None:
    """Portions are positive and sum to exactly 100.

    >>> check_portions([Instalment(Decimal("100"), Rule.DAYS_AFTER_BASE, 90)])
    """
    if not instalments:
        raise TermError("a term needs at least one instalment")
    if any(item.portion <= 0 for item in instalments):
        raise TermError("every portion must be more than 0")
    total = sum((item.portion for item in instalments), Decimal(0))
    if total != HUNDRED:
        raise TermError(f"portions must sum to exactly 100, not {total}")


@dataclass(frozen=True)
class ScheduledInstalment:
    due_date: date
    amount: Decimal


def schedule(
    term: PaymentTerm,
    *,
    invoice_date: date,
    amount: Decimal,
    acceptance_date: date | None = None,
) -> list[ScheduledInstalment]:
    """Due dates and amounts; each portion rounds half up, the last takes the remainder.

    >>> term = PaymentTerm("T", "30/70", (Instalment(Decimal("30"), Rule.DAYS_AFTER_BASE, 0),
    ...                                   Instalment(Decimal("70"), Rule.DAYS_AFTER_BASE, 90)))
    >>> [(i.due_date.isoformat(), str(i.amount)) for i in schedule(
    ...     term, invoice_date=date(2024, 1, 1), amount=Decimal("100.01"))]
    [('2024-01-01', '30.00'), ('2024-03-31', '70.01')]
    """
    check_portions(term.instalments)
    if term.needs_acceptance_date and acceptance_date is None:
        raise TermError("this payment term counts from the acceptance date, which is missing")
    result: list[ScheduledInstalment] = []
    allocated = Decimal("0.00")
    for index, item in enumerate(term.instalments):
        base = acceptance_date if item.base is Base.ACCEPTANCE_DATE else invoice_date
        assert base is not None
        if index == len(term.instalments) - 1:
            part = amount - allocated
        else:
            part = quantize(amount * item.portion / HUNDRED)
            allocated += part
        result.append(ScheduledInstalment(due_date(item.rule, item.n, base), part))
    return result
