"""Users, their territory, and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from vbptrack.models.base import utcnow

ADMIN = "admin"
MANAGER = "manager"
FINANCE = "finance"
REP = "rep"
ROLES = (ADMIN, MANAGER, FINANCE, REP)


class User(SQLModel, table=True):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True, index=True)
    display_name: str = Field(default="", max_length=100)
    email: str | None = Field(default=None, max_length=120)
    role: str = Field(max_length=12)
    password_hash: str = Field(max_length=255)
    language: str | None = Field(default=None, max_length=5)
    active: bool = Field(default=True)
    # Raised by signing out, a password change and deactivation: a session cookie (or a
    # remember-me cookie) signed for an older generation no longer signs anyone in, as a
    # cookie handed out cannot be recalled.
    session_generation: int = Field(default=0)
    last_login_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # What Flask-Login keeps in the session; web/auth.py's loader checks both parts.
        return f"{self.id}:{self.session_generation}"


class UserProvince(SQLModel, table=True):
    """A province in a user's territory: the rep sees every party there."""

    __tablename__ = "user_province"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    province_code: str = Field(foreign_key="province.code", primary_key=True, max_length=2)


class UserHospital(SQLModel, table=True):
    """A single hospital assigned to a user outside their provinces."""

    __tablename__ = "user_hospital"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    party_id: int = Field(foreign_key="party.id", primary_key=True, index=True)


class ApiToken(SQLModel, table=True):
    """A bearer token; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=12)
    label: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = Field(default=None)
    revoked_at: datetime | None = Field(default=None)
