"""Invariants of the contract status over time, for any dates and renewal policy."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from vbptrack.domain.contracts import AUTO, MANUAL, ContractTerms, current_end, deadlines, status

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
