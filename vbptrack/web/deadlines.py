"""The deadlines page: everything due in the next N days, from every area's sources
(tender deadlines, agreement-year ends, and what other areas register), with the
reminders already e-mailed for each; and "send due reminders now"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vbptrack.db import get_session
from vbptrack.domain.deadlines import Deadline
from vbptrack.domain.provinces import province_name
from vbptrack.models import Reminder
from vbptrack.queue import get_queue
from vbptrack.services import commercial_policy, mail, reminder_mail, reminders
from vbptrack.services import deadlines as deadline_service
from vbptrack.services.jobs import reminder_jobs
from vbptrack.web.auth import current_actor, login_required, permission_required
from vbptrack.web.commercial_common import DEADLINE_KIND_LABELS, SHANGHAI, today
from vbptrack.web.market_access_common import FILING_KINDS
from vbptrack.web.receivables_common import as_of_or_today

bp = Blueprint("deadlines", __name__, url_prefix="/deadlines")

WITHIN_CHOICES = (7, 14, 30, 60, 90, 180, 366)
DEFAULT_WITHIN = 30
TENDER_KINDS = ("tender_registration", "tender_documents", "tender_bid")
# The groups the page names when it says how far ahead reminders go out.
REMINDER_GROUPS = (
    (_l("Tenders"), "tender_bid"),
    (_l("Agreement year ends"), "agreement_year_end"),
    (_l("Filings"), "filing_expiry"),
    (_l("Contracts"), "contract_end"),
)


def link_target(kind: str, ref: str) -> tuple[str, dict[str, str]] | None:
    """The page a deadline leads to (endpoint and its arguments); None for a kind another
    area adds without a page here, shown as text."""
    if kind in TENDER_KINDS:
        return "tenders.detail", {"code": ref}
    if kind == "agreement_year_end":
        return "awards.detail", {"code": ref}
    if kind in ("contract_end", "contract_notice"):
        return "contracts.detail", {"number": ref}
    if kind == "filing_expiry":
        # services/filings writes the ref as kind/product/province; a product code may
        # itself contain "/", the province never does.
        filing_kind, _sep, rest = ref.partition("/")
        product, _sep, province = rest.rpartition("/")
        return "filings.detail", {
            "kind": filing_kind,
            "product_code": product,
            "province_code": province,
        }
    return None


def reference(item: Deadline) -> str:
    """The record a deadline belongs to, as people name it: a filing's kind, product and
    province ("Price filing · P0002 · Henan") rather than the feed's `price/P0002/41`."""
    if item.kind == "filing_expiry":
        target = link_target(item.kind, item.ref)
        assert target is not None
        args = target[1]
        kind = FILING_KINDS.get(args["kind"], args["kind"])
        province = province_name(args["province_code"], english=str(get_locale()) == "en")
        return f"{kind} · {args['product_code']} · {province or args['province_code']}"
    return item.ref


def reminder_links() -> reminders.Links:
    """The paths the reminder e-mails link to; built without a request (the CLI)."""
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/"
    )

    def path(kind: str, ref: str) -> str | None:
        target = link_target(kind, ref)
        return adapter.build(*target) if target else None

    return reminders.Links(deadline=path, overview=adapter.build("deadlines.index"))


def reminded(reminder: Reminder) -> str:
    """ "reminded 7 days before, on 2026-03-02" (the day in China)."""
    assert reminder.sent_at is not None
    day = reminder.sent_at.astimezone(SHANGHAI).date().isoformat()
    return ngettext(
        "reminded %(num)s day before, on %(date)s",
        "reminded %(num)s days before, on %(date)s",
        reminder.offset_days,
        date=day,
    )


@bp.route("/")
@login_required
def index() -> Any:
    as_of, problem = as_of_or_today()
    text = request.args.get("within", "").strip()
    within = int(text) if text.isdigit() and int(text) in WITHIN_CHOICES else DEFAULT_WITHIN
    if text and (not text.isdigit() or int(text) not in WITHIN_CHOICES):
        problem = _("Choose one of: %(expected)s.", expected=", ".join(map(str, WITHIN_CHOICES)))
    session = get_session()
    actor = current_actor()
    items = deadline_service.upcoming(session, actor, as_of, within)
    offsets = commercial_policy.current().reminder_offsets()
    sent = reminders.sent_for(session, items)
    return render_template(
        "deadlines/index.html",
        items=items,
        as_of=as_of,
        within=within,
        choices=WITHIN_CHOICES,
        problem=problem,
        labels=DEADLINE_KIND_LABELS,
        link_target=link_target,
        reference=reference,
        when=reminder_mail.when,
        offsets=offsets,
        groups=[(label, offsets[kind]) for label, kind in REMINDER_GROUPS],
        reminded={k: [reminded(r) for r in found] for k, found in sent.items()},
        key=_key,
        can_send=actor.can(reminders.SEND),
        mail_configured=mail.configured(current_app.config),
    )


def _key(item: Deadline) -> reminders.Key:
    return reminders.key(item)


@bp.route("/reminders/send", methods=["POST"])
@login_required
@permission_required(reminders.SEND)
def send_reminders() -> Any:
    """What the daily run does, now, as a background job: the reminders due today."""
    try:
        job = reminder_jobs.start(
            get_session(),
            actor=current_actor(),
            queue=get_queue(),
            as_of=today(),
            settings=current_app.config,
            lang=str(get_locale()),
        )
    except mail.MailNotConfigured as problem:
        flash(problem.message, "error")
        return redirect(url_for("deadlines.index"))
    flash(_("The reminders due today are being sent."), "info")
    return redirect(url_for("jobs.detail", job_id=job.id), code=303)
