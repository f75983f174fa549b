"""Fulfilment from the database, on SQLite and PostgreSQL: what the SQL aggregate gives
equals the same sums computed row by row in Python, for generated data; group totals
agree; the deadlines registry is open to other areas."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest
from flask import Flask
from flask_babel import Babel
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
    before = fulfilment.report(
        db, actor=SYSTEM, award_code="A", year=1, as_of=YEAR_START - timedelta(days=1)
    )
    assert_same_json(before)
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


@pytest.mark.parametrize(
    ("tolerance", "at_risk_share", "as_of"),
    [
        ("1.0", "0.8", date(2024, 2, 29)),  # leap day, the defaults
        ("0.85", "0.8333", date(2024, 7, 1)),  # fractions with large denominators
        ("1.0", "0.8", date(2024, 12, 31)),  # the last day of the year
        ("1.0", "0.8", date(2025, 3, 1)),  # after the year: progress stays 1
        ("1.0", "0.8", date(2023, 12, 31)),  # the day before the year
    ],
)
def test_api_rows_equal_the_domain_rule_at_the_edges(
    db: Session, tolerance: str, at_risk_share: str, as_of: date
) -> None:
    """The API's rows, written as text by hand, equal the domain rule's figures: nothing
    agreed, nothing bought, exactly on the lagging line and either side of it, amounts
    far beyond the agreed volume, tolerance fractions, and names JSON must escape."""
    make_product(db, "P1")
    names = ['引号 "东院"', "back\\slash", "</b> & 'apos' / 斜杠", "emoji 🏥", "plain"]
    # (agreed, purchased) around the boundaries for a year of 366 days.
    volumes = [(0, 0), (0, 50), (100, 0), (366, 61), (366, 60), (1000, 1000),
               (1, 10**9), (10**9, 1), (3, 1), (7, 2), (366, 59)]  # fmt: skip
    for index in range(len(volumes)):
        make_hospital(db, f"H{index:02d}", "31", name=names[index % len(names)])
    awards.create(
        db,
        actor=SYSTEM,
        data={"code": "A", "batch": "b", "product_code": "P1", "price": "1",
              "winners_count": 1, "supply_provinces": ["31"],
              "years": [{"year": 1, "start": "2024-01-01", "end": "2024-12-31"}]},
    )  # fmt: skip
    awards.set_agreed_volumes(
        db,
        actor=SYSTEM,
        code="A",
        items=[
            {"hospital_code": f"H{i:02d}", "year": 1, "quantity": agreed}
            for i, (agreed, _) in enumerate(volumes)
        ],
    )
    purchases.add_purchases(
        db,
        actor=SYSTEM,
        items=[
            {"hospital_code": f"H{i:02d}", "product_code": "P1", "date": "2024-01-01",
             "quantity": bought, "reference": f"R{i}"}
            for i, (_, bought) in enumerate(volumes) if bought
        ],
    )  # fmt: skip
    app = Flask(__name__)
    Babel(app)  # the report's "Total" is translated
    app.config.update(FULFILMENT_TOLERANCE=tolerance, FULFILMENT_AT_RISK_SHARE=at_risk_share)
    with app.app_context():
        report = fulfilment.report(db, actor=SYSTEM, award_code="A", year=1, as_of=as_of)
        assert_same_json(report)
    figures = {row.key: (row.lagging, row.at_risk) for row in report.rows}
    if as_of == date(2024, 2, 29):  # 60 of 366 days elapsed: 60/366 of 366 is the line
        assert figures["H04"] == (False, False)  # on the line: neither
        assert figures["H03"] == (False, False)  # one above it
        assert figures["H10"] == (True, True)  # one below it
