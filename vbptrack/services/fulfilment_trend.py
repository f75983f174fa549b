"""The award page's monthly trend: purchases per month of an agreement year, for the
hospitals the actor sees, with the time progress at each month's end (序时进度 rising
month by month, domain.fulfilment.month_end_progress) beside the cumulative completion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from vbptrack.domain import fulfilment as rules
from vbptrack.models import AgreedVolume, Award, AwardYear, Party, Purchase
from vbptrack.services.access import Actor, territory_condition
from vbptrack.services.fulfilment import counted_purchases


@dataclass(frozen=True)
class TrendMonth:
    label: str  # YYYY-MM
    purchased: int
    completion: str | None  # cumulative, to the month's end (or as_of)
    progress: str  # time progress at the same day


def monthly_trend(
    session: Session, *, actor: Actor, award: Award, year: AwardYear, as_of: date
) -> list[tuple[str, int]]:
    """(YYYY-MM, purchased) per month of the year up to as_of, for the visible hospitals
    with an agreed volume in the year; months without purchases are 0."""
    dialect = session.get_bind().dialect.name
    month: ColumnElement[Any]
    if dialect == "postgresql":
        month = func.to_char(Purchase.date, "YYYY-MM")
    else:
        month = func.strftime("%Y-%m", Purchase.date)
    allocated = (
        select(AgreedVolume.hospital_id)
        .join(Party, col(Party.id) == AgreedVolume.hospital_id)
        .where(
            AgreedVolume.award_id == award.id,
            AgreedVolume.year == year.year,
            territory_condition(actor),
        )
    )
    statement = (
        select(cast(month, String).label("month"), func.sum(Purchase.quantity))
        .where(
            *counted_purchases(award, year, as_of),
            col(Purchase.hospital_id).in_(allocated),
        )
        .group_by(month)
    )
    found = {m: int(q) for m, q in session.execute(statement)}
    months = rules.month_starts(rules.AgreementYear(year.start, year.end))
    return [(m.strftime("%Y-%m"), found.get(m.strftime("%Y-%m"), 0)) for m in months if m <= as_of]


def trend(
    session: Session, *, actor: Actor, award: Award, year: AwardYear, as_of: date, agreed: int
) -> list[TrendMonth]:
    """Each month up to as_of: its purchases, the completion counted to its end and the
    time progress at its end (both to as_of for the month in progress)."""
    bought = monthly_trend(session, actor=actor, award=award, year=year, as_of=as_of)
    progress = rules.month_end_progress(rules.AgreementYear(year.start, year.end), as_of)
    months = []
    cumulative = 0
    for (label, quantity), (_first, share) in zip(bought, progress, strict=True):
        cumulative += quantity
        months.append(
            TrendMonth(
                label,
                quantity,
                rules.ratio_text(rules.completion(cumulative, agreed)),
                rules.ratio_text(share) or "0.0000",
            )
        )
    return months
