"""What the receivables pages share: the blueprint, "today", reading dates and amounts
from a query string, and turning a service's field problems into a form's errors.

The pages themselves live in `receivables.py` (ageing), `receivables_invoices.py` and
`receivables_payments.py` (payments and the customer page); each adds its routes to `bp`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vbptrack.domain.days import DayError
from vbptrack.domain.days import parse_day as parse_day_within
from vbptrack.domain.money import from_fen
from vbptrack.models.fields import day_range
from vbptrack.services.errors import NotFound
from vbptrack.web.forms import FormField

bp = Blueprint("receivables", __name__, url_prefix="/receivables")

SHANGHAI = ZoneInfo("Asia/Shanghai")
WRITE = "receivables.write"


def N_(msgid: str) -> str:  # noqa: N802 - gettext's "mark only" convention
    return msgid


# Audit actions of receivables, translated where the history macro shows them.
AUDIT_ACTIONS = (
    N_("hold"),
    N_("release"),
    N_("write_off"),
    N_("payment"),
    N_("credit_note"),
    N_("allocate"),
)


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    """For the receivables templates: fen as yuan, and whether the collections page (a
    separate blueprint) is there to link to."""
    return {"yuan": from_fen, "collections_page": "collections.index" in current_app.view_functions}


def today() -> date:
    """Today where the business is: Asia/Shanghai, whatever the server's clock zone."""
    return datetime.now(SHANGHAI).date()


class QueryProblem(ValueError):
    """A query-string value that cannot be used; `field` names the input to mark."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def parse_day(text: str, field: str) -> date:
    """`YYYY-MM-DD` inside the configured range (what a date input sends, and what the
    `Day` field takes); a clear problem otherwise."""
    within = day_range()
    try:
        return parse_day_within(text.strip(), within)
    except DayError as error:
        if error.kind == "format":
            raise QueryProblem(field, _("Enter a date as YYYY-MM-DD.")) from None
        raise QueryProblem(
            field,
            _(
                "Enter a date between %(first)s and %(last)s.",
                first=within.earliest.isoformat(),
                last=within.latest.isoformat(),
            ),
        ) from None


def as_of_arg(field: str = "as_of") -> date:
    """The as-of date from the query string; today (Shanghai) when not given."""
    text = request.args.get(field, "").strip()
    return parse_day(text, field) if text else today()


def as_of_or_today(field: str = "as_of") -> tuple[date, str | None]:
    """The as-of date, or today plus the message saying why the one given was not used."""
    try:
        return as_of_arg(field), None
    except QueryProblem as problem:
        return today(), problem.message


def _control(ch: str) -> bool:
    return ord(ch) < 32 or ord(ch) == 127


def query_text(name: str) -> str | None:
    """A search or filter value from the query string, trimmed; control characters
    (which PostgreSQL refuses in text, NUL above all) are dropped. None when empty."""
    text = "".join(ch for ch in request.args.get(name, "") if not _control(ch)).strip()
    return text or None


def require_printable(key: str) -> str:
    """A code or number from the URL; one with control characters names no record."""
    if any(_control(ch) for ch in key):
        raise NotFound(_("This page or record does not exist, or it is outside your territory."))
    return key


def form_errors(
    problems: Mapping[str, str], inputs: Iterable[str], names: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """A service's per-field problems as (errors by form input, problems no input shows).

    `names` maps the service's field names to the form's input names where they differ;
    a problem about a field the form has no input for is shown above the form.
    """
    names = names or {}
    shown = set(inputs)
    errors: dict[str, str] = {}
    other: list[str] = []
    for field, message in problems.items():
        name = names.get(field, field)
        if name in shown:
            errors.setdefault(name, message)
        else:
            other.append(message)
    return errors, other


def without_blanks(data: Mapping[str, Any], optional: Iterable[str]) -> dict[str, Any]:
    """Optional inputs left empty are "not given" rather than an empty value."""
    skip = set(optional)
    return {
        key: value
        for key, value in data.items()
        if not (key in skip and isinstance(value, str) and not value.strip())
    }


def date_field(name: str, label: object, *, required: bool = False, help: object = None) -> Any:
    return FormField(name, label, kind="date", required=required, help=help)


def money_field(name: str, label: object, *, required: bool = False, help: object = None) -> Any:
    return FormField(name, label, kind="money", required=required, help=help)


STATUS_CHOICES = (
    ("open", _l("Open")),
    ("overdue", _l("Overdue")),
    ("paid", _l("Paid")),
    ("held", _l("On hold")),
)
