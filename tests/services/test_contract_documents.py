"""Contract PDFs through the services, on SQLite and PostgreSQL: a draft is rendered on
request and says so; signing archives both languages byte for byte with their SHA-256
and an audit entry; later reads return those bytes even after the party is renamed;
signing twice, signing a terminated contract, a future date and the wrong role are
refused with nothing written."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from tests.dunning_helpers import first_page_ink, pdf_text, set_policy
from tests.factories import make_hospital, make_product, make_user
from vbptrack.models import AuditEvent, Contract, ContractDocument
from vbptrack.services import contract_documents, contracts, parties
from vbptrack.services.access import SYSTEM, Actor
from vbptrack.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from vbptrack.services.users import actor_for

D = date
TODAY = D(2026, 3, 10)


def count(db: Session) -> int:
    return db.execute(select(func.count()).select_from(ContractDocument)).scalar_one()


@pytest.fixture
def contract(db: Session) -> str:
    set_policy(db)
    make_hospital(db, "H-SH", "31", name="复旦大学附属华山医院", address="上海市乌鲁木齐中路12号")
    make_product(db, "P1", generic_name="阿托伐他汀钙片")
    make_product(db, "P2", generic_name="氨氯地平片")
    contracts.create(
        db,
        actor=SYSTEM,
        data={
            "number": "HT-2026-001",
            "party_code": "H-SH",
            "kind": "supply",
            "start": "2026-04-01",
            "end": "2027-03-31",
            "value": "1234567.8",
            "payment_term": "NET90",
            "renewal": {"mode": "auto", "notice_days": 30, "months": 12},
            "lines": [
                {"product_code": "P1", "price": "3.25"},
                {"product_code": "P2", "price": "12345.60"},
            ],
        },
    )
    return "HT-2026-001"


def read(db: Session, number: str, lang: str) -> tuple[bytes, str | None]:
    return contract_documents.pdf(
        db, actor=SYSTEM, number=number, lang=lang, today=TODAY, fallback_name="Fallback Co"
    )


def sign(db: Session, number: str, day: str = "2026-03-09", actor: Actor = SYSTEM) -> Contract:
    return contract_documents.sign(
        db, actor=actor, number=number, data={"date": day}, today=TODAY, fallback_name="X"
    )


def test_draft_shows_the_record_and_is_marked_draft(
    db: Session, contract: str, tmp_path: Path
) -> None:
    data, sha = read(db, contract, "zh")
    assert sha is None and count(db) == 0  # a draft is not archived
    text = pdf_text(data, tmp_path)
    assert "草稿" in text and "未签署" in text
    for expected in (
        "HT-2026-001",
        "复旦大学附属华山医院",
        "上海华东医药科技有限公司",  # our legal name from the dunning policy, not the fallback
        "阿托伐他汀钙片",
        "3.25",
        "12,345.60",
        "1,234,567.80",
        "NET90",
        "开票后90天",
        "2026年4月1日",
        "2027年3月31日",
        "招商银行上海张江支行",
    ):
        assert expected in text, expected
    assert "Fallback Co" not in text
    assert "90 days after invoice" not in text  # one language per document (issue 17)
    assert first_page_ink(data, tmp_path) > 0.01
    english = pdf_text(read(db, contract, "en")[0], tmp_path)
    assert "DRAFT" in english and "Shanghai Huadong Pharma Tech" in english
    assert "90 days after invoice" in english and "1 April 2026" in english
    assert "开票后" not in english and "（" not in english


def test_sign_archives_both_languages_and_later_reads_are_the_same_bytes(
    db: Session, contract: str, tmp_path: Path
) -> None:
    signed = sign(db, contract)
    assert signed.signed_on == D(2026, 3, 9)
    copies = contract_documents.documents(db, signed)
    assert [c.lang for c in copies] == ["zh", "en"]
    zh, zh_sha = read(db, contract, "zh")
    assert zh_sha == hashlib.sha256(zh).hexdigest() == copies[0].sha256
    assert len(zh) == copies[0].size
    text = pdf_text(zh, tmp_path)
    assert "草稿" not in text and "2026年3月9日" in text and "复旦大学附属华山医院" in text
    assert first_page_ink(zh, tmp_path) > 0.01
    # The party is renamed and our address changes: the signed document does not.
    parties.update(db, actor=SYSTEM, kind="hospital", code="H-SH",
                   data={"name": "华山医院（新名）"})  # fmt: skip
    set_policy(db)
    again, again_sha = read(db, contract, "zh")
    assert again == zh and again_sha == zh_sha
    assert "华山医院（新名）" not in pdf_text(again, tmp_path)
    en, en_sha = read(db, contract, "en")
    assert en_sha == copies[1].sha256 and "Signed on 9 March 2026" in pdf_text(en, tmp_path)
    event = db.execute(
        select(AuditEvent).where(AuditEvent.entity == "contract", AuditEvent.action == "sign")
    ).scalar_one()
    assert event.entity_key == contract and event.changes["sha256_zh"] == [None, zh_sha]


def test_sign_twice_terminated_future_and_roles_write_nothing(db: Session, contract: str) -> None:
    rep = actor_for(make_user(db, "wang", "rep", provinces=["31"]))
    finance = actor_for(make_user(db, "qian", "finance"))
    for actor in (rep, finance):
        with pytest.raises(Forbidden):
            sign(db, contract, actor=actor)
        db.rollback()
    with pytest.raises(InvalidInput) as problem:
        sign(db, contract, day="2026-03-11")  # after today
    assert "date" in problem.value.fields
    db.rollback()
    with pytest.raises(InvalidInput):
        contract_documents.sign(
            db, actor=SYSTEM, number=contract, data={}, today=TODAY, fallback_name="X"
        )
    db.rollback()
    assert count(db) == 0
    sign(db, contract)
    with pytest.raises(Conflict):
        sign(db, contract, day="2026-03-10")
    db.rollback()
    assert count(db) == 2
    assert contracts.get(db, actor=SYSTEM, number=contract).signed_on == D(2026, 3, 9)


def test_signed_contract_can_still_be_renewed_and_terminated(db: Session, contract: str) -> None:
    sign(db, contract)
    successor = contracts.renew(
        db, actor=SYSTEM, number=contract, data={"number": "HT-2027-001", "end": "2028-03-31"},
        today=TODAY,
    )  # fmt: skip
    assert successor.signed_on is None  # the successor is a new document, signed on its own
    contracts.terminate(
        db, actor=SYSTEM, number="HT-2027-001", data={"date": "2027-06-01", "reason": "合并"}
    )
    with pytest.raises(Conflict):
        sign(db, "HT-2027-001")
    db.rollback()
    assert read(db, "HT-2027-001", "zh")[1] is None


def test_unknown_language_is_not_found(db: Session, contract: str) -> None:
    with pytest.raises(NotFound):
        read(db, contract, "fr")
    outside = actor_for(make_user(db, "li", "rep", provinces=["44"]))
    with pytest.raises(NotFound):  # a rep reads the contracts of their territory only
        contract_documents.pdf(
            db, actor=outside, number=contract, lang="zh", today=TODAY, fallback_name="X"
        )
