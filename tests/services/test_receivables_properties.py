"""Property tests of the receivables ledger and the ageing report (issue 3, Correctness).

Each example builds a small random history through the services (invoices on several
terms, payments split over invoices with unapplied rests, credit notes on invoices and
on account, write-offs, entered in date order or not) on a fresh SQLite database, keeps
its own pure-Python model of every settlement, and checks:

- totals equal the sum of the rows, for every grouping and both bases;
- every instalment's outstanding lies in [0, amount], for every as-of date;
- allocation is conserved: what a payment allocated plus what it left unapplied is the
  payment, per payment and per customer;
- the SQL ageing equals the model's recomputation with `domain.ageing.bucket`;
- an ageing for an earlier as-of date never includes later payments: it equals the
  ageing of a second database where everything dated after it was never entered.

SQLite only (a fresh file per example); the same services are checked on PostgreSQL by
the table-driven tests in test_receivables.py.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tests.factories import make_distributor, make_hospital, make_user
from vbptrack.db import make_engine
from vbptrack.domain.ageing import DEFAULT_LIMITS, Basis, bucket
from vbptrack.domain.money import from_fen
from vbptrack.models import Invoice, InvoiceInstalment, Party, Payment, Settlement
from vbptrack.services import ageing, invoices, ledger, payments, terms
from vbptrack.services.access import SYSTEM

START = date(2023, 1, 1)
FAR = date(2030, 1, 1)
NONE = ageing.NONE_KEY


@dataclass(frozen=True)
class Customer:
    code: str
    province: str | None
    rep: str | None
    distributor: bool


CUSTOMERS = [
    Customer("H1", "31", "rep_p", False),
    Customer("H2", "44", None, False),
    Customer("D1", "31", None, True),
    Customer("D2", None, None, True),
]


# What the services write; emptied before every example, so each starts from the world.
HISTORY = ("settlement", "write_off", "invoice_line", "invoice_instalment", "credit_note")
HISTORY += ("payment", "invoice", "audit_event")


@dataclass
class Worlds:
    """Two databases with the customers, a rep and a split term: `full` gets the whole
    history, `cut` the history without what is dated after the earliest as-of date.
    The engines live for the module so compiled SQL is reused across examples."""

    full: Engine
    cut: Engine


@pytest.fixture(scope="module")
def worlds(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worlds]:
    directory = tmp_path_factory.mktemp("receivables-world")
    engines = []
    for name in ("full", "cut"):
        path = directory / f"{name}.db"
        shutil.copy(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        with Session(engine, expire_on_commit=False) as db:
            make_user(db, "rep_p", "rep", provinces=["31"])
            for c in CUSTOMERS:
                if c.distributor:
                    make_distributor(db, c.code, c.province)
                else:
                    make_hospital(db, c.code, c.province, rep=c.rep)
            terms.create(
                db,
                actor=SYSTEM,
                data={
                    "code": "SPLIT",
                    "name": "30/70",
                    "instalments": [
                        {"portion": "30", "rule": "days_after_base", "n": 30},
                        {"portion": "70", "rule": "end_of_month_after_months", "n": 2},
                    ],
                },
            )
        engines.append(engine)
    yield Worlds(*engines)
    for engine in engines:
        engine.dispose()


@contextmanager
def fresh(engine: Engine) -> Iterator[Session]:
    """A session on the world as it was before any history was entered."""
    with engine.begin() as connection:
        for table in HISTORY:
            connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
    with Session(engine, expire_on_commit=False) as session:
        yield session


# --- the random history ----------------------------------------------------------------

day = st.integers(min_value=0, max_value=420)
invoice_spec = st.tuples(
    st.integers(0, len(CUSTOMERS) - 1),  # customer
    day,  # invoice date
    st.integers(1, 500_000),  # amount in fen
    st.sampled_from(["NET90", "SPLIT", "SPLIT", "due+0", "due+45"]),
    st.sampled_from([None, "D1", "D2"]),  # delivering distributor for hospitals
)
fraction = st.integers(1, 1000)  # per mille of what is still open
event_spec = st.one_of(
    st.tuples(
        st.just("payment"),
        st.integers(0, len(CUSTOMERS) - 1),
        day,
        st.lists(st.tuples(st.integers(0, 5), fraction), max_size=3),
        st.integers(0, 30_000),  # left unapplied, in fen
    ),
    st.tuples(
        st.just("credit"),
        st.integers(0, len(CUSTOMERS) - 1),
        day,
        st.one_of(st.none(), st.integers(0, 5)),
        fraction,
    ),
    st.tuples(st.just("write_off"), st.integers(0, 5), day, fraction),
)
# An as-of date: any day, or a day next to an invoice's or an event's date (the edges).
as_of_spec = st.one_of(
    day.map(lambda d: ("day", d, 0)),
    st.tuples(st.sampled_from(["invoice", "event"]), st.integers(0, 7), st.integers(-1, 1)),
)
limits_spec = st.one_of(
    st.none(),
    st.lists(st.integers(1, 400), min_size=1, max_size=4, unique=True).map(sorted),
)


@dataclass
class Event:
    """One concrete, valid operation with absolute amounts (the same in both databases)."""

    kind: str  # payment | credit | write_off
    on: date
    customer: int
    amount_fen: int
    allocations: list[tuple[int, int]]  # (invoice index, fen)
    reference: str

    def effective(self, invoice_dates: list[date]) -> date:
        """The date the event counts from (a write-off is dated no earlier than its invoice)."""
        if self.kind == "write_off":
            return max(self.on, invoice_dates[self.allocations[0][0]])
        return self.on


@dataclass
class Model:
    """What the ledger should hold, computed without the database's help."""

    invoice_customer: list[int] = field(default_factory=list)
    invoice_dates: list[date] = field(default_factory=list)
    invoice_distributor: list[str | None] = field(default_factory=list)
    # per invoice: [(instalment id, due date, seq, amount fen)]
    instalments: list[list[tuple[int, date, int, int]]] = field(default_factory=list)
    # instalment id → [(date, fen, kind)]
    settlements: dict[int, list[tuple[date, int, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # customer → [(date, fen)] received (payments and credit notes)
    received: dict[int, list[tuple[date, int]]] = field(default_factory=lambda: defaultdict(list))

    def open_fen(self, instalment: int, amount: int, as_of: date | None) -> int:
        return amount - sum(
            fen for on, fen, _ in self.settlements[instalment] if as_of is None or on <= as_of
        )

    def spread(self, index: int, fen: int, on: date, kind: str) -> None:
        dated = max(on, self.invoice_dates[index])
        for inst_id, _, _, amount in sorted(self.instalments[index], key=lambda i: (i[1], i[2])):
            if fen <= 0:
                break
            take = min(self.open_fen(inst_id, amount, None), fen)
            if take > 0:
                self.settlements[inst_id].append((dated, take, kind))
                fen -= take
        assert fen == 0

    def invoice_open(self, index: int) -> int:
        return sum(self.open_fen(i, a, None) for i, _, _, a in self.instalments[index])


def _yuan(fen: int) -> str:
    return str(from_fen(fen))


def create_invoices(db: Session, model: Model, specs: list[Any]) -> None:
    for index, (customer, offset, fen, how, distributor) in enumerate(specs):
        c = CUSTOMERS[customer]
        on = START + timedelta(days=offset)
        data: dict[str, Any] = {
            "number": f"I{index}",
            "customer_code": c.code,
            "invoice_date": on.isoformat(),
            "amount": _yuan(fen),
        }
        if how.startswith("due+"):
            data["due_date"] = (on + timedelta(days=int(how[4:]))).isoformat()
        else:
            data["payment_term"] = how
        if distributor and not c.distributor:
            data["distributor_code"] = distributor
        created = invoices.create(db, actor=SYSTEM, data=data)
        model.invoice_customer.append(customer)
        model.invoice_dates.append(on)
        model.invoice_distributor.append(
            c.code if c.distributor else (distributor if distributor else None)
        )
        rows = db.execute(
            select(InvoiceInstalment).where(InvoiceInstalment.invoice_id == created.id)
        ).scalars()
        model.instalments.append([(r.id, r.due_date, r.seq, r.amount_fen) for r in rows])  # type: ignore[misc]
        assert sum(r[3] for r in model.instalments[-1]) == fen


def plan_events(model: Model, specs: list[Any]) -> list[Event]:
    """Turn the drawn specs into valid events with absolute amounts, updating the model.

    An allocation names one of the customer's own invoices (by position among them).
    """
    events: list[Event] = []

    def own(customer: int, target: int) -> int | None:
        mine = [i for i, c in enumerate(model.invoice_customer) if c == customer]
        return mine[target % len(mine)] if mine else None

    for number, spec in enumerate(specs):
        kind, on = spec[0], START + timedelta(days=spec[2])
        if kind == "payment":
            _, customer, _, wanted, rest = spec
            allocations: list[tuple[int, int]] = []
            for target, permille in wanted:
                index = own(customer, target)
                if index is None or index in dict(allocations):
                    continue
                fen = model.invoice_open(index) * permille // 1000
                if fen > 0:
                    allocations.append((index, fen))
                    model.spread(index, fen, on, "payment")
            total = max(1, sum(fen for _, fen in allocations) + rest)
            events.append(Event("payment", on, customer, total, allocations, f"P{number}"))
            model.received[customer].append((on, total))
        elif kind == "credit":
            _, customer, _, target, permille = spec
            index = None if target is None else own(customer, target)
            if index is not None:
                fen = model.invoice_open(index) * permille // 1000
                if fen == 0:
                    continue
                model.spread(index, fen, on, "credit_note")
                events.append(Event("credit", on, customer, fen, [(index, fen)], f"C{number}"))
            else:
                fen = permille * 10
                events.append(Event("credit", on, customer, fen, [], f"C{number}"))
            model.received[customer].append((on, fen))
        else:
            _, target, _, permille = spec
            index = target % len(model.invoice_dates)
            fen = model.invoice_open(index) * permille // 1000
            if fen == 0:
                continue
            on = max(on, model.invoice_dates[index])
            model.spread(index, fen, on, "write_off")
            events.append(
                Event("write_off", on, model.invoice_customer[index], fen, [(index, fen)], "")
            )
    return events


def enter(db: Session, events: list[Event]) -> None:
    for event in events:
        code = CUSTOMERS[event.customer].code
        if event.kind == "payment":
            payments.create_payment(
                db,
                actor=SYSTEM,
                data={
                    "reference": event.reference,
                    "customer_code": code,
                    "date": event.on.isoformat(),
                    "amount": _yuan(event.amount_fen),
                    "allocations": [
                        {"invoice_number": f"I{i}", "amount": _yuan(fen)}
                        for i, fen in event.allocations
                    ],
                },
            )
        elif event.kind == "credit":
            payments.create_credit_note(
                db,
                actor=SYSTEM,
                data={
                    "number": event.reference,
                    "customer_code": code,
                    "date": event.on.isoformat(),
                    "amount": _yuan(event.amount_fen),
                    "invoice_number": f"I{event.allocations[0][0]}" if event.allocations else None,
                },
            )
        else:
            index, fen = event.allocations[0]
            invoices.write_off(
                db,
                actor=SYSTEM,
                number=f"I{index}",
                data={"date": event.on.isoformat(), "amount": _yuan(fen), "reason": "property"},
            )


# --- the model's ageing -------------------------------------------------------------------


def group_key(model: Model, group_by: str, customer: int, invoice: int | None) -> str:
    c = CUSTOMERS[customer]
    if group_by == "customer":
        return c.code
    if group_by == "province":
        return c.province or NONE
    if group_by == "rep":
        return c.rep or NONE
    if invoice is None:  # unapplied money of a customer
        return c.code if c.distributor else NONE
    return model.invoice_distributor[invoice] or NONE


Rows = dict[str, tuple[dict[str, int], int]]


def model_ageing(
    model: Model, as_of: date, basis: Basis, limits: tuple[int, ...], group_by: str
) -> Rows:
    amounts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    unapplied: dict[str, int] = defaultdict(int)
    for index, lines in enumerate(model.instalments):
        invoice_date = model.invoice_dates[index]
        if invoice_date > as_of:
            continue
        key = group_key(model, group_by, model.invoice_customer[index], index)
        for inst_id, due, _, amount in lines:
            open_fen = model.open_fen(inst_id, amount, as_of)
            if open_fen:
                anchor = due if basis is Basis.DUE_DATE else invoice_date
                amounts[key][bucket((as_of - anchor).days, basis, limits)] += open_fen
    applied: dict[int, int] = defaultdict(int)
    for index, lines in enumerate(model.instalments):
        for inst_id, *_ in lines:
            for on, fen, kind in model.settlements[inst_id]:
                if kind != "write_off" and on <= as_of:
                    applied[model.invoice_customer[index]] += fen
    for customer, receipts in model.received.items():
        held = sum(fen for on, fen in receipts if on <= as_of) - applied[customer]
        assert held >= 0
        if held:
            unapplied[group_key(model, group_by, customer, None)] -= held
    rows: Rows = {}
    for key in set(amounts) | set(unapplied):
        cells = {label: fen for label, fen in amounts[key].items() if fen}
        if cells or unapplied[key]:
            rows[key] = (cells, unapplied[key])
    return rows


def as_rows(result: ageing.AgeingReport) -> Rows:
    return {
        r.key: ({c: f for c, f in r.amounts_fen.items() if f}, r.unapplied_fen) for r in result.rows
    }


def check_totals(result: ageing.AgeingReport) -> None:
    for column in result.columns:
        assert result.totals.amounts_fen[column] == sum(r.amounts_fen[column] for r in result.rows)
    assert result.totals.unapplied_fen == sum(r.unapplied_fen for r in result.rows)
    assert result.totals.total_fen == sum(r.total_fen for r in result.rows)


# --- the property ------------------------------------------------------------------------


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    invoice_specs=st.lists(invoice_spec, min_size=1, max_size=6),
    event_specs=st.lists(event_spec, max_size=8),
    in_date_order=st.booleans(),
    as_of_specs=st.lists(as_of_spec, min_size=1, max_size=2),
    limits=limits_spec,
)
def test_ledger_and_ageing_properties(
    worlds: Worlds,
    invoice_specs: list[Any],
    event_specs: list[Any],
    in_date_order: bool,
    as_of_specs: list[tuple[str, int, int]],
    limits: list[int] | None,
) -> None:
    model = Model()
    with fresh(worlds.full) as db:
        create_invoices(db, model, invoice_specs)
        ordered = sorted(event_specs, key=lambda spec: spec[2]) if in_date_order else event_specs
        events = plan_events(model, ordered)
        enter(db, events)
        as_ofs = [resolve_as_of(spec, model, events) for spec in as_of_specs]
        check_settlements(db, model)
        check_instalments_within_bounds(db, as_ofs)
        check_conservation(db, model, events)
        for as_of in as_ofs:
            for basis in Basis:
                chosen = tuple(limits) if limits else DEFAULT_LIMITS[basis]
                for group_by in ageing.GROUPS:
                    result = ageing.report(
                        db,
                        actor=SYSTEM,
                        as_of=as_of,
                        basis=basis,
                        group_by=group_by,
                        limits=chosen,
                    )
                    check_totals(result)
                    assert as_rows(result) == model_ageing(model, as_of, basis, chosen, group_by), (
                        as_of,
                        basis,
                        group_by,
                    )
        earliest = min(as_ofs)
        full = {b: ageing.report(db, actor=SYSTEM, as_of=earliest, basis=b) for b in Basis}
        full_open = invoice_open(db, len(invoice_specs), earliest)
    # the same history without anything dated after `earliest`
    dates = model.invoice_dates
    kept = [e for e in events if e.effective(dates) <= earliest]
    with fresh(worlds.cut) as db:
        create_invoices(db, Model(), invoice_specs)
        enter(db, kept)
        for basis in Basis:
            cut = ageing.report(db, actor=SYSTEM, as_of=earliest, basis=basis)
            if in_date_order:
                # entered in date order, later events cannot have changed earlier spreads
                assert as_rows(cut) == as_rows(full[basis]), basis
            else:
                assert {r.key: r.total_fen for r in cut.rows} == {
                    r.key: r.total_fen for r in full[basis].rows
                }, basis
        assert invoice_open(db, len(invoice_specs), earliest) == full_open


def resolve_as_of(spec: tuple[str, int, int], model: Model, events: list[Event]) -> date:
    kind, index, delta = spec
    if kind == "invoice":
        anchor = model.invoice_dates[index % len(model.invoice_dates)]
    elif kind == "event" and events:
        anchor = events[index % len(events)].on
    else:
        anchor = START + timedelta(days=index)
    return anchor + timedelta(days=delta)


def check_settlements(db: Session, model: Model) -> None:
    """The ledger holds exactly the model's settlements: same instalments, dates, amounts."""
    stored: dict[int, list[tuple[date, int, str]]] = defaultdict(list)
    for instalment_id, on, fen, kind in db.execute(
        select(Settlement.instalment_id, Settlement.date, Settlement.amount_fen, Settlement.kind)
    ).all():
        stored[instalment_id].append((on, fen, kind))
    expected = {k: sorted(v) for k, v in model.settlements.items() if v}
    assert {k: sorted(v) for k, v in stored.items()} == expected


def invoice_open(db: Session, count: int, as_of: date) -> dict[str, int]:
    ids = {invoices.find(db, f"I{i}").id: f"I{i}" for i in range(count)}  # type: ignore[union-attr]
    states = ledger.instalment_states(db, list(ids), as_of)  # type: ignore[arg-type]
    return {ids[k]: ledger.outstanding_fen(v) for k, v in states.items()}


def check_instalments_within_bounds(db: Session, as_ofs: list[date]) -> None:
    ids = list(db.execute(select(Invoice.id)).scalars())
    for as_of in (*as_ofs, None):
        for states in ledger.instalment_states(db, ids, as_of).values():
            for state in states:
                assert 0 <= state.outstanding_fen <= state.instalment.amount_fen, (as_of, state)


def check_conservation(db: Session, model: Model, events: list[Event]) -> None:
    """Allocated + unapplied = received, per payment and per customer."""
    by_payment = dict(
        db.execute(
            select(Payment.reference, func.coalesce(func.sum(Settlement.amount_fen), 0))
            .outerjoin(Settlement, Settlement.payment_id == Payment.id)
            .group_by(Payment.reference)
        ).all()
    )
    unapplied = payments.unapplied_fen(db, None, FAR)
    customer_ids = dict(
        db.execute(select(Party.code, Party.id)).all()  # type: ignore[arg-type]
    )
    for event in events:
        if event.kind == "payment":
            allocated = sum(fen for _, fen in event.allocations)
            assert by_payment[event.reference] == allocated
            assert allocated <= event.amount_fen
    for customer, receipts in model.received.items():
        code = CUSTOMERS[customer].code
        received = sum(fen for _, fen in receipts)
        allocated = sum(
            fen
            for e in events
            if e.customer == customer and e.kind != "write_off"
            for _, fen in e.allocations
        )
        assert unapplied.get(customer_ids[code], 0) + allocated == received
