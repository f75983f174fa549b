"""Contract status at the edges: the day of expiry, the last notice day, renewals."""

from __future__ import annotations

from datetime import date

import pytest

from vbptrack.domain.contracts import (
    AUTO,
    ContractTerms,
    current_end,
    dates_problem,
    deadlines,
    reminder_dates,
    renewal_start,
    status,
    term_in_force,
)

D = date
MANUAL_2026 = ContractTerms(D(2026, 1, 1), D(2026, 12, 31))
# Auto-renews for 12 months unless notice is given 30 days before the end (2026-12-01).
AUTO_2026 = ContractTerms(D(2026, 1, 1), D(2026, 12, 31), AUTO, 30, 12)


@pytest.mark.parametrize(
    ("terms", "as_of", "expected"),
    [
        (MANUAL_2026, D(2025, 12, 31), "draft"),  # the day before the start
        (MANUAL_2026, D(2026, 1, 1), "active"),
        (MANUAL_2026, D(2026, 10, 1), "active"),  # 91 days left: not yet within the window
        (MANUAL_2026, D(2026, 10, 2), "expiring"),  # 90 days left
        (MANUAL_2026, D(2026, 12, 31), "expiring"),  # the day of expiry is still in force
        (MANUAL_2026, D(2027, 1, 1), "expired"),  # the day after
        (AUTO_2026, D(2026, 11, 30), "active"),  # rolls on: never "expiring"
        (AUTO_2026, D(2026, 12, 1), "active"),  # the last notice day
        (AUTO_2026, D(2027, 1, 1), "active"),  # rolled into 2027
        (AUTO_2026, D(2028, 6, 1), "active"),
        # notice given: terminated at the end of the period
        (
            ContractTerms(D(2026, 1, 1), D(2026, 12, 31), AUTO, 30, 12, None, D(2027, 1, 1)),
            D(2026, 12, 31),
            "expiring",
        ),
        (
            ContractTerms(D(2026, 1, 1), D(2026, 12, 31), AUTO, 30, 12, None, D(2027, 1, 1)),
            D(2027, 1, 1),
            "terminated",
        ),
        # terminated mid-term
        (
            ContractTerms(D(2026, 1, 1), D(2026, 12, 31), terminated_on=D(2026, 6, 1)),
            D(2026, 5, 31),
            "expiring",
        ),
        (
            ContractTerms(D(2026, 1, 1), D(2026, 12, 31), terminated_on=D(2026, 6, 1)),
            D(2026, 6, 1),
            "terminated",
        ),
        # renewed on 2026-11-15: expiring before that day, renewed from it on
        (
            ContractTerms(D(2026, 1, 1), D(2026, 12, 31), renewed_on=D(2026, 11, 15)),
            D(2026, 11, 14),
            "expiring",
        ),
        (
            ContractTerms(D(2026, 1, 1), D(2026, 12, 31), renewed_on=D(2026, 11, 15)),
            D(2026, 11, 15),
            "renewed",
        ),
        (
            ContractTerms(D(2026, 1, 1), D(2026, 12, 31), renewed_on=D(2026, 11, 15)),
            D(2027, 3, 1),
            "renewed",
        ),
    ],
)
def test_status(terms: ContractTerms, as_of: date, expected: str) -> None:
    assert status(terms, as_of) == expected


def test_the_warning_window_is_configurable() -> None:
    assert status(MANUAL_2026, D(2026, 12, 1), warning_days=30) == "expiring"
    assert status(MANUAL_2026, D(2026, 10, 2), warning_days=30) == "active"
    assert status(MANUAL_2026, D(2026, 11, 30), warning_days=30) == "active"


@pytest.mark.parametrize(
    ("as_of", "end"),
    [
        (D(2026, 12, 1), D(2026, 12, 31)),  # the last notice day: notice can still be given
        (D(2026, 12, 2), D(2027, 12, 31)),  # the day after: it has rolled
        (D(2027, 12, 1), D(2027, 12, 31)),
        (D(2027, 12, 2), D(2028, 12, 31)),
    ],
)
def test_an_auto_contract_rolls_the_day_after_the_last_notice_day(as_of: date, end: date) -> None:
    assert current_end(AUTO_2026, as_of) == end


def test_rolling_from_a_month_end_does_not_drift() -> None:
    terms = ContractTerms(D(2024, 1, 1), D(2024, 1, 31), AUTO, 0, 1)
    assert current_end(terms, D(2024, 2, 1)) == D(2024, 2, 29)  # leap year
    assert current_end(terms, D(2024, 3, 1)) == D(2024, 3, 31)  # not Mar 29


def test_deadlines_list_ends_and_notice_days_in_the_window() -> None:
    found = deadlines(AUTO_2026, D(2026, 11, 1), D(2027, 12, 31))
    assert [(r.kind, r.date) for r in found] == [
        ("contract_notice", D(2026, 12, 1)),
        ("contract_end", D(2026, 12, 31)),
        ("contract_notice", D(2027, 12, 1)),
        ("contract_end", D(2027, 12, 31)),
    ]
    assert [r.kind for r in deadlines(MANUAL_2026, D(2026, 1, 1), D(2027, 1, 1))] == [
        "contract_end"
    ]
    assert deadlines(MANUAL_2026, D(2027, 1, 1), D(2027, 6, 1)) == []


def test_closed_contracts_list_no_deadlines() -> None:
    renewed = ContractTerms(D(2026, 1, 1), D(2026, 12, 31), renewed_on=D(2026, 11, 1))
    terminated = ContractTerms(D(2026, 1, 1), D(2026, 12, 31), terminated_on=D(2026, 11, 1))
    assert deadlines(renewed, D(2026, 1, 1), D(2027, 1, 1)) == []
    assert deadlines(terminated, D(2026, 1, 1), D(2027, 1, 1)) == []


def test_reminders_90_60_30_days_before() -> None:
    assert reminder_dates(D(2024, 3, 31)) == [D(2024, 1, 1), D(2024, 1, 31), D(2024, 3, 1)]
    assert reminder_dates(D(2024, 3, 31), (7,)) == [D(2024, 3, 24)]


def test_renewal_and_dates() -> None:
    assert renewal_start(D(2023, 12, 31)) == D(2024, 1, 1)
    assert dates_problem(D(2026, 1, 1), D(2026, 1, 1)) is None  # a one-day contract
    assert dates_problem(D(2026, 1, 2), D(2026, 1, 1)) == "end_before_start"


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (D(2025, 12, 31), None),  # before any contract
        (D(2026, 1, 1), 1),  # first day
        (D(2026, 12, 31), 1),  # last day of the first
        (D(2027, 1, 1), 2),  # the successor
        (D(2027, 6, 30), 2),
        (D(2027, 7, 1), None),  # the successor was terminated from this day
    ],
)
def test_the_contract_term_in_force(on: date, expected: int | None) -> None:
    rows = [
        (D(2026, 1, 1), D(2026, 12, 31), None, 1),
        (D(2027, 1, 1), D(2027, 12, 31), D(2027, 7, 1), 2),
        (D(2026, 1, 1), D(2027, 12, 31), None, None),  # no term: never chosen
    ]
    assert term_in_force(rows, on) == expected
