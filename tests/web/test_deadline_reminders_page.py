"""The deadlines page and reminders: what was e-mailed for each deadline, where each
deadline leads, and "send due reminders now" for managers (through a real SMTP server)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlmodel import Session

from tests.factories import make_product
from tests.jobs import consumer, wait_for
from tests.smtp import MailServer, body
from tests.web import world
from tests.web.pages import csrf_from, find, find_all, page, snapshot, text
from vbptrack.models import ReminderRecipient, User
from vbptrack.services import contracts, filings, reminders, tenders
from vbptrack.services.access import SYSTEM
from vbptrack.web.commercial_common import today

SEND = "/deadlines/reminders/send"


@pytest.fixture
def data(db: Session) -> world.World:
    """The world, everyone with an address, and deadlines counted from today: a bid in 7
    days, a contract ending in 30, a price filing expiring in 90."""
    built = world.build(db)
    for user in built.users.values():
        user.email = f"{user.username}@huadong.example"
        db.add(user)
    db.commit()
    now = today()
    tenders.create(
        db,
        actor=SYSTEM,
        data={"code": "T-NEAR", "title": "省级联盟带量采购", "kind": "alliance",
              "dates": {"bid": (now + timedelta(days=7)).isoformat()}},
        today=now - timedelta(days=30),
    )  # fmt: skip
    contracts.create(
        db,
        actor=SYSTEM,
        data={"number": "HT-NEAR", "party_code": world.IN_TERRITORY, "kind": "supply",
              "start": (now - timedelta(days=300)).isoformat(),
              "end": (now + timedelta(days=30)).isoformat()},
    )  # fmt: skip
    make_product(db, "P-NEAR")
    filings.record(
        db,
        actor=SYSTEM,
        data={"kind": "price", "product_code": "P-NEAR", "province_code": "31",
              "status": "approved", "date": (now - timedelta(days=100)).isoformat(),
              "expires": (now + timedelta(days=90)).isoformat()},
        today=now - timedelta(days=100),
    )  # fmt: skip
    return built


def row(root: Any, ref: str) -> Any:
    found = find(root, "tr", **{"data-ref": ref})
    assert found is not None, ref
    return found


def flashes(response: Any) -> list[str]:
    root = page(response)
    return [
        text(p)
        for p in [*find_all(root, "p", class_="flash"), *find_all(root, "p", class_="error")]
    ]


def send_now(app: Flask, client: Any, token: str) -> Any:
    """Press "send now", let a real consumer run the job, and open the job's page."""
    response = client.post(SEND, data={"csrf_token": token})
    assert response.status_code == 303, response.status_code
    location = response.headers["Location"]
    with consumer(app, workers=1):
        wait_for(app, int(location.rstrip("/").rsplit("/", 1)[1]))
    return client.get(location)


def test_each_deadline_links_to_its_record_and_is_badged_on_its_own_reminder_days(
    app: Flask, data: world.World
) -> None:
    client = world.signed_in(app, data.users["manager"])
    root = page(client.get("/deadlines/?within=90"))
    links = {
        ref: find(row(root, ref), "a").get("href")  # type: ignore[union-attr]
        for ref in ("T-NEAR", "HT-NEAR", "price/P-NEAR/31")
    }
    assert links == {
        "T-NEAR": "/tenders/T-NEAR",
        "HT-NEAR": "/contracts/HT-NEAR",
        "price/P-NEAR/31": "/filings/price/P-NEAR/31",
    }
    for ref, days in (("T-NEAR", 7), ("HT-NEAR", 30), ("price/P-NEAR/31", 90)):
        assert f"{days} days Reminder" in text(row(root, ref)), ref
    # a contract's 30 days is not a tender's reminder day: the page says whose days are whose
    assert "Tenders 14, 7, 1; Agreement year ends 60, 30, 7; Filings 90, 30, 7; " in text(root)
    assert "Contracts 90, 60, 30." in text(root)
    for link in links.values():
        assert client.get(link).status_code == 200, link


