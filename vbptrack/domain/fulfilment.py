"""VBP fulfilment (履约, DOMAIN.md §5.6): completion, time progress, projection, lagging,
and the share of reported demand that becomes the agreed volume.

Ratios are exact `Decimal`s; the API rounds them to four places at the edge. A ratio that
cannot be computed (nothing agreed, the year not yet begun) is None, never a guess.

>>> from datetime import date
>>> year = AgreementYear(date(2024, 1, 1), date(2024, 12, 31))
>>> time_progress(year, date(2024, 12, 31))
Decimal('1')
>>> completion(50, 100)
Decimal('0.5')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

ONE = Decimal(1)
FOUR_PLACES = Decimal("0.0001")

# Share of reported demand agreed, by number of winners (common national rule); the last
# entry holds for that many winners and more. Configurable: pass another table.
DEFAULT_SHARES: Mapping[int, Decimal] = {
    1: Decimal("0.5"),
    2: Decimal("0.6"),
    3: Decimal("0.7"),
    4: Decimal("0.8"),
}
DEFAULT_TOLERANCE = ONE
# The alert convention: below 80 % of time progress is at risk.
DEFAULT_AT_RISK_SHARE = Decimal("0.8")


@dataclass(frozen=True)
class AgreementYear:
    """One agreement year of an award: both ends inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("an agreement year cannot end before it starts")

    @property
    def days(self) -> int:
        """
        >>> AgreementYear(date(2024, 1, 1), date(2024, 12, 31)).days
        366
        """
        return (self.end - self.start).days + 1


def consecutive_years(start: date, count: int) -> list[AgreementYear]:
    """`count` back-to-back agreement years from `start`, each ending the day before the
    next begins; a 29 February start rolls to 28 February in common years.

    >>> [(y.start.isoformat(), y.end.isoformat()) for y in consecutive_years(date(2024, 2, 29), 2)]
    [('2024-02-29', '2025-02-27'), ('2025-02-28', '2026-02-27')]
    """
    if count < 1:
        raise ValueError("at least one agreement year")
    return [
        AgreementYear(
            start + relativedelta(years=number),
            start + relativedelta(years=number + 1) - timedelta(days=1),
        )
        for number in range(count)
    ]


def days_elapsed(year: AgreementYear, as_of: date) -> int:
    """Days of the year up to and including as_of, between 0 and the year's length.

    >>> days_elapsed(AgreementYear(date(2023, 3, 1), date(2024, 2, 29)), date(2023, 3, 1))
    1
    """
    if as_of < year.start:
        return 0
    return (min(as_of, year.end) - year.start).days + 1


def counted_through(year: AgreementYear, as_of: date) -> date:
    """The last purchase date that counts toward the year as of `as_of`: purchases count
    from the year's first day to as_of, never past the year's end (DOMAIN.md §5.6).

    >>> counted_through(AgreementYear(date(2024, 1, 1), date(2024, 12, 31)), date(2025, 3, 1))
    datetime.date(2024, 12, 31)
    """
    return min(year.end, as_of)


def time_progress(year: AgreementYear, as_of: date) -> Decimal:
    """序时进度: days elapsed (inclusive of as_of) ÷ days in the year.

    >>> time_progress(AgreementYear(date(2023, 1, 1), date(2023, 12, 31)), date(2023, 1, 1))
    Decimal('0.002739726027397260273972602740')
    """
    return Decimal(days_elapsed(year, as_of)) / Decimal(year.days)


def completion(purchased: int, agreed: int) -> Decimal | None:
    """完成率: purchased ÷ agreed; may exceed 1. None when nothing was agreed.

    >>> completion(130, 100), completion(5, 0)
    (Decimal('1.3'), None)
    """
    _check_quantity(purchased)
    _check_quantity(agreed)
    if agreed == 0:
        return None
    return Decimal(purchased) / Decimal(agreed)


def projected(completion_rate: Decimal | None, progress: Decimal) -> Decimal | None:
    """Completion at year end at the current run rate: completion ÷ time progress.

    >>> projected(Decimal("0.4"), Decimal("0.5")), projected(Decimal("0.4"), Decimal(0))
    (Decimal('0.8'), None)
    """
    if completion_rate is None or progress == 0:
        return None
    return completion_rate / progress


