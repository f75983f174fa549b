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

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def paginate(session: Session, statement: Select[Any], *, page: int, per_page: int) -> Page[Any]:
    page = max(1, page)
    count_statement = select(func.count()).select_from(statement.order_by(None).subquery())
    total = session.execute(count_statement).scalar_one()
    rows = session.execute(statement.limit(per_page).offset((page - 1) * per_page)).scalars()
    return Page(items=list(rows), page=page, per_page=per_page, total=total)


def matches_text(text: str, *columns: Any) -> Any:
    """Case-insensitive "contains" over several columns.

    `%` and `_` in what the user typed are matched literally, not as LIKE wildcards:
    codes often contain `_`.
    """
    needle = text.strip()
    return or_(*(column.icontains(needle, autoescape=True) for column in columns))
