"""Every create and change through the API leaves an audit event: who, what, old → new."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.api.conftest import API, Headers
from vbptrack.models import AuditEvent

CASES = [
    (
        "/hospitals",
        "hospital",
        {"code": "H-1", "name": "瑞金医院", "province_code": "上海", "grade": "三甲"},
        {"name": "瑞金医院（总院）", "grade": "三乙", "city": "上海"},
        {
            "name": ["瑞金医院", "瑞金医院（总院）"],
            "grade": ["三甲", "三乙"],
            "city": [None, "上海"],
        },
    ),
    (
        "/distributors",
        "distributor",
        {"code": "D-1", "name": "国药控股", "province_code": "31"},
        {"province_code": "广东省", "name": "国药控股"},  # the name stays: not a change
        {"province_code": ["31", "44"]},
    ),
    (
        "/products",
        "product",
        {"code": "P-1", "generic_name": "阿托伐他汀钙片", "unit": "片", "pack_size": 28},
        {"pack_size": 7, "brand": "立普妥"},
        {"pack_size": [28, 7], "brand": [None, "立普妥"]},
    ),
]


def events(db: Session, entity: str, key: str) -> list[AuditEvent]:
    db.expire_all()
    statement = (
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_key == key)
        .order_by(col(AuditEvent.id))
    )
    return list(db.exec(statement).all())


@pytest.mark.parametrize(
    ("path", "entity", "body", "change", "expected"), CASES, ids=[c[1] for c in CASES]
)
def test_create_and_patch_are_audited_with_user_and_changes(
    client: FlaskClient,
    db: Session,
    token_for: Callable[..., Headers],
    path: str,
    entity: str,
    body: dict[str, Any],
    change: dict[str, Any],
    expected: dict[str, list[Any]],
) -> None:
    headers = token_for("manager", "li.manager")
    code = body["code"]

    assert client.post(API + path, json=body, headers=headers).status_code == 201
    [created] = events(db, entity, code)
    assert (created.action, created.username) == ("create", "li.manager")
    assert created.changes["name" if "name" in body else "generic_name"] == [
        None,
        body.get("name", body.get("generic_name")),
    ]
    assert all(old is None for old, _new in created.changes.values())

    assert client.patch(f"{API}{path}/{code}", json=change, headers=headers).status_code == 200
    [_, updated] = events(db, entity, code)
    assert (updated.action, updated.username, updated.entity_key) == ("update", "li.manager", code)
    assert updated.changes == expected
    assert updated.user_id == created.user_id is not None


def test_a_patch_that_changes_nothing_adds_no_event(
    client: FlaskClient, db: Session, manager: Headers
) -> None:
    body = {"code": "H-1", "name": "瑞金医院", "province_code": "31"}
    client.post(API + "/hospitals", json=body, headers=manager)
    response = client.patch(
        API + "/hospitals/H-1",
        json={"name": "瑞金医院", "province_code": "上海市"},
        headers=manager,
    )
    assert response.status_code == 200
    assert [e.action for e in events(db, "hospital", "H-1")] == ["create"]


def test_a_rep_change_is_audited(
    client: FlaskClient, db: Session, token_for: Callable[..., Headers]
) -> None:
    manager = token_for("manager")
    token_for("rep", "rep_a")
    client.post(
        API + "/hospitals",
        json={"code": "H-1", "name": "瑞金医院", "province_code": "31"},
        headers=manager,
    )
    client.patch(API + "/hospitals/H-1", json={"rep": "rep_a"}, headers=manager)
    [_, updated] = events(db, "hospital", "H-1")
    assert len(updated.changes) == 1
    [(old, new)] = updated.changes.values()
    assert old is None and new is not None