def lagging(
    completion_rate: Decimal | None, progress: Decimal, tolerance: Decimal = DEFAULT_TOLERANCE
) -> bool:
    """Behind schedule: completion below time progress × tolerance (tolerance 1 by default).

    >>> lagging(Decimal("0.49"), Decimal("0.5")), lagging(Decimal("0.5"), Decimal("0.5"))
    (True, False)
    >>> lagging(Decimal("0.41"), Decimal("0.5"), Decimal("0.8"))
    False
    """
    if tolerance <= 0:
        raise ValueError("the tolerance must be positive")
    if completion_rate is None:
        return False
    return completion_rate < progress * tolerance


def at_risk(
    completion_rate: Decimal | None,
    progress: Decimal,
    share: Decimal = DEFAULT_AT_RISK_SHARE,
) -> bool:
    """At risk: projected below 100 %, or completion below `share` of time progress.

    >>> at_risk(Decimal("0.9"), Decimal("0.95")), at_risk(Decimal("1"), Decimal("0.95"))
    (True, False)
    """
    if completion_rate is None or progress == 0:
        return False
    projection = projected(completion_rate, progress)
    return (projection is not None and projection < ONE) or completion_rate < progress * share


def excess(purchased: int, agreed: int) -> int:
    """Quantity bought beyond the agreed volume (it still counts toward completion).

    >>> excess(130, 100), excess(80, 100)
    (30, 0)
    """
    return max(purchased - agreed, 0)


def share_for(winners: int, shares: Mapping[int, Decimal] = DEFAULT_SHARES) -> Decimal:
    """The agreed share of reported demand for an award with `winners` winners; the
    largest count in the table covers every count above it.

    >>> share_for(1), share_for(3), share_for(9)
    (Decimal('0.5'), Decimal('0.7'), Decimal('0.8'))
    """
    if winners < 1:
        raise ValueError("an award has at least one winner")
    if not shares:
        raise ValueError("the share table is empty")
    eligible = [count for count in shares if count <= winners]
    if not eligible:
        raise ValueError(f"the share table has no entry for {winners} winners")
    return shares[max(eligible)]


def agreed_from_reported(
    reported: int, winners: int, shares: Mapping[int, Decimal] = DEFAULT_SHARES
) -> int:
    """Agreed volume = reported demand × share, rounded half up to whole units.

    >>> agreed_from_reported(1001, 1), agreed_from_reported(1000, 2)
    (501, 600)
    """
    _check_quantity(reported)
    agreed = Decimal(reported) * share_for(winners, shares)
    return int(agreed.to_integral_value(rounding=ROUND_HALF_UP))


def ratio_text(value: Decimal | None) -> str | None:
    """A ratio as the API writes it: four places, half up; None stays None.

    >>> ratio_text(Decimal(2) / Decimal(3)), ratio_text(None)
    ('0.6667', None)
    """
    if value is None:
        return None
    return f"{value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP):f}"


def month_starts(year: AgreementYear) -> list[date]:
    """The first day of each calendar month the year touches (the trend chart's x axis).

    >>> month_starts(AgreementYear(date(2024, 11, 15), date(2025, 1, 10)))
    [datetime.date(2024, 11, 1), datetime.date(2024, 12, 1), datetime.date(2025, 1, 1)]
    """
    months = []
    current = year.start.replace(day=1)
    while current <= year.end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def month_end_progress(year: AgreementYear, as_of: date) -> list[tuple[date, Decimal]]:
    """序时进度 at the end of each month of the year up to `as_of`, as (the month's first
    day, progress): the trend chart's time-progress line, rising month by month. A month
    is measured at its last day, the year's last day if earlier, or `as_of` for the month
    in progress, so each point compares with the completion counted to the same day.

    >>> year = AgreementYear(date(2024, 1, 15), date(2025, 1, 14))
    >>> [(m.isoformat(), ratio_text(p)) for m, p in month_end_progress(year, date(2024, 3, 10))]
    [('2024-01-01', '0.0464'), ('2024-02-01', '0.1257'), ('2024-03-01', '0.1530')]
    """
    points = []
    for first in month_starts(year):
        if first > as_of:
            break
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        points.append((first, time_progress(year, min(last, year.end, as_of))))
    return points


def _check_quantity(quantity: int) -> None:
    if quantity < 0:
        raise ValueError("a quantity cannot be negative")


