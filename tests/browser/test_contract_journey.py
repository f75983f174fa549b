"""Signing a contract in a real browser: a commercial manager opens the contract from the
list, is told why a future signing date is refused, signs it with today's date, sees it
signed with the SHA-256 of each archived PDF, and downloads the signed Chinese PDF
through the page's link; its bytes are the ones fingerprinted and its text is the
contract's, without the draft banner."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests.browser.test_browser_journeys import DESKTOP, OpenPage, sign_in
from tests.dunning_helpers import pdf_text, set_policy
from tests.factories import make_hospital, make_product
from tests.web.world import quick_user
from vbptrack.services import contracts
from vbptrack.services.access import SYSTEM
from vbptrack.web.market_access_common import today

pytestmark = pytest.mark.browser

NUMBER = "HT-2025-017"
# Signing renders the contract twice (Chinese and English) before the page comes back:
# the one wait here allowed more than the default, on a machine shared with other work.
SIGNING_MS = 30_000


@pytest.fixture
def contract(db: Session) -> None:
    set_policy(db)  # our company's name and address, printed on the contract
    make_hospital(db, "SH001", "31", name="复旦大学附属华山医院")
    make_product(db, "P-AML", generic_name="苯磺酸氨氯地平片")
    contracts.create(
        db,
        actor=SYSTEM,
        data={"number": NUMBER, "party_code": "SH001", "kind": "supply", "start": "2025-01-01",
              "end": "2099-12-31", "value": "1200000",
              "lines": [{"product_code": "P-AML", "price": "0.15"}]},
    )  # fmt: skip
    quick_user(db, "chen.manager", "manager")


@pytest.mark.usefixtures("contract")
def test_manager_signs_a_contract_and_downloads_the_signed_pdf(
    open_page: OpenPage, tmp_path: Path
) -> None:
    page = open_page(**DESKTOP)
    sign_in(page, "chen.manager")
    page.goto("/contracts/")
    page.get_by_role("link", name=NUMBER).click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Not signed")
    sign_form = page.locator(f"form[action$='/contracts/{NUMBER}/sign']")
    expect(sign_form.get_by_label("Signing date")).to_have_value(today().isoformat())

    tomorrow = (today() + timedelta(days=1)).isoformat()
    sign_form.get_by_label("Signing date").fill(tomorrow)
    sign_form.get_by_role("button", name="Sign").click()
    expect(sign_form.locator(".field:has([name='date']) p.error")).to_be_visible()
    expect(heading).to_contain_text("Not signed")
    expect(sign_form.get_by_label("Signing date")).to_have_value(tomorrow)  # kept, to correct

    sign_form.get_by_label("Signing date").fill(today().isoformat())
    sign_form.get_by_role("button", name="Sign").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Signed: the contract's PDFs are archived.", timeout=SIGNING_MS
    )
    expect(heading).to_contain_text("Signed")
    expect(heading).not_to_contain_text("Not signed")
    facts = page.locator("dl.facts")
    expect(facts.locator("div:has(dt:text-is('Signed on')) dd")).to_have_text(today().isoformat())
    expect(facts.locator("code.sha256")).to_have_count(2)  # Chinese and English
    expect(page.get_by_role("button", name="Sign", exact=True)).to_have_count(0)  # signed once only
    expect(page.get_by_role("link", name="Preview (Chinese)")).to_have_count(0)
    fingerprints = facts.locator("code.sha256").all_inner_texts()

    link = page.get_by_role("link", name="PDF (Chinese)")
    href = link.get_attribute("href")
    assert href is not None and href.endswith(f"/contracts/{NUMBER}/pdf?lang=zh")
    download = page.request.get(href)  # the browser's own session, as a click would
    assert download.status == 200
    assert download.headers["content-type"] == "application/pdf"
    assert f'filename="{NUMBER}-zh-signed.pdf"' in download.headers["content-disposition"]
    pdf = download.body()
    assert hashlib.sha256(pdf).hexdigest() == download.headers["x-content-sha256"]
    assert download.headers["x-content-sha256"] in fingerprints
    text = pdf_text(pdf, tmp_path)
    assert NUMBER in text and "复旦大学附属华山医院" in text and "上海华东医药科技有限公司" in text
    assert "草稿" not in text and "DRAFT" not in text
