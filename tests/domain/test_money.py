"""Money: the contract's strict text, what forms let people type, fen conversion,
rounding — table-driven."""

from __future__ import annotations

import re
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
    parse_typed_money,
    quantize,
    to_fen,
)
from vbptrack.models.fields import MONEY_PATTERN, POSITIVE_MONEY_PATTERN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", "12.00"),
        ("12.5", "12.50"),
        ("1234.56", "1234.56"),
        ("0", "0.00"),
        ("0.01", "0.01"),
        ("007", "7.00"),
        ("12.50", "12.50"),
        ("9999999999999.99", "9999999999999.99"),  # the largest amount
        (7, "7.00"),  # an exact int from code or a JSON integer
        (Decimal("12.3"), "12.30"),
    ],
)
def test_parse_money_accepts(text: str, expected: str) -> None:
    assert parse_money(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "problem", "kind"),
    [
        ("12,50", "is not an amount", "invalid"),  # read as 1250.00 before issue 11
        ("1,234.56", "is not an amount", "invalid"),  # grouping is for forms only
        ("1e3", "is not an amount", "invalid"),
        ("1E3", "is not an amount", "invalid"),
        ("1_000", "is not an amount", "invalid"),
        ("１２", "is not an amount", "invalid"),  # full-width: forms only
        ("١٢", "is not an amount", "invalid"),  # Arabic-Indic digits
        (" 12", "is not an amount", "invalid"),  # nothing around the number
        ("12 ", "is not an amount", "invalid"),
        ("12\n", "is not an amount", "invalid"),
        ("+12", "is not an amount", "invalid"),
        (".5", "is not an amount", "invalid"),
        ("12.", "is not an amount", "invalid"),
        ("¥1000", "is not an amount", "invalid"),
        ("1000元", "is not an amount", "invalid"),
        ("12.345", "at most two decimal places", "decimals"),
        ("12.500", "at most two decimal places", "decimals"),  # a third place, even a zero
        (Decimal("0.001"), "at most two decimal places", "decimals"),
        ("-5", "must not be negative", "negative"),
        ("-0", "must not be negative", "negative"),
        ("abc", "is not an amount", "invalid"),
        ("", "an amount is required", "required"),
        ("NaN", "is not an amount", "invalid"),
        ("Infinity", "is not an amount", "invalid"),
        (Decimal("NaN"), "is not an amount", "invalid"),
        (1.5, "decimal string", "float"),
        (True, "is not an amount", "invalid"),
        ("10000000000000", "too large", "too_large"),
        ("99999999999999999999", "too large", "too_large"),
        (10**40, "too large", "too_large"),
        (Decimal("1e40"), "too large", "too_large"),
    ],
)
def test_parse_money_refuses(text: object, problem: str, kind: str) -> None:
    with pytest.raises(MoneyError, match=problem) as raised:
        parse_money(text)  # type: ignore[arg-type]
    assert raised.value.kind == kind


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1,234.50", "1234.50"),
        ("1,234,567", "1234567.00"),
        ("-1,234.5", "-1234.50"),
        (" 12 ", "12.00"),  # a form trims what a person pasted
        ("１２３４．５", "1234.50"),  # a Chinese IME in full-width mode
        ("１，２３４", "1234.00"),
        ("999", "999.00"),
    ],
)
def test_forms_take_full_groups_and_full_width_digits(typed: str, expected: str) -> None:
    assert parse_typed_money(typed, allow_negative=True) == Decimal(expected)


@pytest.mark.parametrize(
    "typed", ["12,50", "1,23,4", "1234,567", "1,2345", ",123", "1,234.567", "1 234", "1.234,50"]
)
def test_forms_refuse_partial_groups(typed: str) -> None:
    with pytest.raises(MoneyError):
        parse_typed_money(typed)


@given(st.text(alphabet="0123456789.,-e １", max_size=18))
def test_the_published_patterns_say_exactly_what_is_accepted(text: str) -> None:
    """The field types publish a JSON-schema pattern; a string matches it exactly when
    the server takes it (so a schema generated from the types never lies)."""
    for pattern, positive in ((MONEY_PATTERN, False), (POSITIVE_MONEY_PATTERN, True)):
        try:
            value = parse_money(text)
            accepted = value > 0 if positive else True
        except MoneyError:
            accepted = False
        assert bool(re.fullmatch(pattern, text)) is accepted, (pattern, text)


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
