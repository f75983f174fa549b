"""Every form post outside the API needs the CSRF token: without it, 400 and nothing written.

Each route gets a body that would be accepted with the token (the control test proves it),
so a 400 is the token's doing and not a side effect of bad input.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlmodel import Session

from tests.factories import PASSWORD, login
from tests.web import world
from tests.web.pages import page, snapshot, text
from tests.web.world import post_rules, url_for_rule

HOSPITAL_CSV = "医院编码,医院名称,省份\nH320001,南京鼓楼医院,江苏\n".encode()

# endpoint → a body that would write something (or sign in/out) if the token were there
BODIES: dict[str, Callable[[], dict[str, Any]]] = {
    "auth.login": lambda: {"username": "admin", "password": "wrong-password"},
    "auth.logout": lambda: {},
    "filings.record": lambda: {"status": "submitted", "date": "2026-01-05"},
    "listings.record": lambda: {"status": "listed", "date": "2026-01-05"},
    "contracts.create": lambda: {
        "number": "HT-NEW",
        "party_code": "H310001",
        "kind": "supply",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "renewal_mode": "manual",
    },
    "contracts.renew": lambda: {"number": "HT-0002", "end": "2099-12-31"},
    "contracts.terminate": lambda: {"date": "2026-01-01", "reason": "停止"},
    "contracts.sign": lambda: {"date": "2026-01-01"},
    "auth.set_language": lambda: {"language": "zh", "next": "/"},
    "hospitals.create": lambda: {"code": "H320001", "name": "鼓楼医院", "province_code": "32"},
    "hospitals.edit": lambda: {"name": "改名医院", "province_code": "31", "active": "1"},
    "distributors.create": lambda: {"code": "D320001", "name": "国药江苏"},
    "distributors.edit": lambda: {"name": "改名配送", "province_code": "31", "active": "1"},
    "products.create": lambda: {
        "code": "P0002",
        "generic_name": "氨氯地平片",
        "unit": "片",
        "pack_size": "7",
        "category": "drug",
    },
    "products.edit": lambda: {
        "generic_name": "改名片",
        "unit": "片",
        "pack_size": "14",
        "category": "drug",
        "active": "1",
    },
    "imports.index": lambda: {
        "kind": "hospitals",
        "file": (io.BytesIO(HOSPITAL_CSV), "hospitals.csv"),
    },
    "settings.change_password": lambda: {
        "current_password": PASSWORD,
        "new_password": "a-brand-new-password",
    },
    "settings.create_token": lambda: {"label": "script"},
    "settings.revoke_token": lambda: {},
    "settings.create_user": lambda: {
        "username": "li",
        "role": "rep",
        "password": "long-enough-pw",
        "provinces": "31",
    },
    "settings.edit_user": lambda: {
        "role": "manager",
        "display_name": "Promoted",
        "active": "1",
        "provinces": "",
        "hospitals": "",
    },
    "receivables.new_invoice": lambda: {
        "number": "INV-0002",
        "customer_code": world.IN_TERRITORY,
        "invoice_date": "2025-02-01",
        "amount": "500.00",
        "payment_term": "NET90",
    },
    "receivables.hold": lambda: {"hold_reason": "quantity disputed"},
    "receivables.release": lambda: {},
    "receivables.write_off": lambda: {
        "wo_date": "2025-06-30",
        "wo_amount": "0.50",
        "wo_reason": "rounding",
    },
    "receivables.credit_note": lambda: {
        "cn_number": "CN-0001",
        "cn_date": "2025-03-01",
        "cn_amount": "10.00",
    },
    "receivables.set_province_term": lambda: {"payment_term": "VBP30"},
    "dunning.issue": lambda: {"as_of": "2025-06-01", "confirmed": "1"},
    "dunning.statements": lambda: {"as_of": "2025-06-01", "lang": "zh"},
    "jobs.cancel": lambda: {},
    "dunning.delivery": lambda: {"sent_via": "post", "sent_on": "2025-06-02"},
    "dunning.email": lambda: {"to": "ap@example.com", "lang": "zh"},
    "dunning.policy": lambda: {
        "min_interval_days": "7",
        "payment_deadline_days": "10",
        "levels-0-name": "提醒",
        "levels-0-min_days_past_due": "1",
    },
    "dunning.seal": lambda: {"remove": "1"},
    "deadlines.send_reminders": lambda: {},
    "receivables.new_payment": lambda: {
        "action": "save",
        "customer_code": world.IN_TERRITORY,
        "reference": "PAY-0001",
        "date": "2025-03-01",
        "amount": "100.00",
        "allocations-0-invoice_number": world.INVOICE,
        "allocations-0-amount": "60.00",
    },
    "tenders.new": lambda: {"code": "T-0002", "title": "省级联盟", "kind": "alliance"},
    "tenders.change_status": lambda: {"status": "registered", "date": "2025-01-05"},
    "tenders.add_line": lambda: {
        "product_code": world.PRODUCT,
        "price_per_unit": "0.3",
        "outcome": "pending",
    },
    "tenders.add_document": lambda: {"name": "GMP", "expires": "2026-01-01"},
    "tenders.award_line": lambda: {
        "code": "A-0002",
        "winners_count": "3",
        "start": "2025-06-01",
        "years": "2",
    },
}
# Posts that sign in or out rather than write a record.
NO_WRITE = {"auth.login", "auth.logout"}


def test_every_post_route_has_a_body(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in post_rules(app)}
    assert endpoints - BODIES.keys() == set(), "POST routes without a body in BODIES"
    assert BODIES.keys() - endpoints == set(), "bodies for routes that are gone"


def test_post_without_token_is_refused_and_writes_nothing(app: Flask, db: Session) -> None:
    data = world.build(db, roles=("admin", "rep"))
    client = app.test_client()
    login(client, "admin")
    wrong = []
    for rule in sorted(post_rules(app), key=lambda r: r.rule):
        url = url_for_rule(app, rule, data)
        before = snapshot(db, jobs=True)
        response = client.post(url, data=BODIES[rule.endpoint]())
        if response.status_code != 400:
            wrong.append(f"POST {url}: {response.status_code}")
        elif "The form expired" not in text(page(response)):
            wrong.append(f"POST {url}: 400 without the explanation")
        if snapshot(db, jobs=True) != before:
            wrong.append(f"POST {url}: wrote to the database")
    assert wrong == []
    assert client.get("/").status_code == 200  # the refused logout left the session alone


def test_a_token_from_another_session_is_refused(app: Flask, db: Session) -> None:
    world.build(db, roles=("admin", "manager"))
    other = app.test_client()
    foreign_token = login(other, "manager")
    client = app.test_client()
    login(client, "admin")
    before = snapshot(db, jobs=True)
    response = client.post(
        "/hospitals/new", data={**BODIES["hospitals.create"](), "csrf_token": foreign_token}
    )
    assert response.status_code == 400
    assert snapshot(db, jobs=True) == before


def test_control_the_same_posts_with_the_token_are_accepted(app: Flask, db: Session) -> None:
    data = world.build(db, roles=("admin", "rep"))
    client = app.test_client()
    token = login(client, "admin")
    wrong = []
    # Sign-out last: it ends the session the others need.
    rules = sorted(post_rules(app), key=lambda r: (r.endpoint == "auth.logout", r.rule))
    for rule in rules:
        url = url_for_rule(app, rule, data)
        before = snapshot(db, jobs=True)
        response = client.post(url, data={**BODIES[rule.endpoint](), "csrf_token": token})
        if rule.endpoint == "dunning.email" and response.status_code == 409:
            continue  # no SMTP server here: tests/api/test_dunning.py sends through a real one
        if rule.endpoint == "deadlines.send_reminders" and response.status_code == 302:
            continue  # nothing sent without an SMTP server: test_deadline_reminders_page.py
        if rule.endpoint == "jobs.cancel" and response.status_code == 302:
            continue  # the world's job has ended: nothing to cancel (tests/services/test_jobs.py)
        if response.status_code not in (200, 302, 303):
            wrong.append(f"POST {url}: {response.status_code}")
        if rule.endpoint not in NO_WRITE and snapshot(db, jobs=True) == before:
            wrong.append(f"POST {url}: wrote nothing")
    assert wrong == []
