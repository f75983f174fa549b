"""Edge rules of master data that the pages, the API and imports all rely on."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from tests.factories import make_hospital, make_user
from vbptrack.models import AuditEvent, Party
from vbptrack.services import parties as party_service
from vbptrack.services import users as user_service
from vbptrack.services.access import SYSTEM
from vbptrack.services.errors import Conflict, InvalidInput


def parties(db: Session) -> int:
    return db.execute(select(func.count()).select_from(Party)).scalar_one()


@pytest.mark.parametrize("name", ["医院\x00", "a\x07b", "\x1b[31m红\x1b[0m"])
def test_control_characters_are_refused_on_both_databases(db: Session, name: str) -> None:
    with pytest.raises(InvalidInput) as problem:
        make_hospital(db, "H1", name=name)
    assert problem.value.fields == {"name": "Remove the control characters."}
    db.rollback()
    assert parties(db) == 0


@pytest.mark.parametrize("code", ["new", "NEW", "New"])
def test_the_code_new_is_reserved_for_the_form(db: Session, code: str) -> None:
    with pytest.raises(InvalidInput) as problem:
        make_hospital(db, code)
    assert "reserved" in problem.value.fields["code"]


def test_a_code_taken_at_the_same_moment_is_a_conflict_not_a_crash(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests creating one code race past the look-up; the unique index decides."""
    make_hospital(db, "H1")
    monkeypatch.setattr(party_service, "code_taken", lambda session, code: None)
    with pytest.raises(Conflict) as problem:
        make_hospital(db, "H1", name="另一家")
    assert problem.value.fields == {"code": "Already in use."}
    assert parties(db) == 1


def test_an_inactive_rep_cannot_be_made_responsible(db: Session) -> None:
    rep = make_user(db, "old.rep", "rep")
    rep.active = False
    db.commit()
    with pytest.raises(InvalidInput) as problem:
        make_hospital(db, "H1", rep="old.rep")
    assert "old.rep" in problem.value.fields["rep"]


def test_history_names_the_responsible_rep_by_username(db: Session) -> None:
    make_user(db, "li.na", "rep")
    make_user(db, "chen.jie", "rep")
    make_hospital(db, "H1", rep="li.na")
    party_service.update(db, actor=SYSTEM, kind="hospital", code="H1", data={"rep": "chen.jie"})
    events = (
        db.execute(select(AuditEvent).where(AuditEvent.entity_key == "H1").order_by(AuditEvent.id))
        .scalars()
        .all()
    )
    assert events[0].changes["rep"] == [None, "li.na"]
    assert events[1].changes == {"rep": ["li.na", "chen.jie"]}


def test_an_admin_cannot_demote_or_deactivate_themselves(db: Session) -> None:
    admin = make_user(db, "boss", "admin")
    actor = user_service.actor_for(admin)
    for role, active in (("manager", True), ("admin", False)):
        with pytest.raises(InvalidInput):
            user_service.update(
                db,
                actor=actor,
                user=admin,
                role=role,
                display_name="",
                active=active,
                provinces=[],
                hospitals=[],
            )
        db.rollback()
    db.refresh(admin)
    assert (admin.role, admin.active) == ("admin", True)
    other = make_user(db, "second", "admin")
    user_service.update(
        db,
        actor=actor,
        user=other,
        role="manager",
        display_name="",
        active=True,
        provinces=[],
        hospitals=[],
    )
    assert other.role == "manager"
