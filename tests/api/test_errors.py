"""Failing requests: the contract's status and error body, and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import API, Headers, database_state
from tests.factories import api_token, make_distributor, make_hospital, make_product, make_user
from vbptrack.services import users as user_service
from vbptrack.services.access import SYSTEM

VALID = {
    "/hospitals": {"code": "H-NEW", "name": "新华医院", "province_code": "31"},
    "/distributors": {"code": "D-NEW", "name": "上药控股有限公司"},
    "/products": {"code": "P-NEW", "generic_name": "氨氯地平片", "unit": "片"},
}
# (method, path) of every route that needs a token; X001 exists as each kind below.
ROUTES = [
    (method, path)
    for collection in ("/hospitals", "/distributors", "/products")
    for method, path in (
        ("GET", collection),
        ("POST", collection),
        ("GET", collection + "/X001"),
        ("PATCH", collection + "/X001"),
    )
]


def assert_error(response: Any, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error["fields"]  # type: ignore[no-any-return]


def send(client: FlaskClient, method: str, path: str, headers: Headers, body: Any = None) -> Any:
    return client.open(API + path, method=method, headers=headers, json=body)


@pytest.fixture
def existing(db: Session) -> None:
    make_hospital(db, "X001")
    make_distributor(db, "D001")
    make_product(db, "X001")


AUTHORIZATIONS = [
    None,
    "",
    "Bearer",
    "Bearer ",
    "Bearer vbp_not-a-real-token",
    "Basic dXNlcjpwYXNz",
    "vbp_token-without-scheme",
]


@pytest.mark.usefixtures("existing")
def test_without_a_valid_token_every_route_is_401(
    client: FlaskClient, db: Session, subtests: pytest.Subtests
) -> None:
    before = database_state(db)
    for method, path in ROUTES:
        body = {"name": "改名"} if method == "PATCH" else VALID.get(path)
        for authorization in AUTHORIZATIONS:
            with subtests.test(method=method, path=path, authorization=authorization):
                headers = {} if authorization is None else {"Authorization": authorization}
                assert_error(send(client, method, path, headers, body), 401, "unauthorized")
                assert database_state(db) == before


def test_a_revoked_token_is_401_and_the_users_other_token_still_works(
    client: FlaskClient, db: Session
) -> None:
    user = make_user(db, "m1", "manager")
    revoked, kept = api_token(db, user), api_token(db, user)
    assert client.get(API + "/hospitals", headers=revoked).status_code == 200
    first_issued = min(t.id for t in user_service.tokens(db, user) if t.id is not None)
    user_service.revoke_token(db, actor=SYSTEM, user=user, token_id=first_issued)
    before = database_state(db)

    assert_error(client.get(API + "/hospitals", headers=revoked), 401, "unauthorized")
    assert_error(
        client.post(API + "/hospitals", json=VALID["/hospitals"], headers=revoked),
        401,
        "unauthorized",
    )
    assert database_state(db) == before
    assert client.get(API + "/hospitals", headers=kept).status_code == 200


def test_a_deactivated_users_token_is_401(client: FlaskClient, db: Session) -> None:
    user = make_user(db, "m1", "manager")
    headers = api_token(db, user)
    user.active = False
    db.add(user)
    db.commit()
    assert_error(client.get(API + "/products", headers=headers), 401, "unauthorized")


DUPLICATES = [
    ("/hospitals", {"code": "C-H", "name": "另一家医院", "province_code": "11"}),
    ("/hospitals", {"code": "  C-H ", "name": "另一家医院", "province_code": "11"}),
    ("/hospitals", {"code": "C-D", "name": "同码医院", "province_code": "31"}),
    ("/distributors", {"code": "C-H", "name": "同码配送商"}),
    ("/distributors", {"code": "C-D", "name": "另一家配送商"}),
    ("/products", {"code": "C-P", "generic_name": "二甲双胍", "unit": "片"}),
]


def test_a_code_already_in_use_is_409_and_writes_nothing(
    client: FlaskClient, db: Session, manager: Headers, subtests: pytest.Subtests
) -> None:
    """C-H is a hospital, C-D a distributor: the two kinds share one set of codes."""
    make_hospital(db, "C-H")
    make_distributor(db, "C-D")
    make_product(db, "C-P")
    before = database_state(db)

    for path, body in DUPLICATES:
        with subtests.test(path=path, code=body["code"]):
            response = client.post(API + path, json=body, headers=manager)
            assert "code" in assert_error(response, 409, "conflict")
            assert database_state(db) == before


BAD_FIELDS = [
    ("/hospitals", {"province_code": "99"}, "province_code"),
    ("/hospitals", {"province_code": "火星"}, "province_code"),
    ("/hospitals", {"province_code": None}, "province_code"),
    ("/hospitals", {"province_code": ""}, "province_code"),
    ("/hospitals", {"grade": "三级"}, "grade"),
    ("/hospitals", {"grade": "3A"}, "grade"),
    ("/hospitals", {"insurance_code": "H123"}, "insurance_code"),
    ("/hospitals", {"insurance_code": "X31010100001"}, "insurance_code"),
    ("/hospitals", {"insurance_code": "H3101010000A"}, "insurance_code"),
    ("/hospitals", {"insurance_code": "H310101000012"}, "insurance_code"),
    ("/hospitals", {"insurance_code": "H３１０１０１０００01"}, "insurance_code"),
    ("/hospitals", {"name": ""}, "name"),
    ("/hospitals", {"name": "   "}, "name"),
    ("/hospitals", {"name": None}, "name"),
    ("/hospitals", {"name": "院" * 201}, "name"),
    ("/hospitals", {"code": ""}, "code"),
    ("/hospitals", {"code": "H 001"}, "code"),
    ("/hospitals", {"code": "医院1"}, "code"),
    ("/hospitals", {"code": "H" * 41}, "code"),
    ("/hospitals", {"email": "not-an-address"}, "email"),
    ("/hospitals", {"kind": "distributor"}, "kind"),
    ("/hospitals", {"rep": "nobody"}, "rep"),
    ("/distributors", {"province_code": "99"}, "province_code"),
    ("/distributors", {"name": ""}, "name"),
    ("/distributors", {"grade": "三甲"}, "grade"),
    ("/distributors", {"rep": "fin"}, "rep"),
    ("/products", {"pack_size": 0}, "pack_size"),
    ("/products", {"pack_size": -1}, "pack_size"),
    ("/products", {"pack_size": "x"}, "pack_size"),
    ("/products", {"pack_size": 1.5}, "pack_size"),
    ("/products", {"generic_name": ""}, "generic_name"),
    ("/products", {"unit": None}, "unit"),
    ("/products", {"category": "vaccine"}, "category"),
    ("/products", {"price": "12.00"}, "price"),
]


REQUIRED = {
    "/hospitals": ["code", "name", "province_code"],
    "/distributors": ["code", "name"],
    "/products": ["code", "generic_name", "unit"],
}


@pytest.mark.parametrize("path", list(VALID))
def test_create_with_a_bad_field_is_422_naming_it_and_writes_nothing(
    client: FlaskClient,
    db: Session,
    token_for: Callable[..., Headers],
    path: str,
    subtests: pytest.Subtests,
) -> None:
    manager = token_for("manager")
    token_for("finance", "fin")  # a user who is not a rep, for "rep"
    cases = [(change, field) for p, change, field in BAD_FIELDS if p == path]
    cases += [({"rep": "fin"}, "rep")] if path == "/hospitals" else []
    bodies = [({**VALID[path], **change}, field) for change, field in cases]
    bodies += [
        ({k: v for k, v in VALID[path].items() if k != missing}, missing)
        for missing in REQUIRED[path]
    ]
    before = database_state(db)

    for body, field in bodies:
        with subtests.test(field=field, body=body):
            response = client.post(API + path, json=body, headers=manager)
            assert field in assert_error(response, 422, "invalid")
            assert database_state(db) == before


PATCH_BAD_FIELDS = [
    ("/hospitals", {"grade": "特级"}, "grade"),
    ("/hospitals", {"province_code": None}, "province_code"),
    ("/hospitals", {"name": ""}, "name"),
    ("/hospitals", {"rep": "nobody"}, "rep"),
    ("/hospitals", {"city": "新城", "insurance_code": "123"}, "insurance_code"),
    ("/hospitals", {"name": "新名", "unknown": 1}, "unknown"),
    ("/distributors", {"name": None}, "name"),
    ("/distributors", {"province_code": "00"}, "province_code"),
    ("/products", {"pack_size": 0}, "pack_size"),
    ("/products", {"brand": "新", "pack_size": "x"}, "pack_size"),
]


@pytest.mark.usefixtures("existing")
def test_patch_with_a_bad_field_is_422_and_changes_nothing(
    client: FlaskClient, db: Session, manager: Headers, subtests: pytest.Subtests
) -> None:
    before = database_state(db)
    for path, change, field in PATCH_BAD_FIELDS:
        url = f"{API}{path}/{'D001' if path == '/distributors' else 'X001'}"
        with subtests.test(path=path, change=change):
            original = client.get(url, headers=manager).json
            response = client.patch(url, json=change, headers=manager)
            assert field in assert_error(response, 422, "invalid")
            assert database_state(db) == before
            assert client.get(url, headers=manager).json == original


NOT_AN_OBJECT: list[tuple[str, dict[str, Any]]] = [
    ("not json", {"data": "code=H1&name=x", "content_type": "application/json"}),
    ("broken json", {"data": '{"code": "H1",', "content_type": "application/json"}),
    ("empty body", {"data": "", "content_type": "application/json"}),
    ("json array", {"json": [VALID["/hospitals"]]}),
    ("json string", {"json": "H1"}),
    ("json null", {"data": "null", "content_type": "application/json"}),
    ("form post", {"data": VALID["/hospitals"]}),
]


@pytest.mark.usefixtures("existing")
def test_a_body_that_is_not_a_json_object_is_400(
    client: FlaskClient, db: Session, manager: Headers, subtests: pytest.Subtests
) -> None:
    before = database_state(db)
    for method, path in [
        ("POST", "/hospitals"),
        ("POST", "/distributors"),
        ("POST", "/products"),
        ("PATCH", "/hospitals/X001"),
        ("PATCH", "/distributors/D001"),
        ("PATCH", "/products/X001"),
    ]:
        for label, payload in NOT_AN_OBJECT:
            with subtests.test(method=method, path=path, body=label):
                response = client.open(API + path, method=method, headers=manager, **payload)
                assert_error(response, 400, "bad_request")
                assert database_state(db) == before


NOT_FOUND = [
    ("GET", "/hospitals/NOPE"),
    ("PATCH", "/hospitals/NOPE"),
    ("GET", "/hospitals/D001"),  # a distributor's code is not a hospital
    ("PATCH", "/hospitals/D001"),
    ("GET", "/hospitals/x001"),  # codes are exact
    ("GET", "/distributors/X001"),  # a hospital's code is not a distributor
    ("PATCH", "/distributors/X001"),
    ("GET", "/distributors/NOPE"),
    ("GET", "/products/NOPE"),
    ("PATCH", "/products/NOPE"),
    ("GET", "/products/D001"),
]


@pytest.mark.usefixtures("existing")
def test_an_unknown_code_is_404(
    client: FlaskClient, db: Session, manager: Headers, subtests: pytest.Subtests
) -> None:
    before = database_state(db)
    for method, path in NOT_FOUND:
        with subtests.test(method=method, path=path):
            body = {"name": "改名"} if method == "PATCH" else None
            assert_error(send(client, method, path, manager, body), 404, "not_found")
            assert database_state(db) == before


def test_401_names_the_bearer_scheme(client: FlaskClient) -> None:
    response = client.get("/api/v1/hospitals")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_role_is_checked_before_the_body(client: FlaskClient, token_for: Any) -> None:
    finance = token_for("finance", "fin")
    response = client.post(
        "/api/v1/hospitals", data="not json", headers=finance, content_type="application/json"
    )
    assert response.status_code == 403
