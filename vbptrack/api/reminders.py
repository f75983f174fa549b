"""/reminders: the deadline reminders e-mailed (an addition to API.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request

from vbptrack.api import actor, bp, list_args, page_body
from vbptrack.db import get_session
from vbptrack.services import reminders
from vbptrack.services.collections import parse_as_of


@bp.get("/reminders")
def list_reminders() -> Any:
    text = request.args.get("since")
    since = parse_as_of(text, date.min, "since") if (text or "").strip() else None
    page, per_page = list_args()
    found = reminders.history(
        get_session(), actor=actor(), since=since, page=page, per_page=per_page
    )
    return page_body(
        found,
        [
            {
                "kind": sent.reminder.kind,
                "ref": sent.reminder.ref,
                "title": sent.reminder.title,
                "deadline": sent.reminder.deadline.isoformat(),
                "offset_days": sent.reminder.offset_days,
                "sent_at": sent.reminder.sent_at.isoformat() if sent.reminder.sent_at else None,
                "recipients": sent.recipients,
            }
            for sent in found.items
        ],
    )
