"""The audit trail: who changed what, when, old → new."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from vbptrack.models.base import utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    # Kept as text too: the trail must still read right after a user is renamed or removed.
    username: str = Field(default="", max_length=60)
    entity: str = Field(max_length=40)
    entity_key: str = Field(max_length=80)
    action: str = Field(max_length=20)
    changes: dict[str, list[object]] = Field(default_factory=dict, sa_column=Column(JSON))
    note: str | None = Field(default=None, max_length=500)
