"""Two reminder runs started at the same moment (cron on two servers, or cron and a
manager's "send now") e-mail each reminder to each person once between them.

PostgreSQL only: SQLite serialises writers, so the race exists only on a real server.
Both threads read the feed and the reminders already sent before either claims anything
(a Barrier), so both decide the same reminders are due; the unique keys of reminder and
reminder_recipient let exactly one of them claim each.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from tests.conftest import _empty_postgres
from tests.services.test_reminders import (  # noqa: F401 - the company fixture
    AS_OF,
    EXPECTED,
    company,
    configure,
    expected_rows,
    recorded,
)
from tests.smtp import MailServer, body
from vbptrack.db import get_engine
from vbptrack.services import reminders
from vbptrack.services.access import SYSTEM

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(postgres_url: str) -> str:
    _empty_postgres(postgres_url)
    return postgres_url


@pytest.mark.usefixtures("company")
def test_two_runs_at_once_send_each_reminder_once(
    app: Flask, db: Session, smtp_server: MailServer
) -> None:
    configure(app, smtp_server)
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]
    # Both have read what is due before either claims: hold each run at its first claim.
    claim = reminders._claim

    def held_claim(*args: Any, **kwargs: Any) -> Any:
        if not getattr(local, "waited", False):
            local.waited = True
            barrier.wait(timeout=30)
        return claim(*args, **kwargs)

    local = threading.local()

    def run(slot: int) -> None:
        with app.app_context(), Session(get_engine(app), expire_on_commit=False) as session:
            results[slot] = reminders.send_due(
                session, actor=SYSTEM, as_of=AS_OF, settings=app.config
            )

    reminders._claim = held_claim  # type: ignore[assignment]
    try:
        threads = [threading.Thread(target=run, args=(slot,)) for slot in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        reminders._claim = claim  # type: ignore[assignment]
    assert all(r is not None and r.ok for r in results), results

    # Every (person, deadline reminder) went out exactly once, whichever run sent it.
    sent = Counter(
        (d.username, i.deadline.ref, i.offset) for r in results for d in r.sent for i in d.items
    )
    assert set(sent.values()) == {1}
    assert {(u, ref, k) for u, ref, k in sent} == {
        (u, ref, k) for u in EXPECTED for _, ref, k in EXPECTED[u]
    }
    mailed = Counter(
        (address, ref)
        for envelope, message in zip(smtp_server.received, smtp_server.messages(), strict=True)
        for address in envelope.rcpt_tos
        for ref in ("[T-1]", "[HT-SH]", "[HT-GD]", "[price/P1/31]")
        if ref in body(message)
    )
    assert set(mailed.values()) == {1}
    assert recorded(db) == expected_rows(*EXPECTED)
