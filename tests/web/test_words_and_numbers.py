"""What users see is right (issue 17): the words, numbers and labels of the pages, in
Chinese and English. The layouts are checked in Chromium (tests/browser)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from flask import Flask
from flask_babel import gettext
from sqlmodel import Session

from tests.factories import make_hospital
from tests.web import world
from tests.web.pages import csrf_from, field_control, find, find_all, page, text
from vbptrack.services import awards, contracts, filings, listings, payments, purchases
from vbptrack.services.access import SYSTEM
from vbptrack.web.receivables_common import today

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


def test_the_deadlines_page_and_the_contract_list_use_the_term_in_force(
    app: Flask, db: Session, data: world.World
) -> None:
    """Item 3: HT-2026-0026 auto-renewed to 2027-12-09 (its notice day 2026-11-09 passed)
    was listed as ending 2026-12-09, and the list was ordered by that old date."""
    for number, end, renewal in (
        ("HT-2026-0026", "2026-12-09", {"mode": "auto", "notice_days": 30, "months": 12}),
        ("HT-2026-0011", "2026-12-10", {"mode": "manual", "notice_days": 0, "months": 0}),
        ("HT-2026-0019", "2027-06-30", {"mode": "manual", "notice_days": 0, "months": 0}),
    ):
        contracts.create(
            db, actor=SYSTEM,
            data={"number": number, "party_code": world.DISTRIBUTOR_IN, "kind": "distribution",
                  "start": "2025-10-05", "end": end, "renewal": renewal},
        )  # fmt: skip
    manager = world.signed_in(app, data.users["manager"])
    feed = page(manager.get("/deadlines/?as_of=2026-12-03&within=30"))
    refs = [row.get("data-ref") for row in find_all(feed, "tr") if row.get("data-ref")]
    assert "HT-2026-0011" in refs and "HT-2026-0026" not in refs

    listed = page(manager.get("/contracts/?as_of=2026-12-03"))
    numbers = [text(row).split()[0] for row in find_all(find(listed, "tbody"), "tr")]  # type: ignore[arg-type]
    assert numbers.index("HT-2026-0011") < numbers.index("HT-2026-0019")
    assert numbers.index("HT-2026-0019") < numbers.index("HT-2026-0026")
    row = next(r for r in find_all(listed, "tr") if "HT-2026-0026" in text(r))
    assert "2027-12-09" in text(row)


def _award_with_hospitals(db: Session, count: int, buying: int = 0) -> None:
    """world.AWARD (year 1 = 2025) with `count` more Shanghai hospitals agreeing 1,000
    each; the first `buying` of them bought 900 in January (ahead of schedule)."""
    items = [{"hospital_code": world.IN_TERRITORY, "year": 1, "quantity": 1000}]
    purchases_ = []
    for n in range(count):
        code = f"H31{n:04d}X"
        make_hospital(db, code, "31", name=f"上海第{n + 1}医院")
        items.append({"hospital_code": code, "year": 1, "quantity": 1000})
        if n < buying:
            purchases_.append({"hospital_code": code, "product_code": world.PRODUCT,
                               "date": "2025-01-20", "quantity": 900})  # fmt: skip
    awards.set_agreed_volumes(db, actor=SYSTEM, code=world.AWARD, items=items)
    if purchases_:
        purchases.add_purchases(db, actor=SYSTEM, items=purchases_)


def test_the_at_risk_list_links_to_all_of_them_and_rows_filter_to_lagging(
    app: Flask, db: Session, data: world.World
) -> None:
    """Item 5: the badge said 21 and the list showed 20 with no way to the 21st; item 18:
    a "lagging only" filter on the page."""
    _award_with_hospitals(db, 22, buying=2)  # 20 + world's own hospital at risk, 2 ahead
    manager = world.signed_in(app, data.users["manager"])
    url = f"/awards/{world.AWARD}?year=1&as_of=2025-03-31&group_by=hospital"
    shown = page(manager.get(url))
    card = find(shown, "section", id="at-risk")
    assert card is not None
    assert text(find(card, "span", class_="badge")) == "21"  # type: ignore[arg-type]
    assert len(list(find_all(find(card, "tbody"), "tr"))) == 20  # type: ignore[arg-type]
    link = find(card, "a", id="all-at-risk")
    assert link is not None and "All 21 at risk" in text(link)

    everyone = page(manager.get(link.get("href", "").split("#")[0]))
    rows = list(find_all(find(everyone, "table", id="fulfilment-rows"), "tr"))  # type: ignore[arg-type]
    keys = [row.get("data-key") for row in rows if row.get("data-key")]
    assert len(keys) == 21 and "H310000X" not in keys  # the two ahead are left out
    assert "H310021X" in keys  # the 21st the card did not show
    footer = text(find(find(everyone, "table", id="fulfilment-rows"), "tfoot"))  # type: ignore[arg-type]
    assert "21,000" in footer  # the total is that of the rows shown

    lagging = page(manager.get(url + "&only=lagging"))
    keys = [r.get("data-key") for r in find_all(lagging, "tr") if r.get("data-key")]
    assert len(keys) == 21
    assert len([r for r in find_all(page(manager.get(url)), "tr") if r.get("data-key")]) == 23


def test_the_trend_draws_time_progress_rising_month_by_month(
    app: Flask, db: Session, data: world.World
) -> None:
    """Item 6: the time-progress line was one flat value (the as-of day's) in every month."""
    manager = world.signed_in(app, data.users["manager"])
    shown = page(manager.get(f"/awards/{world.AWARD}?year=1&as_of=2025-04-15"))
    chart = json.loads(find(shown, "script", id="fulfilment-chart-data").text or "")  # type: ignore[union-attr]
    assert [(m["label"], m["progress"]) for m in chart["months"]] == [
        ("2025-01", "0.0849"),  # Jan 31: 31 of 365 days
        ("2025-02", "0.1616"),  # Feb 28
        ("2025-03", "0.2466"),
        ("2025-04", "0.2877"),  # the month in progress: to the as-of day
    ]


def test_the_deadlines_page_names_provinces_and_products_and_counts_days_in_words(
    app: Flask, db: Session, data: world.World
) -> None:
    """Item 7: "P0002 在 41 的挂网备案到期", `price/P0002/41`, 下一页 for "next 30 days",
    and "1 days" in English."""
    filings.record(
        db, actor=SYSTEM,
        data={"kind": "price", "product_code": world.PRODUCT, "province_code": "31",
              "status": "approved", "date": "2026-01-01", "expires": "2026-03-02"},
        today=date(2026, 1, 1),
    )  # fmt: skip
    manager = world.signed_in(app, data.users["manager"])
    zh = page(manager.get("/deadlines/?as_of=2026-03-01&within=30", headers=ZH))
    row = next(r for r in find_all(zh, "tr") if r.get("data-kind") == "filing_expiry")
    cells = [text(cell) for cell in find_all(row, "td")]
    assert cells[1] == "明天"
    assert cells[3] == "阿托伐他汀钙片（P0001）在上海市的挂网备案到期"
    assert cells[4] == "挂网备案 · P0001 · 上海市"
    assert row.get("data-ref") == f"price/{world.PRODUCT}/31"  # the feed's key is unchanged
    form = text(find(zh, "form", class_="filters"))  # type: ignore[arg-type]
    assert "未来" in form and "下一页" not in form

    en = page(manager.get("/deadlines/?as_of=2026-03-01&within=30"))
    row = next(r for r in find_all(en, "tr") if r.get("data-kind") == "filing_expiry")
    cells = [text(cell) for cell in find_all(row, "td")]
    assert cells[1] == "tomorrow"
    assert cells[3] == "Price filing of 阿托伐他汀钙片 (P0001) in Shanghai expires"
    assert cells[4] == "Price filing · P0001 · Shanghai"
    assert "Due within the next" in text(find(en, "form", class_="filters"))  # type: ignore[arg-type]
    empty = text(page(manager.get("/deadlines/?as_of=2030-01-01&within=7")))
    assert "Nothing is due in the next 7 days." in empty
    # "1 day", never "1 days", wherever a count of days is shown
    listings.record_change(
        db, actor=SYSTEM, hospital_code=world.IN_TERRITORY, product_code=world.PRODUCT,
        data={"status": "pharmacy_review", "date": (today() - timedelta(days=1)).isoformat()},
    )  # fmt: skip
    mine = text(page(world.signed_in(app, data.users["rep"]).get("/listings/mine")))
    assert "1 day" in mine and "1 days" not in mine


def _history(response: object) -> list[tuple[str, str, str]]:
    """(field, old, new) rows of a page's history, and the lines above them."""
    section = find(page(response), "section", class_="history")
    assert section is not None
    return [
        tuple(text(cell) for cell in row if cell.tag in {"th", "td"} and text(cell) != "→")  # type: ignore[misc]
        for row in find_all(section, "tr")
    ]


def test_history_shows_labels_and_formatted_values_and_names_the_system(
    app: Flask, db: Session, data: world.World
) -> None:
    """Item 8: "allocated — → {'202600001403': '61529.25'}", raw field names, "system"."""
    payments.create_payment(
        db, actor=SYSTEM,
        data={"reference": "HK-1", "customer_code": world.IN_TERRITORY, "date": "2025-03-01",
              "amount": "61529.25",
              "allocations": [{"invoice_number": world.INVOICE, "amount": "600"}]},
    )  # fmt: skip
    finance = world.signed_in(app, data.users["finance"])
    customer = finance.get(f"/receivables/customers/{world.IN_TERRITORY}", headers=ZH)
    rows = _history(customer)
    assert ("核销至发票", "—", "INV-0001: 600.00") in rows
    assert ("金额", "—", "61,529.25") in rows
    assert ("医院名称", "—", "H310001 人民医院") in rows  # the hospital's own form labels
    assert ("省份", "—", "上海市") in rows
    shown = text(find(page(customer), "section", class_="history"))  # type: ignore[arg-type]
    assert "{" not in shown and "allocated" not in shown and "grade" not in shown
    assert "系统" in shown and "system" not in shown

    manager = world.signed_in(app, data.users["manager"])
    rows = _history(manager.get(f"/contracts/{world.CONTRACT}", headers=ZH))
    assert ("合同相对方", "—", "H310001") in rows and ("到期日", "—", "2098-12-31") in rows
    english = manager.get(f"/contracts/{world.CONTRACT}")
    assert ("Party", "—", "H310001") in _history(english)
    assert "· system ·" in text(find(page(english), "section", class_="history"))  # type: ignore[arg-type]


def test_dunning_levels_are_named_and_empty_delivery_says_where_to_record_it(
    app: Flask, data: world.World
) -> None:
    """Item 9: levels were bare numbers; Sent and Delivered were empty with no hint."""
    finance = world.signed_in(app, data.users["finance"])
    letters = page(finance.get("/dunning/", headers=ZH))
    row = next(r for r in find_all(letters, "tr") if r.get("data-letter") == world.LETTER)
    cells = [text(cell) for cell in find_all(row, "td")]
    assert cells[3] == "L1 · 付款提醒函"
    assert cells[5] == "登记" and cells[6] == "登记"
    link = find(row, "a", href=f"/dunning/letters/{world.LETTER}#delivery")
    assert link is not None
    assert "发送与送达" in text(find(letters, "p", id="delivery-hint"))  # type: ignore[arg-type]
    letter = text(page(finance.get(f"/dunning/letters/{world.LETTER}")))
    assert "L1 · Payment reminder" in letter
    # who cannot record delivery is told it is not recorded, not shown a blank
    rep = page(world.signed_in(app, data.users["rep"]).get("/dunning/"))
    row = next(r for r in find_all(rep, "tr") if r.get("data-letter") == world.LETTER)
    assert [text(cell) for cell in find_all(row, "td")][5:] == ["not recorded", "not recorded"]


def test_payment_terms_are_named_in_the_pages_language_and_sorted_by_days(
    app: Flask, data: world.World
) -> None:
    """Item 13: "开票后90天 / 90 days after invoice" in the Chinese UI; NET120 before NET90."""
    finance = world.signed_in(app, data.users["finance"])
    zh = page(finance.get("/receivables/terms", headers=ZH))
    rows = [
        [text(cell) for cell in find_all(row, "td")][:2]
        for row in find_all(find(zh, "section", id="terms"), "tr")  # type: ignore[arg-type]
        if row.get("id")
    ]
    assert [code for code, _name in rows] == ["VBP30", "VBP", "NET90", "NET120", "NET180"]
    assert dict(rows)["NET90"] == "开票后90天"
    assert "days after" not in text(zh)
    en = text(page(finance.get("/receivables/terms")))
    assert "90 days after invoice" in en and "开票后" not in en
    form = page(finance.get("/receivables/invoices/new", headers=ZH))
    options = [text(o) for o in find_all(field_control(form, "payment_term"), "option")]
    assert options[1:] == [
        "VBP30 · 集采结算：验收后30天",
        "VBP · 集采结算：验收次月底",
        "NET90 · 开票后90天",
        "NET120 · 开票后120天",
        "NET180 · 开票后180天",
    ]
