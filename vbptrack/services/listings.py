"""Hospital listings: record status changes with history, read them as of a date, and
the board, My hospitals and matrix views (all paginated and counted in SQL).

A rep records changes only for hospitals of their territory; any other hospital is
"not found", exactly as when they look it up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from vbptrack.domain import listings as rules
from vbptrack.models import HOSPITAL, Listing, ListingChange, Party, Product, Purchase
from vbptrack.models.market_access_in import ListingChangeIn
from vbptrack.services import audit
from vbptrack.services.access import Actor, require, territory_condition
from vbptrack.services.errors import NotFound
from vbptrack.services.paging import Page, paginate
from vbptrack.services.problems import invalid, translate, validated

ENTITY = "listing"


def hospital_in_territory(session: Session, actor: Actor, code: str) -> Party:
    hospital = session.execute(
        select(Party).where(Party.code == code, Party.kind == HOSPITAL, territory_condition(actor))
    ).scalar_one_or_none()
    if hospital is None:
        raise NotFound(translate("No hospital %(code)s in your territory.", code=code))
    return hospital


def product_by_code(session: Session, code: str) -> Product:
    product = session.execute(select(Product).where(Product.code == code)).scalar_one_or_none()
    if product is None:
        raise NotFound(translate("No product %(code)s.", code=code))
    return product


def apply_change(
    session: Session, *, actor: Actor, hospital: Party, product: Product, clean: ListingChangeIn
) -> Listing:
    """Record one status change, not committed (an import adds many in one transaction).
    The current row is locked so two reps saving at once cannot both pass the date check.

    The status the listing already has is a follow-up (domain.listings): nothing is
    written when it adds nothing, else a history entry with its note and next step while
    the status keeps its `since`."""
    listing = session.execute(
        select(Listing)
        .where(Listing.hospital_id == hospital.id, Listing.product_id == product.id)
        .with_for_update()
    ).scalar_one_or_none()
    if rules.change_problem(listing.since if listing else None, clean.date):
        assert listing is not None
        raise invalid(
            {
                "date": translate(
                    "The current status dates from %(since)s; a change cannot be dated before it.",
                    since=listing.since.isoformat(),
                )
            }
        )
    key = f"{hospital.code}/{product.code}"
    if listing is not None and rules.is_follow_up(listing.status, clean.status):
        if rules.adds_nothing(listing.next_step, clean.next_step, clean.note):
            return listing
        return _follow_up(session, actor=actor, listing=listing, key=key, clean=clean)
    before = [listing.status, listing.since.isoformat()] if listing else [None, None]
    if listing is None:
        listing = Listing(
            hospital_id=hospital.id,  # type: ignore[arg-type]
            product_id=product.id,  # type: ignore[arg-type]
            status=clean.status,
            since=clean.date,
        )
    listing.status, listing.since = clean.status, clean.date
    listing.note, listing.next_step = clean.note, clean.next_step
    session.add(listing)
    session.flush()
    session.add(
        ListingChange(
            listing_id=listing.id,  # type: ignore[arg-type]
            status=clean.status,
            date=clean.date,
            note=clean.note,
            next_step=clean.next_step,
            by=actor.username,
        )
    )
    audit.record(
        session,
        actor=actor,
        entity=ENTITY,
        key=key,
        action="update",
        changes={"status": [before[0], clean.status], "since": [before[1], clean.date.isoformat()]},
        note=clean.note,
    )
    return listing


def _follow_up(
    session: Session, *, actor: Actor, listing: Listing, key: str, clean: ListingChangeIn
) -> Listing:
    """A note or a new next step on the current status: a history entry; `since` stays."""
    next_step = clean.next_step or listing.next_step
    changes: dict[str, list[Any]] = {}
    if next_step != listing.next_step:
        changes["next_step"] = [listing.next_step, next_step]
    listing.next_step = next_step
    if clean.note:
        listing.note = clean.note
    session.add(listing)
    session.add(
        ListingChange(
            listing_id=listing.id,  # type: ignore[arg-type]
            status=listing.status,
            date=clean.date,
            note=clean.note,
            next_step=next_step,
            by=actor.username,
        )
    )
    audit.record(
        session,
        actor=actor,
        entity=ENTITY,
        key=key,
        action="update",
        changes=changes,
        note=clean.note,
    )
    return listing


def record_change(
    session: Session,
    *,
    actor: Actor,
    hospital_code: str,
    product_code: str,
    data: Mapping[str, Any],
) -> Listing:
    require(actor, "listings.write")
    clean = validated(ListingChangeIn, data)
    hospital = hospital_in_territory(session, actor, hospital_code)
    product = product_by_code(session, product_code)
    listing = apply_change(session, actor=actor, hospital=hospital, product=product, clean=clean)
    session.commit()
    return listing


@dataclass(frozen=True)
class HistoryEntry:
    status: str
    date: date
    note: str | None
    next_step: str | None
    by: str


@dataclass(frozen=True)
class ListingView:
    hospital: Party
    product: Product
    status: str
    since: date | None
    days_in_status: int | None
    next_step: str | None
    stuck: bool
    history: list[HistoryEntry]  # newest first, up to as_of


def view(
    session: Session, *, actor: Actor, hospital_code: str, product_code: str, as_of: date
) -> ListingView:
    """The listing as it stood on `as_of` (changes dated later are left out); a listing
    with no change recorded by then is `not_started`."""
    hospital = hospital_in_territory(session, actor, hospital_code)
    product = product_by_code(session, product_code)
    changes = session.execute(
        select(ListingChange)
        .join(Listing, col(Listing.id) == ListingChange.listing_id)
        .where(
            Listing.hospital_id == hospital.id,
            Listing.product_id == product.id,
            ListingChange.date <= as_of,
        )
        .order_by(col(ListingChange.date).desc(), col(ListingChange.id).desc())
    ).scalars()
    history = [HistoryEntry(c.status, c.date, c.note, c.next_step, c.by) for c in changes]
    since = rules.status_since([(entry.status, entry.date) for entry in history])
    if since is None:
        return ListingView(hospital, product, "not_started", None, None, None, False, [])
    current = history[0]
    return ListingView(
        hospital,
        product,
        current.status,
        since,
        rules.days_in_status(since, as_of),
        current.next_step,
        rules.is_stuck(current.status, since, as_of),
        history,
    )


def exists(session: Session, *, hospital: Party, product: Product) -> bool:
    return (
        session.execute(
            select(Listing.id).where(
                Listing.hospital_id == hospital.id, Listing.product_id == product.id
            )
        ).first()
        is not None
    )


# --- lists -------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingRow:
    hospital_code: str
    hospital_name: str
    province_code: str | None
    product_code: str
    product_name: str
    status: str
    since: date
    days_in_status: int
    next_step: str | None
    stuck: bool
    # Listed, but no purchase for more than six months (see last_purchases).
    unused: bool


_ROW = (
    Party.code,
    Party.name,
    Party.province_code,
    Product.code,
    Product.generic_name,
    Listing.status,
    Listing.since,
    Listing.next_step,
)


def _base(actor: Actor) -> Any:
    return (
        select(*_ROW)
        .join(Party, col(Party.id) == Listing.hospital_id)
        .join(Product, col(Product.id) == Listing.product_id)
        .where(territory_condition(actor))
    )


def last_purchases(
    session: Session, pairs: Sequence[tuple[str, str]], as_of: date
) -> dict[tuple[str, str], date]:
    """The last purchase on or before `as_of` per (hospital code, product code), for the
    pairs of one page: one grouped query over the purchases of those products and
    hospitals (`ix_purchase_product_date` leads with the product). Pairs never purchased
    are absent."""
    if not pairs:
        return {}
    hospitals = {hospital for hospital, _ in pairs}
    products = {product for _, product in pairs}
    rows = session.execute(
        select(Party.code, Product.code, func.max(Purchase.date))
        .join(Party, col(Party.id) == col(Purchase.hospital_id))
        .join(Product, col(Product.id) == col(Purchase.product_id))
        .where(
            col(Party.code).in_(hospitals),
            col(Product.code).in_(products),
            col(Purchase.date) <= as_of,
        )
        .group_by(Party.code, Product.code)
    ).all()
    wanted = set(pairs)
    return {(h, p): last for h, p, last in rows if (h, p) in wanted}


def _rows(session: Session, raw: Sequence[Any], as_of: date) -> list[ListingRow]:
    purchases = last_purchases(session, [(r[0], r[3]) for r in raw], as_of)
    rows = []
    for hospital, name, province, product, generic, status, since, next_step in raw:
        unused = False
        if status == rules.LISTED:
            unused = rules.unused_since(
                purchases.get((hospital, product)), as_of, listed_since=since
            )
        rows.append(
            ListingRow(
                hospital,
                name,
                province,
                product,
                generic,
                status,
                since,
                rules.days_in_status(since, as_of),
                next_step,
                rules.is_stuck(status, since, as_of),
                unused,
            )
        )
    return rows


def _paged_rows(
    session: Session, statement: Any, as_of: date, page: int, per_page: int
) -> Page[ListingRow]:
    total = session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    raw = session.execute(statement.limit(per_page).offset((max(1, page) - 1) * per_page)).all()
    return Page(_rows(session, raw, as_of), max(1, page), per_page, total)


def search(
    session: Session,
    *,
    actor: Actor,
    as_of: date,
    status: str | None = None,
    hospital_code: str | None = None,
    product_code: str | None = None,
    stuck_first: bool = False,
    page: int = 1,
    per_page: int = 50,
) -> Page[ListingRow]:
    """Current listings in the actor's territory; `stuck_first` puts open listings
    unchanged for STUCK_DAYS or more first, then the oldest change first."""
    statement = _base(actor)
    if status:
        statement = statement.where(Listing.status == status)
    if hospital_code:
        statement = statement.where(Party.code == hospital_code)
    if product_code:
        statement = statement.where(Product.code == product_code)
    if stuck_first:
        cutoff = rules.stuck_since(as_of)
        stuck = case(
            (
                (col(Listing.status).not_in(rules.SETTLED)) & (col(Listing.since) <= cutoff),
                0,
            ),
            else_=1,
        )
        statement = statement.order_by(stuck, Listing.since, Party.code, Product.code)
    else:
        statement = statement.order_by(Party.code, Product.code)
    return _paged_rows(session, statement, as_of, page, per_page)


@dataclass(frozen=True)
class BoardColumn:
    status: str
    count: int
    rows: list[ListingRow]  # the longest waiting first


def board(
    session: Session,
    *,
    actor: Actor,
    as_of: date,
    product_code: str | None = None,
    province_code: str | None = None,
    per_column: int = 20,
) -> list[BoardColumn]:
    """Listings grouped by status: each status's count (one grouped query) and its
    `per_column` longest-waiting listings."""

    def narrowed(statement: Any) -> Any:
        if product_code:
            statement = statement.where(Product.code == product_code)
        if province_code:
            statement = statement.where(Party.province_code == province_code)
        return statement

    counts = dict(
        session.execute(
            narrowed(
                select(Listing.status, func.count())
                .join(Party, col(Party.id) == Listing.hospital_id)
                .join(Product, col(Product.id) == Listing.product_id)
                .where(territory_condition(actor))
                .group_by(Listing.status)
            )
        ).all()
    )
    columns = []
    for status in rules.STATUSES:
        count = counts.get(status, 0)
        raw = []
        if count:
            raw = session.execute(
                narrowed(_base(actor))
                .where(Listing.status == status)
                .order_by(Listing.since, Party.code, Product.code)
                .limit(per_column)
            ).all()
        columns.append(BoardColumn(status, count, _rows(session, raw, as_of)))
    return columns


@dataclass(frozen=True)
class Matrix:
    hospitals: Page[Party]
    products: list[Product]
    cells: dict[tuple[int, int], tuple[str, int]]  # (hospital id, product id) → status, days


def matrix(
    session: Session,
    *,
    actor: Actor,
    as_of: date,
    q: str | None = None,
    page: int = 1,
    per_page: int = 30,
    max_products: int = 40,
) -> Matrix:
    """A page of the actor's hospitals × the products listed anywhere among them."""
    hospitals_query = (
        select(Party)
        .where(Party.kind == HOSPITAL, territory_condition(actor))
        .order_by(Party.province_code, Party.name, Party.id)
    )
    if q:
        hospitals_query = hospitals_query.where(
            col(Party.name).icontains(q.strip(), autoescape=True)
            | col(Party.code).icontains(q.strip(), autoescape=True)
        )
    hospitals = paginate(session, hospitals_query, page=page, per_page=per_page)
    ids = [h.id for h in hospitals.items]
    cells: dict[tuple[int, int], tuple[str, int]] = {}
    products: list[Product] = []
    if ids:
        found = session.execute(
            select(Listing.hospital_id, Listing.product_id, Listing.status, Listing.since).where(
                col(Listing.hospital_id).in_(ids)
            )
        ).all()
        for hospital_id, product_id, status, since in found:
            cells[(hospital_id, product_id)] = (status, rules.days_in_status(since, as_of))
        product_ids = {product_id for _, product_id in cells}
        if product_ids:
            products = list(
                session.execute(
                    select(Product)
                    .where(col(Product.id).in_(product_ids))
                    .order_by(Product.code)
                    .limit(max_products)
                ).scalars()
            )
    return Matrix(hospitals, products, cells)
