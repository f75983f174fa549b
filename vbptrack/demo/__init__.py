"""Demo data that looks like a real China commercial team's, deterministic by seed.

`load_demo` runs `DEMO_STEPS` in order on an empty database. Later work (awards,
invoices …) appends its own step; a step reads what earlier steps wrote from the session.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from sqlmodel import Session, select

from vbptrack.demo.commercial import load_commercial
from vbptrack.demo.dunning import load_dunning
from vbptrack.demo.market_access import load_market_access, sign_contracts
from vbptrack.demo.master_data import load_distributors, load_hospitals, load_products
from vbptrack.demo.receivables import load_receivables
from vbptrack.models import Party
from vbptrack.services.access import SYSTEM
from vbptrack.services.audit import record

DemoStep = Callable[[Session, random.Random, int, date], dict[str, int]]

DEMO_STEPS: list[DemoStep] = [
    load_hospitals,
    load_distributors,
    load_products,
    load_receivables,
    load_commercial,
    load_market_access,
    load_dunning,
    sign_contracts,
]
# The day demo dates count back from when no other is given (tests): fixed, so the same
# seed always gives the same rows.
DEMO_TODAY = date(2026, 6, 30)


def load_demo(
    session: Session, *, scale: int = 1, seed: int = 2026, today: date | None = None
) -> dict[str, int]:
    """Fill an empty, migrated database; {} without writing if parties already exist.

    Returns row counts by kind, e.g. {"hospitals": 300, "distributors": 45, "products": 60}.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if session.exec(select(Party.id).limit(1)).first() is not None:
        return {}
    summary: dict[str, int] = {}
    try:
        for step in DEMO_STEPS:
            # One generator per step, seeded by its name: adding or changing a step
            # leaves every other step's rows exactly as they were.
            rng = random.Random(f"{seed}:{step.__name__}")
            for key, count in step(session, rng, scale, today or DEMO_TODAY).items():
                summary[key] = summary.get(key, 0) + count
        counts = ", ".join(f"{key} {count}" for key, count in summary.items())
        note = f"demo data (scale {scale}, seed {seed}): {counts}"
        record(session, actor=SYSTEM, entity="demo", key="load", action="import", note=note)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return summary


__all__ = ["DEMO_STEPS", "DemoStep", "load_demo"]
