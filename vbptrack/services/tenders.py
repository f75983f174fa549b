"""Tenders (招投标): the pipeline with its history, bid lines, the qualification-documents
checklist, the board and the calendar, and turning a won line into an award.

Every query that reads tenders for someone applies `in_territory(actor)`: a rep sees
national tenders and those of the provinces of their territory; a tender outside it is
"not found", like a missing one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select, true
from sqlmodel import Session, col

from vbptrack.domain import tenders as rules
from vbptrack.domain.money import from_fen, to_fen
from vbptrack.models import (
    Award,
    BidLine,
    Product,
    Tender,
    TenderDocument,
    TenderProvince,
    TenderStatusChange,
)
from vbptrack.models.base import utcnow
from vbptrack.models.commercial_in import (
    AwardFromLineIn,
    AwardIn,
    BidLineIn,
    TenderDocumentIn,
    TenderIn,
    TenderStatusIn,
)
from vbptrack.services import audit
from vbptrack.services import awards as award_service
from vbptrack.services.access import Actor, require, territory_provinces
from vbptrack.services.errors import Conflict, NotFound
from vbptrack.services.paging import Page, paginate
from vbptrack.services.problems import invalid, translate, validated

ENTITY = "tender"
DATE_COLUMNS = {
    "announcement": "announcement_date",
    "registration": "registration_date",
    "documents": "documents_date",
    "bid": "bid_date",
    "opening": "opening_date",
    "result": "result_date",
}


def in_territory(actor: Actor) -> ColumnElement[bool]:
    """SQL condition on `Tender` true for the tenders the actor sees.

    Managers, finance and admins see every tender. A rep sees the tenders
    `rules.concerns_territory` lets them follow, with their territory being the provinces
    of the parties they see (`territory_provinces`, as for filings): national tenders,
    tenders naming no province, and tenders naming one of those provinces.
    """
    provinces = territory_provinces(actor)
    if provinces is None:
        return true()
    listed = TenderProvince.tender_id == Tender.id
    return or_(
        col(Tender.kind).in_(rules.NATIONAL_KINDS),
        ~exists().where(listed),
        exists().where(listed, col(TenderProvince.province_code).in_(provinces)),
    )


def find(session: Session, code: str) -> Tender | None:
    """The tender with this code, whoever may see it (for codes taken; not for reading)."""
    return session.execute(select(Tender).where(Tender.code == code)).scalar_one_or_none()


def get(session: Session, *, actor: Actor, code: str) -> Tender:
    """The tender if the actor sees it; 404 otherwise, the same as a missing one."""
    tender = session.execute(
        select(Tender).where(Tender.code == code, in_territory(actor))
    ).scalar_one_or_none()
    if tender is None:
        if actor.sees_everything:
            raise NotFound(translate("No tender with the code %(code)s.", code=code))
        raise NotFound(translate("No tender %(code)s in your territory.", code=code))
    return tender


def create(session: Session, *, actor: Actor, data: Mapping[str, Any], today: date) -> Tender:
    require(actor, "commercial.write")
    clean = validated(TenderIn, data)
    if find(session, clean.code) is not None:
        raise Conflict(translate("The tender %(code)s already exists.", code=clean.code))
    tender = Tender(
        code=clean.code,
        title=clean.title,
        kind=clean.kind,
        platform=clean.platform,
        status=clean.status,
        **{DATE_COLUMNS[name]: getattr(clean.dates, name) for name in DATE_COLUMNS},
    )
    session.add(tender)
    session.flush()
    for province in dict.fromkeys(clean.province_codes):
        session.add(TenderProvince(tender_id=tender.id, province_code=province))
    session.add(
        TenderStatusChange(
            tender_id=tender.id,
            from_status=None,
            to_status=clean.status,
            date=today,
            changed_by=actor.username,
        )
    )
    audit.record(session, actor=actor, entity=ENTITY, key=tender.code, action="create")
    session.commit()
    return tender


def change_status(
    session: Session, *, actor: Actor, code: str, data: Mapping[str, Any]
) -> TenderStatusChange:
    """Record a step of the pipeline (who, when, from, to, note)."""
    require(actor, "commercial.write")
    tender = get(session, actor=actor, code=code)
    clean = validated(TenderStatusIn, data)
    if clean.status == tender.status:
        raise invalid({"status": translate("The tender is already in this status.")})
    change = TenderStatusChange(
        tender_id=tender.id,  # type: ignore[arg-type]
        from_status=tender.status,
        to_status=clean.status,
        date=clean.date,
        note=clean.note,
        changed_by=actor.username,
    )
    session.add(change)
    audit.record(
        session,
        actor=actor,
        entity=ENTITY,
        key=tender.code,
        action="status",
        changes={"status": [tender.status, clean.status]},
        note=clean.note,
    )
    tender.status = clean.status
    tender.updated_at = utcnow()
    session.commit()
    return change


def add_line(session: Session, *, actor: Actor, code: str, data: Mapping[str, Any]) -> BidLine:
    require(actor, "commercial.write")
    tender = get(session, actor=actor, code=code)
    clean = validated(BidLineIn, data)
    product = award_service.product_by_code(session, clean.product_code, "product_code")
    unit_fen = to_fen(clean.price_per_unit)
    pack_fen = (
        to_fen(clean.price_per_pack)
        if clean.price_per_pack is not None
        else rules.price_per_pack(unit_fen, product.pack_size)
    )
    line = BidLine(
        tender_id=tender.id,  # type: ignore[arg-type]
        product_id=product.id,  # type: ignore[arg-type]
        price_unit_fen=unit_fen,
        price_pack_fen=pack_fen,
        reported_quantity=clean.reported_quantity,
        outcome=clean.outcome,
    )
    session.add(line)
    session.flush()
    audit.record(
        session,
        actor=actor,
        entity=ENTITY,
        key=tender.code,
        action="bid_line",
        note=f"{product.code} {clean.price_per_unit}",
    )
    session.commit()
    return line


def set_outcome(
    session: Session, *, actor: Actor, code: str, line_id: int, outcome: str
) -> BidLine:
    require(actor, "commercial.write")
    line = _line(session, actor, code, line_id)
    if outcome not in rules.OUTCOMES:
        raise invalid(
            {
                "outcome": translate(
                    "Choose one of: %(expected)s.", expected=", ".join(rules.OUTCOMES)
                )
            }
        )
    if line.award_id is not None and outcome != "won":
        raise Conflict(translate("This line already became an award."))
    line.outcome = outcome
    session.commit()
    return line


def _line(session: Session, actor: Actor, code: str, line_id: int) -> BidLine:
    tender = get(session, actor=actor, code=code)
    line = session.get(BidLine, line_id)
    if line is None or line.tender_id != tender.id:
        raise NotFound(translate("No such bid line on tender %(code)s.", code=code))
    return line


def add_document(
    session: Session, *, actor: Actor, code: str, data: Mapping[str, Any]
) -> TenderDocument:
    require(actor, "commercial.write")
    tender = get(session, actor=actor, code=code)
    clean = validated(TenderDocumentIn, data)
    document = TenderDocument(
        tender_id=tender.id,  # type: ignore[arg-type]
        name=clean.name,
        expires=clean.expires,
        ready=clean.ready,
    )
    session.add(document)
    session.commit()
    return document


def award_from_line(
    session: Session, *, actor: Actor, code: str, line_id: int, data: Mapping[str, Any]
) -> Award:
    """A won bid line becomes an award in one step: product, price and batch come from
    the line and its tender, the supply provinces default to the tender's."""
    require(actor, "commercial.write")
    tender = get(session, actor=actor, code=code)
    line = _line(session, actor, code, line_id)
    if line.award_id is not None:
        raise Conflict(translate("This line already became an award."))
    if line.outcome in ("lost", "withdrawn"):
        raise invalid({"outcome": translate("Only a won line becomes an award.")})
    clean = validated(AwardFromLineIn, data)
    provinces = clean.supply_provinces or provinces_of(session, tender)
    if not provinces:
        raise invalid({"supply_provinces": translate("This field is required.")})
    product = session.get(Product, line.product_id)
    assert product is not None
    award_in = AwardIn(
        code=clean.code,
        batch=clean.batch or tender.title[:100],
        product_code=product.code,
        price=from_fen(line.price_unit_fen),
        winners_count=clean.winners_count,
        rank=clean.rank,
        supply_provinces=provinces,
        backup_provinces=clean.backup_provinces,
        years=clean.years,
    )
    award = award_service.add_award(session, actor=actor, clean=award_in, product=product)
    line.outcome = "won"
    line.award_id = award.id
    session.commit()
    return award


