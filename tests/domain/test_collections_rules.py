"""Collections (domain guide §5.3): periods, DSO, collection rate, the 13-week forecast."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vbptrack.domain.collections import (
    OpenInstalment,
    Period,
    PeriodError,
    average_days_late,
    cash_forecast,
    collection_rate,
    dso,
    expected_date,
    forecast_weeks,
    meets_target,
    month_bounds,
    month_periods,
    quarter_bounds,
    quarter_periods,
    trailing_days,
    usual_lateness,
)

D = date
AS_OF = D(2024, 3, 1)  # a Friday in a leap year


def days(n: int) -> date:
    return AS_OF + timedelta(days=n)


# --- periods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "label", "start", "end"),
    [
        (D(2024, 2, 10), "2024-02", D(2024, 2, 1), D(2024, 2, 29)),  # leap year
        (D(2023, 2, 28), "2023-02", D(2023, 2, 1), D(2023, 2, 28)),
        (D(2000, 2, 1), "2000-02", D(2000, 2, 1), D(2000, 2, 29)),  # divisible by 400: leap
        (D(1900, 2, 15), "1900-02", D(1900, 2, 1), D(1900, 2, 28)),  # by 100 only: not leap
        (D(2024, 4, 30), "2024-04", D(2024, 4, 1), D(2024, 4, 30)),
        (D(2024, 12, 31), "2024-12", D(2024, 12, 1), D(2024, 12, 31)),
        (D(2025, 1, 1), "2025-01", D(2025, 1, 1), D(2025, 1, 31)),
    ],
)
def test_month_bounds(day: date, label: str, start: date, end: date) -> None:
    assert month_bounds(day) == Period(label, start, end)


@pytest.mark.parametrize(
    ("day", "label", "start", "end"),
    [
        (D(2024, 1, 1), "2024-Q1", D(2024, 1, 1), D(2024, 3, 31)),
        (D(2024, 3, 31), "2024-Q1", D(2024, 1, 1), D(2024, 3, 31)),
        (D(2024, 4, 1), "2024-Q2", D(2024, 4, 1), D(2024, 6, 30)),
        (D(2024, 9, 30), "2024-Q3", D(2024, 7, 1), D(2024, 9, 30)),
        (D(2024, 10, 1), "2024-Q4", D(2024, 10, 1), D(2024, 12, 31)),
        (D(2023, 12, 31), "2023-Q4", D(2023, 10, 1), D(2023, 12, 31)),
    ],
)
def test_quarter_bounds(day: date, label: str, start: date, end: date) -> None:
    assert quarter_bounds(day) == Period(label, start, end)


@pytest.mark.parametrize(
    ("as_of", "n", "expected"),
    [
        # a month that ends on as_of is whole
        (
            D(2024, 3, 31),
            3,
            [
                ("2024-01", D(2024, 1, 1), D(2024, 1, 31)),
                ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),
                ("2024-03", D(2024, 3, 1), D(2024, 3, 31)),
            ],
        ),
        # over the year end; the newest month is month to date
        (
            D(2024, 1, 15),
            3,
            [
                ("2023-11", D(2023, 11, 1), D(2023, 11, 30)),
                ("2023-12", D(2023, 12, 1), D(2023, 12, 31)),
                ("2024-01", D(2024, 1, 1), D(2024, 1, 15)),
            ],
        ),
        (D(2023, 2, 28), 1, [("2023-02", D(2023, 2, 1), D(2023, 2, 28))]),
        (
            D(2024, 3, 1),
            2,
            [("2024-02", D(2024, 2, 1), D(2024, 2, 29)), ("2024-03", D(2024, 3, 1), D(2024, 3, 1))],
        ),
    ],
)
def test_month_periods(as_of: date, n: int, expected: list[tuple[str, date, date]]) -> None:
    assert month_periods(as_of, n) == [Period(*p) for p in expected]


def test_twelve_months_back_from_a_leap_day() -> None:
    periods = month_periods(D(2024, 2, 29), 12)
    assert [p.label for p in periods][:2] == ["2023-03", "2023-04"]
    assert periods[-1] == Period("2024-02", D(2024, 2, 1), D(2024, 2, 29))
    assert [p.days for p in periods] == [31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 29]


@pytest.mark.parametrize(
    ("as_of", "n", "expected"),
    [
        (
            D(2024, 2, 29),
            4,
            [
                ("2023-Q2", D(2023, 4, 1), D(2023, 6, 30)),
                ("2023-Q3", D(2023, 7, 1), D(2023, 9, 30)),
                ("2023-Q4", D(2023, 10, 1), D(2023, 12, 31)),
                ("2024-Q1", D(2024, 1, 1), D(2024, 2, 29)),
            ],
        ),
        (D(2024, 6, 30), 1, [("2024-Q2", D(2024, 4, 1), D(2024, 6, 30))]),
        (
            D(2024, 7, 1),
            2,
            [("2024-Q2", D(2024, 4, 1), D(2024, 6, 30)), ("2024-Q3", D(2024, 7, 1), D(2024, 7, 1))],
        ),
    ],
)
def test_quarter_periods(as_of: date, n: int, expected: list[tuple[str, date, date]]) -> None:
    assert quarter_periods(as_of, n) == [Period(*p) for p in expected]


@given(st.dates(min_value=D(1901, 1, 1), max_value=D(2199, 12, 31)), st.integers(1, 40))
def test_months_and_quarters_are_contiguous_and_end_on_as_of(as_of: date, n: int) -> None:
    for periods in (month_periods(as_of, n), quarter_periods(as_of, n)):
        assert len(periods) == n
        assert periods[-1].end == as_of
        for earlier, later in zip(periods, periods[1:], strict=False):
            assert later.start == earlier.end + timedelta(days=1)
            assert earlier.end == month_bounds(earlier.end).end  # whole months before the last


@pytest.mark.parametrize(
    ("as_of", "window", "start"),
    [
        (D(2024, 3, 31), 90, D(2024, 1, 2)),  # 29 days in February
        (D(2023, 3, 31), 90, D(2023, 1, 1)),
        (D(2024, 1, 1), 1, D(2024, 1, 1)),
    ],
)
def test_trailing_days(as_of: date, window: int, start: date) -> None:
    period = trailing_days(as_of, window)
    assert (period.start, period.end, period.days) == (start, as_of, window)


@pytest.mark.parametrize(
    "call",
    [
        lambda: month_periods(AS_OF, 0),
        lambda: quarter_periods(AS_OF, -1),
        lambda: trailing_days(AS_OF, 0),
        lambda: forecast_weeks(AS_OF, 0),
        lambda: dso(Decimal(1), Decimal(1), 0),
    ],
)
def test_empty_periods_are_refused(call: object) -> None:
    with pytest.raises(PeriodError):
        call()  # type: ignore[operator]


# --- DSO and collection rate ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("receivables", "revenue", "window", "expected"),
    [
        ("300000.00", "450000.00", 90, "60.0"),
        ("0.00", "450000.00", 90, "0.0"),
        ("100.00", "700.00", 90, "12.9"),  # 12.857…
        ("1.00", "360.00", 90, "0.3"),  # 0.25 rounds half up
        ("900.00", "300.00", 90, "270.0"),  # more open than sold in the window
        ("100.00", "0.00", 90, None),  # no revenue: no DSO
        ("100.00", "-5.00", 90, None),  # credit notes beyond sales
    ],
)
def test_dso(receivables: str, revenue: str, window: int, expected: str | None) -> None:
    result = dso(Decimal(receivables), Decimal(revenue), window)
    assert result == (None if expected is None else Decimal(expected))
    if result is not None:
        assert str(result) == expected  # one decimal place, always


@pytest.mark.parametrize(
    ("collected", "opening", "invoiced_due", "expected"),
    [
        ("950.00", "800.00", "200.00", "0.9500"),
        ("949.99", "800.00", "200.00", "0.9500"),  # 0.94999 rounds half up
        ("949.94", "800.00", "200.00", "0.9499"),
        ("1.00", "3.00", "0.00", "0.3333"),
        ("2.00", "0.00", "3.00", "0.6667"),
        ("0.00", "100.00", "0.00", "0.0000"),
        ("150.00", "100.00", "0.00", "1.5000"),  # prepayments and not-yet-due money collected
        ("5.00", "0.00", "0.00", None),  # nothing to collect: no rate
        ("0.00", "0.00", "0.00", None),
    ],
)
def test_collection_rate(
    collected: str, opening: str, invoiced_due: str, expected: str | None
) -> None:
    result = collection_rate(Decimal(collected), Decimal(opening), Decimal(invoiced_due))
    assert result == (None if expected is None else Decimal(expected))
    if result is not None:
        assert str(result) == expected


@pytest.mark.parametrize(
    ("rate", "target", "expected"),
    [
        ("0.9500", None, True),
        ("0.9499", None, False),
        ("1.2000", None, True),
        ("0.0000", None, False),
        (None, None, None),
        ("0.9200", "0.90", True),  # another target
        ("0.9600", "0.98", False),
    ],
)
def test_meets_target(rate: str | None, target: str | None, expected: bool | None) -> None:
    value = None if rate is None else Decimal(rate)
    if target is None:
        assert meets_target(value) is expected
    else:
        assert meets_target(value, Decimal(target)) is expected


# --- lateness ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "count", "average", "lateness"),
    [
        (0, 0, None, 0),  # no history
        (100, 4, "25", 25),
        (94, 4, "23.5", 24),  # half up
        (93, 4, "23.25", 23),
        (-10, 4, "-2.5", 0),  # pays early: expected on the due date
        (9, 20, "0.45", 0),  # rounded once: 0.45 → 0, not 0.45 → 0.5 → 1
        (1, 3, "0.3333333333333333333333333333", 0),
        (2, 3, "0.6666666666666666666666666667", 1),
    ],
)
def test_average_days_late_and_usual_lateness(
    total: int, count: int, average: str | None, lateness: int
) -> None:
    result = average_days_late(total, count)
    assert result == (None if average is None else Decimal(average))
    assert usual_lateness(result) == lateness


# --- expected dates and the forecast ----------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "lateness", "unknown_after", "expected"),
    [
        (days(0), 0, 90, days(0)),  # due exactly on as_of is not overdue: expected today
        (days(0), 3, 90, days(3)),
        (days(10), 5, 90, days(15)),
        (days(-1), 0, 90, days(1)),  # overdue: tomorrow at the earliest
        (days(-5), 5, 90, days(1)),  # due + lateness = as_of, but it is overdue
        (days(-5), 10, 90, days(5)),  # the customer usually pays later than this
        (days(-90), 0, 90, days(1)),  # 90 days beyond expectation: still forecast
        (days(-91), 0, 90, None),  # 91: date unknown
        (days(-120), 30, 90, days(1)),  # 90 days beyond the customer's usual lateness
        (days(-121), 30, 90, None),
        (days(-31), 0, 30, None),  # a tighter limit
        (days(-30), 0, 30, days(1)),
        (days(-1000), 0, None, days(1)),  # never give up
        (days(7), -4, 90, days(7)),  # negative lateness counts as 0
        # A due date stored before dates were bounded: the last day, never an overflow
        # (GET /receivables/collections was a 500 for everyone, issue 11 finding 7).
        (date(9999, 12, 31), 30, 90, date(9999, 12, 31)),
        (date(9999, 12, 1), 30, 90, date(9999, 12, 31)),
        (date(9999, 12, 1), 29, 90, date(9999, 12, 30)),
        (date(9999, 12, 31), 0, 90, date(9999, 12, 31)),
    ],
)
def test_expected_date(
    due: date, lateness: int, unknown_after: int | None, expected: date | None
) -> None:
    assert expected_date(due, lateness, AS_OF, unknown_after) == expected


def test_thirteen_weeks_start_on_as_of() -> None:
    weeks = forecast_weeks(AS_OF)
    assert len(weeks) == 13
    assert weeks[0] == (AS_OF, days(6))
    assert weeks[-1] == (days(84), days(90))
    for (_, last), (first, _) in zip(weeks, weeks[1:], strict=False):
        assert first == last + timedelta(days=1)


@pytest.mark.parametrize(
    ("due", "lateness", "bucket"),
    [
        (days(0), None, 1),  # due on as_of
        (days(6), None, 1),  # last day of week 1
        (days(7), None, 2),  # first day of week 2
        (days(13), None, 2),
        (days(14), None, 3),
        (days(84), None, 13),
        (days(90), None, 13),  # last day of the horizon
        (days(91), None, "later"),
        (days(400), None, "later"),
        (days(0), Decimal("6.4"), 1),
        (days(0), Decimal("6.5"), 2),  # rounds to 7 days late
        (days(85), Decimal("10"), "later"),
        (days(-1), None, 1),  # overdue
        (days(-30), Decimal("60"), 5),  # expected in 30 days: days 28–34 are week 5
        (days(-91), None, "unknown"),
        (days(-200), Decimal("-3"), "unknown"),
    ],
)
def test_forecast_bucket(due: date, lateness: Decimal | None, bucket: int | str) -> None:
    amount = Decimal("123.45")
    result = cash_forecast(AS_OF, [OpenInstalment(due, amount, "H1")], {"H1": lateness})
    got = {w.number: w.amount for w in result.weeks if w.amount}
    if result.later:
        got["later"] = result.later  # type: ignore[index]
    if result.unknown:
        got["unknown"] = result.unknown  # type: ignore[index]
    assert got == {bucket: amount}
    assert result.total == amount


def test_forecast_uses_each_customers_own_lateness() -> None:
    items = [
        OpenInstalment(days(1), Decimal("100.00"), "fast"),
        OpenInstalment(days(1), Decimal("200.00"), "slow"),
        OpenInstalment(days(1), Decimal("300.00"), "new"),  # no history
    ]
    result = cash_forecast(AS_OF, items, {"fast": Decimal("0"), "slow": Decimal("45.2")})
    amounts = {w.number: w.amount for w in result.weeks if w.amount}
    assert amounts == {1: Decimal("400.00"), 7: Decimal("200.00")}  # day 46 is in week 7
    assert (result.later, result.unknown, result.total) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("600.00"),
    )


def test_empty_forecast() -> None:
    result = cash_forecast(AS_OF, [], {})
    assert len(result.weeks) == 13
    assert result.total == Decimal("0.00")


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)


@given(
    as_of=st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31)),
    items=st.lists(
        st.tuples(st.integers(-800, 800), money, st.sampled_from(["H1", "H2", "H3", "D1"])),
        max_size=40,
    ),
    lateness=st.dictionaries(
        st.sampled_from(["H1", "H2", "H3"]),
        st.one_of(st.none(), st.decimals(min_value=-30, max_value=400, places=1)),
    ),
    weeks=st.integers(1, 20),
    unknown_after=st.one_of(st.none(), st.integers(0, 365)),
)
def test_forecast_buckets_sum_to_the_total_open(
    as_of: date,
    items: list[tuple[int, Decimal, str]],
    lateness: dict[str, Decimal | None],
    weeks: int,
    unknown_after: int | None,
) -> None:
    open_items = [
        OpenInstalment(as_of + timedelta(days=offset), amount, customer)
        for offset, amount, customer in items
    ]
    result = cash_forecast(
        as_of, open_items, lateness, weeks=weeks, unknown_after_days=unknown_after
    )
    assert result.total == sum((i.outstanding for i in open_items), Decimal("0.00"))
    assert len(result.weeks) == weeks
    assert all(w.amount >= 0 for w in result.weeks)
    # Nothing that is not yet due is ever "date unknown".
    not_due = [i for i in open_items if i.due_date >= as_of]
    if len(not_due) == len(open_items):
        assert result.unknown == 0
