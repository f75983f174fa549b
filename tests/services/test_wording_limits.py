"""A dunning wording is bounded where it is saved (the service behind PUT /dunning/policy
and the policy form) and where it is rendered, on SQLite and PostgreSQL."""

from __future__ import annotations

import tracemalloc
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select, update

from tests.api.conftest import API, database_state
from tests.dunning_helpers import customer, overdue_invoice, set_policy
from tests.factories import api_token, make_user
from vbptrack.models import DunningLetter, DunningLevel
from vbptrack.services import dunning, dunning_policy
from vbptrack.services.access import SYSTEM
from vbptrack.services.errors import InvalidInput

BOMB = "{{ 'x' * 10**8 }}"
START = date(2026, 1, 1)


def policy_with(wording: str) -> dict[str, object]:
    return {
        "min_interval_days": 14,
        "payment_deadline_days": 10,
        "levels": [{"level": 1, "name": "提醒", "min_days_past_due": 1, "wording_zh": wording}],
    }


@pytest.mark.parametrize(
    ("wording", "message"),
    [
        (
            BOMB,
            "Line 1: * cannot be used in a wording. A wording fills in the names, chooses with "
            "{% if %} and uses the filters upper, lower, title, capitalize, trim and default.",
        ),
        (
            "{{ customer }}" * 70,
            "This wording could print 21000 characters in a letter, more than 20000: shorten it.",
        ),
        ("请付款。" * 1300, "At most 5000 characters."),
    ],
)
def test_a_wording_too_big_is_refused_on_its_field(db: Session, wording: str, message: str) -> None:
    set_policy(db)
    before = dunning_policy.as_dict(dunning_policy.load(db))
    with pytest.raises(InvalidInput) as refused:
        dunning_policy.update(db, actor=SYSTEM, data=policy_with(wording))
    assert refused.value.fields == {"levels.0.wording_zh": message}
    db.rollback()
    assert dunning_policy.as_dict(dunning_policy.load(db)) == before


def test_the_api_refuses_it_with_the_error_format(client: FlaskClient, db: Session) -> None:
    set_policy(db)
    headers = api_token(db, make_user(db, "qian", "finance"))
    before = database_state(db)
    response = client.put(API + "/dunning/policy", headers=headers, json=policy_with(BOMB))
    assert response.status_code == 422
    error = response.json["error"]
    assert error["fields"]["levels.0.wording_zh"].startswith("Line 1: * cannot be used")
    assert database_state(db) == before


def test_a_stored_bomb_fails_its_letters_and_the_run_goes_on(db: Session) -> None:
    """A wording saved before the limits (here written straight into the table): each
    letter of that level fails with the reason, the run finishes, nothing takes 100 MB."""
    set_policy(db)
    customer(db, "H001", "上海市第一人民医院")
    customer(db, "H002", "复旦大学附属华山医院")
    overdue_invoice(db, "INV-1", "H001", START, "10000.00")
    overdue_invoice(db, "INV-2", "H002", START, "8000.00")
    db.execute(update(DunningLevel).where(DunningLevel.level == 1).values(wording_zh=BOMB))
    db.commit()
    tracemalloc.start()
    try:
        result = dunning.issue(db, actor=SYSTEM, as_of=START + timedelta(days=45))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [failure.customer_code for failure in result.failures] == ["H001", "H002"]
    assert all("cannot be used in a wording" in f.problem for f in result.failures)
    assert result.letters == []
    assert db.exec(select(DunningLetter)).all() == []
    assert peak < 50_000_000