def provinces_of(session: Session, tender: Tender) -> list[str]:
    return list(
        session.execute(
            select(TenderProvince.province_code)
            .where(TenderProvince.tender_id == tender.id)
            .order_by(col(TenderProvince.province_code))
        ).scalars()
    )


@dataclass
class TenderView:
    tender: Tender
    provinces: list[str]
    history: list[TenderStatusChange]
    lines: list[tuple[BidLine, Product, str | None]]
    documents: list[TenderDocument]

    def dates(self) -> dict[str, str | None]:
        return {
            name: (value.isoformat() if (value := getattr(self.tender, column)) else None)
            for name, column in DATE_COLUMNS.items()
        }

    def as_json(self) -> dict[str, Any]:
        tender = self.tender
        return {
            "code": tender.code,
            "title": tender.title,
            "kind": tender.kind,
            "platform": tender.platform,
            "status": tender.status,
            "province_codes": self.provinces,
            "dates": self.dates(),
            "history": [
                {
                    "from": h.from_status,
                    "status": h.to_status,
                    "date": h.date.isoformat(),
                    "note": h.note,
                    "by": h.changed_by,
                }
                for h in self.history
            ],
            "lines": [
                {
                    "id": line.id,
                    "product_code": product.code,
                    "price_per_unit": f"{from_fen(line.price_unit_fen):.2f}",
                    "price_per_pack": f"{from_fen(line.price_pack_fen):.2f}",
                    "reported_quantity": line.reported_quantity,
                    "outcome": line.outcome,
                    "award": award_code,
                }
                for line, product, award_code in self.lines
            ],
            "documents": [
                {
                    "id": d.id,
                    "name": d.name,
                    "expires": d.expires.isoformat() if d.expires else None,
                    "ready": d.ready,
                }
                for d in self.documents
            ],
        }


