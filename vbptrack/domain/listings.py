"""Hospital listings (DOMAIN.md §5.7): the status of a product inside one hospital.

The main path runs not_started → applied → pharmacy_review → committee_scheduled →
approved_trial → listed; temporary_purchase, rejected and delisted are side paths. Reps
skip steps in real life (a committee may list a product straight after the
application), so any status may follow any other; what is refused is a change dated
before the current one, which would rewrite history.

Saving the status a listing already has is not a status change: with nothing new it
writes nothing, and with a new next step or note it is a follow-up entry in the history
that keeps the day the status began (`status_since`), so "days in status" and "stuck"
keep counting (a rep tapping Save on an old listing must not make it look fresh).

>>> from datetime import date, timedelta
>>> days_in_status(date(2026, 1, 1), date(2026, 3, 1))
59
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

STATUSES = (
    "not_started",
    "applied",
    "pharmacy_review",
    "committee_scheduled",
    "approved_trial",
    "listed",
    "temporary_purchase",
    "rejected",
    "delisted",
)
LISTED = "listed"
# Statuses where nothing is waiting on anyone: never "stuck".
SETTLED = frozenset({"listed", "rejected", "delisted"})
# An open listing untouched this long is stuck (configurable; the guide gives no number).
STUCK_DAYS = 60
# A listed product unused this long in a hospital counts as new again (§5.7).
UNUSED_MONTHS = 6


def days_in_status(since: date, as_of: date) -> int:
    """as_of − since, in days (API.md: `days_in_status`); 0 on the day of the change.

    >>> days_in_status(date(2024, 2, 28), date(2024, 3, 1))
    2
    """
    return (as_of - since).days


def change_problem(current_since: date | None, new_date: date) -> str | None:
    """Why a status change dated `new_date` cannot follow one dated `current_since`.

    The same day is allowed (two steps taken at one meeting).

    >>> change_problem(date(2026, 3, 2), date(2026, 3, 1))
    'dated_before_current'
    >>> change_problem(date(2026, 3, 2), date(2026, 3, 2)) is None
    True
    """
    if current_since is not None and new_date < current_since:
        return "dated_before_current"
    return None


def is_follow_up(current_status: str | None, new_status: str) -> bool:
    """A save that keeps the current status: a follow-up, not a status change.

    >>> is_follow_up("pharmacy_review", "pharmacy_review"), is_follow_up(None, "applied")
    (True, False)
    """
    return current_status is not None and current_status == new_status


def adds_nothing(
    current_next_step: str | None, new_next_step: str | None, note: str | None
) -> bool:
    """A follow-up with no note and no new next step: nothing to record.

    An empty next step keeps the current one (the form shows it filled in).

    >>> adds_nothing("约主任", "约主任", None), adds_nothing("约主任", None, None)
    (True, True)
    >>> adds_nothing("约主任", "交资料", None), adds_nothing(None, None, "已电话")
    (False, False)
    """
    return not note and (not new_next_step or new_next_step == current_next_step)


def status_since(history: Sequence[tuple[str, date]]) -> date | None:
    """The day the current status began, from the history newest first as (status, date):
    the date of the oldest entry in the run of entries with the newest one's status.

    >>> d = date(2026, 1, 1)
    >>> status_since([("applied", d.replace(day=20)), ("applied", d.replace(day=5)),
    ...               ("not_started", d)])
    datetime.date(2026, 1, 5)
    >>> status_since([]) is None
    True
    """
    if not history:
        return None
    current, since = history[0]
    for status, day in history:
        if status != current:
            break
        since = day
    return since


def is_stuck(status: str, since: date, as_of: date, stuck_days: int = STUCK_DAYS) -> bool:
    """An open listing whose status has not moved for `stuck_days` or more.

    >>> is_stuck("pharmacy_review", date(2026, 1, 1), date(2026, 3, 2))
    True
    >>> is_stuck("listed", date(2020, 1, 1), date(2026, 3, 2))
    False
    """
    return status not in SETTLED and since <= stuck_since(as_of, stuck_days)


def stuck_since(as_of: date, stuck_days: int = STUCK_DAYS) -> date:
    """The latest status date that is stuck on `as_of` (for an open status): a query
    can then find stuck listings with `since <= stuck_since(as_of)`.

    >>> stuck_since(date(2024, 3, 1))
    datetime.date(2024, 1, 1)
    """
    return as_of - timedelta(days=stuck_days)


def unused_since(
    last_purchase_date: date | None,
    as_of: date,
    *,
    listed_since: date | None = None,
    months: int = UNUSED_MONTHS,
) -> bool:
    """True when a listed product has had no purchase for more than `months` months:
    it then counts as new again in that hospital (flag it, never change the status).

    Counted from the later of the last purchase and the listing date (a purchase before
    the listing, a temporary one, does not make a new listing "unused"); calendar months,
    clamped at month ends (Aug 31 + 6 months = Feb 28/29). Exactly six months is not yet
    "more than six months".

    >>> unused_since(date(2025, 8, 31), date(2026, 2, 28))
    False
    >>> unused_since(date(2025, 8, 31), date(2026, 3, 1))
    True
    >>> unused_since(None, date(2026, 3, 1)) # nothing known: no flag
    False
    >>> unused_since(date(2025, 1, 1), date(2026, 3, 1), listed_since=date(2026, 1, 15))
    False
    """
    known = [day for day in (last_purchase_date, listed_since) if day is not None]
    if not known:
        return False
    return as_of > max(known) + relativedelta(months=months)
