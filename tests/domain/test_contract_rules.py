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
    periods_rolled,
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


# Ended 2026-12-31; the renewal was recorded on 2027-01-20 with the successor starting the
# day after the old end (issue 17 item 4).
RENEWED_LATE = ContractTerms(
    D(2026, 1, 1), D(2026, 12, 31), renewed_on=D(2027, 1, 20), successor_start=D(2027, 1, 1)
)


@pytest.mark.parametrize(
    ("terms", "as_of", "expected"),
    [
        (RENEWED_LATE, D(2026, 12, 31), "expiring"),  # the old end: still in force
        (RENEWED_LATE, D(2027, 1, 1), "renewed"),  # the successor covered the day
        (RENEWED_LATE, D(2027, 1, 19), "renewed"),  # before the renewal was recorded
        (RENEWED_LATE, D(2027, 1, 20), "renewed"),
        # a successor starting after a gap: the days between are expired
        (
            ContractTerms(
                D(2026, 1, 1),
                D(2026, 12, 31),
                renewed_on=D(2027, 3, 1),
                successor_start=D(2027, 2, 1),
            ),
            D(2027, 1, 15),
            "expired",
        ),
        (
            ContractTerms(
                D(2026, 1, 1),
                D(2026, 12, 31),
                renewed_on=D(2027, 3, 1),
                successor_start=D(2027, 2, 1),
            ),
            D(2027, 2, 1),
            "renewed",
        ),
        # recorded before the end, starting the day after it: renewed from the record
        (
            ContractTerms(
                D(2024, 3, 1),
                D(2025, 2, 28),
                renewed_on=D(2025, 2, 1),
                successor_start=D(2025, 3, 1),
            ),
            D(2025, 2, 1),
            "renewed",
        ),
        (
            ContractTerms(
                D(2024, 3, 1),
                D(2025, 2, 28),
                renewed_on=D(2025, 2, 1),
                successor_start=D(2025, 3, 1),
            ),
            D(2025, 1, 31),
            "expiring",
        ),
    ],
)
def test_status_as_of_a_date_the_successor_covers_is_renewed(
    terms: ContractTerms, as_of: date, expected: str
) -> None:
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


# Ends 2026-12-09, auto-renews for 12 months unless notice is given 30 days before
# (2026-11-09): contract HT-2026-0026 of issue 17 item 3.
HT_0026 = ContractTerms(D(2025, 10, 5), D(2026, 12, 9), AUTO, 30, 12)
# Month ends: ends on Jan 31, rolls monthly with 0 days' notice.
MONTHLY = ContractTerms(D(2024, 1, 1), D(2024, 1, 31), AUTO, 0, 1)


@pytest.mark.parametrize(
    ("terms", "as_of", "end", "rolled"),
    [
        (HT_0026, D(2026, 11, 9), D(2026, 12, 9), 0),  # the last notice day
        (HT_0026, D(2026, 11, 10), D(2027, 12, 9), 1),  # the day after: the term in force
        (HT_0026, D(2026, 12, 3), D(2027, 12, 9), 1),
        (HT_0026, D(2027, 11, 9), D(2027, 12, 9), 1),
        (HT_0026, D(2027, 11, 10), D(2028, 12, 9), 2),
        (HT_0026, D(2025, 1, 1), D(2026, 12, 9), 0),  # before it even starts
        (MONTHLY, D(2024, 1, 31), D(2024, 1, 31), 0),
        (MONTHLY, D(2024, 2, 1), D(2024, 2, 29), 1),  # leap year: Feb 29
        (MONTHLY, D(2024, 2, 29), D(2024, 2, 29), 1),
        (MONTHLY, D(2024, 3, 1), D(2024, 3, 31), 2),  # back to the 31st, no drift
        (MONTHLY, D(2025, 2, 28), D(2025, 2, 28), 13),  # common year: Feb 28
        (MONTHLY, D(2025, 3, 1), D(2025, 3, 31), 14),
        # notice given for the second period (terminated on its end): stops there
        (
            ContractTerms(D(2024, 1, 1), D(2024, 1, 31), AUTO, 0, 1, terminated_on=D(2024, 2, 10)),
            D(2024, 6, 1),
            D(2024, 2, 29),
            1,
        ),
        # a successor recorded: the term in force ends with the period it was recorded in
        (
            ContractTerms(D(2024, 1, 1), D(2024, 1, 31), AUTO, 0, 1, renewed_on=D(2024, 3, 5)),
            D(2024, 9, 1),
            D(2024, 3, 31),
            2,
        ),
        (MANUAL_2026, D(2027, 5, 1), D(2026, 12, 31), 0),  # a manual contract just ends
    ],
)
def test_the_term_in_force(terms: ContractTerms, as_of: date, end: date, rolled: int) -> None:
    assert current_end(terms, as_of) == end
    assert periods_rolled(terms, as_of) == rolled


def test_the_deadlines_feed_uses_the_term_in_force() -> None:
    """Issue 17 item 3: on 2026-12-03 the contract has rolled to 2027-12-09, so the feed
    does not list 2026-12-09 as its end."""
    assert deadlines(HT_0026, D(2026, 12, 3), D(2027, 1, 2)) == []
    found = deadlines(HT_0026, D(2026, 12, 3), D(2027, 12, 31))
    assert [(r.kind, r.date) for r in found] == [
        ("contract_notice", D(2027, 11, 9)),
        ("contract_end", D(2027, 12, 9)),
    ]
    # on the last notice day the old end is still ahead and still listed
    found = deadlines(HT_0026, D(2026, 11, 9), D(2026, 12, 31))
    assert [(r.kind, r.date) for r in found] == [
        ("contract_notice", D(2026, 11, 9)),
        ("contract_end", D(2026, 12, 9)),
    ]


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
