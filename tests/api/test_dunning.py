"""The dunning API (API.md "Dunning") on SQLite and PostgreSQL: policy, dry run then
issue, letter JSON and its archived PDF (read back with pdftotext and pdftoppm, returned
byte for byte), roles and territory, delivery records, e-mail through a real SMTP server,
the run's print batch and the customer statement."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import API, Headers, database_state
from tests.dunning_helpers import customer, first_page_ink, overdue_invoice, pdf_text, set_policy
from tests.smtp import MailServer

AS_OF = "2026-03-02"  # INV-A is 60 days past due, INV-B 29


@pytest.fixture
def finance(db: Session, token_for: Callable[..., Headers]) -> Headers:
    set_policy(db)
    customer(db, "H-SH", "复旦大学附属华山医院", "31")
    customer(db, "H-GD", "中山大学附属第一医院", "44")
    overdue_invoice(db, "INV-A", "H-SH", date(2026, 1, 1), "12345.67")
    overdue_invoice(db, "INV-B", "H-SH", date(2026, 2, 1), "1000.00")
    overdue_invoice(db, "INV-C", "H-GD", date(2026, 1, 1), "500.00")
    return token_for("finance")


def issue(client: FlaskClient, headers: Headers, dry_run: bool = False) -> Any:
    response = client.post(
        API + "/dunning/runs", json={"as_of": AS_OF, "dry_run": dry_run}, headers=headers
    )
    assert response.status_code == (200 if dry_run else 201), response.json
    return response.json


def test_dry_run_then_issue_then_nothing_new(
    client: FlaskClient, db: Session, finance: Headers
) -> None:
    before = database_state(db)
    preview = issue(client, finance, dry_run=True)
    assert database_state(db) == before  # a dry run writes nothing
    issued = issue(client, finance)
    assert [x["customer_code"] for x in issued["letters"]] == ["H-GD", "H-SH"]
    assert [x["customer_code"] for x in preview["letters"]] == ["H-GD", "H-SH"]
    sh = issued["letters"][1]
    assert sh == {**preview["letters"][1], "number": sh["number"]}
    assert re.fullmatch(r"DL-2026-\d{6}", sh["number"])
    assert sh["invoices"] == [
        {
            "number": "INV-A",
            "due_date": "2026-01-01",
            "days_past_due": 60,
            "outstanding": "12345.67",
            "interest": "0.00",
        },
        {
            "number": "INV-B",
            "due_date": "2026-02-01",
            "days_past_due": 29,
            "outstanding": "1000.00",
            "interest": "0.00",
        },
    ]
    assert (sh["outstanding"], sh["fee"], sh["grand_total"]) == ("13345.67", "0.00", "13345.67")
    assert issue(client, finance)["letters"] == []  # same date again
    got = client.get(API + f"/dunning/letters/{sh['number']}", headers=finance).json
    assert {k: got[k] for k in sh} == sh


def test_letter_pdf_is_archived_and_shows_the_json(
    client: FlaskClient, finance: Headers, tmp_path: Path
) -> None:
    letter = issue(client, finance)["letters"][1]
    number = letter["number"]
    zh = client.get(API + f"/dunning/letters/{number}/pdf?lang=zh", headers=finance)
    assert zh.status_code == 200 and zh.mimetype == "application/pdf"
    text = pdf_text(zh.data, tmp_path)
    for expected in (
        "复旦大学附属华山医院",
        number,
        "INV-A",
        "INV-B",
        "12,345.67",
        "13,345.67",
        "付款提醒函",
        "上海华东医药科技有限公司",
        "1219 0812 3410 001",
    ):
        assert expected in text, expected
    assert first_page_ink(zh.data, tmp_path) > 0.01
    en = client.get(API + f"/dunning/letters/{number}/pdf?lang=en", headers=finance)
    en_text = pdf_text(en.data, tmp_path)
    assert "Payment reminder" in en_text and "13,345.67" in en_text
    # Archived: the same bytes every time, matching the SHA-256 the JSON gives.
    again = client.get(API + f"/dunning/letters/{number}/pdf?lang=zh", headers=finance)
    assert again.data == zh.data
    meta = client.get(API + f"/dunning/letters/{number}", headers=finance).json
    assert meta["documents"]["zh"]["sha256"] == hashlib.sha256(zh.data).hexdigest()
    assert zh.headers["X-Content-SHA256"] == meta["documents"]["zh"]["sha256"]
    bad = client.get(API + f"/dunning/letters/{number}/pdf?lang=fr", headers=finance)
    assert bad.status_code == 422 and "lang" in bad.json["error"]["fields"]


def test_archived_letter_does_not_change_when_the_policy_does(
    client: FlaskClient, db: Session, finance: Headers
) -> None:
    number = issue(client, finance)["letters"][0]["number"]
    first = client.get(API + f"/dunning/letters/{number}/pdf", headers=finance).data
    set_policy(db, interval=7)
    response = client.put(
        API + "/dunning/policy",
        headers=finance,
        json={
            "min_interval_days": 7,
            "payment_deadline_days": 5,
            "levels": [{"level": 1, "name": "Only", "min_days_past_due": 1}],
            "company_name_zh": "改名公司",
        },
    )
    assert response.status_code == 200, response.json
    assert client.get(API + f"/dunning/letters/{number}/pdf", headers=finance).data == first


def test_roles_and_territory(
    client: FlaskClient, db: Session, finance: Headers, token_for: Callable[..., Headers]
) -> None:
    letters = issue(client, finance)["letters"]
    gd, sh = letters[0]["number"], letters[1]["number"]
    manager, rep = token_for("manager"), token_for("rep", provinces=["31"])
    before = database_state(db)
    for headers in (manager, rep):
        assert (
            client.post(API + "/dunning/runs", json={"as_of": AS_OF}, headers=headers).status_code
            == 403
        )
        assert client.put(API + "/dunning/policy", json={}, headers=headers).status_code == 403
        assert (
            client.post(
                API + f"/dunning/letters/{sh}/delivery", json={}, headers=headers
            ).status_code
            == 403
        )
    assert database_state(db) == before
    assert client.get(API + f"/dunning/letters/{sh}", headers=rep).status_code == 200
    assert client.get(API + f"/dunning/letters/{gd}", headers=rep).status_code == 404
    assert client.get(API + f"/dunning/letters/{gd}/pdf", headers=rep).status_code == 404
    listed = client.get(API + "/dunning/letters", headers=rep).json
    assert [i["number"] for i in listed["items"]] == [sh] and listed["total"] == 1
    assert client.get(API + "/dunning/statements/H-GD", headers=rep).status_code == 404
    assert client.post(API + "/dunning/runs", json={"as_of": AS_OF}).status_code == 401


def test_policy_and_runs_answer_as_the_pages_do(
    client: FlaskClient, finance: Headers, token_for: Callable[..., Headers]
) -> None:
    """The policy carries our bank account: the API answers it as the page does (403 to
    all but admin and finance). A run spans every territory: a rep gets 403 for its
    print batch, a manager (who sees every customer) gets it."""
    run_id = issue(client, finance)["run_id"]
    manager, rep = token_for("manager"), token_for("rep", provinces=["31"])
    policy = client.get(API + "/dunning/policy", headers=finance)
    assert policy.status_code == 200 and "bank_account" in policy.json
    for headers in (manager, rep):
        refused = client.get(API + "/dunning/policy", headers=headers)
        assert refused.status_code == 403 and "bank_account" not in refused.get_data(as_text=True)
        assert refused.json["error"]["code"] == "forbidden"
    assert client.get(API + f"/dunning/runs/{run_id}/pdf", headers=rep).status_code == 403
    assert client.get(API + f"/dunning/runs/{run_id}/pdf", headers=manager).status_code == 200


def test_bad_input_is_422_and_writes_nothing(
    client: FlaskClient, db: Session, finance: Headers
) -> None:
    before = database_state(db)
    bad_run = client.post(API + "/dunning/runs", json={"as_of": "2026-02-30"}, headers=finance)
    assert bad_run.status_code == 422 and "as_of" in bad_run.json["error"]["fields"]
    far = client.post(API + "/dunning/runs", json={"as_of": "9999-12-31"}, headers=finance)
    assert far.status_code == 422 and "as_of" in far.json["error"]["fields"]
    bad_policy = client.put(
        API + "/dunning/policy",
        headers=finance,
        json={
            "min_interval_days": 14,
            "payment_deadline_days": 10,
            "levels": [
                {
                    "level": 1,
                    "name": "A",
                    "min_days_past_due": 1,
                    "annual_interest_rate": 6.5,
                    "fee": "1.234",
                }
            ],
        },
    )
    assert bad_policy.status_code == 422
    assert set(bad_policy.json["error"]["fields"]) == {
        "levels.0.annual_interest_rate",
        "levels.0.fee",
    }
    assert database_state(db) == before


def test_delivery_record(client: FlaskClient, finance: Headers) -> None:
    number = issue(client, finance)["letters"][0]["number"]
    path = API + f"/dunning/letters/{number}/delivery"
    early = client.post(path, headers=finance, json={"sent_via": "post", "sent_on": "2026-03-01"})
    assert early.status_code == 422 and "sent_on" in early.json["error"]["fields"]
    backwards = client.post(
        path,
        headers=finance,
        json={"sent_via": "post", "sent_on": "2026-03-03", "delivered_on": "2026-03-02"},
    )
    assert backwards.status_code == 422 and "delivered_on" in backwards.json["error"]["fields"]
    ok = client.post(
        path,
        headers=finance,
        json={"sent_via": "post", "sent_on": "2026-03-03", "delivered_on": "2026-03-05"},
    )
    assert ok.status_code == 200
    assert (ok.json["sent_via"], ok.json["delivered_on"]) == ("post", "2026-03-05")


def test_email_sends_the_archived_pdf(
    app: Flask, client: FlaskClient, finance: Headers, smtp_server: MailServer
) -> None:
    port, received = smtp_server.port, smtp_server.received
    number = issue(client, finance)["letters"][1]["number"]
    path = API + f"/dunning/letters/{number}/email"
    not_set = client.post(path, headers=finance, json={"to": "ap@huashan.example"})
    assert not_set.status_code == 409
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="ar@huadong.example")
    no_address = client.post(path, headers=finance, json={})
    assert no_address.status_code == 422 and "to" in no_address.json["error"]["fields"]
    sent = client.post(path, headers=finance, json={"to": "ap@huashan.example", "lang": "zh"})
    assert sent.status_code == 200, sent.json
    assert (sent.json["sent_via"], sent.json["emailed_to"]) == ("email", "ap@huashan.example")
    assert len(received) == 1 and received[0].rcpt_tos == ["ap@huashan.example"]
    message = smtp_server.messages()[0]
    attachment = next(p for p in message.walk() if p.get_content_type() == "application/pdf")
    archived = client.get(API + f"/dunning/letters/{number}/pdf?lang=zh", headers=finance).data
    assert attachment.get_payload(decode=True) == archived


def test_run_print_batch_and_statement(
    client: FlaskClient, finance: Headers, tmp_path: Path
) -> None:
    run = issue(client, finance)
    batch = client.get(API + f"/dunning/runs/{run['run_id']}/pdf?lang=zh", headers=finance)
    assert batch.status_code == 200
    text = pdf_text(batch.data, tmp_path)
    assert text.index("中山大学附属第一医院") < text.index("复旦大学附属华山医院")
    statement = client.get(
        API + "/dunning/statements/H-SH?as_of=2026-03-02&lang=zh", headers=finance
    )
    assert statement.status_code == 200
    text = pdf_text(statement.data, tmp_path)
    assert "对账单" in text and "INV-A" in text and "13,345.67" in text
