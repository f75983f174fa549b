"""GET /api/v1/reminders on SQLite and PostgreSQL: the reminders e-mailed, newest first,
since a day; a rep sees those sent to them; bad input is a 422 naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import Session

from tests.api.conftest import API
from tests.factories import api_token
from tests.services.test_reminders import (  # noqa: F401 - the company fixture
    AS_OF,
    company,
    configure,
    run,
)
from tests.smtp import MailServer
from vbptrack.models import Reminder
from vbptrack.services import users as user_service


@pytest.mark.usefixtures("company")
def test_sent_reminders_newest_first_since_a_day_and_a_rep_sees_their_own(
    app: Flask, client: FlaskClient, db: Session, smtp_server: MailServer
) -> None:
    configure(app, smtp_server)
    # A run on 02-24 (T-1 14 days before, HT-SH 60, HT-GD 90), dated 02-24 01:00 in
    # China (02-23 in UTC), and today's.
    run(app, db, as_of=date(2026, 2, 24))
    db.execute(update(Reminder).values(sent_at=datetime(2026, 2, 23, 17, 0, tzinfo=UTC)))
    db.commit()
    run(app, db, as_of=AS_OF)
    headers = api_token(db, user_service.get(db, "zhang"))

    everything = client.get(API + "/reminders", headers=headers)
    assert everything.status_code == 200, everything.json
    body = everything.json
    assert body["total"] == 7 and body["page"] == 1 and body["per_page"] == 50
    newest_first = [i["sent_at"] for i in body["items"]]
    assert newest_first == sorted(newest_first, reverse=True)
    assert newest_first[-1] == "2026-02-23T17:00:00+00:00"
    first_bid = next(i for i in body["items"] if i["ref"] == "T-1" and i["offset_days"] == 14)
    assert first_bid == {
        "kind": "tender_bid",
        "ref": "T-1",
        "title": "Bid deadline: 第十一批国家集采",
        "deadline": "2026-03-09",
        "offset_days": 14,
        "sent_at": "2026-02-23T17:00:00+00:00",
        "recipients": 2,
    }
    contract = next(i for i in body["items"] if i["ref"] == "HT-SH" and i["offset_days"] == 30)
    assert contract["recipients"] == 4  # zhang, root, qian, wang

    that_day = client.get(API + "/reminders?since=2026-02-24", headers=headers).json
    assert that_day["total"] == 7  # the day in China, not in UTC
    recent = client.get(API + "/reminders?since=2026-02-25&per_page=2", headers=headers).json
    assert recent["total"] == 4 and len(recent["items"]) == 2
    assert all(i["offset_days"] != 14 for i in recent["items"])

    wang = api_token(db, user_service.get(db, "wang"))
    mine = client.get(API + "/reminders", headers=wang).json
    assert {(i["ref"], i["offset_days"]) for i in mine["items"]} == {
        ("HT-SH", 60),
        ("HT-SH", 30),
        ("price/P1/31", 90),
    }


@pytest.mark.usefixtures("company")
@pytest.mark.parametrize("since", ["2026-02-30", "yesterday", "20260301"])
def test_a_bad_since_is_a_422_on_that_field(client: FlaskClient, db: Session, since: str) -> None:
    headers = api_token(db, user_service.get(db, "zhang"))
    response = client.get(API + f"/reminders?since={since}", headers=headers)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["since"]
    assert client.get(API + "/reminders").status_code == 401
