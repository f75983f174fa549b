"""Money: parsing what people type, fen conversion, rounding — table-driven."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vbptrack.domain.money import (
    MoneyError,
    format_money,
    format_money_grouped,
    from_fen,
    parse_money,
    quantize,
    to_fen,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", "12.00"),
        ("12.5", "12.50"),
        ("1234.56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("１２", "12.00"),  # full-width digits, as typed with a Chinese IME
        ("¥1,000", "1000.00"),
        ("1000元", "1000.00"),
        (" 0 ", "0.00"),
        ("12.50", "12.50"),
        ("12.500", "12.50"),  # trailing zeros are not extra precision
        (7, "7.00"),
    ],
)
def test_parse_money_accepts(text: str, expected: str) -> None:
    assert parse_money(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("12.345", "at most two decimal places"),
        ("-5", "must not be negative"),
        ("abc", "is not an amount"),
        ("", "an amount is required"),
        ("NaN", "is not an amount"),
        ("Infinity", "is not an amount"),
        (1.5, "decimal string"),
        ("1e40", "too large"),
        ("99999999999999999999", "too large"),
        ("-1e40", "too large"),
    ],
)
def test_parse_money_refuses(text: str, problem: str) -> None:
    with pytest.raises(MoneyError, match=problem):
        parse_money(text)


def test_negative_allowed_when_asked() -> None:
    assert parse_money("-50", allow_negative=True) == Decimal("-50.00")


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("2.675", "2.68"),
        ("-0.005", "-0.01"),
        ("1.115", "1.12"),
    ],
)
def test_quantize_rounds_half_up(amount: str, rounded: str) -> None:
    assert quantize(Decimal(amount)) == Decimal(rounded)


@pytest.mark.parametrize(
    ("amount", "fen"),
    [("0.01", 1), ("12.34", 1234), ("0", 0), ("-3.10", -310), ("99999999999.99", 9999999999999)],
)
def test_fen_round_trip(amount: str, fen: int) -> None:
    assert to_fen(Decimal(amount)) == fen
    assert from_fen(fen) == Decimal(amount)


def test_to_fen_refuses_sub_fen_amounts() -> None:
    with pytest.raises(MoneyError):
        to_fen(Decimal("0.001"))


def test_formats() -> None:
    assert format_money(Decimal("1234.5")) == "1234.50"
    assert format_money_grouped(Decimal("1234567.5")) == "1,234,567.50"


@given(st.lists(st.integers(min_value=-(10**12), max_value=10**12), max_size=50))
def test_sum_in_fen_equals_sum_in_yuan(fens: list[int]) -> None:
    """Summing in the database (fen) and in Python (Decimal) always agree exactly."""
    assert from_fen(sum(fens)) == sum((from_fen(f) for f in fens), Decimal("0.00"))
