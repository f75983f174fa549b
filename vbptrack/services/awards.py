"""VBP awards (中选): create, read, list, and their agreed volumes per hospital and year.

Everyone reads awards; what an award shows of its hospitals (the fulfilment rows, the
count of agreed-volume rows) is limited to the hospitals the actor sees."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, delete, func, insert, select, true
from sqlmodel import Session, col

from vbptrack.domain import fulfilment
from vbptrack.domain.money import from_fen, to_fen
from vbptrack.models import AgreedVolume, Award, AwardProvince, AwardYear, Party, Product
from vbptrack.models.commercial import BACKUP, PRIMARY
from vbptrack.models.commercial_in import AgreedVolumeIn, AwardIn
from vbptrack.models.parties import HOSPITAL
from vbptrack.services import audit, commercial_policy
from vbptrack.services.access import Actor, require, territory_condition
from vbptrack.services.errors import Conflict, InvalidInput, NotFound
from vbptrack.services.paging import Page, paginate
from vbptrack.services.problems import field_problems, invalid, translate, validated

ENTITY = "award"


def find(session: Session, code: str) -> Award | None:
    return session.execute(select(Award).where(Award.code == code)).scalar_one_or_none()


def get(session: Session, code: str) -> Award:
    award = find(session, code)
    if award is None:
        raise NotFound(translate("No award with the code %(code)s.", code=code))
    return award


def product_by_code(session: Session, code: str, field_name: str) -> Product:
    product = session.execute(select(Product).where(Product.code == code)).scalar_one_or_none()
    if product is None:
        raise invalid({field_name: translate("No product with the code %(code)s.", code=code)})
    return product


def add_award(session: Session, *, actor: Actor, clean: AwardIn, product: Product) -> Award:
    """Insert the award with its provinces and years; the caller commits."""
    if find(session, clean.code) is not None:
        raise Conflict(translate("The award %(code)s already exists.", code=clean.code))
    overlap = set(clean.supply_provinces) & set(clean.backup_provinces)
    if overlap:
        raise invalid({"backup_provinces": translate("A province cannot be primary and backup.")})
    award = Award(
        code=clean.code,
        batch=clean.batch,
        product_id=product.id,  # type: ignore[arg-type]
        price_fen=to_fen(clean.price),
        rank=clean.rank,
        winners_count=clean.winners_count,
    )
    session.add(award)
    session.flush()
    for codes, role in ((clean.supply_provinces, PRIMARY), (clean.backup_provinces, BACKUP)):
        for province in dict.fromkeys(codes):
            session.add(AwardProvince(award_id=award.id, province_code=province, role=role))
    for year in clean.years:
        session.add(AwardYear(award_id=award.id, year=year.year, start=year.start, end=year.end))
    audit.record(session, actor=actor, entity=ENTITY, key=award.code, action="create")
    return award


def create(session: Session, *, actor: Actor, data: Mapping[str, Any]) -> Award:
    require(actor, "commercial.write")
    clean = validated(AwardIn, data)
    product = product_by_code(session, clean.product_code, "product_code")
    award = add_award(session, actor=actor, clean=clean, product=product)
    session.commit()
    return award


@dataclass
class AwardView:
    award: Award
    product: Product
    years: list[AwardYear]
    provinces: list[AwardProvince]
    agreed_rows: int = 0  # those of the hospitals the actor sees

    def as_json(self) -> dict[str, Any]:
        award = self.award
        return {
            "code": award.code,
            "batch": award.batch,
            "product_code": self.product.code,
            "product_name": self.product.generic_name,
            "price": f"{from_fen(award.price_fen):.2f}",
            "winners_count": award.winners_count,
            "rank": award.rank,
            "supply_provinces": [p.province_code for p in self.provinces if p.role == PRIMARY],
            "backup_provinces": [p.province_code for p in self.provinces if p.role == BACKUP],
            "years": [
                {"year": y.year, "start": y.start.isoformat(), "end": y.end.isoformat()}
                for y in self.years
            ],
            "agreed_rows": self.agreed_rows,
        }


def _rows_seen_by(actor: Actor) -> ColumnElement[bool]:
    """Condition on `AgreedVolume`: rows of hospitals the actor sees, so a rep learns
    nothing of other provinces' allocations, not even how many there are."""
    if actor.sees_everything:
        return true()
    return col(AgreedVolume.hospital_id).in_(select(Party.id).where(territory_condition(actor)))


