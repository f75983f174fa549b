"""Products: create, change, find, list. Everyone sees every product."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from vbptrack.models import Product
from vbptrack.models.base import utcnow
from vbptrack.models.products import ProductIn
from vbptrack.services import audit
from vbptrack.services.access import Actor, require
from vbptrack.services.errors import Conflict, NotFound
from vbptrack.services.paging import Page, matches_text, paginate
from vbptrack.services.problems import translate, validated

ENTITY = "product"
_AUDITED = tuple(name for name in ProductIn.model_fields if name != "code")


def validate(data: Mapping[str, Any]) -> ProductIn:
    return validated(ProductIn, data)


def _snapshot(product: Product) -> dict[str, Any]:
    return {field: getattr(product, field) for field in _AUDITED}


def find(session: Session, code: str) -> Product | None:
    return session.execute(select(Product).where(Product.code == code)).scalar_one_or_none()


def get(session: Session, *, code: str) -> Product:
    product = find(session, code)
    if product is None:
        raise NotFound(translate("No such product."))
    return product


def create(session: Session, *, actor: Actor, data: Mapping[str, Any]) -> Product:
    require(actor, "master_data.write")
    clean = validate(data)
    if find(session, clean.code) is not None:
        raise Conflict(
            translate("The product code %(code)s is already in use.", code=clean.code),
            {"code": translate("Already in use.")},
        )
    product = Product(**clean.model_dump())
    session.add(product)
    try:
        session.flush()
    except IntegrityError as exc:  # the same code created at the same moment elsewhere
        session.rollback()
        raise Conflict(
            translate("The code %(code)s is already in use.", code=product.code),
            {"code": translate("Already in use.")},
        ) from exc
    audit.record(
        session,
        actor=actor,
        entity=ENTITY,
        key=product.code,
        action="create",
        changes=audit.changes_between({}, _snapshot(product)),
    )
    session.commit()
    return product


def as_input(product: Product) -> dict[str, Any]:
    return {name: getattr(product, name) for name in ProductIn.model_fields}


def update(session: Session, *, actor: Actor, code: str, data: Mapping[str, Any]) -> Product:
    require(actor, "master_data.write")
    product = get(session, code=code)
    clean = validate({**as_input(product), **dict(data), "code": product.code})
    before = _snapshot(product)
    for field, value in clean.model_dump().items():
        setattr(product, field, value)
    changes = audit.changes_between(before, _snapshot(product))
    if changes:
        product.updated_at = utcnow()
        audit.record(
            session, actor=actor, entity=ENTITY, key=code, action="update", changes=changes
        )
    session.commit()
    return product


def search(
    session: Session,
    *,
    q: str | None = None,
    category: str | None = None,
    active: bool | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Product]:
    statement = select(Product)
    if q:
        statement = statement.where(
            matches_text(
                q,
                col(Product.code),
                col(Product.generic_name),
                col(Product.brand),
                col(Product.specification),
            )
        )
    if category:
        statement = statement.where(Product.category == category)
    if active is not None:
        statement = statement.where(Product.active == active)
    statement = statement.order_by(Product.generic_name, Product.specification, Product.id)
    return paginate(session, statement, page=page, per_page=per_page)
