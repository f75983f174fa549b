"""A rep sees the parties of their territory and nothing else; other roles see everything."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.factories import make_distributor, make_hospital, make_user
from vbptrack.services import parties as party_service
from vbptrack.services import users as user_service
from vbptrack.services.errors import NotFound


@pytest.fixture
def world(db: Session) -> dict[str, object]:
    make_hospital(db, "H310001", "31")
    make_hospital(db, "H440001", "44")
    make_hospital(db, "H110001", "11")
    make_distributor(db, "D001", "31")
    make_distributor(db, "D002", "44")
    rep = make_user(db, "rep_sh", "rep", provinces=["31"], hospitals=["H110001"])
    make_hospital(db, "H500001", "50", rep="rep_sh")
    other = make_user(db, "rep_gd", "rep", provinces=["广东"])
    return {"rep": rep, "other": other}


def codes(db: Session, actor: object, kind: str) -> set[str]:
    page = party_service.search(db, actor=actor, kind=kind, per_page=500)  # type: ignore[arg-type]
    return {p.code for p in page.items}


def test_rep_sees_provinces_assigned_hospitals_and_own_hospitals(db: Session, world: dict) -> None:
    rep = user_service.actor_for(world["rep"])
    assert codes(db, rep, "hospital") == {"H310001", "H110001", "H500001"}
    assert codes(db, rep, "distributor") == {"D001"}


def test_other_rep_sees_only_guangdong(db: Session, world: dict) -> None:
    other = user_service.actor_for(world["other"])
    assert codes(db, other, "hospital") == {"H440001"}
    with pytest.raises(NotFound):
        party_service.get(db, actor=other, kind="hospital", code="H310001")


@pytest.mark.parametrize("role", ["admin", "manager", "finance"])
def test_office_roles_see_everything(db: Session, world: dict, role: str) -> None:
    actor = user_service.actor_for(make_user(db, f"u_{role}", role))
    assert codes(db, actor, "hospital") == {"H310001", "H440001", "H110001", "H500001"}
