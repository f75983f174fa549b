"""Invariants of the contract status over time, for any dates and renewal policy."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from vbptrack.domain.contracts import (
    AUTO,
    MANUAL,
    ContractTerms,
    current_end,
    deadlines,
    notice_day,
    periods_rolled,
    status,
)

ORDER = ["draft", "active", "expiring", "expired"]
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@st.composite
def contracts(draw: st.DrawFn) -> ContractTerms:
    start = draw(days)
    end = start + timedelta(days=draw(st.integers(0, 1500)))
    mode = draw(st.sampled_from([MANUAL, AUTO]))
    return ContractTerms(
        start,
        end,
        mode,
        draw(st.integers(0, 120)),
        draw(st.integers(1, 24)) if mode == AUTO else 0,
    )


@given(contracts(), st.integers(0, 3000))
def test_a_manual_contract_only_moves_forward(terms: ContractTerms, span: int) -> None:
    if terms.renewal_mode != MANUAL:
        return
    seen = [
        ORDER.index(status(terms, terms.start + timedelta(days=d)))
        for d in range(-2, min(span, 2000), 37)
    ]
    assert seen == sorted(seen)


@given(contracts(), st.integers(0, 5000))
def test_the_period_in_force_contains_the_day(terms: ContractTerms, offset: int) -> None:
    as_of = terms.start + timedelta(days=offset)
    end = current_end(terms, as_of)
    assert end >= terms.end
    if terms.renewal_mode == AUTO:
        # an auto contract never lapses on its own: the day is inside the period in force
        assert as_of <= end
        assert status(terms, as_of) == "active"


@given(contracts(), days, st.integers(0, 400))
def test_deadlines_lie_in_the_window_in_order(
    terms: ContractTerms, start: date, within: int
) -> None:
    end = start + timedelta(days=within)
    found = deadlines(terms, start, end)
    assert found == sorted(found)
    assert all(start <= item.date <= end for item in found)


def _rolled_by_stepping(terms: ContractTerms, as_of: date) -> int:
    """The period in force found by walking through the periods one by one."""
    if not terms.rolls:
        return 0
    step = 0
    while True:
        end = terms.end + relativedelta(months=terms.renewal_months * step)
        if terms.terminated_on is not None and terms.terminated_on <= end:
            return step
        if terms.renewed_on is not None and terms.renewed_on <= end:
            return step
        if as_of <= notice_day(end, terms.notice_days):
            return step
        step += 1


@given(contracts(), st.integers(-400, 4000), st.none() | st.integers(0, 4000), st.booleans())
def test_the_periods_rolled_are_those_found_by_stepping_through_them(
    terms: ContractTerms, offset: int, closed_after: int | None, terminated: bool
) -> None:
    """periods_rolled computes from month numbers (so SQL can do the same); stepping
    through the periods is the plain reading of the rule."""
    if closed_after is not None:
        day = terms.start + timedelta(days=closed_after)
        terms = ContractTerms(
            terms.start, terms.end, terms.renewal_mode, terms.notice_days, terms.renewal_months,
            None if terminated else day, day if terminated else None,
        )  # fmt: skip
    as_of = terms.start + timedelta(days=offset)
    assert periods_rolled(terms, as_of) == _rolled_by_stepping(terms, as_of)
