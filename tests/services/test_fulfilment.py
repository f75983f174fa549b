"""Fulfilment from the database, on SQLite and PostgreSQL: what the SQL aggregate gives
equals the same sums computed row by row in Python, for generated data; group totals
agree; each hospital goes to its main distributor; the deadlines registry is open to
other areas."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import Babel
from sqlmodel import Session

from tests.factories import make_distributor, make_hospital, make_product, make_user
from vbptrack.domain import fulfilment as rules
from vbptrack.domain.deadlines import Deadline
from vbptrack.services import awards, deadlines, fulfilment, fulfilment_trend, purchases
from vbptrack.services.access import SYSTEM, Actor

YEAR_START, YEAR_END = date(2024, 3, 1), date(2025, 2, 28)


def award_a(
    db: Session,
    agreed: Mapping[str, int],
    *,
    provinces: list[str],
    start: date = date(2024, 1, 1),
    end: date = date(2024, 12, 31),
    winners: int = 1,
) -> None:
    """Award "A" of product P1 with one agreement year and these agreed volumes."""
    awards.create(
        db,
        actor=SYSTEM,
        data={"code": "A", "batch": "b", "product_code": "P1", "price": "1",
              "winners_count": winners, "supply_provinces": provinces,
              "years": [{"year": 1, "start": start.isoformat(), "end": end.isoformat()}]},
    )  # fmt: skip
    awards.set_agreed_volumes(
        db,
        actor=SYSTEM,
        code="A",
        items=[{"hospital_code": c, "year": 1, "quantity": q} for c, q in agreed.items()],
    )


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
    distributors = ["D1", "D2", "D3"]
    for code in distributors:
        make_distributor(db, code, name=f'{code} 医药 "配送" \\ 公司')
    hospitals = [(f"H{i:03d}", rng.choice(["31", "32", "44"])) for i in range(30)]
    for code, province in hospitals:
        make_hospital(db, code, province, name=f'{code} 人民医院 "东院" \\ 分部')
    agreed = {code: rng.randint(0, 5000) for code, _ in hospitals if rng.random() < 0.8}
    award_a(db, agreed, provinces=["31", "32", "44"], start=YEAR_START, end=YEAR_END)
    as_of = YEAR_START + timedelta(days=rng.randint(0, 400))
    bought: dict[str, int] = {}
    through: dict[str, dict[str, int]] = {}  # hospital → distributor → quantity
    items = []
    for index in range(300):
        code = rng.choice(hospitals)[0]
        product = rng.choice(["P1", "P2"])
        day = YEAR_START + timedelta(days=rng.randint(-60, 420))
        quantity = rng.randint(0, 300)
        distributor = rng.choice([None, *distributors])
        items.append({"hospital_code": code, "product_code": product, "date": day.isoformat(),
                      "quantity": quantity, "distributor_code": distributor,
                      "reference": f"R{index}"})  # fmt: skip
        if product == "P1" and YEAR_START <= day <= min(YEAR_END, as_of):
            bought[code] = bought.get(code, 0) + quantity
            if distributor is not None:
                per = through.setdefault(code, {})
                per[distributor] = per.get(distributor, 0) + quantity
    purchases.add_purchases(db, actor=SYSTEM, items=items)

    report = fulfilment.report(
        db, actor=SYSTEM, award_code="A", year=1, as_of=as_of, group_by="hospital"
    )
    assert {r.key: (r.agreed, r.purchased) for r in report.rows} == {
        code: (quantity, bought.get(code, 0)) for code, quantity in agreed.items()
    }
    # Row by row: each hospital whole to the distributor that brought it the most.
    by_distributor: dict[str, tuple[int, int]] = {}
    for code, quantity in agreed.items():
        main = min(through.get(code, {}).items(), key=lambda d: (-d[1], d[0]), default=("-",))[0]
        old = by_distributor.get(main, (0, 0))
        by_distributor[main] = (old[0] + quantity, old[1] + bought.get(code, 0))
    distributor_report = fulfilment.report(
        db, actor=SYSTEM, award_code="A", year=1, as_of=as_of, group_by="distributor"
    )
    assert {r.key: (r.agreed, r.purchased) for r in distributor_report.rows} == by_distributor
    for group in ("province", "rep", "distributor"):
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
    trend = fulfilment_trend.monthly_trend(
        db, actor=SYSTEM, award=report.award, year=report.year, as_of=as_of
    )
    assert sum(quantity for _, quantity in trend) == report.totals.purchased
    months = fulfilment_trend.trend(
        db, actor=SYSTEM, award=report.award, year=report.year, as_of=as_of,
        agreed=report.totals.agreed,
    )  # fmt: skip
    assert [m.purchased for m in months] == [quantity for _, quantity in trend]
    assert months[-1].completion == rules.ratio_text(report.totals.completion)
    assert months[-1].progress == rules.ratio_text(report.progress)


def test_rep_rows_are_their_territory_and_reps_group_by_name(db: Session) -> None:
    make_product(db, "P1")
    rep = make_user(db, "wang", "rep", provinces=["31"])
    make_hospital(db, "H-SH", "31", rep="wang")
    make_hospital(db, "H-GD", "44")
    make_user(db, "an", "rep", provinces=["32"])  # a later id, an earlier name
    make_hospital(db, "H-JS", "32", rep="an")
    award_a(db, {"H-SH": 100, "H-GD": 300, "H-JS": 50}, provinces=["31", "32", "44"], winners=2)
    actor = Actor(user_id=rep.id, username="wang", role="rep")
    mine = fulfilment.report(db, actor=actor, award_code="A", year=1, as_of=date(2024, 6, 1))
    assert [r.key for r in mine.rows] == ["H-SH"] and mine.totals.agreed == 100
    by_rep = fulfilment.report(
        db, actor=SYSTEM, award_code="A", year=1, as_of=date(2024, 6, 1), group_by="rep"
    )
    # By username, "(no rep)" last, on both databases.
    assert [(r.key, r.agreed) for r in by_rep.rows] == [("an", 50), ("wang", 100), ("-", 300)]


def test_each_hospital_goes_whole_to_its_main_distributor(db: Session) -> None:
    make_product(db, "P1")
    make_product(db, "P2")
    for code in ("D1", "D2", "D3"):
        make_distributor(db, code, name=f"{code} 医药")
    hospitals = ("H-SPLIT", "H-TIE", "H-DIRECT", "H-NONE", "H-LATE")
    for code in hospitals:
        make_hospital(db, code, "31")
    award_a(
        db,
        dict(zip(hospitals, (2000, 500, 300, 100, 400), strict=True)),
        provinces=["31"],
        start=date(2024, 3, 1),
        end=date(2025, 2, 28),
    )

    def bought(hospital: str, day: str, quantity: int, via: str | None, product: str = "P1"):  # type: ignore[no-untyped-def]
        return {"hospital_code": hospital, "product_code": product, "date": day,
                "quantity": quantity, "distributor_code": via}  # fmt: skip

    purchases.add_purchases(
        db,
        actor=SYSTEM,
        items=[
            # Split: D2 brought more than D1 (over two deliveries); the 500 without a
            # distributor count toward the hospital's purchases but decide nothing.
            bought("H-SPLIT", "2024-04-01", 150, "D1"),
            bought("H-SPLIT", "2024-05-01", 120, "D2"),
            bought("H-SPLIT", "2024-06-01", 100, "D2"),
            bought("H-SPLIT", "2024-06-02", 500, None),
            # A tie goes to the lower code.
            bought("H-TIE", "2024-04-01", 100, "D3"),
            bought("H-TIE", "2024-04-02", 100, "D1"),
            bought("H-DIRECT", "2024-04-01", 90, None),
            # Before the year, after as_of and another product decide nothing: D3's 50 wins.
            bought("H-LATE", "2024-02-29", 1000, "D1"),
            bought("H-LATE", "2024-09-01", 1000, "D1"),
            bought("H-LATE", "2024-05-01", 1000, "D1", product="P2"),
            bought("H-LATE", "2024-08-31", 50, "D3"),
        ],
    )
    as_of = date(2024, 8, 31)
    report = fulfilment.report(
        db, actor=SYSTEM, award_code="A", year=1, as_of=as_of, group_by="distributor"
    )
    assert [(r.key, r.name, r.agreed, r.purchased) for r in report.rows] == [
        ("D1", "D1 医药", 500, 200),  # H-TIE
        ("D2", "D2 医药", 2000, 870),  # H-SPLIT, all of its purchases
        ("D3", "D3 医药", 400, 50),  # H-LATE
        ("-", "(no distributor)", 400, 90),  # H-DIRECT and H-NONE
    ]
    assert report.rows[1].completion == Decimal("0.435")  # 870 / 2000
    by_hospital = fulfilment.report(db, actor=SYSTEM, award_code="A", year=1, as_of=as_of)
    assert (report.totals.agreed, report.totals.purchased) == (3300, 1210)
    assert (by_hospital.totals.agreed, by_hospital.totals.purchased) == (3300, 1210)
    assert_same_json(report)
    # On the last day of the year the late purchase counts: D1 is now H-LATE's main.
    year_end = fulfilment.report(
        db, actor=SYSTEM, award_code="A", year=1, as_of=date(2025, 2, 28), group_by="distributor"
    )
    assert [(r.key, r.agreed, r.purchased) for r in year_end.rows][0] == ("D1", 900, 1250)


def test_a_rep_sees_the_distributors_of_their_territory_only(db: Session) -> None:
    make_product(db, "P1")
    rep = make_user(db, "wang", "rep", provinces=["31"])
    make_distributor(db, "D1")
    make_hospital(db, "H-SH", "31", rep="wang")
    make_hospital(db, "H-GD", "44")
    award_a(db, {"H-SH": 100, "H-GD": 300}, provinces=["31", "44"], winners=2)
    purchases.add_purchases(
        db,
        actor=SYSTEM,
        items=[
            {"hospital_code": code, "product_code": "P1", "date": "2024-03-01",
             "quantity": quantity, "distributor_code": "D1"}
            for code, quantity in (("H-SH", 40), ("H-GD", 200))
        ],
    )  # fmt: skip
    actor = Actor(user_id=rep.id, username="wang", role="rep")
    mine = fulfilment.report(
        db, actor=actor, award_code="A", year=1, as_of=date(2024, 6, 1), group_by="distributor"
    )
    assert [(r.key, r.agreed, r.purchased) for r in mine.rows] == [("D1", 100, 40)]
    everyone = fulfilment.report(
        db, actor=SYSTEM, award_code="A", year=1, as_of=date(2024, 6, 1), group_by="distributor"
    )
    assert [(r.key, r.agreed, r.purchased) for r in everyone.rows] == [("D1", 400, 240)]


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
    award_a(db, {f"H{i:02d}": agreed for i, (agreed, _) in enumerate(volumes)}, provinces=["31"])
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
