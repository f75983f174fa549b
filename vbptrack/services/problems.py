"""Turn pydantic validation errors into one message per field, in the user's language.

The same input models validate API bodies, web forms and import rows, so a rule is
written once and every surface says the same thing about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from flask import has_app_context
from flask_babel import gettext
from pydantic import BaseModel, ValidationError

from vbptrack.services.errors import InvalidInput

# Keyed by pydantic's error type (or our own PydanticCustomError types).


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    return msgid


MESSAGES: dict[str, str] = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is required."),
    "string_too_long": N_("At most %(max_length)s characters."),
    "string_type": N_("Enter text."),
    "int_parsing": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "greater_than_equal": N_("Must be at least %(ge)s."),
    "greater_than": N_("Must be greater than %(gt)s."),
    "less_than_equal": N_("Must be at most %(le)s."),
    "bool_parsing": N_("Enter yes or no."),
    "literal_error": N_("Choose one of: %(expected)s."),
    "date_from_datetime_parsing": N_("Enter a date as YYYY-MM-DD."),
    "date_parsing": N_("Enter a date as YYYY-MM-DD."),
    "date_type": N_("Enter a date as YYYY-MM-DD."),
    "date_range": N_("Enter a date between %(first)s and %(last)s."),
    "extra_forbidden": N_("Unknown field."),
    "code_format": N_("Use letters, digits and - _ . / only."),
    "unknown_province": N_("Unknown province “%(value)s”."),
    "insurance_code_format": N_("A national insurance code is H followed by 11 digits."),
    "email_format": N_("Enter an e-mail address."),
    "code_reserved": N_("“new” is reserved; choose another code."),
    "control_characters": N_("Remove the control characters."),
    "money_invalid": N_("Enter an amount in yuan, e.g. 1234.50."),
    "money_decimals": N_("At most two decimal places."),
    "money_negative": N_("Must not be negative."),
    "money_too_large": N_("Too large for an amount."),
    "money_required": N_("This field is required."),
    "money_float": N_('Send money as a decimal string, e.g. "12.50".'),
    "money_positive": N_("Must be more than 0."),
    "portions_total": N_("Portions must sum to exactly 100, not %(total)s."),
    "term_and_due_date": N_("Give a payment term or a due date, not both."),
    "due_before_invoice": N_("The due date is before the invoice date."),
    "decimal_max_places": N_("At most %(decimal_places)s decimal places."),
    "date_from_datetime_inexact": N_("Enter a date as YYYY-MM-DD."),
    "list_type": N_("Enter a list."),
    "model_type": N_("Enter an object."),
    "dict_type": N_("Enter an object."),
    "too_short": N_("Give at least %(min_length)s."),
    "too_long": N_("Give at most %(max_length)s."),
    "decimal_parsing": N_("Enter a number."),
    "value_error": N_("%(error)s"),
    "year_ends_before_start": N_("The agreement year ends before it starts."),
    "years_repeated": N_("An agreement year is given twice."),
    "rank_above_winners": N_("The rank cannot exceed the number of winners."),
    "quantity_or_reported": N_("Give a quantity or the reported demand."),
    "template_syntax": N_("The template cannot be read: %(error)s"),
    "wording_too_long": N_("At most %(max_length)s characters."),
    "wording_construct": N_(
        "Line %(line)s: %(construct)s cannot be used in a wording. A wording fills in the "
        "names, chooses with {%% if %%} and uses the filters upper, lower, title, "
        "capitalize, trim and default."
    ),
    "wording_output": N_(
        "This wording could print %(chars)s characters in a letter, more than "
        "%(limit)s: shorten it."
    ),
    "levels_order": N_("Number the levels 1, 2, 3 … with increasing minimum days past due."),
    "delivered_before_sent": N_("The delivery date is before the day it was sent."),
}


# A rule about several fields is reported on the field a person would correct.
ROOT_FIELDS = {
    "portions_total": "instalments",
    "term_and_due_date": "due_date",
    "due_before_invoice": "due_date",
    "years_repeated": "years",
    "rank_above_winners": "rank",
    "quantity_or_reported": "quantity",
    "levels_order": "levels",
    "delivered_before_sent": "delivered_on",
}


def translate(msgid: str, **context: Any) -> str:
    """gettext inside the app; the English text where no app is running."""
    if has_app_context():
        return gettext(msgid, **context)
    return msgid % context if context else msgid


def field_problems(exc: ValidationError) -> dict[str, str]:
    """First problem per field, as text for people.

    Fields are named by the input model's field names (the API's JSON names), so a form
    can put each message next to its input and an import can name the column.
    """
    problems: dict[str, str] = {}
    for error in exc.errors():
        location = error.get("loc") or (ROOT_FIELDS.get(error["type"], "__root__"),)
        # Nested fields read as a path: "allocations.0.amount".
        field = ".".join(str(part) for part in location)
        if field in problems:
            continue
        context = dict(error.get("ctx") or {})
        kind = error["type"]
        if error.get("input", "") is None and kind.endswith("_type"):
            kind = "missing"  # a blank that was required
        template = MESSAGES.get(kind)
        if template is None:
            problems[field] = str(error["msg"])
            continue
        context = {key: str(value) for key, value in context.items()}
        try:
            problems[field] = translate(template, **context)
        except (KeyError, ValueError, TypeError):
            problems[field] = str(error["msg"])
    return problems


M = TypeVar("M", bound=BaseModel)


def invalid(fields: Mapping[str, str]) -> InvalidInput:
    """The problem a service raises for bad input: one message per field."""
    return InvalidInput(translate("Please correct the marked fields."), fields)


def validated(model: type[M], data: Mapping[str, Any]) -> M:
    """`data` in the input model's shape, or InvalidInput naming each field at fault."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise invalid(field_problems(exc)) from exc
