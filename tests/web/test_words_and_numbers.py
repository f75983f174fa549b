"""What users see is right (issue 17): the words, numbers and labels of the pages, in
Chinese and English. The layouts are checked in Chromium (tests/browser)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import gettext
from sqlmodel import Session

from tests.web import world
from tests.web.pages import csrf_from, field_control, find, find_all, page, text
from vbptrack.services import listings
from vbptrack.services.access import SYSTEM

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
LISTING_URL = f"/listings/{world.IN_TERRITORY}/{world.PRODUCT}"


@pytest.fixture
def data(db: Session) -> world.World:
    return world.build(db)


def test_an_applied_listing_reads_applied_not_written_off_in_chinese(
    app: Flask, data: world.World
) -> None:
    """Item 1: 已核销 is cash applied to invoices; a listing application is 已申请."""
    rep = world.signed_in(app, data.users["rep"])
    for path in ("/listings/mine", "/listings/", "/listings/matrix", LISTING_URL):
        shown = text(page(rep.get(path, headers=ZH)))
        assert "已申请" in shown, path
        assert "已核销" not in shown, path
    # the payments pages keep the word's other meaning
    with app.test_request_context(headers=ZH):
        assert gettext("Applied") == "已核销"


def test_the_listing_form_starts_on_the_current_status_and_an_untouched_save_changes_nothing(
    app: Flask, db: Session, data: world.World
) -> None:
    """Item 2: the status list used to start on "not started", so Save moved the listing
    back and erased its next step."""
    listings.record_change(
        db, actor=SYSTEM, hospital_code=world.IN_TERRITORY, product_code=world.PRODUCT,
        data={"status": "pharmacy_review", "date": "2025-01-20", "next_step": "约药剂科主任"},
    )  # fmt: skip
    rep = world.signed_in(app, data.users["rep"])
    form = page(rep.get(LISTING_URL))
    status = field_control(form, "status")
    selected = [o.get("value") for o in find_all(status, "option") if "selected" in o.attrib]
    assert selected == ["pharmacy_review"]
    assert field_control(form, "next_step").get("value") == "约药剂科主任"

    values = {"status": "pharmacy_review", "date": field_control(form, "date").get("value")}
    values["next_step"] = "约药剂科主任"
    response = rep.post(LISTING_URL, data={"csrf_token": csrf_from(rep.get(LISTING_URL)), **values})
    assert response.status_code == 302
    shown = page(rep.get(LISTING_URL))
    flash = find(shown, "p", class_="flash-info")
    assert flash is not None and "Nothing to save" in text(flash)
    facts = text(find(shown, "dl", class_="facts"))  # type: ignore[arg-type]
    assert "Pharmacy review" in facts and "2025-01-20" in facts and "约药剂科主任" in facts
    assert len(list(find_all(find(shown, "ol", class_="timeline"), "li"))) == 2  # type: ignore[arg-type]
