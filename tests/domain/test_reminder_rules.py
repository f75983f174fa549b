"""Which deadline reminder goes out on a day: on time, late after a missed run, never two
at once, the deadline day itself, never after it, never twice."""

from __future__ import annotations

from datetime import date

import pytest

from vbptrack.domain.reminders import days_left, due_offset, parse_offsets, reminder_day

D = date
TENDER = (14, 7, 1)
FILING = (90, 30, 7)
CONTRACT = (90, 60, 30)


@pytest.mark.parametrize(
    ("deadline", "offset", "day"),
    [
        (D(2026, 3, 20), 14, D(2026, 3, 6)),
        (D(2024, 3, 7), 7, D(2024, 2, 29)),  # back into a leap day
        (D(2023, 3, 7), 7, D(2023, 2, 28)),  # the same in a common year
        (D(2024, 3, 1), 1, D(2024, 2, 29)),
        (D(2026, 1, 1), 1, D(2025, 12, 31)),  # across the year end
        (D(2026, 1, 5), 7, D(2025, 12, 29)),
        (D(2026, 3, 31), 30, D(2026, 3, 1)),  # month ends: 30 days, not a month
        (D(2026, 5, 31), 90, D(2026, 3, 2)),
        (D(2024, 5, 29), 90, D(2024, 2, 29)),
        (D(2026, 3, 20), 0, D(2026, 3, 20)),  # on the day
    ],
)
def test_reminder_day(deadline: date, offset: int, day: date) -> None:
    assert reminder_day(deadline, offset) == day


def test_a_reminder_after_its_deadline_is_refused() -> None:
    with pytest.raises(ValueError, match="before"):
        reminder_day(D(2026, 1, 1), -1)


@pytest.mark.parametrize(
    ("deadline", "offsets", "as_of", "sent", "due"),
    [
        # tender bid on 2026-03-20: reminders on 03-06, 03-13, 03-19
        (D(2026, 3, 20), TENDER, D(2026, 3, 5), (), None),  # too early
        (D(2026, 3, 20), TENDER, D(2026, 3, 6), (), 14),  # as_of = the reminder day
        (D(2026, 3, 20), TENDER, D(2026, 3, 6), (14,), None),  # already sent
        (D(2026, 3, 20), TENDER, D(2026, 3, 9), (), 14),  # missed: sent late
        (D(2026, 3, 20), TENDER, D(2026, 3, 9), (14,), None),
        (D(2026, 3, 20), TENDER, D(2026, 3, 13), (14,), 7),
        (D(2026, 3, 20), TENDER, D(2026, 3, 14), (), 7),  # day 6: 7 only, never 14 with it
        (D(2026, 3, 20), TENDER, D(2026, 3, 14), (7,), None),
        (D(2026, 3, 20), TENDER, D(2026, 3, 19), (14, 7), 1),
        (D(2026, 3, 20), TENDER, D(2026, 3, 20), (14, 7), 1),  # the deadline day: last chance
        (D(2026, 3, 20), TENDER, D(2026, 3, 20), (14, 7, 1), None),
        (D(2026, 3, 20), TENDER, D(2026, 3, 20), (), 1),  # every run missed: still the last
        (D(2026, 3, 20), TENDER, D(2026, 3, 21), (), None),  # passed: nothing
        (D(2026, 3, 20), TENDER, D(2026, 4, 30), (14,), None),
        # a leap day: 2024-03-07 minus 7 days is 2024-02-29
        (D(2024, 3, 7), TENDER, D(2024, 2, 28), (14,), None),
        (D(2024, 3, 7), TENDER, D(2024, 2, 29), (14,), 7),
        (D(2024, 3, 1), TENDER, D(2024, 2, 29), (14, 7), 1),
        (D(2023, 3, 1), TENDER, D(2023, 2, 28), (14, 7), 1),  # common year
        # the year end
        (D(2026, 1, 1), TENDER, D(2025, 12, 31), (14, 7), 1),
        (D(2026, 1, 1), TENDER, D(2025, 12, 18), (), 14),
        (D(2026, 1, 1), TENDER, D(2025, 12, 17), (), None),
        # filings expire at month ends: 90/30/7 days are days, not months
        (D(2026, 6, 30), FILING, D(2026, 4, 1), (), 90),
        (D(2026, 6, 30), FILING, D(2026, 3, 31), (), None),
        (D(2026, 6, 30), FILING, D(2026, 5, 31), (90,), 30),
        (D(2026, 6, 30), FILING, D(2026, 6, 23), (90, 30), 7),
        (D(2026, 2, 28), FILING, D(2026, 1, 29), (), 30),  # the first run starts late: 30
        # contracts ending 2024-12-31: 90 → 10-02, 60 → 11-01, 30 → 12-01
        (D(2024, 12, 31), CONTRACT, D(2024, 10, 2), (), 90),
        (D(2024, 12, 31), CONTRACT, D(2024, 11, 1), (90,), 60),
        (D(2024, 12, 31), CONTRACT, D(2024, 12, 1), (90, 60), 30),
        (D(2024, 12, 31), CONTRACT, D(2024, 12, 25), (90,), 30),  # 60 missed for good
        # offsets changed in the configuration: a nearer reminder sent makes older stale
        (D(2026, 3, 20), TENDER, D(2026, 3, 14), (3,), None),
        (D(2026, 3, 20), (14, 7, 3), D(2026, 3, 17), (7,), 3),
        # offset 0 reminds on the deadline day itself
        (D(2026, 3, 20), (7, 0), D(2026, 3, 19), (7,), None),
        (D(2026, 3, 20), (7, 0), D(2026, 3, 20), (7,), 0),
        # a deadline further away than every offset
        (D(2027, 3, 20), CONTRACT, D(2026, 3, 20), (), None),
    ],
)
def test_due_offset(
    deadline: date, offsets: tuple[int, ...], as_of: date, sent: tuple[int, ...], due: int | None
) -> None:
    assert due_offset(deadline, offsets, as_of, sent) == due


@pytest.mark.parametrize(
    ("deadline", "as_of", "left"),
    [
        (D(2026, 3, 20), D(2026, 3, 20), 0),
        (D(2026, 3, 20), D(2026, 3, 13), 7),
        (D(2024, 3, 1), D(2024, 2, 28), 2),  # leap year
        (D(2023, 3, 1), D(2023, 2, 28), 1),
        (D(2026, 1, 1), D(2025, 12, 31), 1),
    ],
)
def test_days_left(deadline: date, as_of: date, left: int) -> None:
    assert days_left(deadline, as_of) == left


@pytest.mark.parametrize(
    ("text", "offsets"),
    [
        ("14,7,1", (14, 7, 1)),
        ("1, 7 ,14", (14, 7, 1)),
        ("90,30,7,30", (90, 30, 7)),
        ("0", (0,)),
        ("60,", (60,)),
    ],
)
def test_parse_offsets(text: str, offsets: tuple[int, ...]) -> None:
    assert parse_offsets(text) == offsets


@pytest.mark.parametrize("text", ["", " , ", "14;7", "seven", "7,-1", "1.5"])
def test_parse_offsets_refuses_what_is_not_a_list_of_days(text: str) -> None:
    with pytest.raises(ValueError, match="CONTRACT_REMINDER_DAYS"):
        parse_offsets(text, "CONTRACT_REMINDER_DAYS")
