"""Deadline reminders (DOMAIN.md §5.5, §5.7, §5.8): which reminder goes out today.

A deadline has reminder offsets (tenders 14, 7, 1 days before; filings 90, 30, 7;
contracts 90, 60, 30). The reminder for offset k falls due on deadline − k days. The
daily run sends it that day; if the run missed the day (a weekend, an outage) it sends
it late, but only the most recent reminder that has fallen due: two reminders about one
deadline in one e-mail say nothing the nearer one does not. The deadline day itself
still gets its last reminder if it has not gone out; a passed deadline gets nothing.

>>> from datetime import date
>>> due_offset(date(2026, 3, 20), (14, 7, 1), date(2026, 3, 13), sent=(14,))
7
>>> due_offset(date(2026, 3, 20), (14, 7, 1), date(2026, 3, 14), sent=(14, 7)) is None
True
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta


def reminder_day(deadline: date, offset: int) -> date:
    """The day the reminder `offset` days before `deadline` falls due.

    >>> reminder_day(date(2024, 3, 7), 7)
    datetime.date(2024, 2, 29)
    """
    if offset < 0:
        raise ValueError("a reminder comes before its deadline")
    return deadline - timedelta(days=offset)


def due_offset(
    deadline: date, offsets: Iterable[int], as_of: date, sent: Collection[int] = ()
) -> int | None:
    """The offset whose reminder goes out on `as_of`, or None.

    It is the smallest offset whose day has come (the most recent to fall due), unless
    that one or a nearer one has gone out already: a reminder older than one sent is
    stale (this also covers offsets changed in the configuration since).

    >>> due_offset(date(2026, 1, 1), (14, 7, 1), date(2025, 12, 26))  # day 6: only 7
    7
    >>> due_offset(date(2026, 1, 1), (14, 7, 1), date(2026, 1, 2)) is None  # passed
    True
    """
    if as_of > deadline:
        return None
    fallen = [k for k in offsets if reminder_day(deadline, k) <= as_of]
    if not fallen:
        return None
    latest = min(fallen)
    if any(k <= latest for k in sent):
        return None
    return latest


def days_left(deadline: date, as_of: date) -> int:
    """Whole days from `as_of` to the deadline: 0 on the day, 1 the day before.

    >>> days_left(date(2025, 1, 1), date(2024, 12, 31))
    1
    """
    return (deadline - as_of).days


def parse_offsets(text: str, name: str = "reminder days") -> tuple[int, ...]:
    """A setting such as "14,7,1" as distinct offsets, largest first.

    >>> parse_offsets(" 1, 14,7 ,7")
    (14, 7, 1)
    """
    try:
        offsets = {int(part) for part in text.split(",") if part.strip()}
    except ValueError as exc:
        raise ValueError(f"{name} must read like 14,7,1, not {text!r}") from exc
    if not offsets or min(offsets) < 0:
        raise ValueError(f"{name} needs whole days of 0 or more, like 14,7,1: {text!r}")
    return tuple(sorted(offsets, reverse=True))
