"""Field types shared by the input models (API bodies, form posts and import rows).

Blank strings become None, so an empty form input or spreadsheet cell means "not given".
Money and dates are strict, exactly as API.md writes them (`-?[0-9]+(.[0-9]{1,2})?`,
`YYYY-MM-DD` in ASCII inside the configured range): what a form lets a person type
more loosely (thousands separators, full-width digits) is made strict text by the form
(`web/forms.py`) before it gets here, and imports take the file's text as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from flask import current_app, has_app_context
from pydantic import AfterValidator, BeforeValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from vbptrack.domain.days import DEFAULT_RANGE, DayError, DayRange, parse_iso_day, parse_range
from vbptrack.domain.provinces import resolve_province

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$")
# [0-9], not \d: \d also takes full-width "１２３", which a Chinese keyboard readily types.
INSURANCE_CODE_PATTERN = re.compile(r"^H[0-9]{11}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _check_code(value: str) -> str:
    if not CODE_PATTERN.match(value):
        raise PydanticCustomError("code_format", "use letters, digits and - _ . / only")
    if value.lower() == "new":
        # /hospitals/new is the form for a new record; a record coded "new" could not be opened.
        raise PydanticCustomError("code_reserved", "“new” is reserved; choose another code")
    return value


def _check_no_control_characters(value: str) -> str:
    # PostgreSQL refuses NUL in text, and other control characters are never meant.
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        raise PydanticCustomError("control_characters", "remove the control characters")
    return value


def _check_province(value: Any) -> str:
    code = resolve_province(str(value))
    if code is None:
        raise PydanticCustomError(
            "unknown_province", "unknown province “{value}”", {"value": str(value)}
        )
    return code


def _check_insurance_code(value: str) -> str:
    if not INSURANCE_CODE_PATTERN.match(value):
        raise PydanticCustomError(
            "insurance_code_format", "a national insurance code is H followed by 11 digits"
        )
    return value


def _check_email(value: str) -> str:
    if not EMAIL_PATTERN.match(value):
        raise PydanticCustomError("email_format", "enter an e-mail address")
    return value


Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    AfterValidator(_check_code),
]


def text(max_length: int) -> Any:
    """Required text, trimmed."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
        AfterValidator(_check_no_control_characters),
    ]


def optional_text(max_length: int) -> Any:
    """Optional text; blank means not given."""
    trimmed = Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=max_length),
        AfterValidator(_check_no_control_characters),
    ]
    return Annotated[trimmed | None, BeforeValidator(blank_to_none)]


ProvinceCode = Annotated[str, BeforeValidator(blank_to_none), AfterValidator(_check_province)]
OptionalProvinceCode = Annotated[
    str | None,
    BeforeValidator(blank_to_none),
    AfterValidator(lambda v: None if v is None else _check_province(v)),
]
InsuranceCode = Annotated[
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, to_upper=True, max_length=20),
        AfterValidator(_check_insurance_code),
    ]
    | None,
    BeforeValidator(blank_to_none),
]
Email = Annotated[
    Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=120), AfterValidator(_check_email)
    ]
    | None,
    BeforeValidator(blank_to_none),
]


def _parse_money(value: Any) -> Any:
    from vbptrack.domain.money import MoneyError, parse_money

    if value is None:
        return value
    try:
        return parse_money(value)
    except MoneyError as exc:
        raise PydanticCustomError(f"money_{exc.kind}", str(exc)) from exc


def _positive(value: Any) -> Any:
    if value is not None and value <= 0:
        raise PydanticCustomError("money_positive", "must be more than 0")
    return value


DAY_RANGE_KEY = "vbptrack.day_range"


def day_range() -> DayRange:
    """The dates users may give: the running app's `DATE_MIN` … `DATE_MAX` (read once at
    start, see `configure_day_range`), the defaults outside an app."""
    if has_app_context():
        found = current_app.extensions.get(DAY_RANGE_KEY)
        if found is not None:
            return found  # type: ignore[no-any-return]
    return DEFAULT_RANGE