def view(session: Session, award: Award, *, actor: Actor) -> AwardView:
    product = session.get(Product, award.product_id)
    assert product is not None
    years = list(
        session.execute(
            select(AwardYear).where(AwardYear.award_id == award.id).order_by(col(AwardYear.year))
        ).scalars()
    )
    provinces = list(
        session.execute(
            select(AwardProvince)
            .where(AwardProvince.award_id == award.id)
            .order_by(col(AwardProvince.role).desc(), col(AwardProvince.province_code))
        ).scalars()
    )
    count = session.execute(
        select(func.count())
        .select_from(AgreedVolume)
        .where(AgreedVolume.award_id == award.id, _rows_seen_by(actor))
    ).scalar_one()
    return AwardView(award, product, years, provinces, count)


def views(session: Session, awards: Sequence[Award], *, actor: Actor) -> list[AwardView]:
    """Views of a page of awards in four queries, whatever the page's size."""
    ids = [a.id for a in awards]
    products = {
        p.id: p
        for p in session.execute(
            select(Product).where(col(Product.id).in_({a.product_id for a in awards}))
        ).scalars()
    }
    years: dict[int, list[AwardYear]] = {}
    for year in session.execute(
        select(AwardYear).where(col(AwardYear.award_id).in_(ids)).order_by(col(AwardYear.year))
    ).scalars():
        years.setdefault(year.award_id, []).append(year)
    provinces: dict[int, list[AwardProvince]] = {}
    for province in session.execute(
        select(AwardProvince)
        .where(col(AwardProvince.award_id).in_(ids))
        .order_by(col(AwardProvince.role).desc(), col(AwardProvince.province_code))
    ).scalars():
        provinces.setdefault(province.award_id, []).append(province)
    counts = dict(
        session.execute(
            select(AgreedVolume.award_id, func.count())
            .where(col(AgreedVolume.award_id).in_(ids), _rows_seen_by(actor))
            .group_by(col(AgreedVolume.award_id))
        ).all()
    )
    return [
        AwardView(
            a,
            products[a.product_id],
            years.get(a.id, []),  # type: ignore[arg-type]
            provinces.get(a.id, []),  # type: ignore[arg-type]
            int(counts.get(a.id, 0)),
        )
        for a in awards
    ]


def list_awards(session: Session, *, page: int, per_page: int) -> Page[Any]:
    statement = select(Award).order_by(col(Award.created_at).desc(), col(Award.id).desc())
    return paginate(session, statement, page=page, per_page=per_page)


# Agreed volumes ---------------------------------------------------------------------------


