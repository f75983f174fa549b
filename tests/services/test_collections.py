"""Collections in the database, on SQLite and PostgreSQL: a small ledger computed by hand.

Customers: H1 in Shanghai (31, the rep's territory), H2 in Guangdong (44). As of
2024-03-31 (the DSO window is 2024-01-02 … 2024-03-31):

invoice  customer  dated       amount   due         what happened
K        H2        2023-06-01    200    2023-07-01  never paid
H        H2        2023-11-01    800    2023-12-01  paid 2024-01-10 (40 days late)
A        H1        2023-12-15   1000    2024-01-14  paid 2024-01-24 (10 days late)
F        H2        2024-01-05   4000    2024-02-04  3000 paid 2024-03-15
B        H1        2024-01-10   2000    2024-02-09  1500 paid 2024-02-29
G        H1        2024-01-20    100    2024-01-31  credit note 2024-02-10 (not a payment)
C        H1        2024-02-20   3000    2024-03-21  paid 2024-04-05, after as_of
D        H1        2024-03-05    500    2024-04-04
L        H1        2024-03-25    600    2024-09-30
E        H1        2024-04-02   9999    2024-05-02  after as_of

Payments: H2 1000 on 2024-01-10 (800 to H, 200 unapplied); H1 300 unapplied on 2024-03-10.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session

from tests.factories import make_hospital, make_user
from vbptrack.services import collections as service
from vbptrack.services import invoices, payments
from vbptrack.services import users as user_service
from vbptrack.services.access import SYSTEM, Actor
from vbptrack.services.errors import InvalidInput

AS_OF = date(2024, 3, 31)
INVOICES = [
    # number, customer, dated, amount, due
    ("K", "H2", "2023-06-01", "200.00", "2023-07-01"),
    ("H", "H2", "2023-11-01", "800.00", "2023-12-01"),
    ("A", "H1", "2023-12-15", "1000.00", "2024-01-14"),
    ("F", "H2", "2024-01-05", "4000.00", "2024-02-04"),
    ("B", "H1", "2024-01-10", "2000.00", "2024-02-09"),
    ("G", "H1", "2024-01-20", "100.00", "2024-01-31"),
    ("C", "H1", "2024-02-20", "3000.00", "2024-03-21"),
    ("D", "H1", "2024-03-05", "500.00", "2024-04-04"),
    ("L", "H1", "2024-03-25", "600.00", "2024-09-30"),
    ("E", "H1", "2024-04-02", "9999.00", "2024-05-02"),
]
PAYMENTS = [
    # reference, customer, date, amount, allocations
    ("P6", "H2", "2024-01-10", "1000.00", [("H", "800.00")]),
    ("P1", "H1", "2024-01-24", "1000.00", [("A", "1000.00")]),
    ("P2", "H1", "2024-02-29", "1500.00", [("B", "1500.00")]),
    ("P4", "H1", "2024-03-10", "300.00", []),
    ("P5", "H2", "2024-03-15", "3000.00", [("F", "3000.00")]),
    ("P3", "H1", "2024-04-05", "2000.00", [("C", "2000.00")]),
]


@pytest.fixture
def rep(db: Session) -> Actor:
    make_hospital(db, "H1", "31")
    make_hospital(db, "H2", "44")
    for number, customer, dated, amount, due in INVOICES:
        invoices.create(
            db,
            actor=SYSTEM,
            data={
                "number": number,
                "customer_code": customer,
                "invoice_date": dated,
                "amount": amount,
                "due_date": due,
            },
        )
    for reference, customer, day, amount, allocations in PAYMENTS:
        payments.create_payment(
            db,
            actor=SYSTEM,
            data={
                "reference": reference,
                "customer_code": customer,
                "date": day,
                "amount": amount,
                "allocations": [{"invoice_number": n, "amount": a} for n, a in allocations],
            },
        )
    payments.create_credit_note(
        db,
        actor=SYSTEM,
        data={
            "number": "CN1",
            "customer_code": "H1",
            "date": "2024-02-10",
            "amount": "100.00",
            "invoice_number": "G",
        },
    )
    return user_service.actor_for(make_user(db, "rep_sh", "rep", provinces=["31"]))


def M(text: str) -> Decimal:  # noqa: N802 - reads like the D() of money
    return Decimal(text)


def rates(periods: list[service.PeriodRate]) -> dict[str, tuple[Any, ...]]:
    return {
        p.period.label: (
            str(p.collected),
            str(p.opening),
            str(p.invoiced_due),
            None if p.rate is None else str(p.rate),
            p.meets_target,
        )
        for p in periods
    }


def test_dso_over_the_last_90_days(db: Session, rep: Actor) -> None:
    result = service.report(db, actor=SYSTEM, as_of=AS_OF)
    window = result.dso.window
    assert (window.start, window.end, window.days) == (date(2024, 1, 2), AS_OF, 90)
    # B + G + C + D + L + F; A, H and K are older, E is after as_of
    assert result.dso.revenue == M("10200.00")
    # B 500 + C 3000 + D 500 + L 600 + F 1000 + K 200
    assert result.dso.receivables == result.open_total == M("5800.00")
    assert result.dso.value == M("51.2")  # 5800 / 10200 × 90 = 51.18


def test_collection_rate_per_month_and_quarter(db: Session, rep: Actor) -> None:
    result = service.report(db, actor=SYSTEM, as_of=AS_OF)
    months = rates(result.months)
    assert list(months) == [f"2023-{m:02d}" for m in range(4, 13)] + [
        "2024-01",
        "2024-02",
        "2024-03",
    ]
    #                     collected   opening    invoiced+due  rate      ≥ 95 %
    assert months["2024-01"] == ("2000.00", "2000.00", "100.00", "0.9524", True)
    assert months["2024-02"] == ("1500.00", "6300.00", "0.00", "0.2381", False)
    assert months["2024-03"] == ("3300.00", "7700.00", "0.00", "0.4286", False)
    assert months["2023-12"] == ("0.00", "1000.00", "0.00", "0.0000", False)
    assert months["2023-07"] == ("0.00", "200.00", "0.00", "0.0000", False)
    assert months["2023-06"] == ("0.00", "0.00", "0.00", None, None)  # K falls due in July
    assert months["2023-04"] == ("0.00", "0.00", "0.00", None, None)
    quarters = rates(result.quarters)
    assert list(quarters) == ["2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"]
    assert quarters["2024-Q1"] == ("6800.00", "2000.00", "9100.00", "0.6126", False)
    assert quarters["2023-Q4"] == ("0.00", "200.00", "800.00", "0.0000", False)
    assert quarters["2023-Q3"] == ("0.00", "200.00", "0.00", "0.0000", False)  # K opens it
    assert quarters["2023-Q2"] == ("0.00", "0.00", "0.00", None, None)  # K is due in Q3
    assert result.this_quarter.period.label == "2024-Q1"


def test_top_overdue_customers(db: Session, rep: Actor) -> None:
    result = service.report(db, actor=SYSTEM, as_of=AS_OF)
    assert [
        (c.code, c.overdue, c.oldest_days_past_due, c.average_days_late) for c in result.top_overdue
    ] == [
        ("H1", M("3500.00"), 51, M("10")),  # B since 2024-02-09; D is not due yet
        ("H2", M("1200.00"), 274, M("40")),  # K since 2023-07-01
    ]


def test_average_days_late_counts_paid_instalments_only(db: Session, rep: Actor) -> None:
    by_id = service.days_late_by_customer(db, SYSTEM, AS_OF)
    # H1: A only (B is partly paid, G was closed by a credit note); H2: H only.
    assert sorted(by_id.values()) == [M("10"), M("40")]
    # Before A was paid, H1 has no history.
    assert sorted(service.days_late_by_customer(db, SYSTEM, date(2024, 1, 23)).values()) == [
        M("40")
    ]


def test_average_days_late_uses_the_last_20_instalments(db: Session, rep: Actor) -> None:
    make_hospital(db, "H3", "31")
    # 25 invoices due on 2024-01-01, paid in order 1 … 25 days late; the oldest five drop out.
    for n in range(1, 26):
        invoices.create(
            db,
            actor=SYSTEM,
            data={
                "number": f"X{n:02d}",
                "customer_code": "H3",
                "invoice_date": "2023-12-01",
                "amount": "10.00",
                "due_date": "2024-01-01",
            },
        )
        payments.create_payment(
            db,
            actor=SYSTEM,
            data={
                "reference": f"PX{n:02d}",
                "customer_code": "H3",
                "date": f"2024-01-{1 + n:02d}",
                "amount": "10.00",
                "allocations": [{"invoice_number": f"X{n:02d}", "amount": "10.00"}],
            },
        )
    averages = service.days_late_by_customer(db, rep, AS_OF)
    assert sorted(averages.values()) == [M("10"), M("15.5")]  # (6 + … + 25) / 20


def test_thirteen_week_forecast(db: Session, rep: Actor) -> None:
    forecast = service.report(db, actor=SYSTEM, as_of=AS_OF).forecast
    weeks = {w.number: w.amount for w in forecast.weeks if w.amount}
    # Overdue B, C (H1, 10 days late) and F (H2, 40 days late) are expected tomorrow;
    # D is due 2024-04-04 + 10 days = 2024-04-14, the first day of week 3.
    assert weeks == {1: M("4500.00"), 3: M("500.00")}
    assert forecast.weeks[0].start == AS_OF
    assert forecast.weeks[2].start == date(2024, 4, 14)
    assert forecast.later == M("600.00")  # L, due in September
    assert forecast.unknown == M("200.00")  # K, 274 days overdue
    assert forecast.total == M("5800.00")


def test_a_rep_sees_only_their_territory(db: Session, rep: Actor) -> None:
    result = service.report(db, actor=rep, as_of=AS_OF)
    assert result.open_total == M("4600.00")
    assert (result.dso.revenue, result.dso.value) == (M("6200.00"), M("66.8"))
    months = rates(result.months)
    assert months["2024-01"] == ("1000.00", "1000.00", "100.00", "0.9091", False)
    assert months["2024-02"] == ("1500.00", "2100.00", "0.00", "0.7143", False)
    assert months["2024-03"] == ("300.00", "3500.00", "0.00", "0.0857", False)
    quarters = rates(result.quarters)
    assert quarters["2024-Q1"] == ("2800.00", "1000.00", "5100.00", "0.4590", False)
    assert quarters["2023-Q4"] == ("0.00", "0.00", "0.00", None, None)
    assert [c.code for c in result.top_overdue] == ["H1"]
    assert {w.number: w.amount for w in result.forecast.weeks if w.amount} == {
        1: M("3500.00"),
        3: M("500.00"),
    }
    assert (result.forecast.later, result.forecast.unknown) == (M("600.00"), M("0.00"))
    assert list(service.days_late_by_customer(db, rep, AS_OF).values()) == [M("10")]


def test_a_payment_dated_after_as_of_does_not_count(db: Session, rep: Actor) -> None:
    before = service.report(db, actor=SYSTEM, as_of=AS_OF)
    assert before.months[-1].collected == M("3300.00")  # P4 + P5, not P3 of 2024-04-05
    assert [c.overdue for c in before.top_overdue if c.code == "H1"] == [M("3500.00")]
    # On the day P3 arrives it counts: C is settled and April has collected 2000.
    after = service.report(db, actor=SYSTEM, as_of=date(2024, 4, 5))
    assert after.months[-1].period.label == "2024-04"
    assert after.months[-1].collected == M("2000.00")
    assert after.open_total == M("5800.00") - M("2000.00") + M("9999.00")  # E is dated 04-02


def test_a_payment_on_as_of_counts(db: Session, rep: Actor) -> None:
    result = service.report(db, actor=SYSTEM, as_of=date(2024, 1, 24))
    january = result.months[-1]
    assert (january.period.start, january.period.end) == (date(2024, 1, 1), date(2024, 1, 24))
    assert january.collected == M("2000.00")  # P6 and P1, paid on as_of
    # A was paid on as_of: open are K, H's nothing, F, B, G.
    assert result.open_total == M("200.00") + M("4000.00") + M("2000.00") + M("100.00")


def test_an_empty_ledger(db: Session) -> None:
    result = service.report(db, actor=SYSTEM, as_of=AS_OF)
    assert result.open_total == M("0.00")
    assert result.dso.value is None
    assert all(p.rate is None for p in (*result.months, *result.quarters))
    assert result.top_overdue == []
    assert result.forecast.total == M("0.00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, date(2024, 5, 6)),
        ("", date(2024, 5, 6)),
        (" 2024-02-29 ", date(2024, 2, 29)),
        ("2000-01-01", date(2000, 1, 1)),
        ("2099-12-31", date(2099, 12, 31)),
    ],
)
def test_parse_as_of(text: str | None, expected: date) -> None:
    assert service.parse_as_of(text, date(2024, 5, 6)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2023-02-29",
        "2024-13-01",
        "24-03-31",
        "2024/03/31",
        "２０２４-03-31",
        "x",
        "1999-12-31",
        "9999-12-31",
    ],
)
def test_parse_as_of_refuses(text: str) -> None:
    with pytest.raises(InvalidInput) as problem:
        service.parse_as_of(text, date(2024, 5, 6))
    assert "as_of" in problem.value.fields


def test_top_overdue_keeps_ten_most_first_then_by_code(db: Session) -> None:
    fens = [500, 900, 700, 700, 100, 900, 300, 800, 300, 600, 700, 400]
    amounts = {f"T{n:02d}": fen for n, fen in enumerate(fens, 1)}  # T07 and T09 tie at the cut
    ids = {code: make_hospital(db, code, "31").id for code in amounts}
    rows = [(ids[code], date(2024, 3, 1), fen) for code, fen in amounts.items()]
    rows.append((ids["T05"], date(2024, 3, 31), 10_000))  # due on as_of: not overdue
    result = service.top_overdue(db, AS_OF, rows, {ids["T02"]: M("3.5")})
    assert [(c.code, c.overdue) for c in result] == [
        ("T02", M("9.00")),
        ("T06", M("9.00")),
        ("T08", M("8.00")),
        ("T03", M("7.00")),
        ("T04", M("7.00")),
        ("T11", M("7.00")),
        ("T10", M("6.00")),
        ("T01", M("5.00")),
        ("T12", M("4.00")),
        ("T07", M("3.00")),
    ]
    assert (result[0].oldest_days_past_due, result[0].average_days_late) == (30, M("3.5"))
    assert result[1].average_days_late is None
