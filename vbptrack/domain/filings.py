"""Price and insurance filings (DOMAIN.md §5.7): statuses, dates and expiry alerts.

A filing is the product's registration on one province's platform; only an approved
filing lets the product sell (price) or be reimbursed (insurance) there.

>>> from datetime import date
>>> shown_status("approved", date(2026, 6, 30), date(2026, 7, 1))
'expired'
>>> alert_level(date(2026, 6, 30), date(2026, 6, 1))
30
"""

from __future__ import annotations

from datetime import date

KINDS = ("price", "insurance")
STATUSES = (
    "draft",
    "submitted",
    "under_review",
    "approved",
    "suspended",
    "expired",
    "rejected",
    "withdrawn",
)
APPROVED = "approved"
# Days before expiry at which a filing is flagged (configurable; the guide's default).
ALERT_DAYS = (90, 30, 7)


def shown_status(status: str, expires: date | None, as_of: date) -> str:
    """The status a person should see on `as_of`: an approved filing past its expiry
    date has lapsed even if nobody recorded it (the expiry day itself still counts).

    >>> shown_status("approved", date(2026, 6, 30), date(2026, 6, 30))
    'approved'
    >>> shown_status("suspended", date(2020, 1, 1), date(2026, 1, 1))
    'suspended'
    """
    if status == APPROVED and expires is not None and as_of > expires:
        return "expired"
    return status


def alert_level(
    expires: date | None, as_of: date, alert_days: tuple[int, ...] = ALERT_DAYS
) -> int | None:
    """The smallest alert threshold (90, 30, 7 days) the expiry falls within, None when
    it is further away, already past, or there is no expiry date.

    >>> alert_level(date(2026, 6, 30), date(2026, 6, 23))
    7
    >>> alert_level(date(2026, 6, 30), date(2026, 1, 1)) is None
    True
    """
    if expires is None:
        return None
    days_left = (expires - as_of).days
    if days_left < 0:
        return None
    fitting = [limit for limit in alert_days if days_left <= limit]
    return min(fitting) if fitting else None


def alert_dates(expires: date, alert_days: tuple[int, ...] = ALERT_DAYS) -> list[date]:
    """The days on which an expiry alert is raised, earliest first.

    >>> alert_dates(date(2026, 3, 31))
    [datetime.date(2025, 12, 31), datetime.date(2026, 3, 1), datetime.date(2026, 3, 24)]
    """
    from datetime import timedelta

    return sorted(expires - timedelta(days=days) for days in alert_days)


def dates_problem(effective: date | None, expires: date | None) -> str | None:
    """Why the effective/expiry pair is impossible, or None.

    >>> dates_problem(date(2026, 2, 1), date(2026, 1, 31))
    'expires_before_effective'
    """
    if effective is not None and expires is not None and expires < effective:
        return "expires_before_effective"
    return None
