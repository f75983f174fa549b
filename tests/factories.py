"""Small builders for test data, and sign-in helpers for the web and the API."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session

from vbptrack.models import Party, Product, User
from vbptrack.services import parties as party_service
from vbptrack.services import products as product_service
from vbptrack.services import users as user_service
from vbptrack.services.access import SYSTEM

PASSWORD = "correct-horse-42"
CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(
    db: Session,
    username: str,
    role: str = "manager",
    *,
    provinces: Sequence[str] = (),
    hospitals: Sequence[str] = (),
    password: str = PASSWORD,
) -> User:
    return user_service.create(
        db,
        actor=SYSTEM,
        username=username,
        role=role,
        password=password,
        provinces=provinces,
        hospitals=hospitals,
    )


def make_hospital(db: Session, code: str, province_code: str = "31", **fields: Any) -> Party:
    data = {
        "code": code,
        "name": fields.pop("name", f"{code} 人民医院"),
        "province_code": province_code,
        **fields,
    }
    return party_service.create(db, actor=SYSTEM, kind="hospital", data=data)


def make_distributor(
    db: Session, code: str, province_code: str | None = "31", **fields: Any
) -> Party:
    data = {
        "code": code,
        "name": fields.pop("name", f"{code} 医药有限公司"),
        "province_code": province_code,
        **fields,
    }
    return party_service.create(db, actor=SYSTEM, kind="distributor", data=data)


def make_product(db: Session, code: str, **fields: Any) -> Product:
    data = {
        "code": code,
        "generic_name": fields.pop("generic_name", "阿托伐他汀钙片"),
        "unit": fields.pop("unit", "片"),
        **fields,
    }
    return product_service.create(db, actor=SYSTEM, data=data)


def api_token(db: Session, user: User) -> dict[str, str]:
    """Authorization header for the user's new API token."""
    token = user_service.issue_token(db, actor=SYSTEM, user=user, label="test")
    return {"Authorization": f"Bearer {token}"}


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    response = client.get(path)
    match = CSRF_PATTERN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the real form; returns a CSRF token valid for the new session."""
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return csrf_token(client, "/settings/")
