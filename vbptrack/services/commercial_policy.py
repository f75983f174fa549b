"""The configurable numbers of VBP fulfilment and of deadline reminders, read from the
app's configuration (VBPTRACK_VBP_SHARES, VBPTRACK_TENDER_REMINDER_DAYS, …) and checked
once; the domain takes them as values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask import current_app, has_app_context

from vbptrack.config import DEFAULTS
from vbptrack.domain import contracts, filings, fulfilment, tenders
from vbptrack.domain.reminders import parse_offsets

# The last day of an agreement year: early enough to push lagging hospitals to catch up.
AGREEMENT_YEAR_REMINDER_DAYS = (60, 30, 7)


@dataclass(frozen=True)
class Policy:
    shares: Mapping[int, Decimal] = field(default_factory=lambda: dict(fulfilment.DEFAULT_SHARES))
    tolerance: Decimal = fulfilment.DEFAULT_TOLERANCE
    at_risk_share: Decimal = fulfilment.DEFAULT_AT_RISK_SHARE
    reminder_days: tuple[int, ...] = tenders.DEFAULT_REMINDER_DAYS
    agreement_year_reminder_days: tuple[int, ...] = AGREEMENT_YEAR_REMINDER_DAYS
    filing_alert_days: tuple[int, ...] = filings.ALERT_DAYS
    contract_reminder_days: tuple[int, ...] = contracts.REMINDER_DAYS

    def reminder_offsets(self) -> dict[str, tuple[int, ...]]:
        """Days before the date each kind of deadline is reminded of; a kind missing
        here (one an area adds later) is shown in the feed but never e-mailed."""
        return {
            "tender_registration": self.reminder_days,
            "tender_documents": self.reminder_days,
            "tender_bid": self.reminder_days,
            "agreement_year_end": self.agreement_year_reminder_days,
            "filing_expiry": self.filing_alert_days,
            "contract_end": self.contract_reminder_days,
            "contract_notice": self.contract_reminder_days,
        }


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
        reminder_days=parse_offsets(get("TENDER_REMINDER_DAYS"), "TENDER_REMINDER_DAYS"),
        agreement_year_reminder_days=parse_offsets(
            get("AGREEMENT_YEAR_REMINDER_DAYS"), "AGREEMENT_YEAR_REMINDER_DAYS"
        ),
        filing_alert_days=parse_offsets(get("FILING_ALERT_DAYS"), "FILING_ALERT_DAYS"),
        contract_reminder_days=parse_offsets(
            get("CONTRACT_REMINDER_DAYS"), "CONTRACT_REMINDER_DAYS"
        ),
    )


def current() -> Policy:
    """The running app's policy; the defaults outside an app (command-line tools, bench)."""
    if has_app_context():
        return from_settings(current_app.config)
    return from_settings(DEFAULTS)
