"""Fulfilment rules (DOMAIN.md §5.6), table by table: year ends, leap years, boundaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from vbptrack.domain.fulfilment import (
    AgreementYear,
    agreed_from_reported,
    at_risk,
    completion,
    consecutive_years,
    counted_through,
    days_elapsed,
    excess,
    lagging,
    month_end_progress,
    projected,
    ratio_text,
    share_for,
    time_progress,
)
from vbptrack.domain.tenders import is_open, price_per_pack, reminder_dates

D = Decimal
CALENDAR_2023 = AgreementYear(date(2023, 1, 1), date(2023, 12, 31))
LEAP_2024 = AgreementYear(date(2024, 1, 1), date(2024, 12, 31))
ACROSS_LEAP_DAY = AgreementYear(date(2023, 3, 1), date(2024, 2, 29))
MID_YEAR = AgreementYear(date(2024, 7, 1), date(2025, 6, 30))


@pytest.mark.parametrize(
    ("year", "as_of", "elapsed", "progress"),
    [
        (CALENDAR_2023, date(2022, 12, 31), 0, "0.0000"),  # before the year
        (CALENDAR_2023, date(2023, 1, 1), 1, "0.0027"),  # first day counts
        (CALENDAR_2023, date(2023, 7, 2), 183, "0.5014"),
        (CALENDAR_2023, date(2023, 12, 30), 364, "0.9973"),
        (CALENDAR_2023, date(2023, 12, 31), 365, "1.0000"),  # last day of a year
        (CALENDAR_2023, date(2024, 3, 1), 365, "1.0000"),  # after: capped
        (LEAP_2024, date(2024, 2, 29), 60, "0.1639"),  # 60 / 366
        (LEAP_2024, date(2024, 12, 31), 366, "1.0000"),
        (LEAP_2024, date(2024, 7, 1), 183, "0.5000"),  # exactly half of 366
        (ACROSS_LEAP_DAY, date(2024, 2, 28), 365, "0.9973"),
        (ACROSS_LEAP_DAY, date(2024, 2, 29), 366, "1.0000"),
        (MID_YEAR, date(2024, 12, 31), 184, "0.5041"),  # 184 / 365
    ],
)
def test_time_progress_counts_as_of_itself(
    year: AgreementYear, as_of: date, elapsed: int, progress: str
) -> None:
    assert days_elapsed(year, as_of) == elapsed
    assert ratio_text(time_progress(year, as_of)) == progress


@pytest.mark.parametrize(
    ("year", "as_of", "through"),
    [
        (LEAP_2024, date(2024, 2, 29), date(2024, 2, 29)),  # leap day inside the year
        (LEAP_2024, date(2024, 12, 31), date(2024, 12, 31)),  # the year's last day
        (LEAP_2024, date(2025, 1, 1), date(2024, 12, 31)),  # after: never past the end
        (ACROSS_LEAP_DAY, date(2023, 4, 30), date(2023, 4, 30)),  # a month's end
        (ACROSS_LEAP_DAY, date(2024, 3, 1), date(2024, 2, 29)),  # a year ending on 29 Feb
        (CALENDAR_2023, date(2022, 12, 31), date(2022, 12, 31)),  # before: nothing counts
    ],
)
def test_purchases_count_through_as_of_but_not_past_the_year(
    year: AgreementYear, as_of: date, through: date
) -> None:
    assert counted_through(year, as_of) == through


def test_days_in_years() -> None:
    assert (CALENDAR_2023.days, LEAP_2024.days, ACROSS_LEAP_DAY.days, MID_YEAR.days) == (
        365,
        366,
        366,
        365,
    )
    with pytest.raises(ValueError):
        AgreementYear(date(2024, 1, 2), date(2024, 1, 1))


@pytest.mark.parametrize(
    ("purchased", "agreed", "expected"),
    [
        (0, 100, "0.0000"),
        (50, 100, "0.5000"),
        (100, 100, "1.0000"),
        (130, 100, "1.3000"),  # beyond agreed still counts
        (1, 3, "0.3333"),
        (2, 3, "0.6667"),  # half up
        (5, 0, None),  # nothing agreed: no rate
    ],
)
def test_completion(purchased: int, agreed: int, expected: str | None) -> None:
    assert ratio_text(completion(purchased, agreed)) == expected


def test_negative_quantities_are_refused() -> None:
    with pytest.raises(ValueError):
        completion(-1, 10)
    with pytest.raises(ValueError):
        agreed_from_reported(-5, 1)


@pytest.mark.parametrize(
    ("year", "as_of", "purchased", "agreed", "projection", "is_lagging", "is_at_risk"),
    [
        # Half the leap year gone, half bought: on track, projected 100 %.
        (LEAP_2024, date(2024, 7, 1), 500, 1000, "1.0000", False, False),
        # A quarter bought at half time: lagging, projected 50 %.
        (LEAP_2024, date(2024, 7, 1), 250, 1000, "0.5000", True, True),
        # Last day of the year: projection equals completion.
        (CALENDAR_2023, date(2023, 12, 31), 900, 1000, "0.9000", True, True),
        (CALENDAR_2023, date(2023, 12, 31), 1200, 1000, "1.2000", False, False),
        # Before the year starts there is no run rate.
        (CALENDAR_2023, date(2022, 12, 1), 0, 1000, None, False, False),
    ],
)
def test_projection_lagging_and_risk(
    year: AgreementYear,
    as_of: date,
    purchased: int,
    agreed: int,
    projection: str | None,
    is_lagging: bool,
    is_at_risk: bool,
) -> None:
    rate = completion(purchased, agreed)
    progress = time_progress(year, as_of)
    assert ratio_text(projected(rate, progress)) == projection
    assert lagging(rate, progress) is is_lagging
    assert at_risk(rate, progress) is is_at_risk


@pytest.mark.parametrize(
    ("rate", "progress", "tolerance", "expected"),
    [
        ("0.49", "0.5", "1", True),
        ("0.5", "0.5", "1", False),  # exactly on schedule is not lagging
        ("0.41", "0.5", "0.8", False),  # an override: 80 % of time progress is enough
        ("0.39", "0.5", "0.8", True),
    ],
)
def test_lagging_tolerance_default_and_override(
    rate: str, progress: str, tolerance: str, expected: bool
) -> None:
    assert lagging(D(rate), D(progress), D(tolerance)) is expected


def test_projected_below_100_is_at_risk_even_above_the_alert_share() -> None:
    assert at_risk(D("0.85"), D("0.9"))  # 94 % of time progress, projected 94 %


@pytest.mark.parametrize(
    ("winners", "share"),
    [(1, "0.5"), (2, "0.6"), (3, "0.7"), (4, "0.8"), (5, "0.8"), (12, "0.8")],
)
def test_default_share_table(winners: int, share: str) -> None:
    assert share_for(winners) == D(share)


def test_share_table_override() -> None:
    provincial = {1: D("0.6"), 3: D("0.75")}
    assert share_for(2, provincial) == D("0.6")
    assert share_for(7, provincial) == D("0.75")
    assert agreed_from_reported(1000, 3, provincial) == 750
    with pytest.raises(ValueError):
        share_for(0)
    with pytest.raises(ValueError):
        share_for(1, {2: D("0.6")})


@pytest.mark.parametrize(
    ("reported", "winners", "agreed"),
    [(1000, 1, 500), (1001, 1, 501), (1001, 2, 601), (999, 3, 699), (7, 4, 6), (0, 1, 0)],
)
def test_agreed_from_reported_rounds_half_up(reported: int, winners: int, agreed: int) -> None:
    assert agreed_from_reported(reported, winners) == agreed


def test_excess() -> None:
    assert [excess(130, 100), excess(100, 100), excess(0, 100)] == [30, 0, 0]


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        (date(2024, 3, 1), [date(2024, 2, 16), date(2024, 2, 23), date(2024, 2, 29)]),
        (date(2023, 3, 1), [date(2023, 2, 15), date(2023, 2, 22), date(2023, 2, 28)]),
        (date(2025, 1, 1), [date(2024, 12, 18), date(2024, 12, 25), date(2024, 12, 31)]),
    ],
)
def test_tender_reminders_14_7_1_days_before(deadline: date, expected: list[date]) -> None:
    assert reminder_dates(deadline) == expected


def test_reminder_override_and_tender_rules() -> None:
    assert reminder_dates(date(2024, 3, 1), (3,)) == [date(2024, 2, 27)]
    assert not is_open("cancelled") and is_open("appeal")
    assert price_per_pack(125, 28) == 3500
    with pytest.raises(ValueError):
        is_open("nonsense")


# start, count → each agreement year as (start, end)
CONSECUTIVE = [
    (date(2025, 1, 1), 1, [("2025-01-01", "2025-12-31")]),
    (date(2024, 1, 1), 2, [("2024-01-01", "2024-12-31"), ("2025-01-01", "2025-12-31")]),
    (date(2024, 7, 1), 2, [("2024-07-01", "2025-06-30"), ("2025-07-01", "2026-06-30")]),
    # A leap-day start: the anniversary falls on 28 February in common years.
    (date(2024, 2, 29), 2, [("2024-02-29", "2025-02-27"), ("2025-02-28", "2026-02-27")]),
    (date(2023, 3, 31), 1, [("2023-03-31", "2024-03-30")]),
]


@pytest.mark.parametrize(("start", "count", "expected"), CONSECUTIVE)
def test_consecutive_agreement_years(
    start: date, count: int, expected: list[tuple[str, str]]
) -> None:
    years = consecutive_years(start, count)
    assert [(y.start.isoformat(), y.end.isoformat()) for y in years] == expected
    # Back to back: each year starts the day after the one before ends.
    assert all((b.start - a.end).days == 1 for a, b in zip(years, years[1:], strict=False))


def test_no_agreement_years_is_refused() -> None:
    with pytest.raises(ValueError):
        consecutive_years(date(2025, 1, 1), 0)


@pytest.mark.parametrize(
    ("year", "as_of", "points"),
    [
        # a common year: each month's end, rising to 1 at the year's end
        (
            CALENDAR_2023,
            date(2023, 12, 31),
            [
                "0.0849",
                "0.1616",
                "0.2466",
                "0.3288",
                "0.4137",
                "0.4959",
                "0.5808",
                "0.6658",
                "0.7479",
                "0.8329",
                "0.9151",
                "1.0000",
            ],
        ),
        # a leap year: February ends on the 29th (60 of 366 days)
        (LEAP_2024, date(2024, 3, 31), ["0.0847", "0.1639", "0.2486"]),
        # the month in progress is measured at as_of, the last month at the year's end
        (ACROSS_LEAP_DAY, date(2024, 2, 10), None),
        (MID_YEAR, date(2024, 8, 15), ["0.0849", "0.1260"]),
        # as_of on a month's last day: that month is whole, the next not yet shown
        (MID_YEAR, date(2024, 7, 31), ["0.0849"]),
        (MID_YEAR, date(2024, 8, 1), ["0.0849", "0.0877"]),
        (MID_YEAR, date(2024, 6, 30), []),  # before the year: nothing yet
    ],
)
def test_time_progress_at_each_months_end(
    year: AgreementYear, as_of: date, points: list[str] | None
) -> None:
    found = month_end_progress(year, as_of)
    texts = [ratio_text(progress) for _month, progress in found]
    if points is not None:
        assert texts == points
    assert texts == sorted(texts)  # it rises month by month
    assert [m.day for m, _ in found] == [1] * len(found)
    if found:
        assert found[-1][1] == time_progress(year, min(as_of, year.end))


def test_time_progress_at_the_year_end_and_past_it() -> None:
    """A year starting mid-month ends mid-month: its last point is the year's end (1)."""
    year = AgreementYear(date(2024, 1, 15), date(2025, 1, 14))
    found = month_end_progress(year, date(2025, 6, 30))
    assert [m for m, _ in found][-1] == date(2025, 1, 1)
    assert ratio_text(found[-1][1]) == "1.0000"
    assert ratio_text(found[0][1]) == "0.0464"  # Jan 15–31: 17 of 366 days
    assert len(found) == 13
