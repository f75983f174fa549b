"""What the filing, listing and contract pages share: status labels in the user's
language, the as-of date, and the form fields of a status change."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from vbptrack.web.receivables_common import as_of_or_today, today

__all__ = ["as_of_or_today", "today", "LISTING_LABELS", "FILING_LABELS", "CONTRACT_LABELS"]

LISTING_LABELS = {
    "not_started": _l("Not started"),
    # "Applied" is also cash applied to invoices (已核销): the context keeps them apart.
    "applied": lazy_pgettext("listing status", "Applied"),
    "pharmacy_review": _l("Pharmacy review"),
    "committee_scheduled": _l("Committee scheduled"),
    "approved_trial": _l("Approved (trial)"),
    "listed": _l("Listed"),
    "temporary_purchase": _l("Temporary purchase"),
    "rejected": _l("Rejected"),
    "delisted": _l("Delisted"),
}
FILING_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "under_review": _l("Under review"),
    "approved": _l("Approved"),
    "suspended": _l("Suspended"),
    "expired": _l("Expired"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}
FILING_KINDS = {"price": _l("Price filing"), "insurance": _l("Insurance filing")}
CONTRACT_LABELS = {
    "draft": _l("Draft"),
    "active": _l("Active"),
    "expiring": _l("Expiring"),
    "expired": _l("Expired"),
    "renewed": _l("Renewed"),
    "terminated": _l("Terminated"),
}
CONTRACT_KINDS = {
    "supply": _l("Supply"),
    "distribution": _l("Distribution"),
    "vbp_purchase": _l("VBP purchase agreement"),
    "service": _l("Service"),
}


def iso(value: date | None) -> str:
    return value.isoformat() if value else ""
