"""The dunning run over several dates, on SQLite and PostgreSQL (§5.4): escalation by at
most one level, the interval, holds, idempotence, numbering, amounts that agree with the
ageing, and a bad letter that does not stop the others."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from tests.dunning_helpers import customer, overdue_invoice, set_policy
from tests.factories import make_user
from vbptrack.domain.ageing import Basis
from vbptrack.models import DunningDocument, DunningLetter, DunningLetterLine
from vbptrack.services import ageing, dunning, dunning_policy, invoices, payments
from vbptrack.services.access import SYSTEM, Actor
from vbptrack.services.errors import Forbidden

D = Decimal
START = date(2026, 1, 1)


@pytest.fixture
def world(db: Session) -> Session:
    set_policy(db)
    customer(db, "H001", "上海市第一人民医院")
    customer(db, "H002", "复旦大学附属华山医院")
    customer(db, "H003", "瑞金医院")
    overdue_invoice(db, "INV-1", "H001", START, "10000.00")
    overdue_invoice(db, "INV-2", "H001", START + timedelta(days=20), "2500.50")
    overdue_invoice(db, "INV-3", "H002", START, "8000.00")
    overdue_invoice(db, "INV-4", "H003", START, "3000.00")
    invoices.hold(db, actor=SYSTEM, number="INV-4", data={"reason": "价格争议"})
    return db


def levels_on(db: Session, day: date) -> dict[str, int]:
    result = dunning.issue(db, actor=SYSTEM, as_of=day)
    return {letter.customer.code: letter.level for letter in result.letters}


def test_escalation_interval_and_idempotence_over_dates(world: Session) -> None:
    db = world
    # Day 45 past due for INV-1: level 2 is reached but the first letter is level 1.
    day = START + timedelta(days=45)
    assert levels_on(db, day) == {"H001": 1, "H002": 1}  # H003 only has a held invoice
    assert levels_on(db, day) == {}  # the same date again: nothing new
    assert levels_on(db, day + timedelta(days=13)) == {}  # inside the 14-day interval
    assert levels_on(db, day + timedelta(days=14)) == {"H001": 2, "H002": 2}
    assert levels_on(db, day + timedelta(days=28)) == {"H001": 3, "H002": 3}
    assert levels_on(db, day + timedelta(days=42)) == {"H001": 3, "H002": 3}  # stays at the top
    numbers = db.exec(select(DunningLetter.number).order_by(DunningLetter.number)).all()
    assert numbers == [f"DL-2026-{n:06d}" for n in range(1, 9)]


def test_letter_amounts_agree_with_the_ageing_and_the_rules(world: Session) -> None:
    db = world
    day = START + timedelta(days=100)
    # Half of INV-1 paid on day 50: the letter asks for what is still open on day 100.
    payments.create_payment(
        db,
        actor=SYSTEM,
        data={
            "reference": "PAY-1",
            "customer_code": "H001",
            "date": (START + timedelta(days=50)).isoformat(),
            "amount": "5000",
            "allocations": [{"invoice_number": "INV-1", "amount": "5000"}],
        },
    )
    planned = {
        letter.customer.code: letter for letter in dunning.plan(db, actor=SYSTEM, as_of=day).letters
    }
    letter = planned["H001"]
    assert [
        (i.line.invoice_number, i.line.days_past_due, i.line.outstanding) for i in letter.lines
    ] == [
        ("INV-1", 100, D("5000.00")),
        ("INV-2", 80, D("2500.50")),
    ]
    report = ageing.report(db, actor=SYSTEM, as_of=day, basis=Basis.DUE_DATE)
    row = next(r for r in report.rows if r.key == "H001")
    overdue = sum((amount for column, amount in row.amounts_fen.items() if column != "not_due"), 0)
    assert letter.totals.outstanding == D(overdue) / 100
    # Level 1 (first letter): no interest, no fee.
    assert (letter.level, letter.totals.interest, letter.totals.fee) == (1, D("0.00"), D("0.00"))
    assert letter.totals.grand_total == D("7500.50")


def test_interest_and_fee_of_higher_levels(db: Session) -> None:
    set_policy(
        db,
        interval=0,
        levels=[
            {
                "level": 1,
                "name": "L1",
                "min_days_past_due": 1,
                "fee": "20",
                "annual_interest_rate": "6",
            },
        ],
    )
    customer(db, "H001", "上海市第一人民医院")
    overdue_invoice(db, "INV-1", "H001", START, "10000.00")
    letter = dunning.plan(db, actor=SYSTEM, as_of=START + timedelta(days=30)).letters[0]
    # 10000 × 6 ÷ 100 ÷ 365 × 30 = 49.3150… → 49.32
    assert letter.totals.interest == D("49.32")
    assert letter.totals.grand_total == D("10069.32")


def test_held_invoice_is_never_dunned_and_release_brings_it_back(world: Session) -> None:
    db = world
    day = START + timedelta(days=45)
    assert "H003" not in {
        x.customer.code for x in dunning.plan(db, actor=SYSTEM, as_of=day).letters
    }
    invoices.release(db, actor=SYSTEM, number="INV-4")
    assert "H003" in {x.customer.code for x in dunning.plan(db, actor=SYSTEM, as_of=day).letters}


def test_paid_customer_gets_no_letter_and_dry_run_writes_nothing(world: Session) -> None:
    db = world
    payments.create_payment(
        db,
        actor=SYSTEM,
        data={
            "reference": "PAY-2",
            "customer_code": "H002",
            "date": "2026-01-10",
            "amount": "8000",
            "allocations": [{"invoice_number": "INV-3", "amount": "8000"}],
        },
    )
    planned = dunning.plan(db, actor=SYSTEM, as_of=START + timedelta(days=45))
    assert [x.customer.code for x in planned.letters] == ["H001"]
    assert db.exec(select(DunningLetter)).all() == []


def test_one_bad_letter_is_reported_and_the_others_are_issued(world: Session) -> None:
    db = world
    # A name the letter does not have, printed for one customer only: that letter fails.
    wording = "{% if customer == '复旦大学附属华山医院' %}{{ invoice_count }}{% endif %}请付款。"
    levels = [
        dict(level, wording_zh=wording)
        for level in ({"level": 1, "name": "L1", "min_days_past_due": 1},)
    ]
    set_policy(db, levels=levels)
    result = dunning.issue(db, actor=SYSTEM, as_of=START + timedelta(days=45))
    assert [x.customer.code for x in result.letters] == ["H001"]
    assert [f.customer_code for f in result.failures] == ["H002"]
    assert "invoice_count" in result.failures[0].problem
    letters = db.exec(select(DunningLetter)).all()
    assert [x.number for x in letters] == ["DL-2026-000001"]
    assert len(db.exec(select(DunningDocument)).all()) == 2  # zh and en
    lines = db.exec(select(DunningLetterLine)).all()
    assert len(lines) == 2


def test_only_finance_and_admin_may_run(world: Session) -> None:
    manager = make_user(world, "mgr", "manager")
    with pytest.raises(Forbidden):
        dunning.plan(world, actor=Actor(manager.id, "mgr", "manager"), as_of=START)


def test_policy_rejects_levels_that_do_not_escalate(db: Session) -> None:
    from vbptrack.services.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        dunning_policy.update(
            db,
            actor=SYSTEM,
            data={
                "min_interval_days": 14,
                "payment_deadline_days": 10,
                "levels": [
                    {"level": 1, "name": "A", "min_days_past_due": 30},
                    {"level": 2, "name": "B", "min_days_past_due": 10},
                ],
            },
        )
    assert "levels" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        dunning_policy.update(
            db,
            actor=SYSTEM,
            data={
                "min_interval_days": 14,
                "payment_deadline_days": 10,
                "levels": [
                    {"level": 1, "name": "A", "min_days_past_due": 1, "wording_zh": "{{ x "}
                ],
            },
        )
    assert "levels.0.wording_zh" in error.value.fields
    assert len(dunning_policy.load(db).levels) == 3  # the seeded levels are untouched
