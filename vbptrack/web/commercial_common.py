"""What the tender, award and deadline pages share: labels of the business's codes,
today in Shanghai, and reading a month from the query string."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vbptrack.models.fields import day_range
from vbptrack.services.deadlines import KIND_LABELS as DEADLINE_KIND_MSGIDS

SHANGHAI = ZoneInfo("Asia/Shanghai")
WRITE = "commercial.write"
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")

KIND_LABELS = {
    "national_vbp": _l("National VBP batch"),
    "alliance": _l("Alliance"),
    "provincial": _l("Provincial"),
    "hospital": _l("Hospital"),
}
STATUS_LABELS = {
    "planned": _l("Planned"),
    "registered": _l("Registered"),
    "documents_submitted": _l("Documents submitted"),
    "bid_submitted": _l("Bid submitted"),
    "result_published": _l("Result published"),
    "appeal": _l("Appeal"),
    "won": _l("Won"),
    "lost": _l("Lost"),
    "withdrawn": _l("Withdrawn"),
    "cancelled": _l("Cancelled"),
}
DATE_LABELS = {
    "announcement": _l("Announcement"),
    "registration": _l("Registration deadline"),
    "documents": _l("Document deadline"),
    "bid": _l("Bid deadline"),
    "opening": _l("Opening"),
    "result": _l("Result publication"),
}
OUTCOME_LABELS = {
    "pending": _l("Pending"),
    "won": _l("Won"),
    "lost": _l("Lost"),
    "withdrawn": _l("Withdrawn"),
}
# The reminder e-mails name the kinds too, so the names live with the feed.
DEADLINE_KIND_LABELS = {kind: _l(label) for kind, label in DEADLINE_KIND_MSGIDS.items()}


def today() -> date:
    return datetime.now(SHANGHAI).date()


def month_arg() -> tuple[tuple[int, int], str | None]:
    """(year, month) from ?month=YYYY-MM; this month and a message when unreadable."""
    text = request.args.get("month", "").strip()
    now = today()
    if not text:
        return (now.year, now.month), None
    match = _MONTH.match(text)
    within = day_range()
    if (
        match
        and 1 <= int(match[2]) <= 12
        and within.earliest.year <= int(match[1]) <= within.latest.year
    ):
        return (int(match[1]), int(match[2])), None
    return (now.year, now.month), _("Enter a month as YYYY-MM.")
