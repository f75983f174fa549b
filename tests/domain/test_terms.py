"""Payment terms → due dates and instalment amounts (domain guide §5.2), table-driven."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vbptrack.domain.terms import (
    Base,
    Instalment,
    PaymentTerm,
    Rule,
    TermError,
    check_portions,
    due_date,
    schedule,
)

D = date


@pytest.mark.parametrize(
    ("rule", "n", "base", "due"),
    [
        # 1. N days after base
        (Rule.DAYS_AFTER_BASE, 0, D(2024, 3, 15), D(2024, 3, 15)),
        (Rule.DAYS_AFTER_BASE, 90, D(2024, 1, 1), D(2024, 3, 31)),  # leap February
        (Rule.DAYS_AFTER_BASE, 90, D(2023, 1, 1), D(2023, 4, 1)),
        (Rule.DAYS_AFTER_BASE, 30, D(2024, 12, 15), D(2025, 1, 14)),  # over the year end
        (Rule.DAYS_AFTER_BASE, 180, D(2024, 8, 31), D(2025, 2, 27)),
        # 2. N days after the end of base's month
        (Rule.DAYS_AFTER_BASE_MONTH_END, 0, D(2024, 2, 1), D(2024, 2, 29)),
        (Rule.DAYS_AFTER_BASE_MONTH_END, 30, D(2024, 1, 31), D(2024, 3, 1)),
        (Rule.DAYS_AFTER_BASE_MONTH_END, 30, D(2023, 1, 31), D(2023, 3, 2)),
        (Rule.DAYS_AFTER_BASE_MONTH_END, 60, D(2024, 12, 5), D(2025, 3, 1)),
        # 3. N calendar months after base, clamped to the month end
        (Rule.MONTHS_AFTER_BASE, 1, D(2024, 1, 31), D(2024, 2, 29)),
        (Rule.MONTHS_AFTER_BASE, 1, D(2023, 1, 31), D(2023, 2, 28)),
        (Rule.MONTHS_AFTER_BASE, 3, D(2024, 11, 30), D(2025, 2, 28)),
        (Rule.MONTHS_AFTER_BASE, 12, D(2024, 2, 29), D(2025, 2, 28)),
        (Rule.MONTHS_AFTER_BASE, 6, D(2024, 3, 31), D(2024, 9, 30)),
        (Rule.MONTHS_AFTER_BASE, 0, D(2024, 5, 17), D(2024, 5, 17)),
        # 4. end of the Nth month after base (the VBP settlement rule with N = 1)
        (Rule.END_OF_MONTH_AFTER_MONTHS, 1, D(2016, 1, 22), D(2016, 2, 29)),
        (Rule.END_OF_MONTH_AFTER_MONTHS, 1, D(2020, 6, 11), D(2020, 7, 31)),
        (Rule.END_OF_MONTH_AFTER_MONTHS, 1, D(2024, 1, 31), D(2024, 2, 29)),
        (Rule.END_OF_MONTH_AFTER_MONTHS, 1, D(2023, 1, 31), D(2023, 2, 28)),
        (Rule.END_OF_MONTH_AFTER_MONTHS, 1, D(2024, 12, 1), D(2025, 1, 31)),
        (Rule.END_OF_MONTH_AFTER_MONTHS, 0, D(2024, 4, 2), D(2024, 4, 30)),
        (Rule.END_OF_MONTH_AFTER_MONTHS, 2, D(2024, 12, 31), D(2025, 2, 28)),
    ],
)
def test_due_date(rule: Rule, n: int, base: date, due: date) -> None:
    assert due_date(rule, n, base) == due


def test_negative_n_is_refused() -> None:
    with pytest.raises(TermError):
        due_date(Rule.DAYS_AFTER_BASE, -1, D(2024, 1, 1))


def term(*parts: tuple[str, Rule, int, Base]) -> PaymentTerm:
    return PaymentTerm("T", "test", tuple(Instalment(Decimal(p), r, n, b) for p, r, n, b in parts))


def test_vbp_settlement_counts_from_acceptance() -> None:
    vbp = term(("100", Rule.END_OF_MONTH_AFTER_MONTHS, 1, Base.ACCEPTANCE_DATE))
    result = schedule(
        vbp, invoice_date=D(2024, 1, 5), acceptance_date=D(2024, 1, 22), amount=Decimal("1000.00")
    )
    assert [(i.due_date, i.amount) for i in result] == [(D(2024, 2, 29), Decimal("1000.00"))]
    with pytest.raises(TermError, match="acceptance date"):
        schedule(vbp, invoice_date=D(2024, 1, 5), amount=Decimal("1"))


@pytest.mark.parametrize(
    ("amount", "portions", "expected"),
    [
        ("100.00", ["30", "70"], ["30.00", "70.00"]),
        ("100.01", ["30", "70"], ["30.00", "70.01"]),
        ("100.00", ["33.33", "33.33", "33.34"], ["33.33", "33.33", "33.34"]),
        ("0.05", ["50", "50"], ["0.03", "0.02"]),  # half up on the first, remainder last
        ("10.00", ["33.3333", "66.6667"], ["3.33", "6.67"]),
        ("0.00", ["50", "50"], ["0.00", "0.00"]),
    ],
)
def test_split_rounds_and_last_takes_remainder(
    amount: str, portions: list[str], expected: list[str]
) -> None:
    t = term(
        *[(p, Rule.DAYS_AFTER_BASE, 30 * i, Base.INVOICE_DATE) for i, p in enumerate(portions)]
    )
    result = schedule(t, invoice_date=D(2024, 1, 1), amount=Decimal(amount))
    assert [str(i.amount) for i in result] == expected


@pytest.mark.parametrize(
    ("portions", "problem"),
    [
        ([], "at least one"),
        (["50", "49.99"], "exactly 100"),
        (["100", "0"], "more than 0"),
        (["60", "60", "-20"], "more than 0"),
        (["100.01"], "exactly 100"),
    ],
)
def test_portions_must_sum_to_exactly_100(portions: list[str], problem: str) -> None:
    with pytest.raises(TermError, match=problem):
        check_portions([Instalment(Decimal(p), Rule.DAYS_AFTER_BASE, 0) for p in portions])


@given(
    amount=st.decimals(min_value=0, max_value=10**9, places=2),
    cuts=st.lists(st.integers(min_value=1, max_value=9999), min_size=0, max_size=5),
    start=st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31)),
)
def test_instalments_always_add_up_to_the_amount(
    amount: Decimal, cuts: list[int], start: date
) -> None:
    # portions in hundredths of a percent that sum to exactly 100
    points = sorted(set(cuts))
    edges = [0, *points, 10000]
    portions = [Decimal(b - a) / 100 for a, b in zip(edges, edges[1:], strict=False) if b > a]
    t = term(
        *[(str(p), Rule.MONTHS_AFTER_BASE, i, Base.INVOICE_DATE) for i, p in enumerate(portions)]
    )
    result = schedule(t, invoice_date=start, amount=amount)
    assert sum(i.amount for i in result) == amount
    assert all(i.due_date >= start for i in result)
