"""Receivables services, table-driven, on SQLite and PostgreSQL (domain guide §5.2–5.3).

Outstanding per instalment for any as-of date, settlement dates, the earliest-due-first
spread, write-offs, holds, ageing buckets at their edges on both bases, month ends and
leap years, every grouping (with the "-" rows), unapplied cash, and the per-province VBP
settlement rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from tests.factories import make_distributor, make_hospital, make_user
from vbptrack.domain.ageing import Basis
from vbptrack.models import Invoice, Party, Settlement, WriteOff
from vbptrack.services import ageing, invoices, ledger, payments, terms
from vbptrack.services import users as user_service
from vbptrack.services.access import SYSTEM
from vbptrack.services.errors import InvalidInput

D = Decimal


def invoice(
    db: Session,
    number: str,
    customer: str,
    invoice_date: date,
    amount: str,
    **fields: Any,
) -> Invoice:
    data = {
        "number": number,
        "customer_code": customer,
        "invoice_date": invoice_date.isoformat(),
        "amount": amount,
        **{k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()},
    }
    return invoices.create(db, actor=SYSTEM, data=data)


def pay(
    db: Session,
    reference: str,
    customer: str,
    on: date,
    amount: str,
    allocations: Sequence[tuple[str, str]] = (),
) -> None:
    payments.create_payment(
        db,
        actor=SYSTEM,
        data={
            "reference": reference,
            "customer_code": customer,
            "date": on.isoformat(),
            "amount": amount,
            "allocations": [{"invoice_number": n, "amount": a} for n, a in allocations],
        },
    )


def credit(
    db: Session, number: str, customer: str, on: date, amount: str, against: str | None = None
) -> None:
    payments.create_credit_note(
        db,
        actor=SYSTEM,
        data={
            "number": number,
            "customer_code": customer,
            "date": on.isoformat(),
            "amount": amount,
            "invoice_number": against,
        },
    )


def outstanding(db: Session, number: str, as_of: date) -> list[Decimal]:
    view = invoices.view(db, actor=SYSTEM, number=number, as_of=as_of)
    return [i.outstanding for i in view.instalments]


def report(db: Session, as_of: date, **options: Any) -> ageing.AgeingReport:
    result = ageing.report(db, actor=SYSTEM, as_of=as_of, **options)
    # The invariant every report keeps: totals are the sum of the rows, column by column.
    for column in result.columns:
        assert result.totals.amounts_fen[column] == sum(r.amounts_fen[column] for r in result.rows)
    assert result.totals.unapplied_fen == sum(r.unapplied_fen for r in result.rows)
    assert result.totals.total_fen == sum(r.total_fen for r in result.rows)
    return result


def row(result: ageing.AgeingReport, key: str) -> ageing.AgeingRow | None:
    return next((r for r in result.rows if r.key == key), None)


def cells(result: ageing.AgeingReport, key: str) -> dict[str, Decimal]:
    """The non-zero cells of a row (plus `unapplied` when there is some)."""
    found = row(result, key)
    if found is None:
        return {}
    out = {c: found.amount(c) for c in result.columns if found.amounts_fen[c]}
    if found.unapplied_fen:
        out["unapplied"] = found.unapplied
    return out


def split_term(db: Session, code: str = "SPLIT3070") -> None:
    """30 % due 30 days after the invoice, 70 % due 90 days after it."""
    terms.create(
        db,
        actor=SYSTEM,
        data={
            "code": code,
            "name": "30/70",
            "instalments": [
                {"portion": "30", "rule": "days_after_base", "n": 30},
                {"portion": "70", "rule": "days_after_base", "n": 90},
            ],
        },
    )


# --- outstanding per instalment -----------------------------------------------------

OUTSTANDING_CASES = [
    # as of, outstanding per instalment (30 % due 02-09, 70 % due 04-09)
    (date(2024, 1, 10), ["300.00", "700.00"]),  # invoice day
    (date(2024, 1, 31), ["300.00", "700.00"]),  # the day before the first payment
    (date(2024, 2, 1), ["0.00", "600.00"]),  # 400 paid: 300 to the first, 100 to the second
    (date(2024, 2, 29), ["0.00", "600.00"]),
    (date(2024, 3, 1), ["0.00", "550.00"]),  # credit note of 50 on the second
    (date(2024, 4, 30), ["0.00", "550.00"]),
    (date(2024, 5, 1), ["0.00", "300.00"]),  # second payment of 250
    (date(2025, 1, 1), ["0.00", "300.00"]),
]


def test_outstanding_per_instalment_as_of(db: Session) -> None:
    make_hospital(db, "H1")
    split_term(db)
    invoice(db, "INV-1", "H1", date(2024, 1, 10), "1000.00", payment_term="SPLIT3070")
    pay(db, "P-1", "H1", date(2024, 2, 1), "400.00", [("INV-1", "400.00")])
    credit(db, "CN-1", "H1", date(2024, 3, 1), "50.00", against="INV-1")
    pay(db, "P-2", "H1", date(2024, 5, 1), "250.00", [("INV-1", "250.00")])
    view = invoices.view(db, actor=SYSTEM, number="INV-1", as_of=date(2024, 3, 1))
    assert [i.due_date for i in view.instalments] == [date(2024, 2, 9), date(2024, 4, 9)]
    assert [(i.paid, i.credited) for i in view.instalments] == [
        (D("300.00"), D("0.00")),
        (D("100.00"), D("50.00")),
    ]
    for as_of, expected in OUTSTANDING_CASES:
        assert outstanding(db, "INV-1", as_of) == [D(x) for x in expected], as_of


SPREAD_CASES = [
    # portions in term order (portion, days), allocation → paid on the instalments due
    # after 30 and after 90 days
    ([("30", 30), ("70", 90)], "200.00", ["200.00", "0.00"]),
    ([("30", 30), ("70", 90)], "300.00", ["300.00", "0.00"]),
    ([("30", 30), ("70", 90)], "300.01", ["300.00", "0.01"]),
    ([("30", 30), ("70", 90)], "1000.00", ["300.00", "700.00"]),
    # the term lists the later instalment first: money still goes to the earliest due
    ([("70", 90), ("30", 30)], "350.00", ["300.00", "50.00"]),
]


def test_allocation_spreads_earliest_due_first(db: Session) -> None:
    make_hospital(db, "H1")
    for index, (parts, allocated, expected) in enumerate(SPREAD_CASES):
        code = f"T{index}"
        terms.create(
            db,
            actor=SYSTEM,
            data={
                "code": code,
                "name": code,
                "instalments": [
                    {"portion": p, "rule": "days_after_base", "n": n} for p, n in parts
                ],
            },
        )
        number = f"INV-S{index}"
        invoice(db, number, "H1", date(2024, 1, 1), "1000.00", payment_term=code)
        pay(db, f"P-S{index}", "H1", date(2024, 1, 5), allocated, [(number, allocated)])
        view = invoices.view(db, actor=SYSTEM, number=number, as_of=date(2024, 12, 31))
        paid = {(i.due_date - date(2024, 1, 1)).days: i.paid for i in view.instalments}
        assert [paid[30], paid[90]] == [D(x) for x in expected], (parts, allocated)


def test_settlement_is_dated_no_earlier_than_the_invoice(db: Session) -> None:
    """Money received before the invoice was unapplied cash until the invoice date."""
    make_hospital(db, "H1")
    invoice(db, "INV-1", "H1", date(2024, 3, 15), "500.00", payment_term="NET90")
    pay(db, "P-1", "H1", date(2024, 3, 1), "500.00", [("INV-1", "500.00")])
    dates = db.execute(select(Settlement.date)).scalars().all()
    assert dates == [date(2024, 3, 15)]
    cases = [
        (date(2024, 2, 29), {}),  # neither the payment nor the invoice yet
        (date(2024, 3, 1), {"unapplied": D("-500.00")}),
        (date(2024, 3, 14), {"unapplied": D("-500.00")}),
        (date(2024, 3, 15), {}),  # applied on the invoice date: nothing open, nothing held
        (date(2024, 9, 1), {}),
    ]
    for as_of, expected in cases:
        assert cells(report(db, as_of), "H1") == expected, as_of
    # a payment on the invoice date itself is dated that day
    invoice(db, "INV-2", "H1", date(2024, 4, 1), "10.00", payment_term="NET90")
    pay(db, "P-2", "H1", date(2024, 4, 1), "10.00", [("INV-2", "10.00")])
    assert outstanding(db, "INV-2", date(2024, 4, 1)) == [D("0.00")]


def test_allocation_above_outstanding_writes_nothing(db: Session) -> None:
    make_hospital(db, "H1")
    invoice(db, "INV-1", "H1", date(2024, 1, 1), "100.00", payment_term="NET90")
    pay(db, "P-1", "H1", date(2024, 1, 2), "60.00", [("INV-1", "60.00")])
    with pytest.raises(InvalidInput) as problem:
        pay(db, "P-2", "H1", date(2024, 1, 3), "50.00", [("INV-1", "40.01")])
    assert "allocations.0.amount" in problem.value.fields
    db.rollback()
    assert db.execute(select(func.count()).select_from(Settlement)).scalar_one() == 1
    assert outstanding(db, "INV-1", date(2024, 12, 31)) == [D("40.00")]


def test_write_off(db: Session) -> None:
    make_hospital(db, "H1")
    invoice(db, "INV-1", "H1", date(2024, 1, 1), "1000.00", payment_term="NET90")
    pay(db, "P-1", "H1", date(2024, 2, 1), "600.00", [("INV-1", "600.00")])
    with pytest.raises(InvalidInput) as too_much:
        invoices.write_off(
            db,
            actor=SYSTEM,
            number="INV-1",
            data={"date": "2024-06-30", "amount": "400.01", "reason": "bad debt"},
        )
    assert "amount" in too_much.value.fields
    db.rollback()
    with pytest.raises(InvalidInput) as too_early:
        invoices.write_off(
            db,
            actor=SYSTEM,
            number="INV-1",
            data={"date": "2023-12-31", "amount": "10.00", "reason": "bad debt"},
        )
    assert "date" in too_early.value.fields
    db.rollback()
    assert db.execute(select(func.count()).select_from(WriteOff)).scalar_one() == 0
    invoices.write_off(
        db,
        actor=SYSTEM,
        number="INV-1",
        data={"date": "2024-06-30", "amount": "400.00", "reason": "bad debt"},
    )
    view = invoices.view(db, actor=SYSTEM, number="INV-1", as_of=date(2024, 6, 30))
    assert view.instalments[0].written_off == D("400.00")
    cases = [
        (date(2024, 1, 31), D("1000.00"), {"not_due": D("1000.00")}),
        (date(2024, 6, 29), D("400.00"), {"61-90": D("400.00")}),  # due 03-31, 90 days
        (date(2024, 6, 30), D("0.00"), {}),
    ]
    for as_of, open_amount, expected in cases:
        assert sum(outstanding(db, "INV-1", as_of)) == open_amount, as_of
        assert cells(report(db, as_of), "H1") == expected, as_of


def test_hold_does_not_change_ageing(db: Session) -> None:
    make_hospital(db, "H1")
    invoice(db, "INV-1", "H1", date(2024, 1, 1), "1000.00", payment_term="NET90")
    invoice(db, "INV-2", "H1", date(2024, 3, 1), "200.00", payment_term="NET90")
    as_of = date(2024, 6, 30)
    before = {basis: report(db, as_of, basis=basis) for basis in Basis}
    invoices.hold(db, actor=SYSTEM, number="INV-1", data={"reason": "disputed price"})
    for basis in Basis:
        after = report(db, as_of, basis=basis)
        assert [(r.key, r.amounts_fen, r.unapplied_fen) for r in after.rows] == [
            (r.key, r.amounts_fen, r.unapplied_fen) for r in before[basis].rows
        ]
        assert after.totals.total == D("1200.00")


# --- ageing buckets ----------------------------------------------------------------

AS_OF = date(2024, 6, 30)

BUCKET_CASES = [
    # basis, limits, days (past due, or since the invoice), expected column
    (Basis.DUE_DATE, (30, 60, 90, 180, 365), 0, "not_due"),  # due today is not overdue
    (Basis.DUE_DATE, (30, 60, 90, 180, 365), -5, "not_due"),
    (Basis.DUE_DATE, (30, 60, 90, 180, 365), 1, "1-30"),
    (Basis.DUE_DATE, (30, 60, 90, 180, 365), 30, "1-30"),
    (Basis.DUE_DATE, (30, 60, 90, 180, 365), 31, "31-60"),
    (Basis.DUE_DATE, (30, 60, 90, 180, 365), 180, "91-180"),
    (Basis.DUE_DATE, (30, 60, 90, 180, 365), 365, "181-365"),
    (Basis.DUE_DATE, (30, 60, 90, 180, 365), 366, ">365"),
    (Basis.DUE_DATE, (10, 20), 10, "1-10"),
    (Basis.DUE_DATE, (10, 20), 11, "11-20"),
    (Basis.DUE_DATE, (10, 20), 21, ">20"),
    (Basis.INVOICE_DATE, (90, 180, 365), 0, "0-90"),
    (Basis.INVOICE_DATE, (90, 180, 365), 90, "0-90"),
    (Basis.INVOICE_DATE, (90, 180, 365), 91, "91-180"),
    (Basis.INVOICE_DATE, (90, 180, 365), 365, "181-365"),
    (Basis.INVOICE_DATE, (90, 180, 365), 366, ">365"),
    (Basis.INVOICE_DATE, (7,), 7, "0-7"),
    (Basis.INVOICE_DATE, (7,), 8, ">7"),
]


def test_ageing_buckets_at_the_edges(db: Session) -> None:
    """One customer per case, each with one invoice at the edge being tested."""
    for index, (basis, _, days, _) in enumerate(BUCKET_CASES):
        code = f"H{index:02d}"
        make_hospital(db, code)
        anchor = AS_OF - timedelta(days=days)
        if basis is Basis.DUE_DATE:
            invoice_date = min(anchor, AS_OF)
            invoice(db, f"I{code}", code, invoice_date, "100.00", due_date=anchor)
        else:
            invoice(db, f"I{code}", code, anchor, "100.00", due_date=anchor + timedelta(days=1))
    # invoices dated after the as-of date are not there yet, whatever their due date
    make_hospital(db, "HLATE")
    invoice(db, "ILATE", "HLATE", AS_OF + timedelta(days=1), "100.00", payment_term="NET90")
    reports = {}
    for index, (basis, limits, days, expected) in enumerate(BUCKET_CASES):
        if (basis, limits) not in reports:
            reports[basis, limits] = report(db, AS_OF, basis=basis, limits=limits)
        result = reports[basis, limits]
        assert cells(result, f"H{index:02d}") == {expected: D("100.00")}, (basis, limits, days)
    for result in reports.values():
        assert row(result, "HLATE") is None
        assert result.totals.total == D(100 * len(BUCKET_CASES))


def test_month_end_and_leap_year_due_dates(db: Session) -> None:
    make_hospital(db, "HVBP")
    make_hospital(db, "HNET")
    # VBP: end of the month after acceptance; accepted 2024-01-31 → due 2024-02-29
    invoice(
        db,
        "I-VBP",
        "HVBP",
        date(2024, 1, 20),
        "100.00",
        acceptance_date=date(2024, 1, 31),
        payment_term="VBP",
    )
    # NET90 from 2023-12-01 → 2024-02-29 (31 + 31 + 28 days would be 03-01 in 2023)
    invoice(db, "I-NET", "HNET", date(2023, 12, 1), "100.00", payment_term="NET90")
    for number in ("I-VBP", "I-NET"):
        view = invoices.view(db, actor=SYSTEM, number=number, as_of=date(2024, 3, 1))
        assert [i.due_date for i in view.instalments] == [date(2024, 2, 29)], number
    cases = [
        (date(2024, 2, 28), "not_due"),
        (date(2024, 2, 29), "not_due"),
        (date(2024, 3, 1), "1-30"),
        (date(2024, 3, 30), "1-30"),  # 30 days past due
        (date(2024, 3, 31), "31-60"),
    ]
    for as_of, expected in cases:
        result = report(db, as_of)
        for code in ("HVBP", "HNET"):
            assert cells(result, code) == {expected: D("100.00")}, (as_of, code)


def test_vbp_resolves_to_the_provinces_own_term(db: Session) -> None:
    make_hospital(db, "H31", "31")
    make_hospital(db, "H44", "44")
    terms.set_province_vbp_term(db, actor=SYSTEM, province_code="44", term_code="VBP30")
    accepted = date(2024, 1, 31)
    for number, code in (("I31", "H31"), ("I44", "H44")):
        invoice(
            db,
            number,
            code,
            date(2024, 1, 31),
            "10.00",
            acceptance_date=accepted,
            payment_term="VBP",
        )
    terms.set_province_vbp_term(db, actor=SYSTEM, province_code="44", term_code=None)
    invoice(
        db, "I44B", "H44", date(2024, 1, 31), "10.00", acceptance_date=accepted, payment_term="VBP"
    )
    expected = {
        "I31": date(2024, 2, 29),  # national default: end of the month after acceptance
        "I44": date(2024, 3, 1),  # Guangdong's own: 30 days after acceptance
        "I44B": date(2024, 2, 29),  # back to the default once the province's term is cleared
    }
    for number, due in expected.items():
        view = invoices.view(db, actor=SYSTEM, number=number, as_of=date(2024, 3, 1))
        assert [i.due_date for i in view.instalments] == [due], number
    with pytest.raises(InvalidInput) as missing:
        invoice(db, "I-NOACC", "H31", date(2024, 1, 31), "10.00", payment_term="VBP")
    assert "acceptance_date" in missing.value.fields


# --- grouping and unapplied cash ------------------------------------------------------


def test_group_by_every_dimension_with_none_rows(db: Session) -> None:
    make_user(db, "rep_a", "rep", provinces=["31"])
    make_hospital(db, "H1", "31", rep="rep_a")  # rep, province 31
    make_hospital(db, "H2", "44")  # no rep
    make_distributor(db, "D1", "31")
    make_distributor(db, "D2", None)  # no province
    due = date(2024, 1, 1)  # 181 days past due on 2024-06-30
    invoice(db, "I1", "H1", due, "1000.00", due_date=due, distributor_code="D1")
    invoice(db, "I2", "H2", due, "500.00", due_date=due)  # direct: no distributor
    invoice(db, "I3", "D1", due, "200.00", due_date=due)  # the distributor is the customer
    invoice(db, "I4", "D2", due, "50.00", due_date=due)
    pay(db, "P-H2", "H2", date(2024, 2, 1), "300.00")  # unapplied
    pay(db, "P-D2", "D2", date(2024, 2, 1), "80.00", [("I4", "50.00")])  # 30 unapplied
    credit(db, "CN-H1", "H1", date(2024, 3, 1), "20.00")  # on account: unapplied credit
    expected = {
        "customer": {
            "H1": ("1000.00", "-20.00"),
            "H2": ("500.00", "-300.00"),
            "D1": ("200.00", "0.00"),
            "D2": ("0.00", "-30.00"),
        },
        "province": {
            "31": ("1200.00", "-20.00"),
            "44": ("500.00", "-300.00"),
            "-": ("0.00", "-30.00"),
        },
        "rep": {"rep_a": ("1000.00", "-20.00"), "-": ("700.00", "-330.00")},
        "distributor": {
            "D1": ("1200.00", "0.00"),
            "D2": ("0.00", "-30.00"),
            "-": ("500.00", "-320.00"),
        },
    }
    for group_by, rows in expected.items():
        for basis in Basis:
            result = report(db, AS_OF, group_by=group_by, basis=basis)
            got = {
                r.key: (str(sum(r.amount(c) for c in result.columns)), str(r.unapplied))
                for r in result.rows
            }
            assert got == rows, (group_by, basis)
            assert result.totals.total == D("1700.00") - D("350.00")
    # the "-" rows are named, not blank
    names = {
        g: row(report(db, AS_OF, group_by=g), "-").name  # type: ignore[union-attr]
        for g in ("province", "rep", "distributor")
    }
    assert all(names.values()), names


def test_unapplied_cash_is_negative_in_its_row(db: Session) -> None:
    make_hospital(db, "H1")
    invoice(db, "I1", "H1", date(2024, 1, 1), "600.00", payment_term="NET90")
    invoice(db, "I2", "H1", date(2024, 5, 1), "100.00", payment_term="NET90")
    pay(db, "P-1", "H1", date(2024, 2, 1), "1000.00", [("I1", "600.00")])
    cases = [
        (date(2024, 1, 31), {"not_due": D("600.00")}, "600.00"),
        (date(2024, 2, 1), {"unapplied": D("-400.00")}, "-400.00"),
        (date(2024, 5, 1), {"not_due": D("100.00"), "unapplied": D("-400.00")}, "-300.00"),
    ]
    for as_of, expected, total in cases:
        result = report(db, as_of)
        assert cells(result, "H1") == expected, as_of
        assert row(result, "H1").total == D(total)  # type: ignore[union-attr]
    assert payments.unapplied_fen(db, None, date(2024, 5, 1)) == {
        invoices.find(db, "I1").customer_id: 40000  # type: ignore[union-attr]
    }
    # applying part of it later moves it out of unapplied from that day on
    pay(db, "P-2", "H1", date(2024, 5, 2), "100.00", [("I2", "100.00")])
    assert cells(report(db, date(2024, 5, 2)), "H1") == {"unapplied": D("-400.00")}


def test_instalment_states_for_any_number_of_invoices(db: Session) -> None:
    """More ids than a statement may carry (PostgreSQL: 65,535 parameters; SQLite: 32,766):
    asked in batches, the answer is the same as for the invoices alone."""
    make_hospital(db, "H1")
    split_term(db)
    for index in range(3):
        invoice(db, f"I{index}", "H1", date(2024, 1, 1), "100.00", payment_term="SPLIT3070")
    pay(db, "P-1", "H1", date(2024, 2, 1), "130.00", [("I0", "100.00"), ("I2", "30.00")])
    ids = [i.id for i in db.execute(select(Invoice).order_by(Invoice.id)).scalars()]

    def outstanding_by_invoice(states: dict[int, list[ledger.InstalmentState]]) -> dict:
        return {k: [s.outstanding_fen for s in v] for k, v in states.items()}

    alone = outstanding_by_invoice(ledger.instalment_states(db, ids))  # type: ignore[arg-type]
    assert alone == {ids[0]: [0, 0], ids[1]: [3000, 7000], ids[2]: [0, 7000]}
    many = [*range(10**6, 10**6 + 70_000), *ids]  # mostly invoices that do not exist
    assert outstanding_by_invoice(ledger.instalment_states(db, many)) == alone


def test_a_reps_ageing_holds_only_their_customers_unapplied_cash(db: Session) -> None:
    """Unapplied cash is summed inside the territory in SQL: nothing of another
    province's customer reaches the rep's rows or totals."""
    make_hospital(db, "SH1", "31")
    make_hospital(db, "GD1", "44")
    rep = user_service.actor_for(make_user(db, "sh.rep", "rep", provinces=["31"]))
    for code, amount in (("SH1", "100"), ("GD1", "700")):
        payments.create_payment(
            db,
            actor=SYSTEM,
            data={
                "reference": f"P-{code}",
                "customer_code": code,
                "date": "2024-03-01",
                "amount": amount,
            },
        )
    mine = ageing.report(db, actor=rep, as_of=date(2024, 3, 31))
    assert [(r.key, r.unapplied) for r in mine.rows] == [("SH1", D("-100.00"))]
    assert mine.totals.unapplied == D("-100.00")
    everyone = ageing.report(db, actor=SYSTEM, as_of=date(2024, 3, 31), group_by="province")
    assert {r.key: r.unapplied for r in everyone.rows} == {"31": D("-100.00"), "44": D("-700.00")}


def test_the_proposal_takes_open_invoices_oldest_due_first_skipping_paid_and_held(
    db: Session,
) -> None:
    make_hospital(db, "H1")
    invoice(db, "PAID", "H1", date(2024, 1, 1), "100", due_date=date(2024, 1, 31))
    invoice(db, "HELD", "H1", date(2024, 1, 2), "100", due_date=date(2024, 2, 1))
    invoice(db, "LATER", "H1", date(2024, 1, 3), "300", due_date=date(2024, 4, 30))
    invoice(db, "SOONER", "H1", date(2024, 1, 4), "200", due_date=date(2024, 3, 31))
    pay(db, "P1", "H1", date(2024, 2, 1), "100", [("PAID", "100")])
    invoices.hold(db, actor=SYSTEM, number="HELD", data={"reason": "对账差异"})
    customer = db.execute(select(Party).where(Party.code == "H1")).scalar_one()
    assert payments.propose_allocation(db, customer=customer, amount=D("250")) == [
        ("SOONER", D("200.00")),
        ("LATER", D("50.00")),
    ]
    assert payments.propose_allocation(db, customer=customer, amount=D("900")) == [
        ("SOONER", D("200.00")),
        ("LATER", D("300.00")),
    ]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # M-1 is listed once, at its later instalment; M-5 counts until it is paid.
        (date(2024, 6, 30), ["M-2", "M-1", "M-5"]),
        (date(2024, 7, 31), ["M-2", "M-1"]),
        (date(2024, 3, 1), ["M-5"]),  # M-1: its paid half fell due, the rest is due today
        (date(2024, 1, 1), []),
    ],
)
def test_overdue_list_is_latest_due_first_each_invoice_once(
    db: Session, as_of: date, expected: list[str]
) -> None:
    make_hospital(db, "H-OD", "31")
    terms.create(
        db,
        actor=SYSTEM,
        data={
            "code": "HALF60",
            "name": "half now, half in 60 days",
            "instalments": [
                {"portion": "50", "rule": "days_after_base", "n": 0},
                {"portion": "50", "rule": "days_after_base", "n": 60},
            ],
        },
    )
    invoice(db, "M-1", "H-OD", date(2024, 1, 1), "100.00", payment_term="HALF60")  # 1-1, 3-1
    invoice(db, "M-2", "H-OD", date(2024, 2, 1), "100.00", due_date=date(2024, 4, 15))
    invoice(db, "M-4", "H-OD", date(2024, 5, 1), "100.00", due_date=date(2024, 8, 1))
    invoice(db, "M-5", "H-OD", date(2024, 1, 20), "100.00", due_date=date(2024, 2, 1))
    pay(db, "P-M5", "H-OD", date(2024, 7, 5), "100.00", [("M-5", "100.00")])
    # Half of M-1 paid: its first instalment is settled, the second is still open.
    pay(db, "P-M1", "H-OD", date(2024, 1, 2), "50.00", [("M-1", "50.00")])

    listed = invoices.search(db, actor=SYSTEM, as_of=as_of, status="overdue", per_page=50)
    assert [row.invoice.number for row in listed.items] == expected
    assert listed.total == len(expected)
    # Page by page the same invoices come, each once.
    one_by_one = [
        row.invoice.number
        for page in range(1, len(expected) + 1)
        for row in invoices.search(
            db, actor=SYSTEM, as_of=as_of, status="overdue", page=page, per_page=1
        ).items
    ]
    assert one_by_one == expected


@pytest.mark.parametrize("broad_after", [1000, 1, 0])
def test_search_by_number_or_customer_finds_the_same_whatever_the_path(
    db: Session, monkeypatch: pytest.MonkeyPatch, broad_after: int
) -> None:
    """Few matching customers are looked up by id, many through a subquery: same answer."""
    monkeypatch.setattr(invoices, "CUSTOMER_MATCHES", broad_after)
    make_hospital(db, "H-S1", "31", name="瑞金医院")
    make_hospital(db, "H-S2", "31", name="华山医院")
    make_hospital(db, "H-S3", "31", name="仁济中心")
    for number, customer, day in (
        ("INV-100", "H-S1", 1),
        ("INV-101", "H-S2", 2),
        ("INV-200", "H-S3", 3),
        ("XINV-100", "H-S3", 4),
    ):
        invoice(db, number, customer, date(2024, 1, day), "10.00", due_date=date(2024, 3, 1))

    def found(q: str) -> list[str]:
        page = invoices.search(db, actor=SYSTEM, as_of=date(2024, 6, 30), q=q)
        return [row.invoice.number for row in page.items]

    assert found("医院") == ["INV-101", "INV-100"]
    assert found("inv-1") == ["INV-101", "INV-100"]  # by the start of the number
    assert found("H-S3") == ["XINV-100", "INV-200"]
    assert found("nothing") == []
