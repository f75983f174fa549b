"""Deadline reminders through the service, on SQLite and PostgreSQL, e-mailed through a
real local SMTP server: who gets what, once; in their language; a missed day; a refused
or absent mail server; the offsets from the configuration."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlmodel import Session

from tests.factories import make_hospital, make_product
from tests.smtp import MailServer, body, free_port
from vbptrack import config as app_config
from vbptrack import create_app
from vbptrack.models import Reminder, ReminderRecipient, User
from vbptrack.services import contracts, filings, reminders, tenders
from vbptrack.services import users as user_service
from vbptrack.services.access import SYSTEM, Actor
from vbptrack.services.errors import Forbidden
from vbptrack.services.mail import MailNotConfigured

D = date
AS_OF = D(2026, 3, 2)
# What falls due on AS_OF with the default offsets:
#   T-1 bid 2026-03-09, 7 days ahead           → the 7-day reminder (managers, admins)
#   HT-SH ends 2026-04-01, 30 days, Shanghai   → 30-day (managers, admins, finance, wang)
#   HT-GD ends 2026-05-01, 60 days, Guangdong  → 60-day (managers, admins, finance, li)
#   price/P1/31 expires 2026-05-31, 90 days    → 90-day (managers, admins, wang)
ALL = {
    ("tender_bid", "T-1", 7),
    ("contract_end", "HT-SH", 30),
    ("contract_end", "HT-GD", 60),
    ("filing_expiry", "price/P1/31", 90),
}
EXPECTED = {
    "zhang": ALL,  # manager, reads Chinese
    "root": ALL,  # admin
    "qian": {("contract_end", "HT-SH", 30), ("contract_end", "HT-GD", 60)},  # finance
    "wang": {("contract_end", "HT-SH", 30), ("filing_expiry", "price/P1/31", 90)},  # rep 31
    "li": {("contract_end", "HT-GD", 60)},  # rep 44
}


def person(
    db: Session,
    username: str,
    role: str,
    email: str | None,
    *,
    language: str | None = None,
    provinces: tuple[str, ...] = (),
    active: bool = True,
) -> User:
    user = user_service.create(
        db,
        actor=SYSTEM,
        username=username,
        role=role,
        password="long-enough-pw",
        email=email,
        provinces=provinces,
    )
    user.language, user.active = language, active
    db.add(user)
    db.commit()
    return user


def address(username: str) -> str:
    return f"{username}@huadong.example"


@pytest.fixture
def company(app: Flask, db: Session) -> Iterator[None]:
    make_hospital(db, "H-SH", "31")
    make_hospital(db, "H-GD", "44")
    make_product(db, "P1")
    tenders.create(
        db,
        actor=SYSTEM,
        data={
            "code": "T-1",
            "title": "第十一批国家集采",
            "kind": "national_vbp",
            "dates": {"bid": "2026-03-09"},
        },
        today=D(2026, 1, 5),
    )
    for number, party, end in (("HT-SH", "H-SH", "2026-04-01"), ("HT-GD", "H-GD", "2026-05-01")):
        contracts.create(
            db,
            actor=SYSTEM,
            data={"number": number, "party_code": party, "kind": "supply",
                  "start": "2025-04-02", "end": end},
        )  # fmt: skip
    filings.record(
        db,
        actor=SYSTEM,
        data={"kind": "price", "product_code": "P1", "province_code": "31",
              "status": "approved", "date": "2025-06-01", "effective": "2025-06-01",
              "expires": "2026-05-31"},
        today=D(2025, 6, 1),
    )  # fmt: skip
    person(db, "zhang", "manager", address("zhang"), language="zh")
    person(db, "root", "admin", address("root"), language="en")
    person(db, "qian", "finance", address("qian"))
    person(db, "wang", "rep", address("wang"), provinces=("31",))
    person(db, "li", "rep", address("li"), provinces=("44",))
    person(db, "nomail", "manager", None)
    person(db, "gone", "manager", address("gone"), active=False)
    with app.app_context():
        yield


def configure(app: Flask, server: MailServer | None, **settings: Any) -> None:
    port = server.port if server else free_port()  # nothing listens on a free port
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="crm@huadong.example", **settings
    )


def run(app: Flask, db: Session, as_of: date = AS_OF, actor: Actor = SYSTEM) -> Any:
    return reminders.send_due(db, actor=actor, as_of=as_of, settings=app.config)


def digest(result: Any, username: str) -> set[tuple[str, str, int]]:
    (found,) = [d for d in result.sent if d.username == username]
    return {(i.deadline.kind, i.deadline.ref, i.offset) for i in found.items}


def recorded(db: Session) -> set[tuple[str, str, str, int]]:
    """(username, kind, ref, offset) of every recipient row."""
    rows = db.execute(
        select(User.username, Reminder.kind, Reminder.ref, Reminder.offset_days)
        .join(ReminderRecipient, ReminderRecipient.reminder_id == Reminder.id)
        .join(User, User.id == ReminderRecipient.user_id)
    ).all()
    return {tuple(row) for row in rows}  # type: ignore[misc]


def expected_rows(*usernames: str) -> set[tuple[str, str, str, int]]:
    return {(u, *item) for u in usernames for item in EXPECTED[u]}


def count(db: Session, table: type) -> int:
    return db.execute(select(func.count()).select_from(table)).scalar_one()


def test_due_reminders_are_emailed_once_each_and_a_second_run_sends_nothing(
    app: Flask, db: Session, company: None, smtp_server: MailServer
) -> None:
    configure(app, smtp_server)
    result = run(app, db)
    assert result.ok and result.reminders == len(ALL)
    assert sorted(d.username for d in result.sent) == sorted(EXPECTED)
    for username, items in EXPECTED.items():
        assert digest(result, username) == items, username
        (mail,) = smtp_server.to(address(username))  # one digest per person
        assert mail["From"] == "crm@huadong.example"
        refs = {ref for _, ref, _ in items}
        text = body(mail)
        assert {ref for ref in ("T-1", "HT-SH", "HT-GD", "price/P1/31") if ref in text} == refs
    assert recorded(db) == expected_rows(*EXPECTED)
    assert count(db, Reminder) == len(ALL)

    again = run(app, db)
    assert again.sent == [] and again.failed == [] and again.reminders == 0
    assert len(smtp_server.received) == len(EXPECTED)
    assert count(db, ReminderRecipient) == len(expected_rows(*EXPECTED))


def test_a_rep_hears_only_of_their_territory_and_finance_only_of_contracts(
    app: Flask, db: Session, company: None, smtp_server: MailServer
) -> None:
    configure(app, smtp_server)
    run(app, db)
    wang = body(smtp_server.to(address("wang"))[0])
    assert "HT-SH" in wang and "price/P1/31" in wang
    assert "HT-GD" not in wang and "T-1" not in wang
    li = body(smtp_server.to(address("li"))[0])
    assert "HT-GD" in li and "HT-SH" not in li and "P1" not in li
    qian = body(smtp_server.to(address("qian"))[0])
    assert "HT-SH" in qian and "HT-GD" in qian and "T-1" not in qian and "P1" not in qian


def test_users_without_an_address_are_skipped_and_counted_and_inactive_ones_ignored(
    app: Flask, db: Session, company: None, smtp_server: MailServer
) -> None:
    configure(app, smtp_server)
    result = run(app, db)
    assert result.without_email == ["nomail"]
    assert smtp_server.to(address("gone")) == []
    assert {u for u, *_ in recorded(db)} == set(EXPECTED)


def test_the_digest_is_in_the_readers_language(
    app: Flask, db: Session, company: None, smtp_server: MailServer
) -> None:
    configure(app, smtp_server, BASE_URL="https://crm.huadong.example")
    links = reminders.Links(deadline=lambda kind, ref: f"/go/{kind}/{ref}", overview="/deadlines/")
    reminders.send_due(db, actor=SYSTEM, as_of=AS_OF, settings=app.config, links=links)
    (zh,) = smtp_server.to(address("zhang"))
    assert zh["Subject"] == "vbptrack：4 项截止日期临近"
    text = body(zh)
    assert "zhang，您好：" in text
    assert "2026-03-09  招标报价  （还有 7 天）" in text
    assert "报价截止：第十一批国家集采 [T-1]" in text
    assert "合同 HT-SH 到期" in text
    assert "https://crm.huadong.example/go/tender_bid/T-1" in text
    assert "全部截止事项：https://crm.huadong.example/deadlines/" in text
    assert "Bid deadline" not in text
    (en,) = smtp_server.to(address("root"))
    assert en["Subject"] == "vbptrack: 4 deadlines coming up"
    text = body(en)
    assert "2026-03-09  Tender bid  (in 7 days)" in text
    assert "Bid deadline: 第十一批国家集采 [T-1]" in text
    assert "Everything due: https://crm.huadong.example/deadlines/" in text
    # qian chose no language: the app's default, English
    assert body(smtp_server.to(address("qian"))[0]).startswith("Hello qian,")
    # the record keeps the English title, as the API lists it
    titles = set(db.execute(select(Reminder.title)).scalars())
    assert "Bid deadline: 第十一批国家集采" in titles


def test_a_missed_day_sends_the_latest_reminder_late_and_never_two_at_once(
    app: Flask, db: Session, company: None, smtp_server: MailServer
) -> None:
    configure(app, smtp_server)
    # Nobody ran the reminders for a week: the bid (T-1, 03-09) is 3 days away, its 14-
    # and 7-day reminders have both fallen due; only the 7-day one goes, once.
    result = run(app, db, as_of=D(2026, 3, 6))
    assert ("tender_bid", "T-1", 7) in digest(result, "zhang")
    assert ("tender_bid", "T-1", 14) not in digest(result, "zhang")
    assert body(smtp_server.to(address("zhang"))[0]).count("[T-1]") == 1
    # The day before the bid the 1-day reminder; on the day itself nothing more.
    assert ("tender_bid", "T-1", 1) in digest(run(app, db, as_of=D(2026, 3, 8)), "zhang")
    on_the_day = run(app, db, as_of=D(2026, 3, 9))
    assert all(i.deadline.ref != "T-1" for d in on_the_day.sent for i in d.items)
    offsets = set(db.execute(select(Reminder.offset_days).where(Reminder.ref == "T-1")).scalars())
    assert offsets == {7, 1}


def test_mail_server_down_records_nothing_and_the_next_run_sends(
    app: Flask, db: Session, company: None, smtp_server: MailServer
) -> None:
    configure(app, None)
    result = run(app, db)
    assert not result.ok and result.sent == []
    assert sorted(d.username for d, _ in result.failed) == sorted(EXPECTED)
    assert all("refused" in problem or "Connection" in problem for _, problem in result.failed)
    assert count(db, ReminderRecipient) == 0
    assert db.execute(select(Reminder).where(Reminder.sent_at.is_not(None))).first() is None  # type: ignore[union-attr]

    configure(app, smtp_server)
    later = run(app, db)
    assert later.ok and len(smtp_server.received) == len(EXPECTED)
    assert recorded(db) == expected_rows(*EXPECTED)


def test_one_refused_address_fails_alone_and_is_retried(
    app: Flask, db: Session, company: None, smtp_server: MailServer
) -> None:
    configure(app, smtp_server)
    smtp_server.refused.add(address("wang"))
    result = run(app, db)
    assert [(d.username, "No such user" in problem) for d, problem in result.failed] == [
        ("wang", True)
    ]
    assert sorted(d.username for d in result.sent) == sorted(set(EXPECTED) - {"wang"})
    assert recorded(db) == expected_rows(*(set(EXPECTED) - {"wang"}))

    smtp_server.refused.clear()
    retry = run(app, db)
    assert [d.username for d in retry.sent] == ["wang"]
    assert digest(retry, "wang") == EXPECTED["wang"]
    assert recorded(db) == expected_rows(*EXPECTED)
    assert len(smtp_server.to(address("wang"))) == 1


def test_offsets_come_from_the_configuration(
    app: Flask, db: Session, company: None, smtp_server: MailServer
) -> None:
    # Contracts reminded 45 days before only: HT-SH (30 days left) is late for its 45,
    # HT-GD (60 days left) is not due yet; tenders 10 days: T-1 (7 days left) late.
    configure(app, smtp_server, CONTRACT_REMINDER_DAYS="45", TENDER_REMINDER_DAYS="10")
    result = run(app, db)
    assert digest(result, "qian") == {("contract_end", "HT-SH", 45)}
    assert digest(result, "zhang") == {
        ("tender_bid", "T-1", 10),
        ("contract_end", "HT-SH", 45),
        ("filing_expiry", "price/P1/31", 90),
    }


@pytest.mark.parametrize(
    "setting", ["TENDER_REMINDER_DAYS", "FILING_ALERT_DAYS", "CONTRACT_REMINDER_DAYS"]
)
def test_a_mistyped_reminder_setting_stops_the_start(
    database_url: str, tmp_path: Path, setting: str
) -> None:
    with pytest.raises(ValueError, match=setting):
        create_app(
            app_config.test_config(database_url, INSTANCE_PATH=str(tmp_path), **{setting: "90;30"})
        )


def test_without_a_mail_server_or_the_right_role_nothing_happens(
    app: Flask, db: Session, company: None
) -> None:
    with pytest.raises(MailNotConfigured):
        run(app, db)
    configure(app, None)
    finance = Actor(user_id=None, username="qian", role="finance")
    with pytest.raises(Forbidden):
        run(app, db, actor=finance)
    assert count(db, Reminder) == 0


def test_sent_reminders_per_deadline_and_the_history(
    app: Flask, db: Session, company: None, smtp_server: MailServer
) -> None:
    configure(app, smtp_server)
    run(app, db, as_of=D(2026, 2, 24))  # T-1: 14 days
    run(app, db)  # T-1: 7 days
    from vbptrack.services import deadlines

    items = deadlines.upcoming(db, SYSTEM, AS_OF, 30)
    shown = reminders.sent_for(db, items)
    assert [r.offset_days for r in shown[("tender_bid", "T-1", D(2026, 3, 9))]] == [14, 7]

    everything = reminders.history(db, actor=SYSTEM, since=None, page=1, per_page=50)
    # 02-24 also reminded of HT-SH 60 days and HT-GD 90 days before their ends
    assert everything.total == len(ALL) + 3
    top = {(s.reminder.ref, s.reminder.offset_days): s.recipients for s in everything.items}
    assert top[("T-1", 14)] == 2 and top[("HT-SH", 30)] == 4  # zhang, root (+ qian, wang)
    wang = user_service.actor_for(user_service.get(db, "wang"))
    mine = reminders.history(db, actor=wang, since=None, page=1, per_page=50)
    assert {(s.reminder.ref, s.reminder.offset_days) for s in mine.items} == {
        ("HT-SH", 60),
        ("HT-SH", 30),
        ("price/P1/31", 90),
    }
    future = reminders.history(db, actor=SYSTEM, since=D(2100, 1, 1), page=1, per_page=50)
    assert future.total == 0
