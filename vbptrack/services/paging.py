"""One page of a query: the SQL does the counting and the slicing, never Python."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.sql import Select
from sqlmodel import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    per_page: int
    total: int
    # False when `total` is only "at least": enough to know whether a next page exists.
    exact: bool = True

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def paginate(
    session: Session, statement: Select[Any], *, page: int, per_page: int, count: bool = True
) -> Page[Any]:
    """One page of rows. With `count=False` the total is not computed (it is -1): on a
    table of millions an exact count costs more than the page, so big lists fetch one row
    more than they show to know whether a next page exists."""
    page = max(1, page)
    offset = (page - 1) * per_page
    if not count:
        rows = list(session.execute(statement.limit(per_page + 1).offset(offset)).scalars())
        more = len(rows) > per_page
        total = offset + len(rows) + (1 if more else 0)
        return Page(items=rows[:per_page], page=page, per_page=per_page, total=total, exact=False)
    count_statement = select(func.count()).select_from(statement.order_by(None).subquery())
    total = session.execute(count_statement).scalar_one()
    items = session.execute(statement.limit(per_page).offset(offset)).scalars()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def matches_text(text: str, *columns: Any) -> Any:
    """Case-insensitive "contains" over several columns.

    `%` and `_` in what the user typed are matched literally, not as LIKE wildcards:
    codes often contain `_`.
    """
    needle = text.strip()
    return or_(*(column.icontains(needle, autoescape=True) for column in columns))
