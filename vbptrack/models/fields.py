"""Field types shared by the input models (API bodies, form posts and import rows).

Blank strings become None, so an empty form input or spreadsheet cell means "not given".
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

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

    if value is None or isinstance(value, bool):
        return value
    try:
        return parse_money(value)
    except MoneyError as exc:
        raise PydanticCustomError(f"money_{exc.kind}", str(exc)) from exc


def _positive(value: Any) -> Any:
    if value is not None and value <= 0:
        raise PydanticCustomError("money_positive", "must be more than 0")
    return value


_DATE_SEPARATORS = re.compile(r"[/.年月]")


def _parse_day(value: Any) -> Any:
    """ISO dates, and what spreadsheets and ERPs write: 2024/1/5, 2024.01.05, 2024年1月5日."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # pydantic would read a bare number as seconds since 1970: never what a person meant.
        raise PydanticCustomError("date_parsing", "enter a date as YYYY-MM-DD")
    if not isinstance(value, str):
        return value
    text = value.strip().removesuffix("日")
    if text.isdigit():
        if len(text) == 8:  # 20240105
            return f"{text[:4]}-{text[4:6]}-{text[6:]}"
        raise PydanticCustomError("date_parsing", "enter a date as YYYY-MM-DD")
    if " " in text:
        text = text.split(" ", 1)[0]  # "2024-01-05 00:00:00" from a spreadsheet
    parts = _DATE_SEPARATORS.sub("-", text).split("-")
    if len(parts) == 3 and all(part.isdigit() for part in parts):
        return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"
    return value


# Amounts in yuan with at most two decimals; floats are refused (money is exact).
Money = Annotated[Decimal, BeforeValidator(_parse_money)]
PositiveMoney = Annotated[Decimal, BeforeValidator(_parse_money), AfterValidator(_positive)]
Day = Annotated[date, BeforeValidator(_parse_day)]
OptionalDay = Annotated[date | None, BeforeValidator(blank_to_none), BeforeValidator(_parse_day)]
Reference = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=60),
    AfterValidator(_check_code),
]
OptionalCode = Annotated[Code | None, BeforeValidator(blank_to_none)]
