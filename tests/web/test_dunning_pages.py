"""Dunning pages: preview then issue, the run and its letters, a letter with its archived
PDF, delivery, the customer page's history and statement, the policy form (errors in
the user's language), and a rep who sees only the territory."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, select

from tests.dunning_helpers import customer, overdue_invoice, pdf_text, set_policy
from tests.jobs import consumer, wait_for
from tests.web import world
from tests.web.pages import field_error, find, find_all, page, snapshot, text
from vbptrack.models import DunningLetter

AS_OF = "2026-03-02"


@pytest.fixture
def data(db: Session) -> world.World:
    built = world.build(db)
    set_policy(db)
    customer(db, "H-SH", "复旦大学附属华山医院", "31")
    customer(db, "H-GD", "中山大学附属第一医院", "44")
    overdue_invoice(db, "INV-A", "H-SH", date(2026, 1, 1), "12345.67")
    overdue_invoice(db, "INV-C", "H-GD", date(2026, 1, 1), "500.00")
    return built


def test_preview_then_issue_then_letter_and_customer_page(
    app: Flask, db: Session, data: world.World, tmp_path: Path
) -> None:
    finance = world.signed_in(app, data.users["finance"])
    before = snapshot(db)
    preview = page(finance.get(f"/dunning/preview?as_of={AS_OF}"))
    assert snapshot(db) == before
    rows = {
        row.get("data-customer"): text(row)
        for row in find_all(preview, "tr")
        if row.get("data-customer")
    }
    assert "12,345.67" in rows["H-SH"] and "INV-A" in rows["H-SH"]
    assert world.IN_TERRITORY in rows  # INV-0001 is overdue on that date too
    token = find(preview, "input", name="csrf_token").get("value")  # type: ignore[union-attr]
    # Issuing asks first, with the count and the total …
    confirm = finance.post("/dunning/runs", data={"as_of": AS_OF, "csrf_token": token})
    assert confirm.status_code == 200
    question = text(find(page(confirm), id="confirm"))  # type: ignore[arg-type]
    assert question.startswith("3 letters, total ") and question.endswith("— issue?")
    assert snapshot(db) == before
    # … then runs in the background; the job's page shows the letters as they are issued.
    issued = finance.post(
        "/dunning/runs", data={"as_of": AS_OF, "csrf_token": token, "confirmed": "1"}
    )
    assert issued.status_code == 303 and "/jobs/" in issued.headers["Location"]
    job_id = int(issued.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with consumer(app, workers=1):
        job = wait_for(app, job_id)
    assert job.status == "done" and job.result["letters"] == 3  # type: ignore[index]
    job_page = page(finance.get(issued.headers["Location"]))
    assert len([r for r in find_all(job_page, "tr") if r.get("data-letter")]) == 3
    run_page = page(finance.get(f"/dunning/runs/{job.result['run_id']}"))  # type: ignore[index]
    assert "复旦大学附属华山医院" in text(run_page)
    letter = db.exec(
        select(DunningLetter)
        .where(DunningLetter.date == date(2026, 3, 2))
        .order_by(DunningLetter.number)
    ).first()
    assert letter is not None
    letter_page = page(finance.get(f"/dunning/letters/{letter.number}"))
    assert letter.number in text(letter_page)
    pdf = finance.get(f"/dunning/letters/{letter.number}/pdf?lang=zh")
    assert pdf.mimetype == "application/pdf" and letter.number in pdf_text(pdf.data, tmp_path)
    # Issuing again the same day: nothing new.
    again = finance.post("/dunning/runs", data={"as_of": AS_OF, "csrf_token": token})
    assert "No letters are due on this date." in again.get_data(as_text=True)
    assert len(db.exec(select(DunningLetter)).all()) == 4  # world's letter + three customers
    customer_page = page(finance.get("/receivables/customers/H-SH"))
    history = find(customer_page, "section", id="dunning-letters")
    assert history is not None and "DL-2026-" in text(history)
    statement = finance.get("/dunning/customers/H-SH/statement?as_of=2026-03-02&lang=zh")
    assert "INV-A" in pdf_text(statement.data, tmp_path)


def test_delivery_form_records_and_reports_problems(app: Flask, data: world.World) -> None:
    finance = world.signed_in(app, data.users["finance"])
    letter_page = page(finance.get(f"/dunning/letters/{world.LETTER}"))
    token = find(letter_page, "input", name="csrf_token").get("value")  # type: ignore[union-attr]
    url = f"/dunning/letters/{world.LETTER}/delivery"
    bad = finance.post(
        url,
        data={
            "csrf_token": token,
            "sent_via": "post",
            "sent_on": "2025-06-05",
            "delivered_on": "2025-06-01",
        },
    )
    assert bad.status_code == 422
    assert "before the day it was sent" in bad.get_data(as_text=True)
    ok = finance.post(
        url,
        data={
            "csrf_token": token,
            "sent_via": "hand",
            "sent_on": "2025-06-05",
            "delivered_on": "2025-06-06",
        },
        follow_redirects=True,
    )
    assert "2025-06-06" in text(find(page(ok), id="letter-delivered"))  # type: ignore[arg-type]


def test_policy_form_in_chinese_and_saves(app: Flask, db: Session, data: world.World) -> None:
    finance = world.signed_in(app, data.users["finance"])
    form = page(finance.get("/dunning/policy"))
    token = find(form, "input", name="csrf_token").get("value")  # type: ignore[union-attr]
    assert (
        finance.post(
            "/language", data={"language": "zh", "csrf_token": token, "next": "/"}
        ).status_code
        == 302
    )
    bad = finance.post(
        "/dunning/policy",
        data={
            "csrf_token": token,
            "min_interval_days": "abc",
            "payment_deadline_days": "10",
            "levels-0-name": "提醒",
            "levels-0-min_days_past_due": "1",
            "levels-0-wording_zh": "{{ customer ",
        },
    )
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "整数" in body  # "Enter a whole number." in Chinese
    assert "模板" in body
    ok = finance.post(
        "/dunning/policy",
        data={
            "csrf_token": token,
            "min_interval_days": "7",
            "payment_deadline_days": "5",
            "bank_name": "招商银行上海张江支行",
            "bank_name_en": "China Merchants Bank, Zhangjiang",
            "contact_name": "王会计",
            "contact_name_en": "Ms Wang",
            "levels-0-name": "提醒",
            "levels-0-min_days_past_due": "1",
            "levels-0-fee": "20",
        },
    )
    assert ok.status_code == 302
    from vbptrack.services import dunning_policy

    saved = dunning_policy.load(db)
    assert saved.policy.min_interval_days == 7 and len(saved.levels) == 1
    # the English letter's bank and contact (issue 17 item 12)
    assert (saved.policy.bank_name_en, saved.policy.contact_name_en) == (
        "China Merchants Bank, Zhangjiang",
        "Ms Wang",
    )
    assert saved.policy.bank_name == "招商银行上海张江支行"
    assert saved.levels[0].fee_fen == 2000
    preview = finance.get("/dunning/policy/preview?level=1&lang=zh")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"


def test_a_wording_bomb_is_refused_next_to_its_field(
    app: Flask, db: Session, data: world.World
) -> None:
    """`{{ 'x' * 10**8 }}` would print 100 MB in every letter: the form says why, in the
    user's language, and keeps the policy as it was."""
    from vbptrack.services import dunning_policy

    finance = world.signed_in(app, data.users["finance"])
    token = find(page(finance.get("/dunning/policy")), "input", name="csrf_token").get("value")
    finance.post("/language", data={"language": "zh", "csrf_token": token, "next": "/"})
    before = dunning_policy.as_dict(dunning_policy.load(db))
    refused = finance.post(
        "/dunning/policy",
        data={
            "csrf_token": token,
            "min_interval_days": "14",
            "payment_deadline_days": "10",
            "levels-0-name": "提醒",
            "levels-0-min_days_past_due": "1",
            "levels-0-wording_zh": "尊敬的{{ customer }}：\n{{ 'x' * 10**8 }}",
        },
    )
    assert refused.status_code == 422
    message = field_error(page(refused), "levels-0-wording_zh")
    assert message is not None and "第 2 行" in message and "*" in message
    db.expire_all()
    assert dunning_policy.as_dict(dunning_policy.load(db)) == before


def test_rep_sees_territory_letters_only_and_cannot_issue(app: Flask, data: world.World) -> None:
    finance = world.signed_in(app, data.users["finance"])
    token = find(page(finance.get("/dunning/preview")), "input", name="csrf_token").get("value")  # type: ignore[union-attr]
    issued = finance.post(
        "/dunning/runs", data={"as_of": AS_OF, "csrf_token": token, "confirmed": "1"}
    )
    with consumer(app, workers=1):
        job = wait_for(app, int(issued.headers["Location"].rstrip("/").rsplit("/", 1)[1]))
    run_url = f"/dunning/runs/{job.result['run_id']}"  # type: ignore[index]
    rep = world.signed_in(app, data.users["rep"])
    # The run counts letters of every territory: not a rep's page, nor its print batch.
    assert rep.get(run_url).status_code == 403
    assert rep.get(run_url + "/pdf?lang=zh").status_code == 403
    listing = text(page(rep.get("/dunning/")))
    assert "复旦大学附属华山医院" in listing and "中山大学附属第一医院" not in listing
    assert rep.get("/dunning/customers/H-GD/statement").status_code == 404
    assert 'href="/dunning/preview"' not in rep.get("/dunning/").get_data(as_text=True)
