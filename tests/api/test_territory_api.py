"""A rep's token reads the tenders, filings and award figures of the rep's territory only;
anything outside is a 404, like a missing record. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import API, Headers
from tests.factories import make_hospital, make_product

TENDERS = (
    ("T-SH", "provincial", ["31"]),
    ("T-GD", "provincial", ["44"]),
    ("T-NAT", "national_vbp", ["44"]),  # a national batch: every rep follows it
)


def get(client: FlaskClient, headers: Headers, path: str, status: int = 200) -> Any:
    response = client.get(API + path, headers=headers)
    assert response.status_code == status, response.json
    return response.json


def post(client: FlaskClient, headers: Headers, path: str, body: Any) -> None:
    response = client.post(API + path, json=body, headers=headers)
    assert response.status_code == 201, response.json


@pytest.fixture
def tokens(
    client: FlaskClient, db: Session, manager: Headers, token_for: Callable[..., Headers]
) -> dict[str, Headers]:
    """Tenders in Shanghai and Guangdong and a national one due in March 2025, approved
    price filings of P1 in both provinces expiring in April, and a token per reader."""
    make_hospital(db, "H-SH", "31")
    make_hospital(db, "H-GD", "44")
    make_product(db, "P1")
    for code, kind, provinces in TENDERS:
        post(client, manager, "/tenders", {"code": code, "title": f"{code} 集采", "kind": kind,
             "province_codes": provinces, "dates": {"bid": "2025-03-20"}})  # fmt: skip
    for province in ("31", "44"):
        post(client, manager, "/filings", {"kind": "price", "product_code": "P1",
             "province_code": province, "status": "approved", "date": "2025-01-02",
             "expires": "2025-04-10"})  # fmt: skip
    return {
        "manager": manager,
        "shanghai": token_for("rep", "rep_sh", provinces=["31"]),
        "guangdong": token_for("rep", "rep_gd", provinces=["44"]),
    }


def test_tenders_list_and_lookup_keep_a_rep_to_the_territory(
    client: FlaskClient, tokens: dict[str, Headers]
) -> None:
    def codes(who: str) -> set[str]:
        body = get(client, tokens[who], "/tenders?per_page=100")
        assert body["total"] == len(body["items"])  # the count is the territory's too
        return {item["code"] for item in body["items"]}

    assert codes("manager") == {"T-SH", "T-GD", "T-NAT"}
    assert codes("shanghai") == {"T-SH", "T-NAT"}
    assert codes("guangdong") == {"T-GD", "T-NAT"}
    assert get(client, tokens["shanghai"], "/tenders/T-NAT")["province_codes"] == ["44"]
    outside = get(client, tokens["shanghai"], "/tenders/T-GD", status=404)
    assert outside["error"]["code"] == "not_found"
    assert outside == get(client, tokens["shanghai"], "/tenders/T-GD", status=404)
    assert get(client, tokens["manager"], "/tenders/T-GD")["code"] == "T-GD"


def test_the_deadlines_feed_keeps_a_rep_to_the_territory(
    client: FlaskClient, tokens: dict[str, Headers]
) -> None:
    def refs(who: str) -> list[tuple[str, str]]:
        feed = get(client, tokens[who], "/deadlines?as_of=2025-03-15&within=30")
        return [(item["kind"], item["ref"]) for item in feed["items"]]

    assert sorted(refs("shanghai")) == [
        ("filing_expiry", "price/P1/31"),
        ("tender_bid", "T-NAT"),
        ("tender_bid", "T-SH"),
    ]
    assert sorted(refs("manager")) == [
        ("filing_expiry", "price/P1/31"),
        ("filing_expiry", "price/P1/44"),
        ("tender_bid", "T-GD"),
        ("tender_bid", "T-NAT"),
        ("tender_bid", "T-SH"),
    ]


def test_filings_list_and_lookup_keep_a_rep_to_the_territory(
    client: FlaskClient, tokens: dict[str, Headers]
) -> None:
    def provinces(who: str, query: str = "") -> list[str]:
        body = get(client, tokens[who], "/filings" + query)
        return [item["province_code"] for item in body["items"]]

    assert provinces("manager") == ["31", "44"]
    assert provinces("shanghai") == ["31"]
    assert provinces("guangdong") == ["44"]
    assert provinces("shanghai", "?province_code=44") == []
    filing = get(client, tokens["shanghai"], "/filings/price/P1/31")
    assert filing["status"] == "approved" and filing["history"][0]["status"] == "approved"
    outside = get(client, tokens["shanghai"], "/filings/price/P1/44", status=404)
    assert outside["error"]["code"] == "not_found"
    # outside looks exactly like a filing that was never recorded
    never = get(client, tokens["shanghai"], "/filings/insurance/P1/31", status=404)
    assert outside["error"]["message"] == never["error"]["message"]
    assert get(client, tokens["manager"], "/filings/price/P1/44")["province_code"] == "44"


def test_an_award_counts_only_the_reps_agreed_volume_rows(
    client: FlaskClient, tokens: dict[str, Headers]
) -> None:
    award = {"code": "A-1", "batch": "第十批", "product_code": "P1", "price": "0.4",
             "winners_count": 2, "supply_provinces": ["31"], "backup_provinces": ["44"],
             "years": [{"year": 1, "start": "2025-01-01", "end": "2025-12-31"}]}  # fmt: skip
    post(client, tokens["manager"], "/awards", award)
    volumes = client.put(
        API + "/awards/A-1/agreed-volumes",
        json=[
            {"hospital_code": "H-SH", "year": 1, "quantity": 100},
            {"hospital_code": "H-GD", "year": 1, "quantity": 300},
        ],
        headers=tokens["manager"],
    )
    assert volumes.status_code == 200, volumes.json
    assert get(client, tokens["manager"], "/awards/A-1")["agreed_rows"] == 2
    assert get(client, tokens["shanghai"], "/awards/A-1")["agreed_rows"] == 1
    listed = get(client, tokens["guangdong"], "/awards")["items"]
    assert [(a["code"], a["agreed_rows"]) for a in listed] == [("A-1", 1)]
    report = get(client, tokens["shanghai"], "/fulfilment?award=A-1&as_of=2025-06-30")
    assert [row["key"] for row in report["rows"]] == ["H-SH"]
    assert report["totals"]["agreed"] == 100
