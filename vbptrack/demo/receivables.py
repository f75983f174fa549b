"""Demo receivables: a year and a quarter of invoices per customer, paid the way Chinese
hospitals pay — mostly, late, sometimes in part — so the ageing, the collections view and
the customer pages have something true-looking to show on the first start.

Dates count back from `today` (the day the demo is loaded), so the ageing looks the same
whenever the demo is loaded; amounts and behaviour follow the seed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from vbptrack.domain.money import from_fen
from vbptrack.models import Party
from vbptrack.models.parties import HOSPITAL
from vbptrack.models.receivables_in import InvoiceIn, PaymentIn
from vbptrack.services import invoices, payments
from vbptrack.services.access import SYSTEM
from vbptrack.services.ledger import instalment_states, outstanding_fen

HOSPITAL_TERMS = ("NET90", "NET120", "NET180", "VBP", "VBP")
HISTORY_DAYS = 450


def _amount(rng: random.Random) -> Decimal:
    # Most hospital invoices are tens of thousands of yuan; a few are large orders.
    yuan = rng.lognormvariate(10.5, 0.9)
    return Decimal(min(max(yuan, 800), 2_000_000)).quantize(Decimal("0.01"))


def load_receivables(
    session: Session, rng: random.Random, scale: int, today: date
) -> dict[str, int]:
    customers = session.execute(select(Party).order_by(Party.id)).scalars().all()
    lookups = invoices.Lookups(SYSTEM)
    planned = []
    behaviour: dict[int, tuple[int, float]] = {}
    number = 0
    for customer in customers:
        # Each customer pays with its own habit: days late on average, and how reliably.
        behaviour[customer.id] = (
            rng.choice((0, 10, 30, 45, 60, 90, 120)),  # type: ignore[index]
            rng.choice((0.95, 0.85, 0.7, 0.5)),
        )
        for _ in range(rng.randint(2, 9)):
            number += 1
            invoice_date = today - timedelta(days=rng.randint(0, HISTORY_DAYS))
            data: dict[str, object] = {
                "number": f"{invoice_date.year}{number:08d}",
                "customer_code": customer.code,
                "invoice_date": invoice_date,
                "amount": _amount(rng),
            }
            if customer.kind == HOSPITAL:
                term = rng.choice(HOSPITAL_TERMS)
                data["payment_term"] = term
                if term == "VBP":
                    data["acceptance_date"] = invoice_date - timedelta(days=rng.randint(0, 12))
            else:
                data["payment_term"] = rng.choice(("NET90", "NET120"))
            planned.append(
                invoices.plan(session, clean=InvoiceIn.model_validate(data), lookups=lookups)
            )
    ids = invoices.add_invoices(session, actor=SYSTEM, planned=planned)
    states = instalment_states(session, ids)
    received = []
    reference = 0
    for invoice_id, item in zip(ids, planned, strict=True):
        customer = item.customer
        late, reliability = behaviour[customer.id]  # type: ignore[index]
        due = max(state.instalment.due_date for state in states[invoice_id])
        paid_on = due + timedelta(days=max(0, int(rng.gauss(late, late / 3 + 5))))
        if paid_on > today or rng.random() > reliability:
            continue
        open_amount = from_fen(outstanding_fen(states[invoice_id]))
        # One payment in five is partial: the hospital pays what its budget allows.
        amount = (
            open_amount
            if rng.random() > 0.2
            else (open_amount * Decimal(rng.choice(("0.3", "0.5", "0.8")))).quantize(
                Decimal("0.01")
            )
        )
        reference += 1
        extra = Decimal(rng.choice((0, 0, 0, 0, 0, 0, 0, 0, 0, 500)))  # now and then, overpaid
        received.append(
            (
                PaymentIn.model_validate(
                    {
                        "reference": f"HK{paid_on:%Y%m%d}{reference:06d}",
                        "customer_code": customer.code,
                        "date": paid_on,
                        "amount": amount + extra,
                        "allocations": [{"invoice_number": item.clean.number, "amount": amount}],
                    }
                ),
                customer,
            )
        )
    for start in range(0, len(received), 500):
        payments.add_payments(session, actor=SYSTEM, items=received[start : start + 500])
    return {"invoices": len(planned), "payments": len(received)}
