"""Exact money: `Decimal` in Python, integer fen (0.01 CNY) in the database.

Floats never represent money here: 0.1 + 0.2 != 0.3 in binary floating point, and a
receivables ledger must add up to the fen.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0.00")
# Ten trillion yuan: far beyond any invoice, far inside a BIGINT of fen (9.2e16 yuan).
MAX_AMOUNT = Decimal("10000000000000")
CENT = Decimal("0.01")
FEN_PER_YUAN = 100


class MoneyError(ValueError):
    """A value that cannot be an amount of money; `kind` names the problem for callers
    that explain it in their own words (float, decimals, negative, invalid, required)."""

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


def parse_money(text: str | int | Decimal, *, allow_negative: bool = False) -> Decimal:
    """Parse user input such as "1,234.5" or "12" into an amount with two places.

    More than two decimal places is an error rather than a silent rounding, because
    the user typed something the ledger cannot hold.

    >>> parse_money("1,234.5")
    Decimal('1234.50')
    """
    if isinstance(text, float):
        raise MoneyError('send money as a decimal string, e.g. "12.50"', "float")
    if isinstance(text, Decimal):
        value = text
    else:
        cleaned = str(text).strip().replace(",", "").replace("，", "")
        for symbol in ("¥", "￥", "CNY", "RMB", "元"):
            cleaned = cleaned.replace(symbol, "")
        cleaned = cleaned.strip()
        if not cleaned:
            raise MoneyError("an amount is required", "required")
        try:
            value = Decimal(cleaned)
        except InvalidOperation as exc:
            raise MoneyError(f"{text!s} is not an amount") from exc
    if not value.is_finite():
        raise MoneyError(f"{text!s} is not an amount")
    if abs(value) > MAX_AMOUNT:
        raise MoneyError(f"{text!s} is too large", "too_large")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(CENT):
        raise MoneyError("at most two decimal places", "decimals")
    if value < 0 and not allow_negative:
        raise MoneyError("must not be negative", "negative")
    return value.quantize(CENT)


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
