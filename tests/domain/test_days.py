"""Dates as the contract writes them: YYYY-MM-DD in ASCII, inside the configured range."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vbptrack.domain.days import DEFAULT_RANGE, DayError, DayRange, parse_day, parse_range


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-05", date(2024, 1, 5)),
        ("2024-02-29", date(2024, 2, 29)),  # a leap day
        ("2000-01-01", date(2000, 1, 1)),  # the first day of the default range
        ("2099-12-31", date(2099, 12, 31)),  # its last
        ("2023-12-31", date(2023, 12, 31)),
    ],
)
def test_parse_day_accepts(text: str, expected: date) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("2024-1-1", "format"),
        ("20240101", "format"),
        ("2024/01/01", "format"),
        ("2024.01.01", "format"),
        ("2024年1月1日", "format"),
        ("2024-02-29T00:00:00", "format"),
        ("2024-02-29 00:00:00", "format"),
        ("2024-W01-1", "format"),  # ISO week dates: fromisoformat takes them, we do not
        ("٢٠٢٤-٠١-٠١", "format"),  # Arabic-Indic digits
        ("２０２４-０１-０１", "format"),  # full-width digits
        (" 2024-01-01", "format"),
        ("2023-02-29", "format"),  # no such day
        ("2024-13-01", "format"),
        ("2024-00-10", "format"),
        ("", "format"),
        ("1999-12-31", "range"),  # the day before the range
        ("2100-01-01", "range"),  # the day after
        ("9999-12-31", "range"),  # "no end": overflowed reports
        ("0001-01-01", "range"),
    ],
)
def test_parse_day_refuses(text: str, kind: str) -> None:
    with pytest.raises(DayError) as raised:
        parse_day(text)
    assert raised.value.kind == kind


def test_a_configured_range_moves_both_bounds() -> None:
    narrow = parse_range("2010-01-01", "2030-12-31")
    assert parse_day("2010-01-01", narrow) == date(2010, 1, 1)
    for outside in ("2009-12-31", "2031-01-01"):
        with pytest.raises(DayError, match="between 2010-01-01 and 2030-12-31"):
            parse_day(outside, narrow)
    wide = parse_range("1990-01-01", "2199-12-31")
    assert parse_day("1995-06-30", wide) == date(1995, 6, 30)


@pytest.mark.parametrize(
    ("first", "last", "problem"),
    [
        ("2030-01-01", "2020-12-31", "after the last"),
        ("2000-1-1", "2099-12-31", "YYYY-MM-DD"),
        ("2000-01-01", "9999-12-31", "must lie within"),  # reports add years to dates
        ("0001-01-01", "2099-12-31", "must lie within"),
    ],
)
def test_a_range_setting_that_cannot_be_used_is_refused(
    first: str, last: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_range(first, last)


@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_every_day_in_range_round_trips_and_none_outside(day: date) -> None:
    """Any date: its ISO text parses back to it exactly when it is inside the range."""
    inside = DEFAULT_RANGE.earliest <= day <= DEFAULT_RANGE.latest
    try:
        assert parse_day(day.isoformat()) == day
        assert inside
    except DayError as error:
        assert not inside and error.kind == "range"


def test_range_contains_only_dates() -> None:
    within = DayRange(date(2020, 1, 1), date(2020, 12, 31))
    assert date(2020, 6, 1) in within and date(2021, 1, 1) not in within
    assert "2020-06-01" not in within
    assert within.check(date(2020, 1, 1) + timedelta(days=365)) == date(2020, 12, 31)
