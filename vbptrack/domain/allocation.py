"""Spreading money over open items: oldest (earliest due) first."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class OpenItem(Generic[K]):
    key: K
    due_date: date
    outstanding: Decimal


def oldest_first(items: Sequence[OpenItem[K]], amount: Decimal) -> list[tuple[K, Decimal]]:
    """Allocate `amount` to items by earliest due date (then the given order) until it runs
    out; returns (key, allocated) for items that get something. What cannot be placed
    stays with the caller (unapplied).

    >>> items = [OpenItem("b", date(2024, 2, 1), Decimal("50")),
    ...          OpenItem("a", date(2024, 1, 1), Decimal("30"))]
    >>> oldest_first(items, Decimal("40"))
    [('a', Decimal('30')), ('b', Decimal('10'))]
    """
    if amount < 0:
        raise ValueError("cannot allocate a negative amount")
    remaining = amount
    result: list[tuple[K, Decimal]] = []
    ordered = sorted(enumerate(items), key=lambda pair: (pair[1].due_date, pair[0]))
    for _, item in ordered:
        if remaining <= 0:
            break
        if item.outstanding <= 0:
            continue
        take = min(item.outstanding, remaining)
        result.append((item.key, take))
        remaining -= take
    return result


def settlement_date(received_on: date, invoice_date: date) -> date:
    """The day money counts against an invoice: never before the invoice exists. Money
    received earlier was unapplied cash until then, and an ageing for that day says so.

    >>> settlement_date(date(2024, 1, 5), date(2024, 1, 10))
    datetime.date(2024, 1, 10)
    """
    return max(received_on, invoice_date)
