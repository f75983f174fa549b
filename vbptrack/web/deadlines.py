"""The deadlines page: everything due in the next N days, from every area's sources
(tender deadlines, agreement-year ends, and what other areas register)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from vbptrack.db import get_session
from vbptrack.services import commercial_policy
from vbptrack.services import deadlines as deadline_service
from vbptrack.web.auth import current_actor, login_required
from vbptrack.web.commercial_common import DEADLINE_KIND_LABELS
from vbptrack.web.receivables_common import as_of_or_today

bp = Blueprint("deadlines", __name__, url_prefix="/deadlines")

WITHIN_CHOICES = (7, 14, 30, 60, 90, 180, 366)
DEFAULT_WITHIN = 30

# Where a deadline's reference leads, by kind; kinds another area adds without a page
# here show their reference as text.
LINKS = {
    "tender_registration": ("tenders.detail", "code"),
    "tender_documents": ("tenders.detail", "code"),
    "tender_bid": ("tenders.detail", "code"),
    "agreement_year_end": ("awards.detail", "code"),
}


@bp.route("/")
@login_required
def index() -> Any:
    as_of, problem = as_of_or_today()
    text = request.args.get("within", "").strip()
    within = int(text) if text.isdigit() and int(text) in WITHIN_CHOICES else DEFAULT_WITHIN
    if text and (not text.isdigit() or int(text) not in WITHIN_CHOICES):
        problem = _("Choose one of: %(expected)s.", expected=", ".join(map(str, WITHIN_CHOICES)))
    items = deadline_service.upcoming(get_session(), current_actor(), as_of, within)
    reminder_days = commercial_policy.current().reminder_days
    return render_template(
        "deadlines/index.html",
        items=items,
        as_of=as_of,
        within=within,
        choices=WITHIN_CHOICES,
        problem=problem,
        labels=DEADLINE_KIND_LABELS,
        links=LINKS,
        reminder_days=reminder_days,
    )
