"""Dunning rules (domain guide §5.4): which level a customer's next letter has, whether a
letter may go out at all, and the letter's interest, fee and totals.

Pure functions: the run (services/dunning.py) loads what is open as of a date, asks these
rules, and writes what they decide.

- Interest per line = outstanding × annual rate ÷ 100 ÷ 365 × days past due, rounded half
  up to 0.01 per line; the letter's interest is the sum of its lines.
- Grand total = outstanding + interest + fee.
- A customer's level is the highest level whose minimum days past due its oldest overdue
  line reaches, but at most one above its last letter's level.
- No letter within the minimum interval of the last one, and never two on the same day
  (a second run on the same date issues nothing new, whatever the interval).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from vbptrack.domain.money import ZERO, quantize

DAYS_PER_YEAR = Decimal(365)
HUNDRED = Decimal(100)
MAX_LEVELS = 9


@dataclass(frozen=True)
class Level:
    level: int
    min_days_past_due: int
    annual_interest_rate: Decimal = ZERO  # percent per year: "6" is 6 %
    fee: Decimal = ZERO


@dataclass(frozen=True)
class Line:
    """One overdue instalment on a letter."""

    invoice_number: str
    due_date: date
    days_past_due: int
    outstanding: Decimal
    interest: Decimal


@dataclass(frozen=True)
class Totals:
    outstanding: Decimal
    interest: Decimal
    fee: Decimal

    @property
    def grand_total(self) -> Decimal:
        return self.outstanding + self.interest + self.fee


def interest(outstanding: Decimal, annual_rate: Decimal, days_past_due: int) -> Decimal:
    """Interest on one overdue amount, rounded half up to the fen.

    >>> interest(Decimal("10000.00"), Decimal("6"), 30)
    Decimal('49.32')
    >>> interest(Decimal("10000.00"), Decimal("0"), 30)
    Decimal('0.00')
    """
    if days_past_due <= 0 or annual_rate <= 0 or outstanding <= 0:
        return ZERO
    return quantize(outstanding * annual_rate / HUNDRED / DAYS_PER_YEAR * days_past_due)


def line(
    invoice_number: str, due_date: date, as_of: date, outstanding: Decimal, level: Level
) -> Line:
    """A letter line for an instalment as of a date, with the level's interest."""
    days = (as_of - due_date).days
    return Line(
        invoice_number=invoice_number,
        due_date=due_date,
        days_past_due=days,
        outstanding=outstanding,
        interest=interest(outstanding, level.annual_interest_rate, days),
    )


def totals(lines: Sequence[Line], fee: Decimal) -> Totals:
    """Sums of the lines plus the level's fee.

    >>> t = totals([Line("A", date(2024, 1, 1), 10, Decimal("100.00"), Decimal("0.16"))],
    ...            Decimal("50"))
    >>> t.grand_total
    Decimal('150.16')
    """
    return Totals(
        outstanding=sum((item.outstanding for item in lines), ZERO),
        interest=sum((item.interest for item in lines), ZERO),
        fee=quantize(fee),
    )


def reached_level(levels: Sequence[Level], days_past_due: int) -> int:
    """The highest level whose minimum days past due is reached; 0 when none is.

    >>> levels = [Level(1, 1), Level(2, 31), Level(3, 61)]
    >>> [reached_level(levels, d) for d in (0, 1, 30, 31, 60, 61, 400)]
    [0, 1, 1, 2, 2, 3, 3]
    """
    reached = 0
    for level in levels:
        if days_past_due >= level.min_days_past_due:
            reached = max(reached, level.level)
    return reached


def next_level(levels: Sequence[Level], days_past_due: int, last_level: int | None) -> int:
    """The level of the customer's next letter: what its oldest overdue line reaches, but
    at most one above the last letter's (0: no letter).

    >>> levels = [Level(1, 1), Level(2, 31), Level(3, 61)]
    >>> next_level(levels, 90, None), next_level(levels, 90, 1), next_level(levels, 90, 3)
    (1, 2, 3)
    >>> next_level(levels, 5, 3)
    1
    """
    reached = reached_level(levels, days_past_due)
    if reached == 0:
        return 0
    return min(reached, (last_level or 0) + 1)


def may_send(as_of: date, last_letter: date | None, min_interval_days: int) -> bool:
    """No letter inside the interval after the last one, and never a second on one day.

    >>> may_send(date(2024, 3, 15), date(2024, 3, 1), 14)
    True
    >>> may_send(date(2024, 3, 14), date(2024, 3, 1), 14)
    False
    >>> may_send(date(2024, 3, 1), date(2024, 3, 1), 0)
    False
    """
    if last_letter is None:
        return True
    if as_of <= last_letter:
        return False
    return as_of >= last_letter + timedelta(days=min_interval_days)


def payment_deadline(as_of: date, deadline_days: int) -> date:
    """The day by which the letter asks to be paid.

    >>> payment_deadline(date(2024, 12, 25), 10)
    datetime.date(2025, 1, 4)
    """
    return as_of + timedelta(days=deadline_days)


def letter_number(year: int, sequence: int) -> str:
    """The letter's number: DL-YYYY-NNNNNN, counted per year.

    >>> letter_number(2026, 123)
    'DL-2026-000123'
    """
    return f"DL-{year:04d}-{sequence:06d}"


def check_levels(levels: Sequence[Level]) -> str | None:
    """What is wrong with a set of levels (None: nothing). Levels are numbered 1…n and
    their minimum days past due strictly increase, so escalation always goes upward.

    >>> check_levels([Level(1, 1), Level(2, 31)]) is None
    True
    >>> check_levels([Level(1, 31), Level(2, 1)])
    'minimum days past due must increase with the level'
    """
    if not levels:
        return "give at least one level"
    if len(levels) > MAX_LEVELS:
        return f"at most {MAX_LEVELS} levels"
    if [item.level for item in levels] != list(range(1, len(levels) + 1)):
        return "levels are numbered 1, 2, 3 … in order"
    days = [item.min_days_past_due for item in levels]
    if days[0] < 1:
        return "a letter is only for what is overdue: at least 1 day past due"
    if any(later <= earlier for earlier, later in zip(days, days[1:], strict=False)):
        return "minimum days past due must increase with the level"
    return None