@dataclass
class AgreedVolumeCheck:
    """What rows of one award are checked against: its years, its provinces, hospitals.

    Hospitals are looked up once per code, so an allocation sheet of 200,000 rows costs
    one query per batch, not one per row.
    """

    award: Award
    years: set[int]
    provinces: set[str]
    hospitals: dict[str, tuple[int, str | None] | None] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, award: Award) -> AgreedVolumeCheck:
        years = set(
            session.execute(select(AwardYear.year).where(AwardYear.award_id == award.id)).scalars()
        )
        provinces = set(
            session.execute(
                select(AwardProvince.province_code).where(AwardProvince.award_id == award.id)
            ).scalars()
        )
        return cls(award, years, provinces)

    def load_hospitals(self, session: Session, codes: Iterable[str]) -> None:
        wanted = [code for code in set(codes) if code not in self.hospitals]
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            found = {
                code: (party_id, province)
                for party_id, code, province in session.execute(
                    select(Party.id, Party.code, Party.province_code).where(
                        col(Party.code).in_(chunk), Party.kind == HOSPITAL
                    )
                )
            }
            for code in chunk:
                self.hospitals[code] = found.get(code)

    def problems(self, item: AgreedVolumeIn) -> dict[str, str]:
        """Problems by field name; none means the row can be written."""
        problems = {}
        hospital = self.hospitals.get(item.hospital_code)
        if hospital is None:
            problems["hospital_code"] = translate(
                "No hospital with the code %(code)s.", code=item.hospital_code
            )
        elif hospital[1] not in self.provinces:
            problems["hospital_code"] = translate(
                "The hospital %(code)s is in a province the award %(award)s does not supply.",
                code=item.hospital_code,
                award=self.award.code,
            )
        if item.year not in self.years:
            problems["year"] = translate(
                "The award %(award)s has no agreement year %(year)s.",
                award=self.award.code,
                year=item.year,
            )
        return problems

    def row(self, item: AgreedVolumeIn, shares: Mapping[int, Any]) -> dict[str, Any]:
        hospital = self.hospitals[item.hospital_code]
        assert hospital is not None
        quantity = item.quantity
        if quantity is None:
            assert item.reported_quantity is not None
            quantity = fulfilment.agreed_from_reported(
                item.reported_quantity, self.award.winners_count, shares
            )
        return {
            "award_id": self.award.id,
            "year": item.year,
            "hospital_id": hospital[0],
            "quantity": quantity,
            "reported_quantity": item.reported_quantity,
        }


def replace_years(session: Session, award: Award, years: Iterable[int]) -> None:
    session.execute(
        delete(AgreedVolume).where(
            AgreedVolume.award_id == award.id, col(AgreedVolume.year).in_(list(years))
        )
    )


def replace_year(session: Session, *, award_id: int, year: int) -> None:
    session.execute(
        delete(AgreedVolume).where(AgreedVolume.award_id == award_id, AgreedVolume.year == year)
    )


def insert_rows(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(AgreedVolume), list(rows))


def set_agreed_volumes(session: Session, *, actor: Actor, code: str, items: Any) -> dict[str, Any]:
    """PUT /awards/{code}/agreed-volumes: replaces the award's rows for the years given.

    Every row is checked first; one bad row writes nothing and each problem is named by
    its position in the list ("3.hospital_code")."""
    require(actor, "commercial.write")
    award = get(session, code)
    if not isinstance(items, list):
        raise InvalidInput(translate("Send a list of agreed volumes."))
    check = AgreedVolumeCheck.load(session, award)
    clean: list[AgreedVolumeIn | None] = []
    problems: dict[str, str] = {}
    for index, data in enumerate(items):
        if not isinstance(data, dict):
            problems[str(index)] = translate("Enter an object.")
            clean.append(None)
            continue
        try:
            clean.append(AgreedVolumeIn.model_validate(data))
        except ValidationError as exc:
            for name, message in field_problems(exc).items():
                problems[f"{index}.{name}"] = message
            clean.append(None)
    check.load_hospitals(session, [item.hospital_code for item in clean if item is not None])
    seen: dict[tuple[str, int], int] = {}
    for index, item in enumerate(clean):
        if item is None:
            continue
        for name, message in check.problems(item).items():
            problems[f"{index}.{name}"] = message
        key = (item.hospital_code, item.year)
        if key in seen:
            problems[f"{index}.hospital_code"] = translate(
                "The hospital %(code)s is given twice for year %(year)s.",
                code=item.hospital_code,
                year=item.year,
            )
        seen[key] = index
    if problems:
        raise invalid(problems)
    shares = commercial_policy.current().shares
    good = [item for item in clean if item is not None]
    years = {item.year for item in good}
    replace_years(session, award, years)
    insert_rows(session, [check.row(item, shares) for item in good])
    audit.record(
        session,
        actor=actor,
        entity=ENTITY,
        key=award.code,
        action="agreed_volumes",
        note=f"{len(clean)} rows for years {sorted(years)}",
    )
    session.commit()
    return {"award": award.code, "years": sorted(years), "rows": len(clean)}
