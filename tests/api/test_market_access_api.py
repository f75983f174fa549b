"""/filings, /listings and /contracts over HTTP, on both databases: shapes from API.md,
roles and territory, and nothing written by a refused request."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import API, Headers, database_state
from tests.factories import make_hospital, make_product


def test_listing_put_and_get_with_history(
    client: FlaskClient, db: Session, token_for: Callable[..., Headers]
) -> None:
    make_hospital(db, "H1", "31")
    make_hospital(db, "H2", "44")
    make_product(db, "P1")
    rep = token_for("rep", "wang", provinces=["31"])
    url = API + "/listings/H1/P1"
    first = client.put(url, json={"status": "applied", "date": "2026-01-05"}, headers=rep)
    assert first.status_code == 200, first.json
    client.put(
        url,
        json={"status": "pharmacy_review", "date": "2026-02-01", "note": "科室已签字",
              "next_step": "等药剂科"},
        headers=rep,
    )  # fmt: skip
    got = client.get(url + "?as_of=2026-03-03", headers=rep).json
    assert (got["status"], got["since"], got["days_in_status"]) == (
        "pharmacy_review",
        "2026-02-01",
        30,
    )
    assert got["next_step"] == "等药剂科"
    assert [(h["status"], h["date"], h["by"]) for h in got["history"]] == [
        ("pharmacy_review", "2026-02-01", "wang"),
        ("applied", "2026-01-05", "wang"),
    ]
    listed = client.get(API + "/listings?order=stuck_first", headers=rep).json
    assert listed["total"] == 1 and listed["items"][0]["product_code"] == "P1"

    before = database_state(db)
    cases = [
        ("/listings/H2/P1", {"status": "applied", "date": "2026-01-05"}, 404),  # not his
        ("/listings/H1/P1", {"status": "approved", "date": "2026-03-01"}, 422),  # no such status
        ("/listings/H1/P1", {"status": "listed", "date": "2026-01-31"}, 422),  # before current
    ]
    for path, body, status in cases:
        response = client.put(API + path, json=body, headers=rep)
        assert response.status_code == status, (path, response.json)
        assert response.json["error"]["message"]
    assert database_state(db) == before
    finance = token_for("finance")
    response = client.put(url, json={"status": "listed", "date": "2026-04-01"}, headers=finance)
    assert response.status_code == 403


def test_filings_post_is_a_status_change(
    client: FlaskClient, db: Session, token_for: Callable[..., Headers]
) -> None:
    make_product(db, "P1")
    manager = token_for("manager")
    body = {"kind": "price", "product_code": "P1", "province_code": "31"}
    created = client.post(
        API + "/filings",
        json={**body, "status": "submitted", "date": "2026-01-02", "price": "12.5",
              "reference": "GW-1"},
        headers=manager,
    )  # fmt: skip
    assert created.status_code == 201, created.json
    assert created.json["price"] == "12.50"
    changed = client.post(
        API + "/filings",
        json={**body, "status": "approved", "date": "2026-02-01", "effective": "2026-02-01",
              "expires": "2027-01-31"},
        headers=manager,
    )  # fmt: skip
    assert [h["status"] for h in changed.json["history"]] == ["approved", "submitted"]
    assert changed.json["reference"] == "GW-1"  # kept
    page = client.get(API + "/filings?kind=price", headers=manager).json
    assert page["total"] == 1
    one = client.get(API + "/filings/price/P1/31?as_of=2027-02-01", headers=manager).json
    assert (one["status"], one["shown_status"]) == ("approved", "expired")
    rep = token_for("rep", "zhao")
    before = database_state(db)
    bad = client.post(
        API + "/filings",
        json={**body, "status": "approved", "effective": "2026-02-01", "expires": "2026-01-01"},
        headers=manager,
    )
    assert bad.status_code == 422 and "expires" in bad.json["error"]["fields"]
    refused = client.post(API + "/filings", json={**body, "status": "draft"}, headers=rep)
    assert refused.status_code == 403
    assert database_state(db) == before


def test_contracts_create_renew_terminate(
    client: FlaskClient, db: Session, token_for: Callable[..., Headers]
) -> None:
    make_hospital(db, "H1", "31")
    make_product(db, "P1")
    manager = token_for("manager")
    body = {
        "number": "HT-2026-001",
        "party_code": "H1",
        "kind": "supply",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "value": "500000",
        "payment_term": "NET90",
        "renewal": {"mode": "auto", "notice_days": 30, "months": 12},
        "lines": [{"product_code": "P1", "price": "3.2"}],
    }
    created = client.post(API + "/contracts", json=body, headers=manager)
    assert created.status_code == 201, created.json
    assert created.json["lines"] == [{"product_code": "P1", "price": "3.20"}]
    assert client.post(API + "/contracts", json=body, headers=manager).status_code == 409
    got = client.get(API + "/contracts/HT-2026-001?as_of=2026-12-02", headers=manager).json
    assert (got["status"], got["current_end"]) == ("active", "2027-12-31")  # rolled on
    renewed = client.post(
        API + "/contracts/HT-2026-001/renew",
        json={"number": "HT-2027-001", "end": "2027-12-31"},
        headers=manager,
    )
    assert renewed.status_code == 201
    assert (renewed.json["start"], renewed.json["predecessor"]) == ("2027-01-01", "HT-2026-001")
    old = client.get(API + "/contracts/HT-2026-001", headers=manager).json
    assert (old["status"], old["successor"]) == ("renewed", "HT-2027-001")
    ended = client.post(
        API + "/contracts/HT-2027-001/terminate",
        json={"date": "2027-03-01", "reason": "停止合作"},
        headers=manager,
    )
    assert ended.status_code == 200 and ended.json["terminated_on"] == "2027-03-01"
    listed = client.get(API + "/contracts", headers=manager).json
    assert [c["number"] for c in listed["items"]] == ["HT-2026-001", "HT-2027-001"]
    rep = token_for("rep", provinces=["44"])
    before = database_state(db)
    bad = client.post(
        API + "/contracts",
        json={**body, "number": "X", "start": "2026-02-01", "end": "2026-01-01"},
        headers=manager,
    )
    assert bad.status_code == 422 and "end" in bad.json["error"]["fields"]
    assert client.get(API + "/contracts/HT-2026-001", headers=rep).status_code == 404
    assert client.post(API + "/contracts", json=body, headers=rep).status_code == 403
    assert database_state(db) == before
