"""Two payments allocated to the same invoice at the same moment must not over-allocate it.

PostgreSQL only: SQLite serialises writers, so the race exists only on a real server. Two
threads, each with its own Session on its own connection, start together (a Barrier) and
each tries to allocate more than half of the invoice; the invoice lock taken in
`ledger.lock_invoices` (SELECT … FOR UPDATE) makes the second wait, re-read what is
still owed and refuse. Without the lock both read the same outstanding and both write.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tests.factories import make_hospital
from vbptrack.db import make_engine
from vbptrack.models import Invoice, Payment, Settlement
from vbptrack.services import invoices, payments
from vbptrack.services.access import SYSTEM
from vbptrack.services.errors import InvalidInput

pytestmark = pytest.mark.postgres

ROUNDS = 5
AMOUNT_FEN = 100_000  # the invoice: 1,000.00
EACH = "600.00"  # each payment wants 600.00 of it: only one can have it


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    # Two connections at least; no overflow, so each thread really has its own.
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


def race(engine: Engine, round_: int) -> tuple[list[object], int, int]:
    """Both threads allocate to one fresh invoice; returns their outcomes, the total
    allocated to it afterwards (in fen) and how many of the two payments were written."""
    tag = uuid.uuid4().hex[:8]  # the PostgreSQL database is shared by the worker's tests
    customer, number = f"HC{tag}", f"IC{tag}"
    with Session(engine, expire_on_commit=False) as db:
        make_hospital(db, customer)
        invoices.create(
            db,
            actor=SYSTEM,
            data={
                "number": number,
                "customer_code": customer,
                "invoice_date": "2024-01-01",
                "amount": "1000.00",
                "payment_term": "NET90",
            },
        )
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def allocate(slot: int) -> None:
        with Session(engine, expire_on_commit=False) as db:
            db.connection()  # check out this thread's own connection before the start
            barrier.wait(timeout=10)
            try:
                payments.create_payment(
                    db,
                    actor=SYSTEM,
                    data={
                        "reference": f"P{tag}-{slot}",
                        "customer_code": customer,
                        "date": "2024-02-01",
                        "amount": EACH,
                        "allocations": [{"invoice_number": number, "amount": EACH}],
                    },
                )
                outcomes[slot] = "ok"
            except InvalidInput as problem:
                db.rollback()
                outcomes[slot] = problem
            except Exception as unexpected:  # noqa: BLE001 - reported by the assertion
                db.rollback()
                outcomes[slot] = unexpected

    threads = [threading.Thread(target=allocate, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), f"round {round_}: a thread hangs"
    with Session(engine) as db:
        allocated = db.execute(
            select(func.coalesce(func.sum(Settlement.amount_fen), 0))
            .join(Invoice, Invoice.id == Settlement.invoice_id)
            .where(Invoice.number == number)
        ).scalar_one()
        written = db.execute(
            select(func.count())
            .select_from(Payment)
            .where(Payment.reference.in_([f"P{tag}-0", f"P{tag}-1"]))  # type: ignore[attr-defined]
        ).scalar_one()
    return outcomes, int(allocated), int(written)


def test_concurrent_allocations_never_over_allocate(engine: Engine) -> None:
    for round_ in range(ROUNDS):
        outcomes, allocated, written = race(engine, round_)
        assert allocated <= AMOUNT_FEN, f"round {round_}: over-allocated to {allocated} fen"
        assert sorted(type(o).__name__ for o in outcomes) == ["InvalidInput", "str"], (
            round_,
            outcomes,
        )
        refused = next(o for o in outcomes if isinstance(o, InvalidInput))
        assert "allocations.0.amount" in refused.fields
        assert "400.00" in refused.fields["allocations.0.amount"]  # what was left to allocate
        assert allocated == 60_000
        assert written == 1  # the refused payment left nothing behind
