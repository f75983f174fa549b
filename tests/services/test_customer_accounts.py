"""A customer's account as of a date — balance, payments and credit notes, history — and
the payments list, on SQLite and PostgreSQL, inside and outside a rep's territory."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session

from tests.factories import make_hospital, make_user
from tests.services.test_receivables import credit, invoice, pay
from vbptrack.services import customer_accounts as accounts
from vbptrack.services import users as user_service
from vbptrack.services.access import SYSTEM
from vbptrack.services.errors import NotFound

D = Decimal


@pytest.fixture
def ledger(db: Session) -> None:
    """H-A (Shanghai): two invoices, a partial payment, a credit note, a later payment.
    H-B (Beijing): one invoice and its payment."""
    make_hospital(db, "H-A", "31", name="瑞金医院")
    make_hospital(db, "H-B", "11", name="协和医院")
    invoice(db, "A-1", "H-A", date(2024, 1, 10), "1000.00", due_date=date(2024, 2, 9))
    invoice(db, "A-2", "H-A", date(2024, 3, 5), "500.00", due_date=date(2024, 6, 3))
    invoice(db, "B-1", "H-B", date(2024, 1, 5), "300.00", due_date=date(2024, 2, 4))
    pay(db, "P-A1", "H-A", date(2024, 2, 20), "400.00", [("A-1", "400.00")])
    credit(db, "CN-A1", "H-A", date(2024, 3, 1), "100.00", against="A-1")
    pay(db, "P-A2", "H-A", date(2024, 4, 15), "700.00", [("A-1", "500.00")])  # 200 unapplied
    pay(db, "P-B1", "H-B", date(2024, 3, 1), "300.00", [("B-1", "300.00")])


# as of → (outstanding, of which overdue) of H-A
BALANCES = [
    (date(2024, 1, 9), "0.00", "0.00"),  # before its first invoice
    (date(2024, 2, 9), "1000.00", "0.00"),  # due today is not overdue
    (date(2024, 2, 10), "1000.00", "1000.00"),
    (date(2024, 2, 29), "600.00", "600.00"),  # leap day, after the partial payment
    (date(2024, 3, 31), "1000.00", "500.00"),  # credit note taken; A-2 not yet due
    (date(2024, 4, 15), "500.00", "0.00"),  # the second payment settles A-1
    (date(2024, 6, 4), "500.00", "500.00"),
]


@pytest.mark.parametrize(("as_of", "outstanding", "overdue"), BALANCES)
def test_balance_as_of(
    db: Session, ledger: None, as_of: date, outstanding: str, overdue: str
) -> None:
    party = accounts.customer(db, SYSTEM, "H-A")
    assert accounts.customer_balance(db, party, as_of) == accounts.Balance(
        D(outstanding), D(overdue)
    )


def test_documents_show_what_was_applied_by_then(db: Session, ledger: None) -> None:
    party = accounts.customer(db, SYSTEM, "H-A")
    early = accounts.customer_documents(db, party, date(2024, 3, 31))
    assert [(d.kind, d.number, d.amount, d.applied) for d in early] == [
        ("credit_note", "CN-A1", D("100.00"), D("100.00")),
        ("payment", "P-A1", D("400.00"), D("400.00")),
    ]
    later = accounts.customer_documents(db, party, date(2024, 12, 31))
    assert [(d.number, d.unapplied) for d in later] == [
        ("P-A2", D("200.00")),
        ("CN-A1", D("0.00")),
        ("P-A1", D("0.00")),
    ]
    assert later[1].invoice_number == "A-1"


def test_history_is_the_customers_own(db: Session, ledger: None) -> None:
    party = accounts.customer(db, SYSTEM, "H-A")
    keys = {(e.entity, e.entity_key) for e in accounts.customer_history(db, party)}
    assert {("invoice", "A-1"), ("invoice", "A-2"), ("payment", "P-A2")} <= keys
    assert ("credit_note", "CN-A1") in keys
    assert not any(key in {"B-1", "P-B1", "H-B"} for _, key in keys)


def test_a_rep_sees_only_their_territory(db: Session, ledger: None) -> None:
    rep = user_service.actor_for(make_user(db, "rep_sh", "rep", provinces=["31"]))
    assert accounts.customer(db, rep, "H-A").code == "H-A"
    with pytest.raises(NotFound):
        accounts.customer(db, rep, "H-B")
    page = accounts.payments_page(db, actor=rep, q=None, page=1, per_page=50)
    assert [d.number for d in page.items] == ["P-A2", "P-A1"]
    everything = accounts.payments_page(db, actor=SYSTEM, q=None, page=1, per_page=50)
    assert [d.number for d in everything.items] == ["P-A2", "P-B1", "P-A1"]
    assert [(d.number, d.applied) for d in everything.items][0] == ("P-A2", D("500.00"))
    found = accounts.payments_page(db, actor=SYSTEM, q="协和", page=1, per_page=50)
    assert [d.number for d in found.items] == ["P-B1"]
