"""Hospitals and distributors: create, change, find, list within the user's territory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from vbptrack.models import Party, PaymentTerm, User
from vbptrack.models.base import utcnow
from vbptrack.models.parties import DISTRIBUTOR, HOSPITAL, DistributorIn, HospitalIn
from vbptrack.models.users import REP
from vbptrack.services import audit
from vbptrack.services.access import Actor, require, territory_condition
from vbptrack.services.errors import Conflict, NotFound
from vbptrack.services.paging import Page, matches_text, paginate
from vbptrack.services.problems import invalid, translate, validated

INPUT_MODELS: dict[str, type[BaseModel]] = {HOSPITAL: HospitalIn, DISTRIBUTOR: DistributorIn}
# What the history shows; "rep" is the responsible rep's username, not the internal id.
_AUDITED = (
    "name",
    "legal_name",
    "province_code",
    "city",
    "address",
    "grade",
    "hospital_type",
    "insurance_code",
    "contact_name",
    "phone",
    "email",
    "active",
)


def validate(kind: str, data: Mapping[str, Any]) -> BaseModel:
    return validated(INPUT_MODELS[kind], data)


def _rep_id(session: Session, username: str | None) -> int | None:
    if username is None:
        return None
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or user.role != REP or not user.active:
        raise invalid(
            {"rep": translate("No sales rep with the username “%(value)s”.", value=username)}
        )
    return user.id


def _snapshot(session: Session, party: Party) -> dict[str, Any]:
    values = {field: getattr(party, field) for field in _AUDITED}
    if party.kind == HOSPITAL:
        values["rep"] = rep_username(session, party)
    values["payment_term"] = term_code(session, party)
    return values


def _term_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    term = session.execute(select(PaymentTerm).where(PaymentTerm.code == code)).scalar_one_or_none()
    if term is None:
        raise invalid({"payment_term": translate("No payment term %(code)s.", code=code)})
    return term.id


def term_code(session: Session, party: Party) -> str | None:
    """The customer's default payment term, by code."""
    if party.payment_term_id is None:
        return None
    term = session.get(PaymentTerm, party.payment_term_id)
    return term.code if term else None


def _apply(session: Session, party: Party, clean: BaseModel) -> None:
    values = clean.model_dump()
    values.pop("code")
    if party.kind == HOSPITAL:
        party.rep_id = _rep_id(session, values.pop("rep"))
    party.payment_term_id = _term_id(session, values.pop("payment_term"))
    for field, value in values.items():
        setattr(party, field, value)


def code_taken(session: Session, code: str) -> Party | None:
    """Hospital and distributor codes share one namespace; this finds either."""
    return session.execute(select(Party).where(Party.code == code)).scalar_one_or_none()


def create(session: Session, *, actor: Actor, kind: str, data: Mapping[str, Any]) -> Party:
    require(actor, "master_data.write")
    clean = validate(kind, data)
    code = clean.code  # type: ignore[attr-defined]
    if code_taken(session, code) is not None:
        raise Conflict(
            translate("The code %(code)s is already used by another customer.", code=code),
            {"code": translate("Already in use.")},
        )
    party = Party(code=code, kind=kind, name=clean.name)  # type: ignore[attr-defined]
    _apply(session, party, clean)
    session.add(party)
    try:
        session.flush()
    except IntegrityError as exc:  # the same code created at the same moment elsewhere
        session.rollback()
        raise Conflict(
            translate("The code %(code)s is already in use.", code=party.code),
            {"code": translate("Already in use.")},
        ) from exc
    audit.record(
        session,
        actor=actor,
        entity=kind,
        key=code,
        action="create",
        changes=audit.changes_between({}, _snapshot(session, party)),
    )
    session.commit()
    return party


def update(
    session: Session, *, actor: Actor, kind: str, code: str, data: Mapping[str, Any]
) -> Party:
    """Change a party; `data` may be partial, the code cannot change (it is the key)."""
    require(actor, "master_data.write")
    party = get(session, actor=actor, kind=kind, code=code)
    current = as_input(session, party)
    merged = {**current, **dict(data), "code": party.code}
    clean = validate(kind, merged)
    before = _snapshot(session, party)
    _apply(session, party, clean)
    changes = audit.changes_between(before, _snapshot(session, party))
    if changes:
        party.updated_at = utcnow()
        audit.record(session, actor=actor, entity=kind, key=code, action="update", changes=changes)
    session.commit()
    return party


def as_input(session: Session, party: Party) -> dict[str, Any]:
    """The party in its input shape: what an edit form starts from."""
    fields = INPUT_MODELS[party.kind].model_fields
    values = {name: getattr(party, name) for name in fields if hasattr(party, name)}
    if "rep" in fields:
        values["rep"] = rep_username(session, party)
    values["payment_term"] = term_code(session, party)
    return values


def rep_username(session: Session, party: Party) -> str | None:
    if party.rep_id is None:
        return None
    user = session.get(User, party.rep_id)
    return user.username if user else None


def get(session: Session, *, actor: Actor, kind: str | None, code: str) -> Party:
    statement = select(Party).where(Party.code == code, territory_condition(actor))
    if kind is not None:
        statement = statement.where(Party.kind == kind)
    party = session.execute(statement).scalar_one_or_none()
    if party is None:
        raise NotFound(translate("No such record, or it is outside your territory."))
    return party


def search(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    q: str | None = None,
    province_code: str | None = None,
    grade: str | None = None,
    rep_id: int | None = None,
    active: bool | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Party]:
    statement = select(Party).where(Party.kind == kind, territory_condition(actor))
    if q:
        statement = statement.where(
            matches_text(q, col(Party.code), col(Party.name), col(Party.city))
        )
    if province_code:
        statement = statement.where(Party.province_code == province_code)
    if grade:
        statement = statement.where(Party.grade == grade)
    if rep_id is not None:
        statement = statement.where(Party.rep_id == rep_id)
    if active is not None:
        statement = statement.where(Party.active == active)
    statement = statement.order_by(Party.province_code, Party.name, Party.id)
    return paginate(session, statement, page=page, per_page=per_page)


def display_keys(
    session: Session, parties: Sequence[Party]
) -> dict[int, tuple[str | None, str | None]]:
    """Per party id, (responsible rep's username, default term code), two queries for a
    whole page rather than two per row."""
    rep_ids = {p.rep_id for p in parties if p.rep_id is not None}
    term_ids = {p.payment_term_id for p in parties if p.payment_term_id is not None}
    usernames = (
        dict(session.execute(select(User.id, User.username).where(col(User.id).in_(rep_ids))).all())
        if rep_ids
        else {}
    )
    codes = (
        dict(
            session.execute(
                select(PaymentTerm.id, PaymentTerm.code).where(col(PaymentTerm.id).in_(term_ids))
            ).all()
        )
        if term_ids
        else {}
    )
    return {
        p.id: (usernames.get(p.rep_id), codes.get(p.payment_term_id))  # type: ignore[misc]
        for p in parties
    }
