"""A customer's default payment term: set on the hospital or distributor, used by invoices
that name neither a term nor a due date."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlmodel import Session

from tests.factories import api_token, make_hospital, make_user
from vbptrack.imports.kinds import KINDS
from vbptrack.imports.runner import run_import
from vbptrack.models import AuditEvent, Invoice, Party
from vbptrack.services import invoices, parties
from vbptrack.services.access import SYSTEM
from vbptrack.services.errors import InvalidInput


def test_invoice_without_term_uses_the_customers_default(db: Session) -> None:
    make_hospital(db, "H1", payment_term="NET180")
    invoices.create(
        db,
        actor=SYSTEM,
        data={"number": "I1", "customer_code": "H1", "invoice_date": "2024-01-31", "amount": "100"},
    )
    view = invoices.view(db, actor=SYSTEM, number="I1", as_of=date(2024, 12, 31))
    assert [i.due_date for i in view.instalments] == [date(2024, 7, 29)]  # 180 days, leap year


def test_an_invoice_term_overrides_the_default(db: Session) -> None:
    make_hospital(db, "H1", payment_term="NET180")
    invoices.create(
        db,
        actor=SYSTEM,
        data={
            "number": "I1",
            "customer_code": "H1",
            "invoice_date": "2024-01-31",
            "amount": "100",
            "payment_term": "NET90",
        },
    )
    view = invoices.view(db, actor=SYSTEM, number="I1", as_of=date(2024, 12, 31))
    assert [i.due_date for i in view.instalments] == [date(2024, 4, 30)]


def test_unknown_term_is_refused_and_nothing_written(db: Session) -> None:
    with pytest.raises(InvalidInput) as problem:
        make_hospital(db, "H1", payment_term="NET999")
    assert problem.value.fields == {"payment_term": "No payment term NET999."}
    db.rollback()
    assert db.execute(select(func.count()).select_from(Party)).scalar_one() == 0


def test_change_is_in_the_history_by_code(db: Session) -> None:
    make_hospital(db, "H1")
    parties.update(db, actor=SYSTEM, kind="hospital", code="H1", data={"payment_term": "VBP"})
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "update")).scalar_one()
    assert event.changes == {"payment_term": [None, "VBP"]}


def test_api_sets_and_shows_the_default_term(client: FlaskClient, db: Session) -> None:
    headers = api_token(db, make_user(db, "mgr", "manager"))
    response = client.post(
        "/api/v1/distributors",
        headers=headers,
        json={"code": "D1", "name": "国药控股上海有限公司", "payment_term": "NET120"},
    )
    assert response.status_code == 201, response.json
    assert response.json["payment_term"] == "NET120"
    response = client.patch("/api/v1/distributors/D1", headers=headers, json={"payment_term": None})
    assert response.json["payment_term"] is None
    response = client.patch(
        "/api/v1/distributors/D1", headers=headers, json={"payment_term": "nope"}
    )
    assert response.status_code == 422
    assert "payment_term" in response.json["error"]["fields"]


def test_import_column_付款条件(db: Session) -> None:
    content = "医院编码,医院名称,省份,付款条件\nH1,甲医院,上海,NET90\nH2,乙医院,上海,NET9\n"
    result = run_import(
        db,
        actor=SYSTEM,
        kind=KINDS["hospitals"],
        source=io.BytesIO(content.encode()),
        filename="h.csv",
    )
    assert [str(p) for p in result.problems] == ["row 3, column 付款条件: no payment term NET9"]
    ok = "医院编码,医院名称,省份,付款条件\nH1,甲医院,上海,NET90\n"
    result = run_import(
        db, actor=SYSTEM, kind=KINDS["hospitals"], source=io.BytesIO(ok.encode()), filename="h.csv"
    )
    assert result.ok
    hospital = parties.get(db, actor=SYSTEM, kind="hospital", code="H1")
    assert parties.term_code(db, hospital) == "NET90"
    assert db.execute(select(func.count()).select_from(Invoice)).scalar_one() == 0
