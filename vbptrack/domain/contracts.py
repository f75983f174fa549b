"""Contracts and renewals (DOMAIN.md §5.8): the status on any date, and the dates
that need a reminder.

An auto-renewing contract rolls on by `months` each time the last day to give notice
passes without notice; notice is given by terminating it (the termination date is the
day the contract stops being in force). A manual contract simply ends.

>>> from datetime import date
>>> c = ContractTerms(date(2026, 1, 1), date(2026, 12, 31))
>>> status(c, date(2026, 12, 31)), status(c, date(2027, 1, 1))
('expiring', 'expired')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

KINDS = ("supply", "distribution", "vbp_purchase", "service")
MANUAL, AUTO = "manual", "auto"
RENEWAL_MODES = (MANUAL, AUTO)
STATUSES = ("draft", "active", "expiring", "expired", "renewed", "terminated")
# A contract ending within this many days and not renewed is "expiring" (API.md default).
WARNING_DAYS = 90
# Reminders before the end (configurable; the guide's default).
REMINDER_DAYS = (90, 60, 30)


@dataclass(frozen=True)
class ContractTerms:
    """What the status depends on; dates are inclusive (the end day is in force)."""

    start: date
    end: date
    renewal_mode: str = MANUAL
    notice_days: int = 0
    renewal_months: int = 0
    renewed_on: date | None = None  # the day a successor was recorded
    terminated_on: date | None = None  # the first day no longer in force
    successor_start: date | None = None  # the first day the successor is in force

    @property
    def rolls(self) -> bool:
        return self.renewal_mode == AUTO and self.renewal_months > 0


def notice_day(end: date, notice_days: int) -> date:
    """The last day to give notice: `notice_days` before the end.

    >>> notice_day(date(2026, 12, 31), 30)
    datetime.date(2026, 12, 1)
    """
    return end - timedelta(days=notice_days)


def period_ends(terms: ContractTerms) -> Iterator[date]:
    """The end of each period: the agreed end, then (auto renewal) every `months`
    after it, counted from the agreed end so month ends do not drift (Jan 31 + 1 month
    = Feb 28, + 2 months = Mar 31). Endless for an auto contract: the caller stops."""
    yield terms.end
    if not terms.rolls:
        return
    step = 1
    while True:
        yield terms.end + relativedelta(months=terms.renewal_months * step)
        step += 1


def periods_rolled(terms: ContractTerms, as_of: date) -> int:
    """How many times an auto contract has rolled on by `as_of`: the number of its period
    ends before the one in force (0 for a manual contract, or before the first notice day
    has passed).

    Period k ends `end + k × months` (month ends clamped, counted from the agreed end).
    A period is the one in force when notice can still be given for it (`as_of` on or
    before its notice day), or when the contract was terminated or renewed by its end.
    The smallest such k is computed from month numbers rather than by stepping through
    the periods, so the database can compute the same number for a whole list
    (services.contracts.end_in_force_sql), and a test holds the two equal.

    >>> t = ContractTerms(date(2026, 1, 31), date(2026, 1, 31), AUTO, 0, 1)
    >>> [periods_rolled(t, d) for d in (date(2026, 1, 31), date(2026, 2, 1),
    ...                                  date(2026, 2, 28), date(2026, 3, 1))]
    [0, 1, 1, 2]
    """
    if not terms.rolls:
        return 0
    limits = [as_of + timedelta(days=terms.notice_days)]
    limits += [day for day in (terms.terminated_on, terms.renewed_on) if day is not None]
    return min(_first_period_ending_on_or_after(terms, day) for day in limits)


def _first_period_ending_on_or_after(terms: ContractTerms, day: date) -> int:
    """The smallest k >= 0 with `day` <= end + k × months.

    A later month is always later; in the same month the period ends on the agreed end's
    day (or the month's last day, which `day` cannot pass), so `day` is on or before it
    exactly when its day of the month is not after the agreed end's."""
    months = (day.year * 12 + day.month) - (terms.end.year * 12 + terms.end.month)
    if day.day > terms.end.day:
        months += 1
    if months <= 0:
        return 0
    return -(-months // terms.renewal_months)


def current_end(terms: ContractTerms, as_of: date) -> date:
    """The end of the term in force on `as_of` (the agreed end, or for an auto contract
    the end of the period it has rolled into). Pages, lists and the deadlines feed all
    use it.

    An auto contract's period rolls once its last notice day has passed without a
    termination; on the last notice day itself notice can still be given.

    >>> t = ContractTerms(date(2026, 1, 1), date(2026, 12, 31), AUTO, 30, 12)
    >>> current_end(t, date(2026, 12, 1)), current_end(t, date(2026, 12, 2))
    (datetime.date(2026, 12, 31), datetime.date(2027, 12, 31))
    """
    rolled = periods_rolled(terms, as_of)
    if rolled == 0:
        return terms.end
    return terms.end + relativedelta(months=terms.renewal_months * rolled)


def status(terms: ContractTerms, as_of: date, warning_days: int = WARNING_DAYS) -> str:
    """draft (not yet in force), active, expiring (ends within `warning_days` and not
    renewed; 90 days left is within), expired, renewed, terminated.

    Renewed from the day the successor was recorded or the day it starts, whichever
    comes first: the status on a date is about the business on that date, so a renewal
    recorded late still covers the days its successor was in force (the day it was
    recorded stays in the history).

    >>> t = ContractTerms(date(2026, 1, 1), date(2026, 12, 31))
    >>> [status(t, d) for d in (date(2025, 12, 31), date(2026, 10, 1), date(2026, 10, 2))]
    ['draft', 'active', 'expiring']
    >>> late = ContractTerms(date(2026, 1, 1), date(2026, 12, 31), renewed_on=date(2027, 1, 20),
    ...                      successor_start=date(2027, 1, 1))
    >>> status(late, date(2027, 1, 5))
    'renewed'
    """
    if terms.terminated_on is not None and as_of >= terms.terminated_on:
        return "terminated"
    if terms.renewed_on is not None and as_of >= terms.renewed_on:
        return "renewed"
    if terms.successor_start is not None and as_of >= terms.successor_start:
        return "renewed"
    if as_of < terms.start:
        return "draft"
    end = current_end(terms, as_of)
    if terms.terminated_on is not None:
        end = min(end, terms.terminated_on - timedelta(days=1))
    if as_of > end:
        return "expired"
    # An auto contract that will roll on is not expiring; one with notice given is.
    will_roll = terms.rolls and terms.terminated_on is None
    if not will_roll and (end - as_of).days <= warning_days:
        return "expiring"
    return "active"


def dates_problem(start: date, end: date) -> str | None:
    """Why a contract's term is impossible, or None.

    >>> dates_problem(date(2026, 2, 1), date(2026, 1, 31))
    'end_before_start'
    """
    if end < start:
        return "end_before_start"
    return None


@dataclass(frozen=True, order=True)
class Reminder:
    date: date
    kind: str  # contract_end or contract_notice
    due: dt.date  # the end or the notice day it reminds of


def deadlines(terms: ContractTerms, start: date, end: date) -> list[Reminder]:
    """The ends (contract_end) and last notice days (contract_notice, auto renewal
    only) dated in [start, end], from the term in force on `start` on: a period an auto
    contract has already rolled past (its notice day gone) does not end. A renewed or
    terminated contract is closed: it lists nothing (API.md), its successor carries the
    dates on.

    >>> t = ContractTerms(date(2026, 1, 1), date(2026, 12, 31), AUTO, 30, 12)
    >>> [(r.kind, r.date.isoformat()) for r in deadlines(t, date(2026, 11, 1), date(2027, 1, 1))]
    [('contract_notice', '2026-12-01'), ('contract_end', '2026-12-31')]
    >>> [(r.kind, r.date.isoformat()) for r in deadlines(t, date(2026, 12, 2), date(2027, 1, 1))]
    []
    """
    if terms.renewed_on is not None or terms.terminated_on is not None:
        return []
    in_force = current_end(terms, start)
    found: list[Reminder] = []
    for period_end in period_ends(terms):
        if period_end < in_force:
            continue
        notice = notice_day(period_end, terms.notice_days)
        if period_end > end and (not terms.rolls or notice > end):
            break
        if start <= period_end <= end:
            found.append(Reminder(period_end, "contract_end", period_end))
        if terms.rolls and start <= notice <= end:
            found.append(Reminder(notice, "contract_notice", period_end))
    return sorted(found)


def reminder_dates(due: date, reminder_days: tuple[int, ...] = REMINDER_DAYS) -> list[date]:
    """The days a reminder goes out before `due` (90, 60, 30 days), earliest first.

    >>> reminder_dates(date(2026, 3, 31))
    [datetime.date(2025, 12, 31), datetime.date(2026, 1, 30), datetime.date(2026, 3, 1)]
    """
    return sorted(due - timedelta(days=days) for days in reminder_days)


def renewal_start(old_end: date) -> date:
    """A successor starts the day after its predecessor ends (API.md default).

    >>> renewal_start(date(2024, 2, 28))
    datetime.date(2024, 2, 29)
    """
    return old_end + timedelta(days=1)


def term_in_force(
    contracts: list[tuple[date, date, date | None, int | None]], on: date
) -> int | None:
    """The payment term of the contract in force on `on` among (start, end,
    terminated_on, term id) rows, the latest start winning; None when there is none.
    (Auto renewals are ignored here: an invoice after the agreed end falls back to the
    customer's default unless a renewal was recorded.)

    >>> term_in_force([(date(2026, 1, 1), date(2026, 12, 31), None, 7)], date(2026, 5, 1))
    7
    >>> term_in_force([(date(2026, 1, 1), date(2026, 12, 31), date(2026, 5, 1), 7)],
    ...               date(2026, 5, 1)) is None
    True
    """
    best: tuple[date, int] | None = None
    for start, end, terminated_on, term_id in contracts:
        if term_id is None or not start <= on <= end:
            continue
        if terminated_on is not None and on >= terminated_on:
            continue
        if best is None or start > best[0]:
            best = (start, term_id)
    return None if best is None else best[1]
