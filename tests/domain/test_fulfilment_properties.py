"""Invariants of the fulfilment rules over many generated years, dates and quantities."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from vbptrack.domain.fulfilment import (
    AgreementYear,
    agreed_from_reported,
    completion,
    days_elapsed,
    lagging,
    projected,
    time_progress,
)

starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@given(starts, st.integers(0, 800), st.integers(-30, 800))
def test_time_progress_is_a_share_that_never_falls(start: date, length: int, offset: int) -> None:
    year = AgreementYear(start, start + timedelta(days=length))
    as_of = start + timedelta(days=offset)
    progress = time_progress(year, as_of)
    assert 0 <= progress <= 1
    assert time_progress(year, as_of + timedelta(days=1)) >= progress
    assert (progress == 1) == (as_of >= year.end)
    assert days_elapsed(year, as_of) <= year.days


@given(st.integers(0, 10**9), st.integers(1, 10**9), st.integers(1, 1000), st.integers(0, 1000))
def test_projection_and_lagging_agree(purchased: int, agreed: int, days: int, elapsed: int) -> None:
    """Lagging (tolerance 1) is exactly "projected below 100 %", for any year in progress."""
    progress = Decimal(min(elapsed, days)) / Decimal(days)
    rate = completion(purchased, agreed)
    assert rate is not None and rate >= 0
    projection = projected(rate, progress)
    if progress == 0:
        assert projection is None
        return
    assert projection is not None and projection >= rate
    assert lagging(rate, progress) == (projection < 1)


@given(st.integers(0, 10**9), st.integers(1, 20))
def test_agreed_share_never_exceeds_reported(reported: int, winners: int) -> None:
    agreed = agreed_from_reported(reported, winners)
    assert reported // 2 <= agreed <= reported


@given(
    st.integers(0, 10**9),
    st.integers(0, 10**9),
    st.integers(1, 800),
    st.integers(-5, 900),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(2), places=2),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(2), places=2),
)
def test_integer_figures_equal_the_decimal_rules(
    purchased: int, agreed: int, days: int, offset: int, tolerance: Decimal, share: Decimal
) -> None:
    from vbptrack.domain.fulfilment import at_risk, figures, ratio_text

    year = AgreementYear(date(2024, 1, 1), date(2024, 1, 1) + timedelta(days=days - 1))
    as_of = year.start + timedelta(days=offset)
    progress = time_progress(year, as_of)
    rate = completion(purchased, agreed)
    fast = figures(purchased, agreed, days_elapsed(year, as_of), year.days, tolerance, share)
    assert fast.completion == ratio_text(rate)
    assert fast.time_progress == ratio_text(progress)
    assert fast.projected == ratio_text(projected(rate, progress))
    assert fast.lagging == lagging(rate, progress, tolerance)
    assert fast.at_risk == at_risk(rate, progress, share)