def view(session: Session, tender: Tender) -> TenderView:
    history = list(
        session.execute(
            select(TenderStatusChange)
            .where(TenderStatusChange.tender_id == tender.id)
            .order_by(col(TenderStatusChange.changed_at), col(TenderStatusChange.id))
        ).scalars()
    )
    lines = [
        (line, product, award_code)
        for line, product, award_code in session.execute(
            select(BidLine, Product, Award.code)
            .join(Product, col(Product.id) == BidLine.product_id)
            .outerjoin(Award, col(Award.id) == BidLine.award_id)
            .where(BidLine.tender_id == tender.id)
            .order_by(col(BidLine.id))
        ).all()
    ]
    documents = list(
        session.execute(
            select(TenderDocument)
            .where(TenderDocument.tender_id == tender.id)
            .order_by(col(TenderDocument.id))
        ).scalars()
    )
    return TenderView(tender, provinces_of(session, tender), history, lines, documents)


def list_tenders(
    session: Session, *, actor: Actor, page: int, per_page: int, status: str | None = None
) -> Page[Any]:
    statement = (
        select(Tender)
        .where(in_territory(actor))
        .order_by(col(Tender.created_at).desc(), col(Tender.id).desc())
    )
    if status:
        statement = statement.where(Tender.status == status)
    return paginate(session, statement, page=page, per_page=per_page)
