"""The reminders part of the OpenAPI document (vbptrack/api/reminders.py's route)."""

from __future__ import annotations

from typing import Any

from vbptrack.api.openapi import DATE, PAGING, _errors, _object, _ok, _page_of, _query

REMINDER_SCHEMAS: dict[str, Any] = {
    "Reminder": _object(
        {
            "kind": {"type": "string", "description": "the deadlines feed's kind"},
            "ref": {"type": "string", "description": "the deadlines feed's ref"},
            "title": {"type": "string", "description": "as the feed said it when first sent"},
            "deadline": DATE,
            "offset_days": {"type": "integer", "description": "reminded this many days before"},
            "sent_at": {"type": "string", "format": "date-time", "description": "first e-mail"},
            "recipients": {"type": "integer", "description": "people it was e-mailed to"},
        }
    )
}


def reminder_paths() -> dict[str, Any]:
    return {
        "/reminders": {
            "get": {
                "tags": ["Deadlines"],
                "summary": "Deadline reminders e-mailed, newest first (a rep: those sent to "
                "them); `since` keeps those first sent on or after that day in China",
                "parameters": [*PAGING, _query("since", DATE)],
                "responses": {**_ok(_page_of("Reminder")), **_errors(401, 422)},
            }
        }
    }
