"""Shared column helpers for the tables."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import SQLModel


def utcnow() -> datetime:
    """The current time in UTC, time-zone aware; pages show it in Asia/Shanghai.

    Used as a default_factory, never a default value: a value is computed once at import.
    """
    return datetime.now(UTC)


# Named constraints let Alembic's batch mode alter SQLite tables and drop constraints
# by name on PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
