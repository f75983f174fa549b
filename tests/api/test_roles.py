"""What each role's token may do, and what a rep's token may see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import API, Headers, database_state
from tests.factories import api_token, make_distributor, make_hospital, make_product, make_user
from vbptrack.services import users as user_service

WRITES = [
    ("POST", "/hospitals", {"code": "H-NEW", "name": "新华医院", "province_code": "31"}),
    ("POST", "/distributors", {"code": "D-NEW", "name": "上药控股有限公司"}),
    ("POST", "/products", {"code": "P-NEW", "generic_name": "氨氯地平片", "unit": "片"}),
    ("PATCH", "/hospitals/H-SH", {"name": "改名医院"}),
    ("PATCH", "/distributors/D-SH", {"name": "改名公司"}),
    ("PATCH", "/products/P-1", {"brand": "新品牌"}),
]


@pytest.fixture
def world(db: Session) -> None:
    """rep_sh: Shanghai, plus H-BJ assigned by hand, plus H-CQ whose rep they are."""
    make_hospital(db, "H-SH", "31")
    make_hospital(db, "H-GD", "44")
    make_hospital(db, "H-BJ", "11")
    make_distributor(db, "D-SH", "31")
    make_distributor(db, "D-GD", "44")
    make_distributor(db, "D-NONE", None)
    make_product(db, "P-1")
    make_user(db, "rep_sh", "rep", provinces=["上海"], hospitals=["H-BJ"])
    make_hospital(db, "H-CQ", "50", rep="rep_sh")


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("role", ["finance", "rep"])
def test_finance_and_rep_tokens_may_not_write_master_data(
    client: FlaskClient,
    db: Session,
    token_for: Callable[..., Headers],
    role: str,
    subtests: pytest.Subtests,
) -> None:
    headers = token_for(role, provinces=["31"])
    before = database_state(db)
    for method, path, body in WRITES:
        with subtests.test(method=method, path=path):
            response = client.open(API + path, method=method, json=body, headers=headers)
            assert response.status_code == 403
            assert response.json["error"]["code"] == "forbidden"
            assert database_state(db) == before


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("role", ["admin", "manager"])
def test_admin_and_manager_tokens_may_write_master_data(
    client: FlaskClient, token_for: Callable[..., Headers], role: str
) -> None:
    headers = token_for(role)
    for method, path, body in WRITES:
        response = client.open(API + path, method=method, json=body, headers=headers)
        assert response.status_code == (201 if method == "POST" else 200), (path, response.json)


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("role", ["admin", "manager", "finance"])
def test_office_roles_see_every_party(
    client: FlaskClient, token_for: Callable[..., Headers], role: str
) -> None:
    headers = token_for(role)
    hospitals = client.get(API + "/hospitals", headers=headers).json
    assert _codes(hospitals) == {"H-SH", "H-GD", "H-BJ", "H-CQ"}
    assert hospitals["total"] == 4
    assert client.get(API + "/distributors", headers=headers).json["total"] == 3


REP_VIEW = [
    # (path, visible codes)
    ("/hospitals", {"H-SH", "H-BJ", "H-CQ"}),
    ("/hospitals?per_page=1", None),  # same total, one item
    ("/hospitals?province_code=44", set()),
    ("/hospitals?q=H-GD", set()),
    ("/hospitals?province_code=11", {"H-BJ"}),
    ("/distributors", {"D-SH"}),
    ("/distributors?q=D-", {"D-SH"}),
]


@pytest.mark.usefixtures("world")
def test_a_rep_token_lists_only_the_reps_territory(
    client: FlaskClient, db: Session, subtests: pytest.Subtests
) -> None:
    headers = api_token(db, user_service.get(db, "rep_sh"))
    for url, codes in REP_VIEW:
        with subtests.test(url=url):
            body = client.get(API + url, headers=headers).json
            if codes is None:
                assert body["total"] == 3
                assert len(body["items"]) == 1
            else:
                assert _codes(body) == codes
                assert body["total"] == len(codes)


@pytest.mark.usefixtures("world")
def test_a_rep_token_gets_404_outside_the_territory_and_the_record_inside(
    client: FlaskClient, db: Session, subtests: pytest.Subtests
) -> None:
    headers = api_token(db, user_service.get(db, "rep_sh"))
    cases = [
        ("/hospitals/H-SH", 200),
        ("/hospitals/H-BJ", 200),
        ("/hospitals/H-CQ", 200),
        ("/distributors/D-SH", 200),
        ("/products/P-1", 200),
        ("/hospitals/H-GD", 404),
        ("/distributors/D-GD", 404),
        ("/distributors/D-NONE", 404),
    ]
    for url, status in cases:
        with subtests.test(url=url):
            response = client.get(API + url, headers=headers)
            assert response.status_code == status
            if status == 404:
                # Indistinguishable from a code that does not exist: no name, no hint.
                missing = client.get(API + url + "-NOPE", headers=headers)
                assert response.json["error"]["code"] == "not_found"
                assert response.json == missing.json
            else:
                assert response.json["code"] == url.rsplit("/", 1)[1]


def test_a_hospitals_rep_is_a_user_with_the_rep_role(
    client: FlaskClient, db: Session, token_for: Callable[..., Headers]
) -> None:
    manager = token_for("manager", "boss")
    rep = token_for("rep", "rep_gd")
    token_for("finance", "fin")
    body = {"code": "H-GZ", "name": "广州医院", "province_code": "44", "rep": "rep_gd"}

    created = client.post(API + "/hospitals", json=body, headers=manager)

    assert created.status_code == 201
    assert created.json["rep"] == "rep_gd"
    # The rep now sees the hospital, though Guangdong is not one of their provinces.
    assert client.get(API + "/hospitals/H-GZ", headers=rep).json["rep"] == "rep_gd"
    assert client.get(API + "/hospitals", headers=rep).json["total"] == 1

    before = database_state(db)
    for username in ("fin", "boss", "nobody"):
        for method, url, payload in (
            ("POST", "/hospitals", {**body, "code": "H-GZ2", "rep": username}),
            ("PATCH", "/hospitals/H-GZ", {"rep": username}),
        ):
            response = client.open(API + url, method=method, json=payload, headers=manager)
            assert response.status_code == 422, (username, method)
            assert list(response.json["error"]["fields"]) == ["rep"]
    assert database_state(db) == before

    cleared = client.patch(API + "/hospitals/H-GZ", json={"rep": None}, headers=manager)
    assert cleared.json["rep"] is None
    assert client.get(API + "/hospitals/H-GZ", headers=rep).status_code == 404


def _codes(body: dict[str, Any]) -> set[str]:
    return {item["code"] for item in body["items"]}
