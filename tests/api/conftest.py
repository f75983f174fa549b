"""API test helpers: a token per role, and a picture of the database to prove nothing changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session, SQLModel
from werkzeug.security import generate_password_hash

from tests.factories import api_token, make_user
from vbptrack.services import users as user_service

API = "/api/v1"
Headers = dict[str, str]
# Reference data, and the token's "last used" stamp (bookkeeping of authentication,
# not something the request wrote).
UNCHANGING_TABLES = {"province", "alembic_version"}
IGNORED_COLUMNS = {("api_token", "last_used_at")}


def database_state(db: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the app writes, sorted, so two states compare equal."""
    db.expire_all()
    state = {}
    for table in SQLModel.metadata.sorted_tables:
        if table.name in UNCHANGING_TABLES:
            continue
        columns = [c for c in table.columns if (table.name, c.name) not in IGNORED_COLUMNS]
        rows = db.execute(select(*columns)).all()
        state[table.name] = sorted((tuple(row) for row in rows), key=repr)
    db.rollback()
    return state


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """API tests sign in with tokens; a deliberately slow password hash only costs time here."""
    monkeypatch.setattr(
        user_service,
        "generate_password_hash",
        partial(generate_password_hash, method="pbkdf2:sha256:1"),
    )


@pytest.fixture
def token_for(db: Session) -> Callable[..., Headers]:
    """Headers with a new token for a new user of the given role."""

    def make(
        role: str,
        username: str | None = None,
        *,
        provinces: Sequence[str] = (),
        hospitals: Sequence[str] = (),
    ) -> Headers:
        user = make_user(
            db, username or f"api_{role}", role, provinces=provinces, hospitals=hospitals
        )
        return api_token(db, user)

    return make


@pytest.fixture
def manager(token_for: Callable[..., Headers]) -> Headers:
    return token_for("manager")
