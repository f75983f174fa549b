"""The deadlines feed: asks every registered area for its deadlines inside a window.

An area registers a source with `@source`; a source takes the session, the actor (so a
rep sees only their territory's records) and the closed date range, and returns the
`Deadline`s of its open records dated inside it, filtered in SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from sqlmodel import Session

from vbptrack.domain.deadlines import Deadline, due_within, window
from vbptrack.services.access import Actor
from vbptrack.services.problems import N_

Source = Callable[[Session, Actor, date, date], Iterable[Deadline]]

SOURCES: list[Source] = []

# What each kind is called on pages and in reminder e-mails (msgids, translated where shown).
KIND_LABELS = {
    "tender_registration": N_("Tender registration"),
    "tender_documents": N_("Tender documents"),
    "tender_bid": N_("Tender bid"),
    "agreement_year_end": N_("Agreement year ends"),
    "filing_expiry": N_("Filing expires"),
    "contract_end": N_("Contract ends"),
    "contract_notice": N_("Last day to give notice"),
}


def source(function: Source) -> Source:
    """Register an area's deadline source (used as a decorator)."""
    SOURCES.append(function)
    return function


def upcoming(session: Session, actor: Actor, as_of: date, within_days: int) -> list[Deadline]:
    """Everything due in [as_of, as_of + within_days], sorted by date."""
    start, end = window(as_of, within_days)
    found: list[Deadline] = []
    for area in SOURCES:
        found.extend(area(session, actor, start, end))
    return due_within(found, as_of, within_days)


# The areas whose sources feed the deadlines; each module registers its sources with
# `@source` when imported. An area adds its module's name here.
AREA_MODULES = (
    "vbptrack.services.commercial_deadlines",
    "vbptrack.services.filings",
    "vbptrack.services.contracts",
)


def _register_areas() -> None:
    import importlib

    for name in AREA_MODULES:
        importlib.import_module(name)


_register_areas()
