"""Dunning rules (§5.4, API.md "Dunning"), table-driven: interest, totals, levels, interval."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vbptrack.domain.dunning import (
    Level,
    Line,
    check_levels,
    interest,
    letter_number,
    may_send,
    next_level,
    payment_deadline,
    totals,
)

D = Decimal
LEVELS = [Level(1, 1), Level(2, 31, D("0"), D("50")), Level(3, 61, D("6"))]


@pytest.mark.parametrize(
    ("outstanding", "rate", "days", "expected"),
    [
        ("10000.00", "6", 30, "49.32"),  # 49.3150… rounds up
        ("10000.00", "6", 0, "0.00"),  # due today is not overdue
        ("10000.00", "6", -5, "0.00"),
        ("10000.00", "0", 400, "0.00"),
        ("365.00", "10", 1, "0.10"),  # exactly 0.1
        ("1.00", "3.65", 1, "0.00"),  # 0.0001
        ("150.00", "3.65", 1, "0.02"),  # 0.015 → half up
        ("149.00", "3.65", 1, "0.01"),  # 0.0149
        ("1234567.89", "4.35", 366, "53850.84"),  # leap-year span still ÷ 365
        ("0.00", "6", 30, "0.00"),
    ],
)
def test_interest_per_line(outstanding: str, rate: str, days: int, expected: str) -> None:
    assert interest(D(outstanding), D(rate), days) == D(expected)


def test_totals_add_lines_interest_and_fee() -> None:
    lines = [
        Line("A", date(2024, 1, 1), 10, D("100.00"), D("0.16")),
        Line("B", date(2024, 2, 1), 5, D("0.01"), D("0.00")),
    ]
    result = totals(lines, D("50"))
    assert (result.outstanding, result.interest, result.fee) == (D("100.01"), D("0.16"), D("50.00"))
    assert result.grand_total == D("150.17")


@pytest.mark.parametrize(
    ("days", "last", "expected"),
    [
        (0, None, 0),  # nothing overdue
        (1, None, 1),
        (45, None, 1),  # a first letter is a reminder, even when level 2 is reached
        (45, 1, 2),
        (200, 1, 2),  # one level a letter
        (200, 2, 3),
        (200, 3, 3),  # stays at the top
        (10, 3, 1),  # paid up and overdue again: back to what is reached
        (30, 1, 1),
        (31, 1, 2),
        (61, 2, 3),
    ],
)
def test_next_level(days: int, last: int | None, expected: int) -> None:
    assert next_level(LEVELS, days, last) == expected


@pytest.mark.parametrize(
    ("as_of", "last", "interval", "expected"),
    [
        (date(2024, 3, 1), None, 14, True),
        (date(2024, 3, 1), date(2024, 3, 1), 14, False),  # same day
        (date(2024, 3, 1), date(2024, 3, 1), 0, False),  # same day even without interval
        (date(2024, 3, 2), date(2024, 3, 1), 0, True),
        (date(2024, 3, 14), date(2024, 2, 29), 14, True),  # leap day + 14
        (date(2024, 3, 13), date(2024, 2, 29), 14, False),
        (date(2024, 2, 1), date(2024, 3, 1), 14, False),  # a later letter exists
    ],
)
def test_interval(as_of: date, last: date | None, interval: int, expected: bool) -> None:
    assert may_send(as_of, last, interval) is expected


def test_deadline_and_number() -> None:
    assert payment_deadline(date(2024, 2, 25), 10) == date(2024, 3, 6)  # leap year
    assert payment_deadline(date(2023, 2, 25), 10) == date(2023, 3, 7)
    assert letter_number(2026, 1) == "DL-2026-000001"


@pytest.mark.parametrize(
    ("days", "problem"),
    [
        ([1, 31, 61], None),
        ([], "give at least one level"),
        ([0], "a letter is only for what is overdue: at least 1 day past due"),
        ([1, 1], "minimum days past due must increase with the level"),
    ],
)
def test_check_levels(days: list[int], problem: str | None) -> None:
    assert check_levels([Level(i + 1, d) for i, d in enumerate(days)]) == problem


@given(
    st.decimals(min_value=0, max_value=10**9, places=2),
    st.decimals(min_value=0, max_value=100, places=4),
    st.integers(min_value=0, max_value=5000),
)
def test_interest_is_exact_to_the_fen_and_never_negative(
    outstanding: Decimal, rate: Decimal, days: int
) -> None:
    value = interest(outstanding, rate, days)
    assert value >= 0
    assert value == value.quantize(D("0.01"))
    exact = outstanding * rate / 100 / 365 * days
    assert abs(value - exact) <= D("0.005")
