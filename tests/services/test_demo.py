"""The demo loader: deterministic by seed, realistic shapes, loads only once."""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from vbptrack import db, migrate
from vbptrack.demo import DEMO_STEPS, load_demo
from vbptrack.demo.master_data import MAX_PRODUCTS, _product_order
from vbptrack.domain.provinces import PROVINCES
from vbptrack.models import (
    DISTRIBUTOR,
    HOSPITAL,
    AgreedVolume,
    AuditEvent,
    Award,
    Contract,
    ContractDocument,
    DunningLetter,
    Filing,
    Invoice,
    Listing,
    Party,
    Payment,
    Product,
    Purchase,
    Tender,
)
from vbptrack.models.parties import HOSPITAL_GRADES, HOSPITAL_TYPES
from vbptrack.models.products import PRODUCT_CATEGORIES

MOBILE = re.compile(r"^1[3-9]\d{9}$")
INSURANCE_CODE = re.compile(r"^H\d{11}$")
PRODUCT_UNITS = {"片", "粒", "支", "袋", "瓶", "个", "套", "盒", "人份"}

OpenDb = Callable[[], Session]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated empty database; each test copies it instead of migrating again."""
    path = tmp_path_factory.mktemp("demo") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def fresh_db(migrated: Path, tmp_path: Path) -> Iterator[OpenDb]:
    engines = []

    def open_db() -> Session:
        path = tmp_path / f"demo{len(engines)}.db"
        shutil.copy(migrated, path)
        engine = db.make_engine(f"sqlite:///{path}")
        engines.append(engine)
        return Session(engine)

    yield open_db
    for engine in engines:
        engine.dispose()


LOADED_SUMMARY: dict[str, int] = {}


@pytest.fixture(scope="module")
def loaded(migrated: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """The default demo (scale 1, seed 2026), shared by the read-only checks; what
    `load_demo` returned is kept in LOADED_SUMMARY. (Each load takes seconds: the suite
    loads the demo as few times as the tests need.)"""
    path = tmp_path_factory.mktemp("loaded") / "demo.db"
    shutil.copy(migrated, path)
    engine = db.make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        LOADED_SUMMARY.update(load_demo(session))
        yield session
    engine.dispose()


def hospitals(session: Session) -> list[Party]:
    statement = select(Party).where(Party.kind == HOSPITAL).order_by(Party.code)
    return list(session.exec(statement).all())


def snapshot(session: Session) -> list[tuple[object, ...]]:
    """Every demo row's content, without ids and timestamps."""
    parties = session.exec(select(Party).order_by(Party.code)).all()
    products = session.exec(select(Product).order_by(Product.code)).all()
    skip = {"id", "created_at", "updated_at"}
    return [
        tuple(v for k, v in row.model_dump().items() if k not in skip)
        for row in [*parties, *products]
    ]