def test_a_manager_sends_the_due_reminders_now(
    app: Flask, db: Session, data: world.World, smtp_server: MailServer
) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, BASE_URL="https://crm")
    client = world.signed_in(app, data.users["manager"])
    before = page(client.get("/deadlines/?within=90"))
    assert text(row(before, "T-NEAR").find(".//td[@class='reminders-sent']")) == "—"  # type: ignore[arg-type]
    token = csrf_from(client.get("/deadlines/"))
    response = send_now(app, client, token)
    # manager and admin: all three; finance: the contract; the rep: contract and filing
    assert "Reminders sent: 3, in 4 e-mails." in flashes(response)
    (mail,) = smtp_server.to("manager@huadong.example")
    assert "https://crm/tenders/T-NEAR" in body(mail)
    assert "https://crm/filings/price/P-NEAR/31" in body(mail)
    assert "https://crm/deadlines/" in body(mail)
    day = today().isoformat()
    after = page(client.get("/deadlines/?within=90"))
    assert text(row(after, "T-NEAR")).endswith(f"reminded 7 days before, on {day}")
    assert text(row(after, "HT-NEAR")).endswith(f"reminded 30 days before, on {day}")

    again = send_now(app, client, token)
    assert "No reminders were due." in flashes(again)
    assert len(smtp_server.received) == 4


def test_send_now_says_who_has_no_address_and_who_could_not_be_reached(
    app: Flask, db: Session, data: world.World, smtp_server: MailServer
) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    smtp_server.refused.add("finance@huadong.example")
    rep = db.execute(select(User).where(User.username == world.REP)).scalar_one()
    rep.email = None
    db.commit()
    client = world.signed_in(app, data.users["admin"])
    shown = flashes(send_now(app, client, csrf_from(client.get("/deadlines/"))))
    assert "Reminders sent: 3, in 2 e-mails." in shown
    assert f"No reminders for these users: they have no e-mail address: {world.REP}." in shown
    assert any(
        m.startswith("Could not e-mail finance (finance@huadong.example):") and "550" in m
        for m in shown
    ), shown


def test_without_a_mail_server_the_button_is_off_and_sending_says_why(
    app: Flask, db: Session, data: world.World
) -> None:
    client = world.signed_in(app, data.users["manager"])
    root = page(client.get("/deadlines/"))
    button = find(find(root, "form", id="send-reminders"), "button")  # type: ignore[arg-type]
    assert button is not None and button.get("disabled") is not None
    before = snapshot(db)
    response = client.post(
        SEND, data={"csrf_token": csrf_from(client.get("/deadlines/"))}, follow_redirects=True
    )
    assert "No SMTP server is configured (VBPTRACK_SMTP_HOST)." in flashes(response)
    assert snapshot(db) == before


@pytest.mark.parametrize("role", ["finance", "rep"])
def test_only_managers_and_admins_send_reminders(
    app: Flask, db: Session, data: world.World, smtp_server: MailServer, role: str
) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    client = world.signed_in(app, data.users[role])
    root = page(client.get("/deadlines/"))
    assert find(root, "form", id="send-reminders") is None
    token = csrf_from(client.get("/deadlines/"))
    assert client.post(SEND, data={"csrf_token": token}).status_code == 403
    assert smtp_server.received == []
    assert db.execute(select(func.count()).select_from(ReminderRecipient)).scalar_one() == 0


def test_a_rep_sees_the_reminders_of_their_territory_in_chinese(
    app: Flask, db: Session, data: world.World, smtp_server: MailServer
) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    with app.app_context():
        reminders.send_due(db, actor=SYSTEM, as_of=today(), settings=app.config)
    client = world.signed_in(app, data.users["rep"])
    client.post("/language", data={"language": "zh", "next": "/",
                                   "csrf_token": csrf_from(client.get("/deadlines/"))})  # fmt: skip
    root = page(client.get("/deadlines/?within=90"))
    assert f"已提醒（提前 30 天，{today().isoformat()}）" in text(row(root, "HT-NEAR"))
    assert "每天通过邮件发送提醒" in text(root)
    (mail,) = smtp_server.to(f"{world.REP}@huadong.example")
    assert "HT-NEAR" in body(mail) and "[T-NEAR]" not in body(mail)
