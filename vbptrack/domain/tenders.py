"""Tenders (招投标, DOMAIN.md §5.5): the status pipeline, the key dates and their reminders.

>>> from datetime import date
>>> reminder_dates(date(2024, 3, 1))
[datetime.date(2024, 2, 16), datetime.date(2024, 2, 23), datetime.date(2024, 2, 29)]
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, timedelta

KINDS = ("national_vbp", "alliance", "provincial", "hospital")
# A national batch (国家组织药品集中采购) concerns every province, whatever provinces
# the record lists: every rep follows it.
NATIONAL_KINDS = frozenset({"national_vbp"})

STATUSES = (
    "planned",
    "registered",
    "documents_submitted",
    "bid_submitted",
    "result_published",
    "appeal",
    "won",
    "lost",
    "withdrawn",
    "cancelled",
)
# A tender in one of these has no more deadlines to meet.
CLOSED = frozenset({"won", "lost", "withdrawn", "cancelled"})

# The key dates in the order they fall; the first three are deadlines we must meet.
DATE_KINDS = ("announcement", "registration", "documents", "bid", "opening", "result")
DEADLINE_KINDS = {
    "registration": "tender_registration",
    "documents": "tender_documents",
    "bid": "tender_bid",
}

OUTCOMES = ("pending", "won", "lost", "withdrawn")

DEFAULT_REMINDER_DAYS = (14, 7, 1)


def reminder_dates(
    deadline: date, days_before: Sequence[int] = DEFAULT_REMINDER_DAYS
) -> list[date]:
    """The days to remind someone of a deadline, earliest first (configurable offsets).

    >>> reminder_dates(date(2025, 1, 1), (1,))
    [datetime.date(2024, 12, 31)]
    """
    if any(days < 0 for days in days_before):
        raise ValueError("reminders come before the deadline")
    return sorted({deadline - timedelta(days=days) for days in days_before})


def reminders_due(
    deadline: date, as_of: date, days_before: Sequence[int] = DEFAULT_REMINDER_DAYS
) -> bool:
    """True on a day a reminder for `deadline` goes out.

    >>> deadline = date(2024, 3, 1)
    >>> reminders_due(deadline, date(2024, 2, 29)), reminders_due(deadline, date(2024, 2, 28))
    (True, False)
    """
    return as_of in reminder_dates(deadline, days_before)


def is_open(status: str) -> bool:
    """
    >>> is_open("registered"), is_open("withdrawn")
    (True, False)
    """
    if status not in STATUSES:
        raise ValueError(f"unknown tender status {status!r}")
    return status not in CLOSED


def concerns_territory(kind: str, provinces: Collection[str], territory: Collection[str]) -> bool:
    """Whether a rep whose territory covers the provinces `territory` follows a tender of
    `kind` held in `provinces`: a national tender, a tender naming no province (nobody
    said where it applies, so it may apply anywhere), or one naming a province of theirs.

    >>> concerns_territory("alliance", ["32", "31"], ["31"])
    True
    >>> concerns_territory("provincial", ["44"], ["31"])
    False
    >>> concerns_territory("national_vbp", ["44"], [])
    True
    """
    if kind in NATIONAL_KINDS or not provinces:
        return True
    return not set(provinces).isdisjoint(territory)


def price_per_pack(price_per_unit_fen: int, pack_size: int) -> int:
    """Bid price per pack from the price per smallest unit (both in fen).

    >>> price_per_pack(125, 28)
    3500
    """
    if pack_size < 1:
        raise ValueError("a pack holds at least one unit")
    return price_per_unit_fen * pack_size
