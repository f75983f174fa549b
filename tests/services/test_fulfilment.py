"""Fulfilment from the database, on SQLite and PostgreSQL: what the SQL aggregate gives
equals the same sums computed row by row in Python, for generated data; group totals
agree; the deadlines registry is open to other areas."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from tests.factories import make_hospital, make_product, make_user
from vbptrack.domain import fulfilment as rules
from vbptrack.domain.deadlines import Deadline
from vbptrack.services import awards, deadlines, fulfilment, purchases
from vbptrack.services.access import SYSTEM, Actor

YEAR_START, YEAR_END = date(2024, 3, 1), date(2025, 2, 28)


def assert_same_json(report: fulfilment.FulfilmentReport) -> None:
    """The API's hand-written JSON text is what the JSON writer makes of as_json():
    byte for byte (keys sorted, compact, non-ASCII escaped, as Flask writes it)."""
    expected = json.dumps(report.as_json(), sort_keys=True, separators=(",", ":"))
    assert report.json_text() == expected
    assert list(fulfilment.at_risk_rows(report)) == [r for r in report.rows if r.at_risk]
    assert report.page(1, 2) == report.rows[1:3] and report.row_count == len(report.rows)
    assert [r["completion"] for r in json.loads(expected)["rows"]] == [
        rules.ratio_text(r.completion) for r in report.rows
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_aggregate_equals_row_by_row_sums(db: Session, seed: int) -> None:
    rng = random.Random(seed)
    make_product(db, "P1")
    make_product(db, "P2")
    hospitals = [(f"H{i:03d}", rng.choice(["31", "32", "44"])) for i in range(30)]
    for code, province in hospitals:
        make_hospital(db, code, province, name=f'{code} 人民医院 "东院" \\ 分部')
    awards.create(
        db,
        actor=SYSTEM,
        data={"code": "A", "batch": "b", "product_code": "P1", "price": "1",
              "winners_count": 1, "supply_provinces": ["31", "32", "44"],
              "years": [{"year": 1, "start": YEAR_START.isoformat(),
                         "end": YEAR_END.isoformat()}]},
    )  # fmt: skip
    agreed = {code: rng.randint(0, 5000) for code, _ in hospitals if rng.random() < 0.8}
    awards.set_agreed_volumes(
        db,
        actor=SYSTEM,
        code="A",
        items=[{"hospital_code": c, "year": 1, "quantity": q} for c, q in agreed.items()],
    )
    as_of = YEAR_START + timedelta(days=rng.randint(0, 400))
    bought: dict[str, int] = {}
    items = []
    for index in range(300):
        code = rng.choice(hospitals)[0]
        product = rng.choice(["P1", "P2"])
        day = YEAR_START + timedelta(days=rng.randint(-60, 420))
        quantity = rng.randint(0, 300)
        items.append({"hospital_code": code, "product_code": product, "date": day.isoformat(),
                      "quantity": quantity, "reference": f"R{index}"})  # fmt: skip
        if product == "P1" and YEAR_START <= day <= min(YEAR_END, as_of):
            bought[code] = bought.get(code, 0) + quantity
    purchases.add_purchases(db, actor=SYSTEM, items=items)

    report = fulfilment.report(
        db, actor=SYSTEM, award_code="A", year=1, as_of=as_of, group_by="hospital"
    )
    assert {r.key: (r.agreed, r.purchased) for r in report.rows} == {
        code: (quantity, bought.get(code, 0)) for code, quantity in agreed.items()
    }
    for group in ("province", "rep"):
        other = fulfilment.report(
            db, actor=SYSTEM, award_code="A", year=1, as_of=as_of, group_by=group
        )
        assert (other.totals.agreed, other.totals.purchased) == (
            report.totals.agreed,
            report.totals.purchased,
        )
        assert sum(r.agreed for r in other.rows) == report.totals.agreed
        assert_same_json(other)
    assert_same_json(report)
    # Before the year starts (no time elapsed) every row takes the slow path.
    assert_same_json(
        fulfilment.report(
            db, actor=SYSTEM, award_code="A", year=1, as_of=YEAR_START - timedelta(days=1)
        )
    )
    # The monthly trend adds up to what was purchased.
    trend = fulfilment.monthly_trend(
        db, actor=SYSTEM, award=report.award, year=report.year, as_of=as_of
    )
    assert sum(quantity for _, quantity in trend) == report.totals.purchased


def test_rep_rows_are_their_territory_and_reps_group_by_name(db: Session) -> None:
    make_product(db, "P1")
    rep = make_user(db, "wang", "rep", provinces=["31"])
    make_hospital(db, "H-SH", "31", rep="wang")
    make_hospital(db, "H-GD", "44")
    awards.create(
        db,
        actor=SYSTEM,
        data={"code": "A", "batch": "b", "product_code": "P1", "price": "1",
              "winners_count": 2, "supply_provinces": ["31", "44"],
              "years": [{"year": 1, "start": "2024-01-01", "end": "2024-12-31"}]},
    )  # fmt: skip
    awards.set_agreed_volumes(
        db,
        actor=SYSTEM,
        code="A",
        items=[
            {"hospital_code": "H-SH", "year": 1, "quantity": 100},
            {"hospital_code": "H-GD", "year": 1, "quantity": 300},
        ],
    )
    actor = Actor(user_id=rep.id, username="wang", role="rep")
    mine = fulfilment.report(db, actor=actor, award_code="A", year=1, as_of=date(2024, 6, 1))
    assert [r.key for r in mine.rows] == ["H-SH"] and mine.totals.agreed == 100
    by_rep = fulfilment.report(
        db, actor=SYSTEM, award_code="A", year=1, as_of=date(2024, 6, 1), group_by="rep"
    )
    assert sorted((r.key, r.agreed) for r in by_rep.rows) == [("-", 300), ("wang", 100)]


def test_another_area_registers_a_source_the_same_way(db: Session) -> None:
    """The registry stays open: a source registered with @source shows in the feed."""

    @deadlines.source
    def contracts(session: Session, actor: Actor, start: date, end: date) -> list[Deadline]:
        return [Deadline(date(2024, 5, 2), "contract_end", "合同到期", "C-1")]

    try:
        found = deadlines.upcoming(db, SYSTEM, date(2024, 5, 1), 5)
        assert [(d.kind, d.ref) for d in found] == [("contract_end", "C-1")]
        assert deadlines.upcoming(db, SYSTEM, date(2024, 5, 3), 5) == []
    finally:
        deadlines.SOURCES.remove(contracts)
