"""Dates as the contract writes them: `YYYY-MM-DD` in ASCII digits, inside the years the
business can mean.

A date far outside the range is a typing slip (`9999-12-31` for "no end", `0001-01-01`
for "unknown") that would later overflow the date arithmetic of a report (a year end,
an ageing bucket, as-of + 365 days) for every user; refusing it at the edge keeps the
stored data sane. The range is a setting (`VBPTRACK_DATE_MIN`, `VBPTRACK_DATE_MAX`);
this module only takes it as an argument.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# [0-9], not \d: \d also takes Arabic-Indic "٢٠٢٤" and full-width "２０２４".
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# What a configured range may span: reports add a year or two to a date and take month
# ends, which overflow near year 9999 — so the setting cannot reach there either.
OUTERMOST = (date(1900, 1, 1), date(2999, 12, 31))


class DayError(ValueError):
    """Text that is no date in the range; `kind` is "format" or "range"."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class DayRange:
    """The first and last day a user may give, both included."""

    earliest: date
    latest: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.earliest <= day <= self.latest

    def check(self, day: date) -> date:
        """`day` when inside the range, else a DayError of kind "range".

        >>> DEFAULT_RANGE.check(date(2024, 2, 29))
        datetime.date(2024, 2, 29)
        """
        if day not in self:
            raise DayError(
                f"enter a date between {self.earliest.isoformat()} and {self.latest.isoformat()}",
                "range",
            )
        return day


DEFAULT_RANGE = DayRange(date(2000, 1, 1), date(2099, 12, 31))


def parse_iso_day(text: str) -> date:
    """`YYYY-MM-DD` in ASCII digits and nothing else, a real calendar day.

    >>> parse_iso_day("2024-02-29")
    datetime.date(2024, 2, 29)
    """
    if not ISO_DAY.fullmatch(text):
        raise DayError("enter a date as YYYY-MM-DD", "format")
    try:
        return date.fromisoformat(text)
    except ValueError:  # 2023-02-29, 2024-13-01
        raise DayError("enter a date as YYYY-MM-DD", "format") from None


def parse_day(text: str, within: DayRange = DEFAULT_RANGE) -> date:
    """A date as the contract writes it, inside `within`. Refused: `2024-1-1`,
    `20240101`, `2024/01/01`, `2024-02-29T00:00:00`, other digits, and days outside.

    >>> parse_day("2024-01-05")
    datetime.date(2024, 1, 5)
    """
    return within.check(parse_iso_day(text))


def parse_range(earliest: str, latest: str) -> DayRange:
    """The range from its two settings; a ValueError saying what is wrong.

    >>> parse_range("2010-01-01", "2050-12-31").latest
    datetime.date(2050, 12, 31)
    """
    first, last = parse_iso_day(earliest.strip()), parse_iso_day(latest.strip())
    if first > last:
        raise ValueError("the first day is after the last")
    if first < OUTERMOST[0] or last > OUTERMOST[1]:
        raise ValueError(
            f"the range must lie within {OUTERMOST[0].isoformat()} … {OUTERMOST[1].isoformat()}"
        )
    return DayRange(first, last)
