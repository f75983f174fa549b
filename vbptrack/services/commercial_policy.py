"""The configurable numbers of VBP fulfilment and tender reminders, read from the app's
configuration (VBPTRACK_VBP_SHARES, …) and checked once; the domain takes them as values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask import current_app, has_app_context

from vbptrack.config import DEFAULTS
from vbptrack.domain import fulfilment


@dataclass(frozen=True)
class Policy:
    shares: Mapping[int, Decimal] = field(default_factory=lambda: dict(fulfilment.DEFAULT_SHARES))
    tolerance: Decimal = fulfilment.DEFAULT_TOLERANCE
    at_risk_share: Decimal = fulfilment.DEFAULT_AT_RISK_SHARE
    reminder_days: tuple[int, ...] = (14, 7, 1)


def parse_shares(text: str) -> dict[int, Decimal]:
    """ "1:0.5,2:0.6" → {1: Decimal('0.5'), 2: Decimal('0.6')}.

    >>> parse_shares("1:0.5, 4:0.8")
    {1: Decimal('0.5'), 4: Decimal('0.8')}
    """
    shares = {}
    try:
        for part in text.split(","):
            winners, share = part.split(":")
            shares[int(winners)] = Decimal(share.strip())
    except (ValueError, InvalidOperation) as exc:
        raise ValueError(f"VBP_SHARES must read like 1:0.5,2:0.6, not {text!r}") from exc
    if not shares or any(not 0 < s <= 1 for s in shares.values()) or min(shares) < 1:
        raise ValueError(f"VBP_SHARES needs shares in (0, 1] from 1 winner: {text!r}")
    return shares


def from_settings(settings: Mapping[str, object]) -> Policy:
    def get(name: str) -> str:
        return str(settings.get(name, DEFAULTS[name]))

    return Policy(
        shares=parse_shares(get("VBP_SHARES")),
        tolerance=Decimal(get("FULFILMENT_TOLERANCE")),
        at_risk_share=Decimal(get("FULFILMENT_AT_RISK_SHARE")),
        reminder_days=tuple(int(d) for d in get("TENDER_REMINDER_DAYS").split(",")),
    )


def current() -> Policy:
    """The running app's policy; the defaults outside an app (command-line tools, bench)."""
    if has_app_context():
        return from_settings(current_app.config)
    return from_settings(DEFAULTS)
