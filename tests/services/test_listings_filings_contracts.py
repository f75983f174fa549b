"""Listings, filings and contracts through the services, on SQLite and PostgreSQL:
history, territory, dated changes, renewals, the contract's payment term on invoices,
and the deadlines feed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from tests.factories import make_distributor, make_hospital, make_product, make_user
from vbptrack.models import Contract, Filing, FilingChange, Listing, ListingChange
from vbptrack.services import (
    audit,
    contracts,
    deadlines,
    filings,
    invoices,
    listings,
    purchases,
)
from vbptrack.services.access import SYSTEM, Actor
from vbptrack.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from vbptrack.services.users import actor_for

D = date


def count(db: Session, table: type) -> int:
    return db.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture
def reps(db: Session) -> tuple[Actor, Actor]:
    make_hospital(db, "H-SH", "31")
    make_hospital(db, "H-GD", "44")
    make_product(db, "P1")
    make_product(db, "P2", generic_name="氨氯地平片")
    wang = actor_for(make_user(db, "wang", "rep", provinces=["31"]))
    li = actor_for(make_user(db, "li", "rep", provinces=["44"]))
    return wang, li


def change(db: Session, actor: Actor, status: str, day: str, hospital: str = "H-SH") -> Listing:
    return listings.record_change(
        db,
        actor=actor,
        hospital_code=hospital,
        product_code="P1",
        data={"status": status, "date": day, "note": "药剂科王主任", "next_step": "约药事会"},
    )


def test_listing_history_and_days_in_status(db: Session, reps: tuple[Actor, Actor]) -> None:
    wang, _ = reps
    change(db, wang, "applied", "2026-01-05")
    change(db, wang, "pharmacy_review", "2026-02-01")
    view = listings.view(
        db, actor=wang, hospital_code="H-SH", product_code="P1", as_of=D(2026, 3, 3)
    )
    assert (view.status, view.since, view.days_in_status) == ("pharmacy_review", D(2026, 2, 1), 30)
    assert [h.status for h in view.history] == ["pharmacy_review", "applied"]
    assert view.history[0].by == "wang" and view.next_step == "约药事会"
    # as of a past date the later change does not count yet
    past = listings.view(
        db, actor=wang, hospital_code="H-SH", product_code="P1", as_of=D(2026, 1, 31)
    )
    assert (past.status, past.days_in_status) == ("applied", 26)


def test_saving_the_current_status_again_keeps_its_date_and_next_step(
    db: Session, reps: tuple[Actor, Actor]
) -> None:
    """Issue 17 item 2: a save with the status the listing already has is no change."""
    wang, _ = reps
    change(db, wang, "pharmacy_review", "2025-01-05")
    before = count(db, ListingChange)
    listings.record_change(
        db, actor=wang, hospital_code="H-SH", product_code="P1",
        data={"status": "pharmacy_review", "date": "2025-12-08", "next_step": "约药事会"},
    )  # fmt: skip
    assert count(db, ListingChange) == before  # nothing new: nothing written
    view = listings.view(
        db, actor=wang, hospital_code="H-SH", product_code="P1", as_of=D(2025, 12, 8)
    )
    assert (view.since, view.days_in_status, view.next_step) == (D(2025, 1, 5), 337, "约药事会")
    assert view.stuck

    # a new next step is a follow-up in the history; the status still dates from January
    listings.record_change(
        db, actor=wang, hospital_code="H-SH", product_code="P1",
        data={"status": "pharmacy_review", "date": "2025-12-09", "next_step": "周五交资料"},
    )  # fmt: skip
    view = listings.view(
        db, actor=wang, hospital_code="H-SH", product_code="P1", as_of=D(2025, 12, 9)
    )
    assert (view.since, view.days_in_status, view.next_step) == (D(2025, 1, 5), 338, "周五交资料")
    assert [h.status for h in view.history] == ["pharmacy_review", "pharmacy_review"]
    stored = db.execute(select(Listing.since, Listing.next_step)).one()
    assert tuple(stored) == (D(2025, 1, 5), "周五交资料")


def test_a_change_dated_before_the_current_one_writes_nothing(
    db: Session, reps: tuple[Actor, Actor]
) -> None:
    wang, _ = reps
    change(db, wang, "applied", "2026-02-01")
    with pytest.raises(InvalidInput) as problem:
        change(db, wang, "listed", "2026-01-31")
    db.rollback()
    assert "2026-02-01" in problem.value.fields["date"]
    assert count(db, ListingChange) == 1
    assert db.execute(select(Listing.status)).scalar_one() == "applied"


def test_unknown_status_is_refused(db: Session, reps: tuple[Actor, Actor]) -> None:
    wang, _ = reps
    with pytest.raises(InvalidInput) as problem:
        change(db, wang, "approved", "2026-02-01")
    assert "status" in problem.value.fields
    db.rollback()
    assert count(db, Listing) == 0


def test_a_rep_cannot_touch_another_reps_hospital(db: Session, reps: tuple[Actor, Actor]) -> None:
    wang, li = reps
    with pytest.raises(NotFound):
        change(db, wang, "applied", "2026-02-01", hospital="H-GD")
    db.rollback()
    assert count(db, Listing) == 0
    change(db, li, "applied", "2026-02-01", hospital="H-GD")
    finance = actor_for(make_user(db, "fin", "finance"))
    with pytest.raises(Forbidden):
        change(db, finance, "listed", "2026-03-01", hospital="H-GD")


def test_my_hospitals_puts_stuck_items_first_and_stays_in_the_territory(
    db: Session, reps: tuple[Actor, Actor]
) -> None:
    wang, li = reps
    make_hospital(db, "H-SH2", "31")
    change(db, wang, "listed", "2025-01-01")  # old but settled: not stuck
    listings.record_change(
        db, actor=wang, hospital_code="H-SH2", product_code="P2",
        data={"status": "committee_scheduled", "date": "2026-01-01"},
    )  # fmt: skip
    listings.record_change(
        db, actor=wang, hospital_code="H-SH2", product_code="P1",
        data={"status": "applied", "date": "2026-02-25"},
    )  # fmt: skip
    change(db, li, "applied", "2025-01-01", hospital="H-GD")
    page = listings.search(db, actor=wang, as_of=D(2026, 3, 2), stuck_first=True)
    assert [(r.hospital_code, r.product_code, r.stuck) for r in page.items] == [
        ("H-SH2", "P2", True),  # 60 days in committee_scheduled
        ("H-SH", "P1", False),  # older, but listed is settled
        ("H-SH2", "P1", False),
    ]
    day_before = listings.search(db, actor=wang, as_of=D(2026, 3, 1), stuck_first=True)
    assert [r.stuck for r in day_before.items] == [False, False, False]
    assert page.total == 3  # li's Guangdong listing is not there
    board = listings.board(db, actor=SYSTEM, as_of=D(2026, 3, 1))
    assert {c.status: c.count for c in board if c.count} == {
        "listed": 1,
        "committee_scheduled": 1,
        "applied": 2,
    }


def test_filing_status_change_keeps_history(db: Session, reps: tuple[Actor, Actor]) -> None:
    body = {"kind": "price", "product_code": "P1", "province_code": "上海"}
    filings.record(
        db,
        actor=SYSTEM,
        data={**body, "status": "submitted", "date": "2026-01-10", "price": "12.5"},
        today=D(2026, 1, 10),
    )
    filings.record(
        db,
        actor=SYSTEM,
        data={**body, "status": "approved", "effective": "2026-02-01", "expires": "2027-01-31",
              "reference": "SH-2026-001", "attachments": ["批件.pdf"]},
        today=D(2026, 2, 1),
    )  # fmt: skip
    assert count(db, Filing) == 1 and count(db, FilingChange) == 2
    filing = filings.get(db, actor=SYSTEM, kind="price", product_code="P1", province_code="31")
    assert (filing.status, filing.price_fen, filing.attachments) == ("approved", 1250, ["批件.pdf"])
    assert [c.status for c in filings.history(db, filing)] == ["approved", "submitted"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"effective": "2026-02-01", "expires": "2026-01-31"}, "expires"),
        ({"status": "active"}, "status"),
        ({"date": "2025-12-31"}, "date"),
    ],
)
def test_bad_filings_write_nothing(
    db: Session, reps: tuple[Actor, Actor], extra: dict[str, str], field: str
) -> None:
    body = {"kind": "insurance", "product_code": "P1", "province_code": "31", "status": "draft"}
    filings.record(db, actor=SYSTEM, data={**body, "date": "2026-01-01"}, today=D(2026, 1, 1))
    with pytest.raises(InvalidInput) as problem:
        filings.record(db, actor=SYSTEM, data={**body, **extra}, today=D(2026, 1, 1))
    db.rollback()
    assert field in problem.value.fields
    assert count(db, FilingChange) == 1


def test_filings_need_commercial_rights(db: Session, reps: tuple[Actor, Actor]) -> None:
    wang, _ = reps
    with pytest.raises(Forbidden):
        filings.record(
            db,
            actor=wang,
            data={"kind": "price", "product_code": "P1", "province_code": "31", "status": "draft"},
            today=D(2026, 1, 1),
        )


def test_a_rep_reads_the_filings_of_their_provinces_only(
    db: Session, reps: tuple[Actor, Actor]
) -> None:
    wang, li = reps
    for province in ("31", "44"):
        filings.record(
            db,
            actor=SYSTEM,
            data={"kind": "price", "product_code": "P1", "province_code": province,
                  "status": "approved", "date": "2026-01-01"},
            today=D(2026, 1, 1),
        )  # fmt: skip

    def found(actor: Actor) -> list[str]:
        return [f.province_code for f, _code in filings.search(db, actor=actor).items]

    assert found(SYSTEM) == ["31", "44"]
    assert (found(wang), found(li)) == (["31"], ["44"])
    assert filings.search(db, actor=wang, province_code="44").total == 0
    lookup = {"kind": "price", "product_code": "P1", "province_code": "44"}
    assert filings.get(db, actor=li, **lookup).status == "approved"
    with pytest.raises(NotFound) as outside:
        filings.get(db, actor=wang, **lookup)
    with pytest.raises(NotFound) as never_recorded:
        filings.get(db, actor=wang, **{**lookup, "province_code": "31", "kind": "insurance"})
    assert outside.value.message == never_recorded.value.message  # nothing leaks
    # A province's filing page exists before its first filing, for its own reps only.
    filings.require_province(db, actor=wang, province_code="31")
    filings.require_province(db, actor=SYSTEM, province_code="65")
    for province in ("44", "65"):
        with pytest.raises(NotFound):
            filings.require_province(db, actor=wang, province_code=province)


def contract(db: Session, number: str = "C-1", **extra: object) -> Contract:
    data = {
        "number": number,
        "party_code": "H-SH",
        "kind": "supply",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "value": "1000000",
        "lines": [{"product_code": "P1", "price": "3.25"}],
        **extra,
    }
    return contracts.create(db, actor=SYSTEM, data=data)


def test_contract_renew_and_terminate(db: Session, reps: tuple[Actor, Actor]) -> None:
    contract(db)
    assert contracts.view(db, actor=SYSTEM, number="C-1", as_of=D(2026, 12, 31)).status == (
        "expiring"
    )
    contracts.renew(
        db, actor=SYSTEM, number="C-1", data={"number": "C-2", "end": "2027-12-31"},
        today=D(2026, 11, 20),
    )  # fmt: skip
    old = contracts.view(db, actor=SYSTEM, number="C-1", as_of=D(2026, 12, 1))
    new = contracts.view(db, actor=SYSTEM, number="C-2", as_of=D(2026, 12, 1))
    assert (old.status, old.successor) == ("renewed", "C-2")
    assert (new.contract.start, new.predecessor, new.status) == (D(2027, 1, 1), "C-1", "draft")
    assert [(p.code, price) for p, price in new.lines] == [("P1", 3.25)]
    with pytest.raises(Conflict):
        contracts.renew(
            db, actor=SYSTEM, number="C-1", data={"number": "C-3", "end": "2028-12-31"},
            today=D(2026, 11, 21),
        )  # fmt: skip
    db.rollback()
    contracts.terminate(
        db, actor=SYSTEM, number="C-2", data={"date": "2027-06-01", "reason": "医院合并"}
    )
    assert contracts.view(db, actor=SYSTEM, number="C-2", as_of=D(2027, 6, 1)).status == (
        "terminated"
    )


def test_a_late_renewal_covers_the_days_before_it_was_recorded(
    db: Session, reps: tuple[Actor, Actor]
) -> None:
    """Issue 17 item 4: ended 2026-12-31, renewed on 2027-01-20 with the successor from
    2027-01-01: the days between read renewed, not expired; the record day stays in the
    history."""
    contract(db)
    contracts.renew(
        db, actor=SYSTEM, number="C-1", data={"number": "C-2", "end": "2027-12-31"},
        today=D(2027, 1, 20),
    )  # fmt: skip
    statuses = [
        contracts.view(db, actor=SYSTEM, number="C-1", as_of=day).status
        for day in (D(2026, 12, 31), D(2027, 1, 1), D(2027, 1, 19), D(2027, 1, 20))
    ]
    assert statuses == ["expiring", "renewed", "renewed", "renewed"]
    page = contracts.search(db, actor=SYSTEM, as_of=D(2027, 1, 5))
    assert [
        (r.contract.number, r.status) for r in contracts.rows(db, page.items, D(2027, 1, 5))
    ] == [
        ("C-1", "renewed"),
        ("C-2", "active"),
    ]
    stored = db.execute(select(Contract.renewed_on).where(Contract.number == "C-1"))
    assert stored.scalar_one() == D(2027, 1, 20)  # when it was recorded is kept
    assert [e.action for e in audit.history(db, entity="contract", key="C-1")] == [
        "renew",
        "create",
    ]


def test_lists_and_the_feed_use_the_term_in_force(db: Session, reps: tuple[Actor, Actor]) -> None:
    """Issue 17 item 3: an auto contract past its last notice day has rolled on; the feed
    no longer lists its agreed end and the list sorts it by its new end."""
    contract(db, "AUTO-1", start="2025-10-05", end="2026-12-09",
             renewal={"mode": "auto", "notice_days": 30, "months": 12})  # fmt: skip
    contract(db, "MAN-1", start="2026-01-01", end="2027-03-31")
    contract(db, "MAN-2", start="2026-01-01", end="2026-12-20")
    as_of = D(2026, 12, 3)
    feed = deadlines.upcoming(db, SYSTEM, as_of, 60)
    assert [(d.ref, d.date) for d in feed if d.kind.startswith("contract")] == [
        ("MAN-2", D(2026, 12, 20))
    ]
    ordered = contracts.search(db, actor=SYSTEM, as_of=as_of).items
    assert [c.number for c in ordered] == ["MAN-2", "MAN-1", "AUTO-1"]
    shown = contracts.rows(db, ordered, as_of)
    assert [(r.contract.number, r.current_end, r.status) for r in shown] == [
        ("MAN-2", D(2026, 12, 20), "expiring"),
        ("MAN-1", D(2027, 3, 31), "active"),
        ("AUTO-1", D(2027, 12, 9), "active"),
    ]
    # on the last notice day it can still end on its agreed end
    feed = deadlines.upcoming(db, SYSTEM, D(2026, 11, 9), 30)
    assert ("AUTO-1", "contract_end", D(2026, 12, 9)) in [(d.ref, d.kind, d.date) for d in feed]
    assert [c.number for c in contracts.search(db, actor=SYSTEM, as_of=D(2026, 11, 9)).items] == [
        "AUTO-1", "MAN-2", "MAN-1",
    ]  # fmt: skip


def test_contract_end_before_start_and_rep_territory(
    db: Session, reps: tuple[Actor, Actor]
) -> None:
    with pytest.raises(InvalidInput) as problem:
        contract(db, start="2026-02-01", end="2026-01-31")
    assert "end" in problem.value.fields
    db.rollback()
    assert count(db, Contract) == 0
    contract(db)
    wang, li = reps
    assert contracts.get(db, actor=wang, number="C-1").number == "C-1"
    with pytest.raises(NotFound):
        contracts.get(db, actor=li, number="C-1")


def invoice_due(db: Session, number: str, day: str, **extra: str) -> date:
    invoices.create(
        db,
        actor=SYSTEM,
        data={"number": number, "customer_code": "D1", "invoice_date": day, "amount": "100",
              **extra},
    )  # fmt: skip
    return (
        invoices.view(db, actor=SYSTEM, number=number, as_of=D(2026, 1, 1)).instalments[0].due_date
    )


def test_invoice_term_override_then_contract_then_customer_default(db: Session) -> None:
    make_distributor(db, "D1", payment_term="NET180")
    contracts.create(
        db,
        actor=SYSTEM,
        data={"number": "DC-1", "party_code": "D1", "kind": "distribution",
              "start": "2025-01-01", "end": "2025-06-30", "payment_term": "NET90"},
    )  # fmt: skip
    assert invoice_due(db, "I1", "2025-03-01") == D(2025, 5, 30)  # the contract's 90 days
    assert invoice_due(db, "I2", "2025-03-01", payment_term="NET120") == D(2025, 6, 29)
    assert invoice_due(db, "I3", "2025-07-01") == D(2025, 12, 28)  # after it: default 180
    contracts.terminate(db, actor=SYSTEM, number="DC-1", data={"date": "2025-04-01", "reason": "x"})
    assert invoice_due(db, "I4", "2025-04-01") == D(2025, 9, 28)  # terminated: default


def test_deadlines_feed_lists_open_filings_and_contracts(
    db: Session, reps: tuple[Actor, Actor]
) -> None:
    wang, li = reps
    for province in ("31", "44"):
        filings.record(
            db,
            actor=SYSTEM,
            data={"kind": "price", "product_code": "P1", "province_code": province,
                  "status": "approved", "date": "2026-01-01", "expires": "2026-03-15"},
            today=D(2026, 1, 1),
        )  # fmt: skip
    filings.record(
        db,
        actor=SYSTEM,
        data={"kind": "insurance", "product_code": "P1", "province_code": "31",
              "status": "withdrawn", "date": "2026-01-01", "expires": "2026-03-16"},
        today=D(2026, 1, 1),
    )  # fmt: skip
    contract(db, "C-MANUAL", end="2026-03-20")
    contract(db, "C-AUTO", end="2026-03-31", renewal={"mode": "auto", "notice_days": 30,
                                                       "months": 12})  # fmt: skip
    contract(db, "C-DONE", end="2026-03-25")
    contracts.terminate(db, actor=SYSTEM, number="C-DONE", data={"date": "2026-02-01",
                                                                   "reason": "x"})  # fmt: skip
    items = deadlines.upcoming(db, SYSTEM, D(2026, 2, 28), 31)
    assert [(i.date, i.kind, i.ref) for i in items] == [
        (D(2026, 3, 1), "contract_notice", "C-AUTO"),  # the last notice day
        (D(2026, 3, 15), "filing_expiry", "price/P1/31"),
        (D(2026, 3, 15), "filing_expiry", "price/P1/44"),
        (D(2026, 3, 20), "contract_end", "C-MANUAL"),
        (D(2026, 3, 31), "contract_end", "C-AUTO"),
    ]
    # a rep sees their territory only
    assert [i.ref for i in deadlines.upcoming(db, li, D(2026, 2, 28), 31)] == ["price/P1/44"]
    assert "price/P1/44" not in [i.ref for i in deadlines.upcoming(db, wang, D(2026, 2, 28), 31)]
    # the window is closed at both ends
    assert [i.ref for i in deadlines.upcoming(db, SYSTEM, D(2026, 3, 15), 0)] == [
        "price/P1/31",
        "price/P1/44",
    ]


def test_listed_but_unused_for_six_months_is_flagged_not_changed(
    db: Session, reps: tuple[Actor, Actor]
) -> None:
    """The flag follows the hospital's purchases of that product up to the as-of date."""
    wang, _ = reps
    make_hospital(db, "H-SH2", "31")
    change(db, wang, "listed", "2025-01-10")  # H-SH × P1
    listings.record_change(
        db, actor=wang, hospital_code="H-SH2", product_code="P1",
        data={"status": "listed", "date": "2025-01-10"},
    )  # fmt: skip
    purchases.add_purchases(
        db,
        actor=SYSTEM,
        items=[
            {"hospital_code": "H-SH", "product_code": "P1", "date": "2025-08-31", "quantity": 10},
            {"hospital_code": "H-SH", "product_code": "P2", "date": "2026-02-01", "quantity": 5},
            # H-SH2 bought P1 only after the dates below.
            {"hospital_code": "H-SH2", "product_code": "P1", "date": "2026-03-05", "quantity": 1},
        ],
    )

    def flags(as_of: date) -> dict[str, bool]:
        page = listings.search(db, actor=wang, as_of=as_of)
        return {row.hospital_code: row.unused for row in page.items}

    # Six months after 2025-08-31 is 2026-02-28: that day is not yet "more than six".
    assert flags(D(2026, 2, 28)) == {"H-SH": False, "H-SH2": True}
    assert flags(D(2026, 3, 1)) == {"H-SH": True, "H-SH2": True}
    # A purchase after the as-of date does not count then, and clears the flag later.
    assert flags(D(2026, 3, 5)) == {"H-SH": True, "H-SH2": False}
    # Flagged, never changed: both are still listed.
    assert {r.status for r in listings.search(db, actor=wang, as_of=D(2026, 3, 5)).items} == {
        "listed"
    }
