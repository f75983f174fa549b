"""The term in force computed by the database equals the domain's, on both databases:
month ends, leap years, the last notice day and the day after, notice given, renewed."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session

from tests.factories import make_distributor
from vbptrack.domain import contracts as rules
from vbptrack.models import Contract
from vbptrack.services.contract_periods import end_in_force_sql, periods_rolled_sql
from vbptrack.services.contracts import terms_of

D = date
# (end, mode, notice days, months, terminated_on, renewed_on)
CASES = [
    (D(2026, 12, 9), "auto", 30, 12, None, None),
    (D(2024, 1, 31), "auto", 0, 1, None, None),  # month ends, leap February
    (D(2024, 2, 29), "auto", 0, 12, None, None),  # a leap day rolling into common years
    (D(2025, 8, 31), "auto", 15, 6, None, None),
    (D(2024, 1, 31), "auto", 0, 1, D(2024, 2, 10), None),  # notice given
    (D(2024, 1, 31), "auto", 0, 1, None, D(2024, 3, 5)),  # a successor recorded
    (D(2026, 12, 31), "manual", 0, 0, None, None),
    (D(2026, 12, 31), "auto", 30, 0, None, None),  # auto without months does not roll
]
AS_OF = [
    D(2024, 1, 30),
    D(2024, 2, 1),
    D(2024, 2, 29),
    D(2024, 3, 1),
    D(2025, 2, 28),
    D(2026, 11, 9),  # HT_0026's last notice day
    D(2026, 11, 10),  # the day after
    D(2027, 11, 10),
    D(2031, 6, 30),
]


def _store(db: Session, rows: list[tuple[date, str, int, int, date | None, date | None]]) -> None:
    party = make_distributor(db, "D1")
    for n, (end, mode, notice, months, terminated, renewed) in enumerate(rows):
        db.add(
            Contract(
                number=f"C{n:04d}",
                party_id=party.id,  # type: ignore[arg-type]
                kind="distribution",
                start=end - timedelta(days=364),
                end=end,
                renewal_mode=mode,
                notice_days=notice,
                renewal_months=months,
                terminated_on=terminated,
                renewed_on=renewed,
            )
        )
    db.commit()


def _check(db: Session, as_of: date) -> None:
    found = db.execute(
        select(Contract, end_in_force_sql(as_of), periods_rolled_sql(as_of)).order_by(
            Contract.number
        )
    ).all()
    for contract, end, rolled in found:
        terms = terms_of(contract)
        expected = (rules.current_end(terms, as_of), rules.periods_rolled(terms, as_of))
        assert (end, rolled) == expected, (contract.number, as_of, terms)


def test_the_database_computes_the_domains_term_in_force(db: Session) -> None:
    _store(db, CASES)
    for as_of in AS_OF:
        _check(db, as_of)


def test_the_database_agrees_on_many_random_contracts(db: Session) -> None:
    rng = random.Random(17)
    rows = []
    for _ in range(120):
        end = D(2023, 1, 1) + timedelta(days=rng.randint(0, 1500))
        months = rng.choice((1, 2, 3, 6, 12, 24))
        closed = end + timedelta(days=rng.randint(-200, 900))
        which = rng.random()
        rows.append(
            (
                end,
                "auto",
                rng.choice((0, 1, 30, 60, 90)),
                months,
                closed if which < 0.2 else None,
                closed if 0.2 <= which < 0.4 else None,
            )
        )
    _store(db, rows)
    for _ in range(6):
        _check(db, D(2023, 1, 1) + timedelta(days=rng.randint(0, 2500)))
