"""Deadline sources of tenders and awards for the deadlines feed: the registration,
document and bid deadlines of open tenders the actor sees, and the last day of each
agreement year."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import or_, select
from sqlmodel import Session, col

from vbptrack.domain import tenders as rules
from vbptrack.domain.deadlines import Deadline
from vbptrack.models import Award, AwardYear, Tender
from vbptrack.services.access import Actor
from vbptrack.services.deadlines import source
from vbptrack.services.problems import N_, translate
from vbptrack.services.tenders import in_territory

TENDER_DEADLINES = {
    "registration_date": ("tender_registration", N_("Registration deadline: %(title)s")),
    "documents_date": ("tender_documents", N_("Document deadline: %(title)s")),
    "bid_date": ("tender_bid", N_("Bid deadline: %(title)s")),
}


@source
def tender_deadlines(session: Session, actor: Actor, start: date, end: date) -> Iterable[Deadline]:
    """Open tenders only: a withdrawn, cancelled, won or lost tender has nothing due. A
    rep's are those of their territory and the national ones (`tenders.in_territory`)."""
    columns = [col(getattr(Tender, name)) for name in TENDER_DEADLINES]
    statement = select(Tender).where(
        col(Tender.status).not_in(rules.CLOSED),
        or_(*[(c >= start) & (c <= end) for c in columns]),
        in_territory(actor),
    )
    for tender in session.execute(statement).scalars():
        for name, (kind, title) in TENDER_DEADLINES.items():
            day = getattr(tender, name)
            if day is not None and start <= day <= end:
                yield Deadline(day, kind, translate(title, title=tender.title), tender.code)


@source
def agreement_year_ends(
    session: Session, actor: Actor, start: date, end: date
) -> Iterable[Deadline]:
    statement = (
        select(AwardYear.end, AwardYear.year, Award.code, Award.batch)
        .join(Award, col(Award.id) == AwardYear.award_id)
        .where(col(AwardYear.end) >= start, col(AwardYear.end) <= end)
    )
    for day, year, code, batch in session.execute(statement):
        title = translate("Agreement year %(year)s ends: %(batch)s", year=year, batch=batch)
        yield Deadline(day, "agreement_year_end", title, code)
