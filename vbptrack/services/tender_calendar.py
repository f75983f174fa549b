"""The tender pipeline seen whole: list items, the board by status, each tender's next key
date, and the calendar of key dates for a month; each of the actor's territory."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from vbptrack.domain import tenders as rules
from vbptrack.models import Tender, TenderProvince
from vbptrack.services.access import Actor
from vbptrack.services.tenders import DATE_COLUMNS, TenderView, in_territory


def summaries(session: Session, tenders: list[Tender]) -> list[dict[str, Any]]:
    """List items: each tender without its history, lines and documents; provinces of
    the whole page in one query."""
    ids = [t.id for t in tenders]
    provinces: dict[int, list[str]] = {}
    for tender_id, code in session.execute(
        select(TenderProvince.tender_id, TenderProvince.province_code)
        .where(col(TenderProvince.tender_id).in_(ids))
        .order_by(col(TenderProvince.province_code))
    ):
        provinces.setdefault(tender_id, []).append(code)
    return [
        {
            "code": t.code,
            "title": t.title,
            "kind": t.kind,
            "platform": t.platform,
            "status": t.status,
            "province_codes": provinces.get(t.id, []),  # type: ignore[arg-type]
            "dates": TenderView(t, [], [], [], []).dates(),
        }
        for t in tenders
    ]


def board(
    session: Session, *, actor: Actor, per_status: int = 20
) -> list[tuple[str, int, list[Tender]]]:
    """The pipeline board: per status its count and the tenders next due first."""
    visible = in_territory(actor)
    counts = dict(
        session.execute(
            select(Tender.status, func.count()).where(visible).group_by(col(Tender.status))
        ).all()
    )
    columns = []
    next_date = func.coalesce(Tender.registration_date, Tender.documents_date, Tender.bid_date)
    for status in rules.STATUSES:
        tenders = list(
            session.execute(
                select(Tender)
                .where(Tender.status == status, visible)
                .order_by(next_date.is_(None), next_date, col(Tender.code))
                .limit(per_status)
            ).scalars()
        )
        columns.append((status, int(counts.get(status, 0)), tenders))
    return columns


def next_date(tender: Tender, today: date) -> tuple[str, date] | None:
    """The tender's next key date on or after today: (date kind, date), or None."""
    upcoming = [
        (value, name)
        for name, column in DATE_COLUMNS.items()
        if (value := getattr(tender, column)) is not None and value >= today
    ]
    if not upcoming:
        return None
    day, name = min(upcoming)
    return name, day


def month_range(year: int, month: int) -> tuple[date, date]:
    """
    >>> month_range(2024, 2)
    (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    """
    first = date(year, month, 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def dated_in(
    session: Session, start: date, end: date, *, actor: Actor, open_only: bool = True
) -> list[tuple[date, str, Tender]]:
    """Every key date in [start, end] of a tender the actor sees: (date, date kind,
    tender), by date."""
    conditions = [
        (col(getattr(Tender, column)) >= start) & (col(getattr(Tender, column)) <= end)
        for column in DATE_COLUMNS.values()
    ]
    statement = select(Tender).where(or_(*conditions), in_territory(actor))
    if open_only:
        statement = statement.where(col(Tender.status).not_in(rules.CLOSED))
    found = []
    for tender in session.execute(statement.order_by(col(Tender.code))).scalars():
        for name, column in DATE_COLUMNS.items():
            value = getattr(tender, column)
            if value is not None and start <= value <= end:
                found.append((value, name, tender))
    found.sort(key=lambda item: (item[0], rules.DATE_KINDS.index(item[1]), item[2].code))
    return found
