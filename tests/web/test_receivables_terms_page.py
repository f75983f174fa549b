"""The payment-terms page: terms in words, and finance setting a province's VBP rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Flask
from sqlmodel import Session

from tests.factories import login
from tests.web import world
from tests.web.pages import find, find_all, page, snapshot, text
from vbptrack.models import Province
from vbptrack.services import invoices
from vbptrack.services.access import SYSTEM

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def province_cell(root: object, code: str) -> str:
    row = find(root, "tr", id=f"province-{code}")  # type: ignore[arg-type]
    assert row is not None, f"no row for province {code}"
    return text(row)


def test_terms_are_described_in_words(app: Flask, db: Session) -> None:
    data = world.build(db)
    client = app.test_client()
    login(client, data.users["rep"].username)
    root = page(client.get("/receivables/terms"))
    net90 = text(find(root, "tr", id="term-NET90"))  # type: ignore[arg-type]
    assert "100 % · 90 days after the invoice date" in net90
    vbp = text(find(root, "tr", id="term-VBP"))  # type: ignore[arg-type]
    assert "end of the month 1 month after the acceptance date" in vbp
    # A rep reads the rules but gets no form to change them.
    assert not list(find_all(root, "select", name="payment_term"))
    assert "National default (VBP)" in province_cell(root, "44")

    zh = page(client.get("/receivables/terms", headers=ZH))
    assert "验收日期" in text(find(zh, "tr", id="term-VBP"))  # type: ignore[arg-type]


def test_finance_sets_guangdong_to_30_days_and_invoices_follow(app: Flask, db: Session) -> None:
    data = world.build(db)
    client = app.test_client()
    token = login(client, data.users["finance"].username)
    response = client.post(
        "/receivables/terms/provinces/44", data={"csrf_token": token, "payment_term": "VBP30"}
    )
    assert response.status_code == 302
    root = page(client.get(response.headers["Location"]))
    assert "VBP invoices now use VBP30" in text(root)
    selected = [
        option.get("value")
        for option in find_all(find(root, "tr", id="province-44"), "option")  # type: ignore[arg-type]
        if option.get("selected") is not None
    ]
    assert selected == ["VBP30"]

    # A Guangdong hospital's VBP invoice now falls due 30 days after acceptance.
    invoices.create(
        db,
        actor=SYSTEM,
        data={
            "number": "GD-VBP-1",
            "customer_code": world.OUTSIDE,
            "invoice_date": "2024-01-05",
            "acceptance_date": "2024-01-20",
            "amount": "80.00",
            "payment_term": "VBP",
        },
    )
    view = invoices.view(db, actor=SYSTEM, number="GD-VBP-1", as_of=date(2024, 1, 31))
    assert [(i.due_date, i.amount) for i in view.instalments] == [
        (date(2024, 2, 19), Decimal("80.00"))
    ]

    # Back to the national default.
    response = client.post(
        "/receivables/terms/provinces/44", data={"csrf_token": token, "payment_term": ""}
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Province, "44").vbp_term_id is None  # type: ignore[union-attr]


def test_unknown_term_is_explained_and_nothing_changes(app: Flask, db: Session) -> None:
    data = world.build(db)
    client = app.test_client()
    token = login(client, data.users["finance"].username)
    before = snapshot(db)
    response = client.post(
        "/receivables/terms/provinces/44", data={"csrf_token": token, "payment_term": "NOPE"}
    )
    assert response.status_code == 422
    assert "No payment term NOPE." in province_cell(page(response), "44")
    assert snapshot(db) == before
    missing = client.post(
        "/receivables/terms/provinces/99", data={"csrf_token": token, "payment_term": "VBP30"}
    )
    assert missing.status_code == 404
    assert snapshot(db) == before


def test_only_finance_and_admin_may_change_a_rule(app: Flask, db: Session) -> None:
    data = world.build(db)
    for role in ("manager", "rep"):
        client = app.test_client()
        token = login(client, data.users[role].username)
        before = snapshot(db)
        response = client.post(
            "/receivables/terms/provinces/44", data={"csrf_token": token, "payment_term": "VBP30"}
        )
        assert response.status_code == 403, role
        assert snapshot(db) == before, role
