"""A rep sees the tenders of their territory and the national ones, everywhere tenders are
read: the list, one tender, the board, the calendar and the deadlines feed. Other roles
see every tender. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from tests.factories import make_hospital, make_user
from vbptrack.domain.tenders import concerns_territory
from vbptrack.services import deadlines, tender_calendar, tenders
from vbptrack.services.access import SYSTEM, Actor, territory_provinces
from vbptrack.services.errors import NotFound
from vbptrack.services.users import actor_for

# code → (kind, provinces, status); every tender's bid is on BID.
TENDERS = {
    "T-SH": ("provincial", ["31"], "planned"),
    "T-GD": ("provincial", ["44"], "planned"),
    "T-GD-BID": ("provincial", ["44"], "bid_submitted"),
    "T-DELTA": ("alliance", ["32", "33", "34"], "planned"),  # Shanghai not in this one
    "T-NORTH": ("alliance", ["12", "11"], "registered"),  # Beijing: the assigned hospital
    "T-NATIONAL": ("national_vbp", ["44"], "planned"),
    "T-NOWHERE": ("hospital", [], "planned"),
    "T-GD-OLD": ("provincial", ["44"], "withdrawn"),
}
BID = date(2025, 3, 20)
SHANGHAI_REP = {"T-SH", "T-NORTH", "T-NATIONAL", "T-NOWHERE"}
GUANGDONG_REP = {"T-GD", "T-GD-BID", "T-NATIONAL", "T-NOWHERE", "T-GD-OLD"}


@pytest.fixture
def reps(db: Session) -> tuple[Actor, Actor, Actor]:
    """A Shanghai rep (with one Beijing hospital by hand), a Guangdong rep, and a rep
    whose territory has no parties yet."""
    make_hospital(db, "H310001", "31")
    make_hospital(db, "H110001", "11")
    make_hospital(db, "H440001", "44")
    for code, (kind, provinces, status) in TENDERS.items():
        tenders.create(
            db,
            actor=SYSTEM,
            data={
                "code": code,
                "title": f"{code} 集采",
                "kind": kind,
                "status": status,
                "province_codes": provinces,
                "dates": {"bid": BID.isoformat()},
            },
            today=date(2025, 1, 2),
        )
    shanghai = make_user(db, "rep_sh", "rep", provinces=["31"], hospitals=["H110001"])
    guangdong = make_user(db, "rep_gd", "rep", provinces=["44"])
    empty = make_user(db, "rep_new", "rep", provinces=["65"])  # no Xinjiang parties yet
    return actor_for(shanghai), actor_for(guangdong), actor_for(empty)


def listed(db: Session, actor: Actor) -> set[str]:
    page = tenders.list_tenders(db, actor=actor, page=1, per_page=100)
    return {t.code for t in page.items}


def test_the_list_holds_a_reps_territory_and_the_national_tenders(
    db: Session, reps: tuple[Actor, Actor, Actor]
) -> None:
    shanghai, guangdong, empty = reps
    assert listed(db, shanghai) == SHANGHAI_REP
    assert listed(db, guangdong) == GUANGDONG_REP
    assert listed(db, empty) == {"T-NATIONAL", "T-NOWHERE"}
    filtered = tenders.list_tenders(db, actor=guangdong, page=1, per_page=100, status="planned")
    assert {t.code for t in filtered.items} == {"T-GD", "T-NATIONAL", "T-NOWHERE"}
    assert filtered.total == 3


def test_the_sql_condition_is_the_domain_rule(
    db: Session, reps: tuple[Actor, Actor, Actor]
) -> None:
    """The condition in SQL and `concerns_territory` agree on every tender and rep."""
    for rep in reps:
        query = territory_provinces(rep)
        assert query is not None
        territory = {code for (code,) in db.execute(query).all() if code}
        expected = {
            code
            for code, (kind, provinces, _status) in TENDERS.items()
            if concerns_territory(kind, provinces, territory)
        }
        assert listed(db, rep) == expected, rep.username


@pytest.mark.parametrize("role", ["admin", "manager", "finance"])
def test_office_roles_see_every_tender(db: Session, reps: object, role: str) -> None:
    actor = actor_for(make_user(db, f"u_{role}", role))
    assert listed(db, actor) == set(TENDERS)
    assert tenders.get(db, actor=actor, code="T-GD").code == "T-GD"


def test_a_tender_outside_the_territory_is_not_found(
    db: Session, reps: tuple[Actor, Actor, Actor]
) -> None:
    shanghai, guangdong, _empty = reps
    assert tenders.get(db, actor=shanghai, code="T-SH").code == "T-SH"
    assert tenders.get(db, actor=shanghai, code="T-NATIONAL").code == "T-NATIONAL"
    with pytest.raises(NotFound) as outside:
        tenders.get(db, actor=shanghai, code="T-GD")
    with pytest.raises(NotFound) as missing:
        tenders.get(db, actor=shanghai, code="T-NONE")
    # outside and missing read the same, so a rep learns nothing about other provinces
    assert outside.value.message == "No tender T-GD in your territory."
    assert missing.value.message == "No tender T-NONE in your territory."
    with pytest.raises(NotFound):
        tenders.get(db, actor=guangdong, code="T-SH")


def test_the_board_counts_and_shows_the_territory_only(
    db: Session, reps: tuple[Actor, Actor, Actor]
) -> None:
    shanghai, _guangdong, _empty = reps
    columns = {
        status: (count, {t.code for t in shown})
        for status, count, shown in tender_calendar.board(db, actor=shanghai)
    }
    assert columns["planned"] == (3, {"T-SH", "T-NATIONAL", "T-NOWHERE"})
    assert columns["registered"] == (1, {"T-NORTH"})
    assert columns["bid_submitted"] == (0, set())
    assert columns["withdrawn"] == (0, set())
    everything = {s: c for s, c, _ in tender_calendar.board(db, actor=SYSTEM)}
    assert everything["planned"] == 5 and everything["withdrawn"] == 1


def test_the_calendar_shows_the_territorys_dates(
    db: Session, reps: tuple[Actor, Actor, Actor]
) -> None:
    shanghai, guangdong, _empty = reps
    march = (date(2025, 3, 1), date(2025, 3, 31))
    for rep, expected in ((shanghai, SHANGHAI_REP), (guangdong, GUANGDONG_REP)):
        found = tender_calendar.dated_in(db, *march, actor=rep, open_only=False)
        assert {tender.code for _day, _kind, tender in found} == expected
        assert {(day, kind) for day, kind, _tender in found} == {(BID, "bid")}
    open_only = tender_calendar.dated_in(db, *march, actor=guangdong)
    assert "T-GD-OLD" not in {tender.code for _day, _kind, tender in open_only}


def test_the_deadlines_feed_lists_the_territorys_tenders(
    db: Session, reps: tuple[Actor, Actor, Actor]
) -> None:
    shanghai, guangdong, _empty = reps

    def bids(actor: Actor) -> set[str]:
        feed = deadlines.upcoming(db, actor, date(2025, 3, 1), 30)
        return {d.ref for d in feed if d.kind == "tender_bid"}

    assert bids(shanghai) == SHANGHAI_REP
    assert bids(guangdong) == GUANGDONG_REP - {"T-GD-OLD"}  # withdrawn: nothing due
    assert bids(SYSTEM) == set(TENDERS) - {"T-GD-OLD"}