def count(session: Session, model: type[Any]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_summary_counts_match_rows(loaded: Session) -> None:
    session, summary = loaded, LOADED_SUMMARY
    kinds = session.exec(select(Party.kind, func.count()).group_by(Party.kind)).all()
    assert summary == {
        "hospitals": dict(kinds)[HOSPITAL],
        "distributors": dict(kinds)[DISTRIBUTOR],
        "products": count(session, Product),
        "invoices": count(session, Invoice),
        "payments": count(session, Payment),
        "filings": count(session, Filing),
        "listings": count(session, Listing),
        "contracts": count(session, Contract),
        "tenders": count(session, Tender),
        "awards": count(session, Award),
        "agreed_volumes": count(session, AgreedVolume),
        "purchases": count(session, Purchase),
        "dunning_letters": count(session, DunningLetter),
        "signed_contracts": count(session, ContractDocument) // 2,
    }
    # The filing matrix, the listing board and the contracts page have something to show.
    assert summary["filings"] > 100 and summary["listings"] > 150
    assert summary["contracts"] == 30
    # A few contracts are signed, each with its archived zh and en PDF.
    assert summary["signed_contracts"] == 3
    assert count(session, ContractDocument) == 6
    assert summary["dunning_letters"] >= 3  # two runs: reminders, then demands
    # Every customer has invoices; most, not all, get paid (hospitals pay late).
    assert (
        2 * summary["hospitals"]
        <= summary["invoices"]
        <= 10 * (summary["hospitals"] + summary["distributors"])
    )
    assert 0.3 * summary["invoices"] <= summary["payments"] <= 0.8 * summary["invoices"]
    assert 250 <= summary["hospitals"] <= 350
    assert 40 <= summary["distributors"] <= 50
    assert 50 <= summary["products"] <= 70


def test_same_seed_gives_identical_rows_a_different_one_different_rows(
    fresh_db: OpenDb,
) -> None:
    with fresh_db() as first, fresh_db() as second, fresh_db() as third:
        load_demo(first, seed=11)
        load_demo(second, seed=11)
        load_demo(third, seed=12)
        assert snapshot(first) == snapshot(second)
        assert snapshot(first) != snapshot(third)
        assert {h.name for h in hospitals(first)} != {h.name for h in hospitals(third)}


def test_scale_two_about_doubles_everything(fresh_db: OpenDb, loaded: Session) -> None:
    with fresh_db() as session:
        summary = load_demo(session, scale=2)
    base = {"hospitals": len(hospitals(loaded)), "products": count(loaded, Product)}
    assert 1.8 <= summary["hospitals"] / base["hospitals"] <= 2.2
    assert 1.8 <= summary["products"] / base["products"] <= 2.2
    assert summary["distributors"] >= 80


def test_every_province_has_a_hospital(loaded: Session) -> None:
    per_province = {h.province_code for h in hospitals(loaded)}
    assert per_province == {p.code for p in PROVINCES}


def test_big_provinces_get_more_hospitals_than_small_ones(loaded: Session) -> None:
    rows = hospitals(loaded)

    def in_province(code: str) -> int:
        return sum(1 for h in rows if h.province_code == code)

    for big in ("44", "37", "41", "32", "51"):
        for small in ("54", "63", "64"):
            assert in_province(big) > 3 * in_province(small)


def test_codes_and_names_are_unique(loaded: Session) -> None:
    parties = loaded.exec(select(Party)).all()
    products = loaded.exec(select(Product)).all()
    codes = [p.code for p in parties] + [p.code for p in products]
    assert len(codes) == len(set(codes))
    hospital_names = [h.name for h in hospitals(loaded)]
    assert len(hospital_names) == len(set(hospital_names))
    assert all(re.fullmatch(r"H\d{6}", h.code) for h in hospitals(loaded))
    assert all(h.code[1:3] == h.province_code for h in hospitals(loaded))


def test_hospital_fields_are_well_formed(loaded: Session) -> None:
    rows = hospitals(loaded)
    for hospital in rows:
        assert hospital.grade in HOSPITAL_GRADES
        assert hospital.hospital_type in HOSPITAL_TYPES
        assert hospital.insurance_code is not None
        assert INSURANCE_CODE.match(hospital.insurance_code)
        # The insurance code starts with an area code inside the hospital's province.
        assert hospital.insurance_code[1:3] == hospital.province_code
        assert hospital.phone is not None and MOBILE.match(hospital.phone)
        assert hospital.contact_name and 2 <= len(hospital.contact_name) <= 4
        assert hospital.city and hospital.address and hospital.legal_name
        assert hospital.email is None or hospital.email.endswith(".example.com")
    insurance_codes = [h.insurance_code for h in rows]
    assert len(insurance_codes) == len(set(insurance_codes))
    assert {h.grade for h in rows} >= {"三甲", "二甲"}


def test_flagship_hospitals_are_top_grade(loaded: Session) -> None:
    by_name = {h.name: h for h in hospitals(loaded)}
    for name in ("中山大学附属第一医院", "四川大学华西医院", "郑州大学第一附属医院"):
        assert by_name[name].grade == "三甲"
    assert by_name["广东省人民医院"].province_code == "44"
    assert by_name["北京协和医院"].code == "H110001"


def test_distributors_look_like_distributors(loaded: Session) -> None:
    rows = loaded.exec(select(Party).where(Party.kind == DISTRIBUTOR)).all()
    for distributor in rows:
        assert re.fullmatch(r"D\d{4}", distributor.code)
        assert distributor.name.endswith("公司")
        assert distributor.grade is None and distributor.insurance_code is None
        assert distributor.phone is not None and MOBILE.match(distributor.phone)
    assert any(d.name.startswith("国药控股") for d in rows)


def test_products_are_well_formed(loaded: Session) -> None:
    rows = loaded.exec(select(Product)).all()
    assert {p.category for p in rows} == set(PRODUCT_CATEGORIES)
    for product in rows:
        assert re.fullmatch(r"P\d{4}", product.code)
        assert product.unit in PRODUCT_UNITS
        assert product.pack_size >= 1
        assert product.manufacturer and product.specification
        assert product.approval_number is not None
        if product.category == "drug":
            assert re.fullmatch(r"国药准字[HS]20\d{6}", product.approval_number)
        else:
            assert re.fullmatch(r".械注准20\d{2}[23]\d{6}", product.approval_number)


def test_the_catalogue_has_enough_variants_for_the_product_cap() -> None:
    variants = _product_order(random.Random(1))
    assert len(variants) >= MAX_PRODUCTS
    assert len(set(variants)) == len(variants)


def test_second_call_writes_nothing(loaded: Session) -> None:
    before = (count(loaded, Party), count(loaded, Product), count(loaded, AuditEvent))
    assert load_demo(loaded) == {}
    assert load_demo(loaded, scale=3, seed=1) == {}
    after = (count(loaded, Party), count(loaded, Product), count(loaded, AuditEvent))
    assert after == before


def test_one_audit_event_records_the_load(loaded: Session) -> None:
    """Master data gets one summary event; invoices, payments, filings, listings and
    contracts keep their own history (their pages show it), as after an import."""
    events = loaded.exec(select(AuditEvent).where(AuditEvent.entity == "demo")).all()
    assert len(events) == 1
    per_row = loaded.exec(select(AuditEvent.entity).distinct()).all()
    assert set(per_row) == {
        "demo",
        "invoice",
        "payment",
        "award",
        "filing",
        "listing",
        "contract",
        "dunning_policy",
        "dunning_run",
    }
    event = events[0]
    assert (event.entity, event.entity_key, event.action) == ("demo", "load", "import")
    assert event.note is not None and "hospitals" in event.note


def test_a_failing_step_leaves_the_database_empty(
    fresh_db: OpenDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(session: Session, rng: object, scale: int, today: object) -> dict[str, int]:
        raise RuntimeError("boom")

    # Right after the master data, so the test does not wait for the whole demo.
    monkeypatch.setattr("vbptrack.demo.DEMO_STEPS", [DEMO_STEPS[0], broken, *DEMO_STEPS[1:]])
    with fresh_db() as session:
        with pytest.raises(RuntimeError):
            load_demo(session)
        assert count(session, Party) == 0
        assert count(session, Product) == 0


def test_scale_below_one_is_refused(fresh_db: OpenDb) -> None:
    with fresh_db() as session, pytest.raises(ValueError):
        load_demo(session, scale=0)


def test_demo_fulfilment_has_leaders_laggards_and_deadlines(loaded: Session) -> None:
    """The demo's awards are mid-year: some hospitals on track, some lagging; and tender
    deadlines fall in the coming weeks, so the pages have something to show."""
    from vbptrack.demo import DEMO_TODAY
    from vbptrack.services import deadlines, fulfilment
    from vbptrack.services.access import SYSTEM

    session = loaded
    award = session.exec(select(Award).order_by(Award.id)).first()
    assert award is not None
    report = fulfilment.report(
        session, actor=SYSTEM, award_code=award.code, year=1, as_of=DEMO_TODAY
    )
    assert any(row.lagging for row in report.rows)
    assert any(not row.lagging for row in report.rows)
    kinds = {d.kind for d in deadlines.upcoming(session, SYSTEM, DEMO_TODAY, 30)}
    assert {"tender_registration", "tender_documents", "tender_bid"} <= kinds


CHINESE_NUMBERS = {"八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12, "十三": 13}


def test_award_codes_and_batches_agree(loaded: Session) -> None:
    """Issue 17 item 16: VBP13 belonged to 第12批, VBP12 to 第11批, VBP11 to 第10批."""
    awards = loaded.exec(select(Award).order_by(Award.code)).all()
    assert len(awards) == 3
    for award in awards:
        code_number = int(re.match(r"VBP(\d+)-", award.code).group(1))  # type: ignore[union-attr]
        batch = re.match(r"第(.+?)批", award.batch)
        assert batch is not None, award.batch
        assert CHINESE_NUMBERS[batch.group(1)] == code_number, (award.code, award.batch)
    # the won national tender is the newest batch awarded; the open one has no award yet
    tenders = {t.title: t.status for t in loaded.exec(select(Tender)).all()}
    assert tenders["第十批国家组织药品集中采购"] == "won"
    assert "第十一批国家组织药品集中采购" not in {a.batch for a in awards}
