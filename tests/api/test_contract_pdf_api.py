"""Contract PDFs over HTTP on both databases (API.md "contracts"): a draft rendered on
request, signing (roles, 409 twice, bad dates), then the archived bytes with their
SHA-256, read back with pdftotext and pdftoppm."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import API, Headers, database_state
from tests.dunning_helpers import first_page_ink, pdf_text, set_policy
from tests.factories import make_hospital, make_product

URL = API + "/contracts/HT-2026-001"


@pytest.fixture
def manager(db: Session, client: FlaskClient, token_for: Callable[..., Headers]) -> Headers:
    set_policy(db)
    make_hospital(db, "H1", "31", name="上海市第六人民医院")
    make_product(db, "P1", generic_name="阿托伐他汀钙片")
    headers = token_for("manager")
    created = client.post(
        API + "/contracts",
        json={
            "number": "HT-2026-001",
            "party_code": "H1",
            "kind": "vbp_purchase",
            "start": "2026-01-01",
            "end": "2026-12-31",
            "payment_term": "NET90",
            "renewal": {"mode": "manual"},
            "lines": [{"product_code": "P1", "price": "1288.5"}],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.json
    return headers


def test_draft_then_sign_then_archived_bytes(
    client: FlaskClient, db: Session, manager: Headers, tmp_path: Path
) -> None:
    draft = client.get(URL + "/pdf?lang=zh", headers=manager)
    assert draft.status_code == 200 and draft.mimetype == "application/pdf"
    assert "X-Content-SHA256" not in draft.headers
    text = pdf_text(draft.data, tmp_path)
    for expected in ("草稿", "HT-2026-001", "上海市第六人民医院", "1,288.50", "NET90",
                     "开票后90天", "带量采购购销协议"):  # fmt: skip
        assert expected in text, expected
    assert first_page_ink(draft.data, tmp_path) > 0.01
    assert client.get(URL, headers=manager).json["documents"] == {}

    signed = client.post(URL + "/sign", json={"date": "2026-01-02"}, headers=manager)
    assert signed.status_code == 200, signed.json
    assert signed.json["signed_on"] == "2026-01-02"
    zh = client.get(URL + "/pdf?lang=zh", headers=manager)
    en = client.get(URL + "/pdf", query_string={"lang": "en"}, headers=manager)
    documents = signed.json["documents"]
    assert set(documents) == {"zh", "en"}
    assert documents["zh"]["sha256"] == hashlib.sha256(zh.data).hexdigest()
    assert zh.headers["X-Content-SHA256"] == documents["zh"]["sha256"]
    assert documents["en"] == {"sha256": hashlib.sha256(en.data).hexdigest(), "size": len(en.data)}
    zh_text = pdf_text(zh.data, tmp_path)
    assert "草稿" not in zh_text and "2026年1月2日" in zh_text and "1,288.50" in zh_text
    en_text = pdf_text(en.data, tmp_path)
    assert "VBP purchase agreement" in en_text and "90 days after invoice" in en_text
    # The party is renamed: the archived contract is served unchanged.
    renamed = client.patch(API + "/hospitals/H1", json={"name": "六院"}, headers=manager)
    assert renamed.status_code == 200, renamed.json
    assert client.get(URL + "/pdf?lang=zh", headers=manager).data == zh.data

    before = database_state(db)
    again = client.post(URL + "/sign", json={"date": "2026-01-03"}, headers=manager)
    assert again.status_code == 409 and again.json["error"]["code"]
    assert database_state(db) == before


def test_sign_refusals_write_nothing(
    client: FlaskClient, db: Session, manager: Headers, token_for: Callable[..., Headers]
) -> None:
    finance = token_for("finance")
    rep = token_for("rep", "wang", provinces=["31"])
    outsider = token_for("rep", "li", provinces=["44"])
    before = database_state(db)
    assert (
        client.post(URL + "/sign", json={"date": "2026-01-02"}, headers=finance).status_code == 403
    )
    assert client.post(URL + "/sign", json={"date": "2026-01-02"}, headers=rep).status_code == 403
    future = client.post(URL + "/sign", json={"date": "2999-01-01"}, headers=manager)
    assert future.status_code == 422 and "date" in future.json["error"]["fields"]
    bad = client.post(URL + "/sign", json={"date": "2026-02-30"}, headers=manager)
    assert bad.status_code == 422 and "date" in bad.json["error"]["fields"]
    extra = client.post(URL + "/sign", json={"date": "2026-01-02", "x": 1}, headers=manager)
    assert extra.status_code == 422
    assert client.post(API + "/contracts/NOPE/sign", json={"date": "2026-01-02"},
                       headers=manager).status_code == 404  # fmt: skip
    assert database_state(db) == before
    # Reading: a rep of the territory may, another rep sees nothing; a bad language is 422.
    assert client.get(URL + "/pdf", headers=rep).status_code == 200
    assert client.get(URL + "/pdf", headers=outsider).status_code == 404
    wrong = client.get(URL + "/pdf?lang=fr", headers=manager)
    assert wrong.status_code == 422 and "lang" in wrong.json["error"]["fields"]
    assert client.get(URL + "/pdf").status_code == 401
