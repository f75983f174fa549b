"""Price and insurance filings: one current filing per (kind, product, province); a new
record for the same triple is a status change and keeps the history. The matrix and the
deadlines feed read the current rows.

Filings belong to a province, not a party: a rep sees those of the provinces of their
territory (`territory_provinces`); any other is "not found", like a missing one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import get_locale
from sqlalchemy import ColumnElement, select, true
from sqlmodel import Session, col

from vbptrack.domain import filings as rules
from vbptrack.domain.deadlines import Deadline
from vbptrack.domain.money import to_fen
from vbptrack.domain.provinces import PROVINCES, province_name
from vbptrack.models import Filing, FilingChange, Party, Product
from vbptrack.models.base import utcnow
from vbptrack.models.market_access_in import FilingIn
from vbptrack.services import audit, commercial_policy
from vbptrack.services.access import Actor, require, territory_provinces
from vbptrack.services.deadlines import source
from vbptrack.services.errors import NotFound
from vbptrack.services.paging import Page, paginate
from vbptrack.services.problems import invalid, translate, validated

ENTITY = "filing"


def _product(session: Session, code: str) -> Product:
    product = session.execute(select(Product).where(Product.code == code)).scalar_one_or_none()
    if product is None:
        raise invalid({"product_code": translate("No product %(code)s.", code=code)})
    return product


def find(session: Session, kind: str, product_id: int, province_code: str) -> Filing | None:
    return session.execute(
        select(Filing)
        .where(
            Filing.kind == kind,
            Filing.product_id == product_id,
            Filing.province_code == province_code,
        )
        .with_for_update()
    ).scalar_one_or_none()


def apply(
    session: Session, *, actor: Actor, clean: FilingIn, product: Product, today: date
) -> Filing:
    """Record one filing status, not committed. Effective, expiry, price and reference
    not given keep their current values (a status change rarely restates them)."""
    day = clean.date or today
    filing = find(session, clean.kind, product.id, clean.province_code)  # type: ignore[arg-type]
    if filing is not None and day < filing.since:
        raise invalid(
            {
                "date": translate(
                    "The current status dates from %(since)s; a change cannot be dated before it.",
                    since=filing.since.isoformat(),
                )
            }
        )
    effective = clean.effective or (filing.effective if filing else None)
    expires = clean.expires or (filing.expires if filing else None)
    if rules.dates_problem(effective, expires):
        raise invalid({"expires": translate("The expiry date is before the effective date.")})
    before = {"status": filing.status, "expires": filing.expires} if filing else {}
    if filing is None:
        filing = Filing(
            kind=clean.kind,
            product_id=product.id,  # type: ignore[arg-type]
            province_code=clean.province_code,
            status=clean.status,
            since=day,
        )
    filing.status, filing.since = clean.status, day
    filing.effective, filing.expires = effective, expires
    if clean.price is not None:
        filing.price_fen = to_fen(clean.price)
    if clean.reference is not None:
        filing.reference = clean.reference
    if clean.attachments:
        filing.attachments = list(clean.attachments)
    filing.updated_at = utcnow()
    session.add(filing)
    session.flush()
    session.add(
        FilingChange(
            filing_id=filing.id,  # type: ignore[arg-type]
            status=clean.status,
            date=day,
            effective=effective,
            expires=expires,
            price_fen=filing.price_fen,
            reference=filing.reference,
            note=clean.note,
            by=actor.username,
        )
    )
    audit.record(
        session,
        actor=actor,
        entity=ENTITY,
        key=f"{clean.kind}/{product.code}/{clean.province_code}",
        action="update" if before else "create",
        changes=audit.changes_between(before, {"status": clean.status, "expires": expires}),
        note=clean.note,
    )
    return filing


def record(session: Session, *, actor: Actor, data: Mapping[str, Any], today: date) -> Filing:
    require(actor, "commercial.write")
    clean = validated(FilingIn, data)
    product = _product(session, clean.product_code)
    filing = apply(session, actor=actor, clean=clean, product=product, today=today)
    session.commit()
    return filing


def in_territory(actor: Actor) -> ColumnElement[bool]:
    """SQL condition on `Filing` true for the filings the actor sees: a rep, those of the
    provinces of their territory; everyone else, all."""
    provinces = territory_provinces(actor)
    return true() if provinces is None else col(Filing.province_code).in_(provinces)


def _not_found(actor: Actor) -> NotFound:
    if actor.sees_everything:
        return NotFound(translate("No such filing."))
    return NotFound(translate("No such filing in your territory."))


def require_province(session: Session, *, actor: Actor, province_code: str) -> None:
    """404 unless the province is the actor's: the page of a filing not yet recorded is
    still a province's page, and a rep has no business with another province's."""
    provinces = territory_provinces(actor)
    if provinces is None:
        return
    mine = session.execute(provinces.where(Party.province_code == province_code).limit(1)).first()
    if mine is None:
        raise _not_found(actor)


def get(
    session: Session, *, actor: Actor, kind: str, product_code: str, province_code: str
) -> Filing:
    """The current filing if the actor sees its province; 404 otherwise, as if missing."""
    filing = session.execute(
        select(Filing)
        .join(Product, col(Product.id) == Filing.product_id)
        .where(
            Filing.kind == kind,
            Product.code == product_code,
            Filing.province_code == province_code,
            in_territory(actor),
        )
    ).scalar_one_or_none()
    if filing is None:
        raise _not_found(actor)
    return filing


def history(session: Session, filing: Filing) -> Sequence[FilingChange]:
    return (
        session.execute(
            select(FilingChange)
            .where(FilingChange.filing_id == filing.id)
            .order_by(col(FilingChange.date).desc(), col(FilingChange.id).desc())
        )
        .scalars()
        .all()
    )


def search(
    session: Session,
    *,
    actor: Actor,
    kind: str | None = None,
    product_code: str | None = None,
    province_code: str | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[tuple[Filing, str]]:
    """Current filings the actor sees, with their product code."""
    statement = (
        select(Filing, Product.code)
        .join(Product, col(Product.id) == Filing.product_id)
        .where(in_territory(actor))
    )
    if kind:
        statement = statement.where(Filing.kind == kind)
    if product_code:
        statement = statement.where(Product.code == product_code)
    if province_code:
        statement = statement.where(Filing.province_code == province_code)
    if status:
        statement = statement.where(Filing.status == status)
    statement = statement.order_by(Product.code, Filing.kind, Filing.province_code)
    total_page = paginate(session, statement, page=page, per_page=per_page)
    # paginate() yields scalars (the Filing); fetch the codes for the page in one query.
    codes = dict(
        session.execute(
            select(Product.id, Product.code).where(
                col(Product.id).in_({f.product_id for f in total_page.items})
            )
        ).all()
    )
    items = [(f, codes[f.product_id]) for f in total_page.items]
    return Page(items, total_page.page, total_page.per_page, total_page.total)


@dataclass(frozen=True)
class Cell:
    status: str  # as shown on as_of (an approved filing past expiry shows expired)
    expires: date | None
    alert: int | None  # 90, 30 or 7 when the expiry is that close


@dataclass(frozen=True)
class FilingMatrix:
    products: Page[Product]
    provinces: list[str]
    cells: dict[tuple[int, str], Cell]


def matrix(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    as_of: date,
    q: str | None = None,
    page: int = 1,
    per_page: int = 30,
) -> FilingMatrix:
    """A page of products × the provinces (a rep: their territory's), each cell the
    filing's status as of `as_of`; two queries whatever the page size."""
    products_query = select(Product).where(Product.active).order_by(Product.code)
    if q:
        products_query = products_query.where(
            col(Product.code).icontains(q.strip(), autoescape=True)
            | col(Product.generic_name).icontains(q.strip(), autoescape=True)
        )
    products = paginate(session, products_query, page=page, per_page=per_page)
    provinces = [p.code for p in PROVINCES]
    limited = territory_provinces(actor)
    if limited is not None:
        mine = {code for (code,) in session.execute(limited).all() if code}
        provinces = [code for code in provinces if code in mine]
    ids = [p.id for p in products.items]
    cells: dict[tuple[int, str], Cell] = {}
    # The flag's thresholds are the e-mailed alerts' (VBPTRACK_FILING_ALERT_DAYS).
    alert_days = commercial_policy.current().filing_alert_days
    if ids and provinces:
        for filing in session.execute(
            select(Filing).where(
                Filing.kind == kind,
                col(Filing.product_id).in_(ids),
                col(Filing.province_code).in_(provinces),
            )
        ).scalars():
            cells[(filing.product_id, filing.province_code)] = Cell(
                rules.shown_status(filing.status, filing.expires, as_of),
                filing.expires,
                rules.alert_level(filing.expires, as_of, alert_days)
                if filing.status == rules.APPROVED
                else None,
            )
    return FilingMatrix(products, provinces, cells)


@source
def filing_expiries(session: Session, actor: Actor, start: date, end: date) -> Iterable[Deadline]:
    """Approved filings expiring in [start, end]. Only current filings exist as rows,
    so a superseded filing is never listed; nor is one already rejected or withdrawn."""
    statement = (
        select(
            Filing.kind, Filing.province_code, Filing.expires, Product.code, Product.generic_name
        )
        .join(Product, col(Product.id) == Filing.product_id)
        .where(
            Filing.status == rules.APPROVED,
            col(Filing.expires) >= start,
            col(Filing.expires) <= end,
            in_territory(actor),
        )
    )
    # Titles are written in the current language (a page's, or a reminder e-mail's).
    locale = get_locale()
    english = locale is None or locale.language == "en"
    for kind, province, expires, product, generic_name in session.execute(statement).all():
        label = translate("Price filing") if kind == "price" else translate("Insurance filing")
        yield Deadline(
            expires,
            "filing_expiry",
            translate(
                "%(kind)s of %(name)s (%(product)s) in %(province)s expires",
                kind=label,
                name=generic_name,
                product=product,
                province=province_name(province, english=english) or province,
            ),
            f"{kind}/{product}/{province}",
        )
