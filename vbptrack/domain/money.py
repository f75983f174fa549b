"""Exact money: `Decimal` in Python, integer fen (0.01 CNY) in the database.

Floats never represent money here: 0.1 + 0.2 != 0.3 in binary floating point, and a
receivables ledger must add up to the fen.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
# Just under ten trillion yuan: far beyond any invoice, far inside a BIGINT of fen
# (9.2e16 yuan), and exactly "at most 13 digits before the point".
MAX_AMOUNT = Decimal("9999999999999.99")
CENT = Decimal("0.01")
FEN_PER_YUAN = 100

# Money as the contract writes it (API.md): ASCII digits, optionally a point and one or
# two places. [0-9], not \d: \d also takes "１２" and Arabic-Indic digits.
MONEY_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]{1,2})?")
_TOO_PRECISE = re.compile(r"-?[0-9]+\.[0-9]{3,}")
# What people type in a form: thousands separators only in full groups of three
# ("1,234.50"); "12,50" is a European decimal comma and "1,23,4" a typo, both refused.
_GROUPED = re.compile(r"-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?")
# A Chinese IME in full-width mode types these for 0-9 . , - ; they look the same.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")


class MoneyError(ValueError):
    """A value that cannot be an amount of money; `kind` names the problem for callers
    that explain it in their own words (float, decimals, negative, invalid, required,
    too_large)."""

    def __init__(self, message: str, kind: str = "invalid") -> None:
        super().__init__(message)
        self.kind = kind


def D(value: str | int | Decimal) -> Decimal:  # noqa: N802 - the beancount idiom
    """Decimal from a string or int; floats are refused.

    >>> D("12.5")
    Decimal('12.5')
    """
    if isinstance(value, float):
        raise MoneyError("money must not be a float", "float")
    return Decimal(value)


def quantize(amount: Decimal) -> Decimal:
    """Round to the fen, half up (the rounding Chinese invoices use).

    >>> quantize(Decimal("0.005"))
    Decimal('0.01')
    """
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _from_text(text: str) -> Decimal:
    if not text:
        raise MoneyError("an amount is required", "required")
    if MONEY_TEXT.fullmatch(text):
        return Decimal(text)
    if _TOO_PRECISE.fullmatch(text):
        # "12.500" too: trailing zeros are more places than the contract's two.
        raise MoneyError("at most two decimal places", "decimals")
    raise MoneyError(f"{text} is not an amount")


def parse_money(value: str | int | Decimal, *, allow_negative: bool = False) -> Decimal:
    """Money as the contract writes it: text matching `-?[0-9]+(.[0-9]{1,2})?`, nothing
    around it, or an exact int or Decimal from code. Floats, exponents ("1e3"),
    separators ("1,000", "1_000"), other digits ("１２") and a third place are refused:
    "12,50" must never be read as 1250.

    >>> parse_money("1234.5"), parse_money(7)
    (Decimal('1234.50'), Decimal('7.00'))
    """
    if isinstance(value, float):
        raise MoneyError('send money as a decimal string, e.g. "12.50"', "float")
    if isinstance(value, bool):  # a bool is an int to Python, never an amount
        raise MoneyError(f"{value} is not an amount")
    if isinstance(value, Decimal):
        amount = value
        if not amount.is_finite():
            raise MoneyError(f"{value} is not an amount")
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        amount = _from_text(value)
    else:
        raise MoneyError(f"{value!s} is not an amount")
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError(f"{value!s} is too large", "too_large")
    if amount != amount.quantize(CENT):  # a Decimal from code with a third place
        raise MoneyError("at most two decimal places", "decimals")
    if amount.is_signed() and not allow_negative:  # "-0" too: a minus sign means negative
        raise MoneyError("must not be negative", "negative")
    return abs(amount).quantize(CENT) if amount == 0 else amount.quantize(CENT)


def typed_money_text(text: str) -> str:
    """What a person typed into a money field, as contract money text where it is
    unambiguous: spaces around it trimmed, full-width digits and marks made ASCII, and
    thousands separators dropped when every group has three digits. Anything else is
    returned as it is, for `parse_money` to refuse.

    >>> typed_money_text(" 1,234.50 "), typed_money_text("１２３．５"), typed_money_text("12,50")
    ('1234.50', '123.5', '12,50')
    """
    cleaned = text.strip().translate(_FULL_WIDTH)
    if _GROUPED.fullmatch(cleaned):
        return cleaned.replace(",", "")
    return cleaned


def parse_typed_money(text: str, *, allow_negative: bool = False) -> Decimal:
    """`parse_money` of what a person typed in a form (see `typed_money_text`).

    >>> parse_typed_money("1,234.5")
    Decimal('1234.50')
    """
    return parse_money(typed_money_text(text), allow_negative=allow_negative)


def to_fen(amount: Decimal) -> int:
    """Amount in yuan to integer fen, exactly.

    >>> to_fen(Decimal("12.34"))
    1234
    """
    quantized = amount.quantize(CENT)
    if quantized != amount:
        raise MoneyError(f"{amount} has more than two decimal places")
    return int(quantized * FEN_PER_YUAN)


def from_fen(fen: int) -> Decimal:
    """Integer fen to an amount in yuan with two places.

    >>> from_fen(123456)
    Decimal('1234.56')
    """
    return (Decimal(fen) / FEN_PER_YUAN).quantize(CENT)


def format_money(amount: Decimal) -> str:
    """The API's money format: a plain decimal string with two places.

    >>> format_money(Decimal("1234.5"))
    '1234.50'
    """
    return f"{quantize(amount):f}"


def format_money_grouped(amount: Decimal) -> str:
    """Money for people: thousands separators, two places.

    >>> format_money_grouped(Decimal("1234567.5"))
    '1,234,567.50'
    """
    return f"{quantize(amount):,.2f}"
