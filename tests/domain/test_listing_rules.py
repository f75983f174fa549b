"""Listings and filings: days in status, dated changes, stuck, unused, expiry alerts."""

from __future__ import annotations

from datetime import date

import pytest

from vbptrack.domain import filings, listings

D = date


@pytest.mark.parametrize(
    ("since", "as_of", "days"),
    [
        (D(2026, 3, 1), D(2026, 3, 1), 0),
        (D(2024, 2, 28), D(2024, 3, 1), 2),  # leap year
        (D(2023, 2, 28), D(2023, 3, 1), 1),
        (D(2025, 12, 31), D(2026, 1, 1), 1),
    ],
)
def test_days_in_status(since: date, as_of: date, days: int) -> None:
    assert listings.days_in_status(since, as_of) == days


@pytest.mark.parametrize(
    ("current", "new", "problem"),
    [
        (None, D(2020, 1, 1), None),  # the first change
        (D(2026, 3, 2), D(2026, 3, 2), None),  # same day
        (D(2026, 3, 2), D(2026, 3, 3), None),
        (D(2026, 3, 2), D(2026, 3, 1), "dated_before_current"),
    ],
)
def test_a_change_may_not_be_dated_before_the_current_one(
    current: date | None, new: date, problem: str | None
) -> None:
    assert listings.change_problem(current, new) == problem


@pytest.mark.parametrize(
    ("status", "since", "as_of", "stuck"),
    [
        ("applied", D(2026, 1, 1), D(2026, 3, 1), False),  # 59 days
        ("applied", D(2026, 1, 1), D(2026, 3, 2), True),  # 60 days
        ("listed", D(2020, 1, 1), D(2026, 3, 2), False),
        ("rejected", D(2020, 1, 1), D(2026, 3, 2), False),
        ("temporary_purchase", D(2020, 1, 1), D(2026, 3, 2), True),
    ],
)
def test_stuck(status: str, since: date, as_of: date, stuck: bool) -> None:
    assert listings.is_stuck(status, since, as_of) is stuck


@pytest.mark.parametrize(
    ("last", "as_of", "unused"),
    [
        (D(2026, 1, 15), D(2026, 7, 15), False),  # exactly six months
        (D(2026, 1, 15), D(2026, 7, 16), True),
        (D(2025, 8, 31), D(2026, 2, 28), False),  # clamped to the month end
        (D(2025, 8, 31), D(2026, 3, 1), True),
        (D(2023, 8, 31), D(2024, 2, 29), False),  # leap year
        (D(2023, 8, 31), D(2024, 3, 1), True),
    ],
)
def test_unused_for_more_than_six_months(last: date, as_of: date, unused: bool) -> None:
    assert listings.unused_since(last, as_of) is unused


def test_never_bought_counts_from_the_listing_date() -> None:
    assert listings.unused_since(None, D(2026, 7, 16), listed_since=D(2026, 1, 15))
    assert not listings.unused_since(None, D(2026, 7, 15), listed_since=D(2026, 1, 15))
    assert not listings.unused_since(None, D(2030, 1, 1))
    # a purchase after the listing date is what counts
    assert not listings.unused_since(D(2026, 6, 1), D(2026, 7, 16), listed_since=D(2026, 1, 15))


@pytest.mark.parametrize(
    ("expires", "as_of", "level"),
    [
        (D(2026, 6, 30), D(2026, 4, 1), 90),  # 90 days left
        (D(2026, 6, 30), D(2026, 3, 31), None),  # 91 days left
        (D(2026, 6, 30), D(2026, 5, 31), 30),
        (D(2026, 6, 30), D(2026, 6, 23), 7),
        (D(2026, 6, 30), D(2026, 6, 30), 7),  # the day of expiry
        (D(2026, 6, 30), D(2026, 7, 1), None),  # expired: no longer an alert
        (None, D(2026, 7, 1), None),
    ],
)
def test_expiry_alert_levels(expires: date | None, as_of: date, level: int | None) -> None:
    assert filings.alert_level(expires, as_of) == level


def test_expiry_alert_thresholds_are_configurable() -> None:
    assert filings.alert_level(D(2026, 6, 30), D(2026, 6, 1), (60, 14)) == 60
    assert filings.alert_dates(D(2024, 3, 7), (7,)) == [D(2024, 2, 29)]


@pytest.mark.parametrize(
    ("status", "expires", "as_of", "shown"),
    [
        ("approved", D(2026, 6, 30), D(2026, 6, 30), "approved"),
        ("approved", D(2026, 6, 30), D(2026, 7, 1), "expired"),
        ("approved", None, D(2099, 1, 1), "approved"),
        ("suspended", D(2026, 6, 30), D(2026, 7, 1), "suspended"),
    ],
)
def test_an_approved_filing_lapses_after_its_expiry_day(
    status: str, expires: date | None, as_of: date, shown: str
) -> None:
    assert filings.shown_status(status, expires, as_of) == shown


def test_filing_dates() -> None:
    assert filings.dates_problem(D(2026, 1, 1), D(2026, 1, 1)) is None
    assert filings.dates_problem(D(2026, 1, 2), D(2026, 1, 1)) == "expires_before_effective"
    assert filings.dates_problem(None, D(2026, 1, 1)) is None


@pytest.mark.parametrize(
    ("current", "new", "follow_up"),
    [
        ("pharmacy_review", "pharmacy_review", True),
        ("pharmacy_review", "not_started", False),  # the form's old default: a real change
        (None, "not_started", False),  # nothing recorded yet: the first change
        (None, "applied", False),
    ],
)
def test_saving_the_current_status_is_a_follow_up(
    current: str | None, new: str, follow_up: bool
) -> None:
    assert listings.is_follow_up(current, new) is follow_up


@pytest.mark.parametrize(
    ("current_next", "new_next", "note", "nothing"),
    [
        ("约主任", "约主任", None, True),  # the form saved untouched
        ("约主任", None, None, True),  # an empty next step keeps the current one
        ("约主任", "", "", True),
        (None, None, None, True),
        ("约主任", "交资料", None, False),
        (None, "交资料", None, False),
        ("约主任", "约主任", "已电话", False),
    ],
)
def test_a_follow_up_without_a_note_or_new_next_step_adds_nothing(
    current_next: str | None, new_next: str | None, note: str | None, nothing: bool
) -> None:
    assert listings.adds_nothing(current_next, new_next, note) is nothing


@pytest.mark.parametrize(
    ("history", "since"),
    [
        ([], None),
        ([("applied", D(2026, 1, 5))], D(2026, 1, 5)),
        # follow-ups keep the day the status began
        ([("applied", D(2026, 3, 1)), ("applied", D(2026, 1, 5))], D(2026, 1, 5)),
        (
            [
                ("applied", D(2026, 3, 1)),
                ("applied", D(2026, 2, 28)),
                ("not_started", D(2026, 1, 1)),
            ],
            D(2026, 2, 28),
        ),
        # a status that came back starts again
        (
            [("applied", D(2024, 2, 29)), ("listed", D(2024, 1, 1)), ("applied", D(2023, 6, 1))],
            D(2024, 2, 29),
        ),
    ],
)
def test_status_since_is_the_start_of_the_current_status(
    history: list[tuple[str, date]], since: date | None
) -> None:
    assert listings.status_since(history) == since