def ratio_text_of(numerator: int, denominator: int) -> str | None:
    """`ratio_text(numerator / denominator)` in integer arithmetic: exact, and fast enough
    for reports of thousands of rows (the API writes every row's ratios).

    >>> ratio_text_of(2, 3), ratio_text_of(1, 20000), ratio_text_of(5, 0)
    ('0.6667', '0.0001', None)
    """
    if denominator == 0:
        return None
    if numerator < 0 or denominator < 0:
        raise ValueError("ratios here are of quantities, never negative")
    scaled = (2 * numerator * 10_000 + denominator) // (2 * denominator)  # half up
    return f"{scaled // 10_000}.{scaled % 10_000:04d}"


@dataclass(frozen=True)
class Figures:
    """One row's figures as the API writes them."""

    completion: str | None
    time_progress: str
    projected: str | None
    lagging: bool
    at_risk: bool


def figures(
    purchased: int,
    agreed: int,
    elapsed: int,
    days: int,
    tolerance: Decimal = DEFAULT_TOLERANCE,
    at_risk_share: Decimal = DEFAULT_AT_RISK_SHARE,
) -> Figures:
    """completion, time progress, projection, lagging and at risk from whole numbers —
    the same answers as `completion`, `time_progress`, `projected`, `lagging` and
    `at_risk` (a property test holds them equal), without Decimal arithmetic.

    >>> found = figures(250, 1000, 183, 366)
    >>> found.completion, found.time_progress, found.projected, found.lagging, found.at_risk
    ('0.2500', '0.5000', '0.5000', True, True)
    """
    rule = FigureRule(elapsed, days, tolerance, at_risk_share)
    completion_, projected_, lagging_, at_risk_ = rule(purchased, agreed)
    return Figures(completion_, rule.progress, projected_, lagging_, at_risk_)


# (completion, projected, lagging, at risk) of one row.
RowFigures = tuple[str | None, str | None, bool, bool]


class FigureRule:
    """`figures` for many rows of one report: what depends only on the year and the
    policy (time progress, the tolerance and at-risk fractions) is worked out once, so
    a report of 10,000 hospitals pays a few integer operations per row.

    >>> rule = FigureRule(183, 366)
    >>> rule.progress, rule(250, 1000), rule(0, 0)
    ('0.5000', ('0.2500', '0.5000', True, True), (None, None, False, False))
    """

    __slots__ = ("elapsed", "days", "progress", "_tolerance", "_share")

    @property
    def fractions(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """(tolerance, at-risk share), each as (numerator, denominator)."""
        return self._tolerance, self._share

    def __init__(
        self,
        elapsed: int,
        days: int,
        tolerance: Decimal = DEFAULT_TOLERANCE,
        at_risk_share: Decimal = DEFAULT_AT_RISK_SHARE,
    ) -> None:
        tolerance_n, tolerance_d = tolerance.as_integer_ratio()
        if tolerance_n <= 0:
            raise ValueError("the tolerance must be positive")
        self.elapsed, self.days = elapsed, days
        self.progress = ratio_text_of(elapsed, days) or "0.0000"
        self._tolerance = (tolerance_n, tolerance_d)
        self._share = at_risk_share.as_integer_ratio()

    def __call__(self, purchased: int, agreed: int) -> RowFigures:
        if purchased < 0 or agreed < 0:
            raise ValueError("a quantity cannot be negative")
        if agreed == 0:
            return (None, None, False, False)
        # ratio_text_of inlined: this runs once per row of the largest reports.
        scaled = (20_000 * purchased + agreed) // (2 * agreed)
        completion = f"{scaled // 10_000}.{scaled % 10_000:04d}"
        if self.elapsed == 0:
            return (completion, None, False, False)
        # purchased / agreed compared with elapsed / days (× a fraction), cross-multiplied.
        bought, expected = purchased * self.days, agreed * self.elapsed
        scaled = (20_000 * bought + expected) // (2 * expected)
        tolerance_n, tolerance_d = self._tolerance
        share_n, share_d = self._share
        return (
            completion,
            f"{scaled // 10_000}.{scaled % 10_000:04d}",
            bought * tolerance_d < expected * tolerance_n,
            bought < expected or bought * share_d < expected * share_n,
        )
