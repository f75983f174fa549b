"""Signing a contract on its page and downloading its PDF: the draft PDF says so, the
sign form archives both languages, the page then shows the signed badge and SHA-256,
the download is the archived bytes; bad dates shown next to the field, in Chinese for
a Chinese reader; a rep sees no sign form and may not post it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session

from tests.dunning_helpers import first_page_ink, pdf_text, set_policy
from tests.web import world
from tests.web.pages import csrf_from, field_error, find, find_all, page, text
from vbptrack.services import contract_documents, contracts
from vbptrack.services.access import SYSTEM
from vbptrack.web.receivables_common import today

URL = f"/contracts/{world.CONTRACT}"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def data(db: Session) -> world.World:
    built = world.build(db)
    set_policy(db)
    return built


def test_manager_signs_and_downloads_the_archived_pdf(
    app: Flask, db: Session, data: world.World, tmp_path: Path
) -> None:
    manager = world.signed_in(app, data.users["manager"])
    draft = manager.get(URL + "/pdf?lang=zh")
    assert draft.status_code == 200 and draft.mimetype == "application/pdf"
    assert "draft" in draft.headers["Content-Disposition"]
    draft_text = pdf_text(draft.data, tmp_path)
    assert "草稿" in draft_text and world.CONTRACT in draft_text
    assert "上海华东医药科技有限公司" in draft_text
    detail = manager.get(URL)
    assert "Not signed" in text(page(detail))
    future = (today().replace(year=today().year + 1)).isoformat()
    bad = manager.post(URL + "/sign", data={"csrf_token": csrf_from(detail), "date": future})
    assert bad.status_code == 422 and field_error(page(bad), "date")
    signed = manager.post(
        URL + "/sign", data={"csrf_token": csrf_from(detail), "date": today().isoformat()}
    )
    assert signed.status_code == 302
    shown = manager.get(URL)
    body = text(page(shown))
    copies = contract_documents.documents(
        db, contracts.get(db, actor=SYSTEM, number=world.CONTRACT)
    )
    assert "Signed" in body and all(c.sha256 in body for c in copies)
    assert "Sign" not in [text(b) for b in find_all(page(shown), "button")]
    download = manager.get(URL + "/pdf?lang=zh")
    assert hashlib.sha256(download.data).hexdigest() == copies[0].sha256
    assert download.headers["X-Content-SHA256"] == copies[0].sha256
    signed_text = pdf_text(download.data, tmp_path)
    assert "草稿" not in signed_text and world.CONTRACT in signed_text
    assert first_page_ink(download.data, tmp_path) > 0.01
    english = manager.get(URL + "/pdf?lang=en")
    assert hashlib.sha256(english.data).hexdigest() == copies[1].sha256
    assert manager.get(URL + "/pdf?lang=fr").status_code == 404
    again = manager.post(
        URL + "/sign", data={"csrf_token": csrf_from(detail), "date": today().isoformat()}
    )
    assert again.status_code == 409
    assert "已签署" in text(page(manager.get(URL, headers=ZH)))


def test_rep_reads_the_pdf_but_cannot_sign(app: Flask, db: Session, data: world.World) -> None:
    rep = world.signed_in(app, data.users["rep"])
    detail = rep.get(URL)
    assert find(page(detail), "form", action=URL + "/sign") is None
    assert rep.get(URL + "/pdf").status_code == 200
    refused = rep.post(
        URL + "/sign", data={"csrf_token": csrf_from(detail), "date": today().isoformat()}
    )
    assert refused.status_code == 403
    assert contracts.get(db, actor=SYSTEM, number=world.CONTRACT).signed_on is None
