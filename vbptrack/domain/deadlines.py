"""The deadlines feed (API.md "deadlines"): dated items from every area, in one list.

Each area (tenders, awards, filings, contracts) turns its open records into `Deadline`s;
this module only decides which fall inside the window and in what order they are shown.

>>> from datetime import date
>>> items = [Deadline(date(2026, 3, 2), "tender_bid", "Bid", "T1"),
...          Deadline(date(2026, 3, 1), "contract_end", "End", "C1"),
...          Deadline(date(2026, 2, 28), "filing_expiry", "Old", "F1")]
>>> [d.ref for d in due_within(items, date(2026, 3, 1), 1)]
['C1', 'T1']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

# The kinds API.md names; areas may add their own.
KINDS = (
    "tender_registration",
    "tender_documents",
    "tender_bid",
    "filing_expiry",
    "contract_end",
    "contract_notice",
    "agreement_year_end",
)


@dataclass(frozen=True, order=True)
class Deadline:
    """One dated item: `ref` is the record's business key (tender code, contract number…)."""

    date: date
    kind: str
    title: str
    ref: str


def window(as_of: date, within_days: int) -> tuple[date, date]:
    """The closed range [as_of, as_of + within_days] the feed covers.

    >>> window(date(2024, 2, 28), 2)
    (datetime.date(2024, 2, 28), datetime.date(2024, 3, 1))
    """
    if within_days < 0:
        raise ValueError("within_days must not be negative")
    return as_of, as_of + timedelta(days=within_days)


def due_within(items: Iterable[Deadline], as_of: date, within_days: int) -> list[Deadline]:
    """Items dated inside the window, by date, then kind, then reference (a stable order)."""
    start, end = window(as_of, within_days)
    # By reference, not by title: titles are in the reader's language and would order
    # the same records differently in Chinese and English.
    return sorted(
        (item for item in items if start <= item.date <= end),
        key=lambda item: (item.date, item.kind, item.ref, item.title),
    )
