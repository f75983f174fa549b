"""Turn pydantic validation errors into one message per field, in the user's language.

The same input models validate API bodies, web forms and import rows, so a rule is
written once and every surface says the same thing about it.
"""

from __future__ import annotations

from typing import Any

from flask import has_app_context
from flask_babel import gettext
from pydantic import ValidationError

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
    "extra_forbidden": N_("Unknown field."),
    "code_format": N_("Use letters, digits and - _ . / only."),
    "unknown_province": N_("Unknown province “%(value)s”."),
    "insurance_code_format": N_("A national insurance code is H followed by 11 digits."),
    "email_format": N_("Enter an e-mail address."),
    "code_reserved": N_("“new” is reserved; choose another code."),
    "control_characters": N_("Remove the control characters."),
    "money_format": N_("%(problem)s"),
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
        location = error.get("loc") or ("__root__",)
        field = str(location[0])
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