def configure_day_range(config: Mapping[str, Any]) -> DayRange:
    """The range from the settings; a ValueError naming them when they cannot be read."""
    first = str(config.get("DATE_MIN", DEFAULT_RANGE.earliest.isoformat()))
    last = str(config.get("DATE_MAX", DEFAULT_RANGE.latest.isoformat()))
    try:
        return parse_range(first, last)
    except ValueError as exc:
        raise ValueError(
            f"VBPTRACK_DATE_MIN / VBPTRACK_DATE_MAX ({first!r}, {last!r}): {exc}"
        ) from exc


def range_error(within: DayRange) -> PydanticCustomError:
    return PydanticCustomError(
        "date_range",
        "enter a date between {first} and {last}",
        {"first": within.earliest.isoformat(), "last": within.latest.isoformat()},
    )


def _parse_day(value: Any) -> Any:
    """`YYYY-MM-DD` in ASCII inside the configured range, or a `date` from code.

    Nothing else: a bare number would read as seconds since 1970 to pydantic, `20240105`
    and `2024/1/5` are what the contract does not say, and a date with a time is a
    timestamp sent where a day was meant.
    """
    within = day_range()
    if isinstance(value, datetime) or not isinstance(value, str | date):
        raise PydanticCustomError("date_parsing", "enter a date as YYYY-MM-DD")
    try:
        day = value if isinstance(value, date) else parse_iso_day(value)
    except DayError:
        raise PydanticCustomError("date_parsing", "enter a date as YYYY-MM-DD") from None
    if day not in within:
        raise range_error(within)
    return day


# The contract's money text, and the same bounded to what the server keeps (at most 13
# digits before the point), so a schema generated from these types says what the server
# accepts. JSON integers are also accepted: they are exact, and the served document has
# always allowed them. Floats are refused (money is exact).
MONEY_PATTERN = r"^(0+|0*[1-9][0-9]{0,12})(\.[0-9]{1,2})?$"
POSITIVE_MONEY_PATTERN = r"^(0*[1-9][0-9]{0,12}(\.[0-9]{1,2})?|0+\.(0[1-9]|[1-9][0-9]?))$"
_MONEY_DESCRIPTION = 'Yuan as a decimal string with at most two places, e.g. "1234.50"'


def _money_schema(pattern: str, minimum: int) -> dict[str, Any]:
    return {
        "anyOf": [
            {"type": "string", "pattern": pattern, "examples": ["1234.50"]},
            {"type": "integer", "minimum": minimum, "maximum": 9999999999999},
        ],
        "description": _MONEY_DESCRIPTION,
    }


DAY_SCHEMA = {
    "type": "string",
    "format": "date",
    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "description": "YYYY-MM-DD, between VBPTRACK_DATE_MIN and VBPTRACK_DATE_MAX "
    "(2000-01-01 … 2099-12-31 by default)",
}

# Amounts of 0 or more (a fee, a tax) and amounts above 0 (an invoice, a payment).
Money = Annotated[
    Decimal, BeforeValidator(_parse_money), WithJsonSchema(_money_schema(MONEY_PATTERN, 0))
]
PositiveMoney = Annotated[
    Decimal,
    BeforeValidator(_parse_money),
    AfterValidator(_positive),
    WithJsonSchema(_money_schema(POSITIVE_MONEY_PATTERN, 1)),
]
Day = Annotated[date, BeforeValidator(_parse_day), WithJsonSchema(DAY_SCHEMA)]
OptionalDay = Annotated[
    date | None,
    BeforeValidator(lambda v: None if blank_to_none(v) is None else _parse_day(v)),
    WithJsonSchema({"anyOf": [DAY_SCHEMA, {"type": "null"}]}),
]
Reference = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=60),
    AfterValidator(_check_code),
]
OptionalCode = Annotated[Code | None, BeforeValidator(blank_to_none)]
