"""Recording and reading the audit trail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from vbptrack.models import AuditEvent
from vbptrack.services.access import Actor


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value differs, as field → [old, new].

    >>> changes_between({"name": "A", "city": "X"}, {"name": "B", "city": "X"})
    {'name': ['A', 'B']}
    """
    changed: dict[str, list[Any]] = {}
    for field in sorted(set(before) | set(after)):
        old, new = _plain(before.get(field)), _plain(after.get(field))
        if old != new:
            changed[field] = [old, new]
    return changed


def record(
    session: Session,
    *,
    actor: Actor,
    entity: str,
    key: str,
    action: str,
    changes: Mapping[str, list[Any]] | None = None,
    note: str | None = None,
) -> AuditEvent:
    """Add an audit event to the session; the caller's transaction commits it."""
    event = AuditEvent(
        user_id=actor.user_id,
        username=actor.username,
        entity=entity,
        entity_key=key,
        action=action,
        changes=dict(changes or {}),
        note=note,
    )
    session.add(event)
    return event


def history(session: Session, *, entity: str, key: str, limit: int = 100) -> Sequence[AuditEvent]:
    """Newest first: a record page shows what changed last at the top."""
    statement = (
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_key == key)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    )
    return session.exec(statement).all()
