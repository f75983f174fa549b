"""Filing, listing and contract pages: what a manager and a rep see and write, bad input
shown next to the field in the user's language, and user text escaped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import Session

from tests.web import world
from tests.web.pages import csrf_from, field_error, find_all, page, snapshot, text
from vbptrack.services import contracts, filings, listings
from vbptrack.services.access import SYSTEM
from vbptrack.web.receivables_common import today

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
LISTING_URL = f"/listings/{world.IN_TERRITORY}/{world.PRODUCT}"


@pytest.fixture
def data(db: Session) -> world.World:
    return world.build(db)


def test_a_rep_moves_a_listing_forward_and_sees_its_history(
    app: Flask, db: Session, data: world.World
) -> None:
    rep = world.signed_in(app, data.users["rep"])
    form = rep.get(LISTING_URL)
    response = rep.post(
        LISTING_URL,
        data={"csrf_token": csrf_from(form), "status": "pharmacy_review",
              "date": today().isoformat(), "note": "<b>药剂科</b>", "next_step": "约主任"},
    )  # fmt: skip
    assert response.status_code == 302
    shown = rep.get(LISTING_URL)
    body = shown.get_data(as_text=True)
    assert "&lt;b&gt;药剂科&lt;/b&gt;" in body and "<b>药剂科</b>" not in body
    history = text(page(shown))
    assert "Pharmacy review" in history and "rep_sh" in history and "约主任" in history


def test_a_change_dated_before_the_current_one_is_explained_in_chinese(
    app: Flask, db: Session, data: world.World
) -> None:
    rep = world.signed_in(app, data.users["rep"])
    rep.get("/", headers=ZH)
    form = rep.get(LISTING_URL, headers=ZH)
    before = snapshot(db)
    response = rep.post(
        LISTING_URL,
        data={"csrf_token": csrf_from(form), "status": "listed", "date": "2024-12-31"},
        headers=ZH,
    )
    assert response.status_code == 422
    assert "当前状态始于 2025-01-10" in (field_error(page(response), "date") or "")
    assert snapshot(db) == before


def test_a_rep_cannot_open_or_change_another_territorys_listing(
    app: Flask, db: Session, data: world.World
) -> None:
    rep = world.signed_in(app, data.users["rep"])
    url = f"/listings/{world.OUTSIDE}/{world.PRODUCT}"
    assert rep.get(url).status_code == 404
    token = csrf_from(rep.get(LISTING_URL))
    before = snapshot(db)
    response = rep.post(url, data={"csrf_token": token, "status": "listed", "date": "2026-01-01"})
    assert response.status_code == 404
    assert snapshot(db) == before


def test_my_hospitals_shows_stuck_items_first_and_only_the_territory(
    app: Flask, db: Session, data: world.World
) -> None:
    old = (today() - timedelta(days=200)).isoformat()
    listings.record_change(
        db, actor=SYSTEM, hospital_code=world.OUTSIDE, product_code=world.PRODUCT,
        data={"status": "applied", "date": old},
    )  # fmt: skip
    rep = world.signed_in(app, data.users["rep"])
    cards = list(find_all(page(rep.get("/listings/mine")), "li"))
    listing_cards = [c for c in cards if "listing-card" in (c.get("class") or "")]
    assert len(listing_cards) == 1  # Guangdong's listing is not the rep's
    assert "stuck" in (listing_cards[0].get("class") or "")  # applied since 2025-01-10
    manager = world.signed_in(app, data.users["manager"])
    board = text(page(manager.get("/listings/")))
    assert "Applied 2" in " ".join(board.split())


def test_filing_matrix_colours_an_expiring_filing(
    app: Flask, db: Session, data: world.World
) -> None:
    filings.record(
        db,
        actor=SYSTEM,
        data={"kind": "price", "product_code": world.PRODUCT, "province_code": "31",
              "status": "approved", "expires": (today() + timedelta(days=20)).isoformat()},
        today=today(),
    )  # fmt: skip
    manager = world.signed_in(app, data.users["manager"])
    cells = [
        td for td in find_all(page(manager.get("/filings/")), "td")
        if "status-approved" in (td.get("class") or "")
    ]  # fmt: skip
    assert len(cells) == 1 and "alert-30" in (cells[0].get("class") or "")
    assert text(cells[0]).strip() == "Approved"
    # a rep sees only their provinces' columns
    rep = world.signed_in(app, data.users["rep"])
    headers = [text(th) for th in find_all(page(rep.get("/filings/")), "th")]
    assert "Shanghai" in " ".join(headers) and "Guangdong" not in " ".join(headers)


def test_manager_creates_renews_and_previews_a_contract(
    app: Flask, db: Session, data: world.World
) -> None:
    manager = world.signed_in(app, data.users["manager"])
    form = manager.get("/contracts/new")
    bad = manager.post(
        "/contracts/new",
        data={"csrf_token": csrf_from(form), "number": "HT-9", "party_code": world.IN_TERRITORY,
              "kind": "supply", "start": "2026-02-01", "end": "2026-01-01",
              "renewal_mode": "manual"},
    )  # fmt: skip
    assert bad.status_code == 422 and field_error(page(bad), "end")
    response = manager.post(
        "/contracts/new",
        data={"csrf_token": csrf_from(form), "number": "HT-9", "party_code": world.IN_TERRITORY,
              "kind": "supply", "start": "2026-01-01", "end": "2026-12-31",
              "renewal_mode": "auto", "notice_days": "30", "renewal_months": "12",
              "payment_term": "NET90"},
    )  # fmt: skip
    assert response.status_code == 302
    detail = manager.get("/contracts/HT-9?as_of=2026-12-02")
    assert "2027-12-31" in text(page(detail))  # rolled on after the last notice day
    renewed = manager.post(
        "/contracts/HT-9/renew",
        data={"csrf_token": csrf_from(detail), "number": "HT-10", "end": "2027-12-31"},
    )
    assert renewed.status_code == 302
    assert contracts.view(db, actor=SYSTEM, number="HT-9", as_of=today()).successor == "HT-10"
    preview = manager.get("/contracts/HT-10/preview?lang=zh")
    html = preview.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "续签合同" in html and "HT-9" in html
    english = manager.get("/contracts/HT-10/preview?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "renews automatically for" in english
    assert manager.get("/contracts/HT-10/preview?lang=fr").status_code == 404


def test_contract_preview_escapes_party_names(app: Flask, db: Session, data: world.World) -> None:
    from tests.factories import make_hospital

    make_hospital(db, "HX", "31", name="<script>alert(1)</script>医院")
    contracts.create(
        db, actor=SYSTEM,
        data={"number": "HT-X", "party_code": "HX", "kind": "service",
              "start": "2026-01-01", "end": "2026-12-31"},
    )  # fmt: skip
    manager = world.signed_in(app, data.users["manager"])
    html = manager.get("/contracts/HT-X/preview").get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;医院" in html


def test_contract_list_shows_status_as_of_a_date(
    app: Flask, db: Session, data: world.World
) -> None:
    contracts.create(
        db, actor=SYSTEM,
        data={"number": "HT-E", "party_code": world.IN_TERRITORY, "kind": "supply",
              "start": "2026-01-01", "end": "2026-03-31"},
    )  # fmt: skip
    manager = world.signed_in(app, data.users["manager"])
    rows = {
        text(tr).split()[0]: text(tr)
        for tr in find_all(page(manager.get("/contracts/?as_of=2026-03-31")), "tr")
    }
    assert "Expiring" in rows["HT-E"]
    later = manager.get("/contracts/?as_of=2026-04-01")
    assert "Expired" in text(page(later))  # the day after the end


def test_the_hospital_page_leads_to_its_listings(app: Flask, data: world.World) -> None:
    rep = world.signed_in(app, data.users["rep"])
    hospital = page(rep.get(f"/hospitals/{world.IN_TERRITORY}"))
    links = [a.get("href") for a in find_all(hospital, "a")]
    url = f"/listings/mine?hospital={world.IN_TERRITORY}"
    assert url in links
    assert "Applied" in text(page(rep.get(url)))
    assert "No listings" in text(page(rep.get(f"/listings/mine?hospital={world.ASSIGNED}")))
