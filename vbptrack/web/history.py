"""A record's history as people read it: field labels instead of stored names, values
formatted (money grouped, an allocation as "invoice: amount", status codes as their
labels) and the system actor named in the page's language.

The audit trail stores plain values (services/audit.py); this is only how pages show
them. Every record page's history goes through `change_rows` (macros/ui.html).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vbptrack.domain.money import format_money_grouped
from vbptrack.domain.provinces import province_name
from vbptrack.models import AuditEvent
from vbptrack.services.access import SYSTEM
from vbptrack.services.problems import N_
from vbptrack.web.commercial_common import STATUS_LABELS as TENDER_LABELS
from vbptrack.web.market_access_common import (
    CONTRACT_KINDS,
    FILING_LABELS,
    LISTING_LABELS,
)

# Field names the services write into the audit trail, wherever a page shows them.
# A page may pass its form's own labels, which win (the hospital form's fields).
FIELD_LABELS: dict[str, object] = {
    "allocated": _l("Allocated"),
    "amount": _l("Amount"),
    "customer": _l("Customer"),
    "due": _l("Due"),
    "end": _l("End"),
    "expires": _l("Expires"),
    "has_seal": _l("Seal"),
    "hold": _l("On hold"),
    "instalments": _l("Instalments"),
    "invoice": _l("Invoice"),
    "kind": _l("Kind"),
    "next_step": _l("Next step"),
    "party": _l("Party"),
    "payment_term": _l("Payment term"),
    "predecessor": _l("Renews"),
    "province_code": _l("Province"),
    "role": _l("Role"),
    "since": _l("Since"),
    "start": _l("Start"),
    "status": _l("Status"),
    "successor": _l("Renewed by"),
    "terminated_on": _l("Terminated from"),
    "vbp_term": _l("VBP settlement rule"),
    "written_off": _l("Written off"),
}
MONEY_FIELDS = frozenset({"amount", "written_off", "value", "allocated"})
# The stored status codes of each entity's history, shown as the pages label them.
STATUS_LABELS: dict[str, Mapping[str, object]] = {
    "listing": LISTING_LABELS,
    "filing": FILING_LABELS,
    "tender": TENDER_LABELS,
}
# Who did it when nobody signed in: imports from the command line, the demo, the daily runs.
ACTORS = {SYSTEM.username: N_("system")}


def _money(value: Any) -> str:
    try:
        return format_money_grouped(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def shown(entity: str, field: str, value: Any) -> str:
    """One stored value as the page shows it; "—" for none."""
    if value is None or value == "":
        return "—"
    if value is True or value is False:
        return _("yes") if value else _("no")
    if isinstance(value, Mapping):  # an allocation: invoice → amount
        return "; ".join(f"{key}: {shown(entity, field, item)}" for key, item in value.items())
    if isinstance(value, list):
        return "; ".join(shown(entity, field, item) for item in value)
    if field in MONEY_FIELDS:
        return _money(value)
    if field == "status" and entity in STATUS_LABELS:
        return str(STATUS_LABELS[entity].get(str(value), value))
    if field == "kind" and entity == "contract":
        return str(CONTRACT_KINDS.get(str(value), value))
    if field == "role":
        return _(str(value))
    if field == "province_code":
        return province_name(str(value), english=str(get_locale()) == "en") or str(value)
    return str(value)


@cache
def _form_labels() -> dict[str, Mapping[str, object]]:
    """The master-data forms' own labels, for those records' events wherever they show
    (a hospital's changes appear on its customer page too). Imported when first used:
    the form modules build their blueprints from this package."""
    from vbptrack.web import distributors, hospitals, products
    from vbptrack.web.forms import field_labels

    return {
        "hospital": field_labels(hospitals.FIELDS),
        "distributor": field_labels(distributors.FIELDS),
        "product": field_labels(products.FIELDS),
    }


def change_rows(
    event: AuditEvent, labels: Mapping[str, object] | None = None
) -> list[tuple[str, str, str]]:
    """(label, old, new) of each field an audit event changed."""
    names = {**FIELD_LABELS, **_form_labels().get(event.entity, {}), **(labels or {})}
    return [
        (
            str(names.get(field, field.replace("_", " "))),
            shown(event.entity, field, pair[0]),
            shown(event.entity, field, pair[1]),
        )
        for field, pair in (event.changes or {}).items()
    ]


def actor_name(username: str) -> str:
    """The person who made a change, or the system's name in the page's language."""
    return _(ACTORS[username]) if username in ACTORS else username


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(change_rows=change_rows, actor_name=actor_name)
