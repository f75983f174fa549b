"""Hospitals, distributors and products through the JSON API: create, read, change, list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.api.conftest import API, Headers, database_state
from tests.factories import make_distributor, make_hospital, make_product


@dataclass(frozen=True)
class Resource:
    path: str
    body: dict[str, Any]  # what we POST
    stored: dict[str, Any]  # how the API gives it back (provinces normalised, defaults filled)
    change: dict[str, Any]  # a PATCH
    kept: str  # a field the PATCH leaves alone

    def __str__(self) -> str:
        return self.path


HOSPITAL = Resource(
    "/hospitals",
    body={
        "code": "H310001",
        "name": "瑞金医院",
        "province_code": "上海市",
        "city": "上海",
        "grade": "三甲",
        "insurance_code": "H31010100001",
    },
    stored={
        "code": "H310001",
        "name": "瑞金医院",
        "province_code": "31",
        "city": "上海",
        "grade": "三甲",
        "insurance_code": "H31010100001",
        "rep": None,
        "active": True,
    },
    change={"city": "黄浦区", "grade": "三乙"},
    kept="name",
)
DISTRIBUTOR = Resource(
    "/distributors",
    body={"code": "D001", "name": "国药控股上海有限公司", "province_code": "31", "city": "上海"},
    stored={
        "code": "D001",
        "name": "国药控股上海有限公司",
        "province_code": "31",
        "city": "上海",
        "active": True,
    },
    change={"name": "国药控股分销中心", "province_code": "广东"},
    kept="city",
)
PRODUCT = Resource(
    "/products",
    body={
        "code": "P-ATV-20",
        "generic_name": "阿托伐他汀钙片",
        "brand": "立普妥",
        "specification": "20mg",
        "unit": "片",
        "pack_size": 28,
    },
    stored={
        "code": "P-ATV-20",
        "generic_name": "阿托伐他汀钙片",
        "brand": "立普妥",
        "specification": "20mg",
        "unit": "片",
        "pack_size": 28,
        "category": "drug",
        "active": True,
    },
    change={"pack_size": 14, "category": "ivd_reagent"},
    kept="generic_name",
)
RESOURCES = [HOSPITAL, DISTRIBUTOR, PRODUCT]
by_path = pytest.mark.parametrize("resource", RESOURCES, ids=str)


def create(client: FlaskClient, headers: Headers, path: str, body: dict[str, Any]) -> Any:
    response = client.post(API + path, json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def subset(record: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {key: record.get(key) for key in expected}


@by_path
def test_create_answers_201_with_the_record_and_get_finds_it(
    client: FlaskClient, manager: Headers, resource: Resource
) -> None:
    created = create(client, manager, resource.path, resource.body)
    assert subset(created, resource.stored) == resource.stored

    fetched = client.get(f"{API}{resource.path}/{resource.body['code']}", headers=manager)
    assert fetched.status_code == 200
    assert fetched.json == created


@by_path
def test_patch_changes_the_given_fields_and_keeps_the_others(
    client: FlaskClient, manager: Headers, resource: Resource
) -> None:
    created = create(client, manager, resource.path, resource.body)
    url = f"{API}{resource.path}/{resource.body['code']}"

    response = client.patch(url, json=resource.change, headers=manager)

    assert response.status_code == 200, response.json
    expected = {**created, **resource.change}
    if "province_code" in resource.change:
        expected["province_code"] = "44"  # 广东, given by name, comes back as its code
    assert response.json == expected
    assert response.json[resource.kept] == created[resource.kept]
    assert client.get(url, headers=manager).json == expected


@by_path
def test_patch_may_repeat_the_code_but_not_change_it(
    client: FlaskClient, db: Session, manager: Headers, resource: Resource
) -> None:
    created = create(client, manager, resource.path, resource.body)
    url = f"{API}{resource.path}/{resource.body['code']}"
    assert client.patch(url, json={"code": resource.body["code"]}, headers=manager).json == created

    before = database_state(db)
    response = client.patch(url, json={**resource.change, "code": "OTHER-1"}, headers=manager)

    assert response.status_code == 422
    assert "code" in response.json["error"]["fields"]
    assert database_state(db) == before
    assert client.get(url, headers=manager).json == created
    assert client.get(f"{API}{resource.path}/OTHER-1", headers=manager).status_code == 404


def test_patch_null_clears_an_optional_field(client: FlaskClient, manager: Headers) -> None:
    create(client, manager, "/hospitals", HOSPITAL.body)
    response = client.patch(
        f"{API}/hospitals/H310001", json={"grade": None, "city": ""}, headers=manager
    )
    assert response.status_code == 200
    assert (response.json["grade"], response.json["city"]) == (None, None)
    assert response.json["insurance_code"] == "H31010100001"


MAKERS = {
    "/hospitals": lambda db, code: make_hospital(db, code),
    "/distributors": lambda db, code: make_distributor(db, code),
    "/products": lambda db, code: make_product(db, code),
}
SEVEN = [f"C{n:03d}" for n in range(7)]
# query → (page, per_page, items on that page); seven records in all
PAGES = [
    ("", 1, 50, 7),
    ("?per_page=3", 1, 3, 3),
    ("?per_page=3&page=2", 2, 3, 3),
    ("?page=3&per_page=3", 3, 3, 1),
    ("?page=4&per_page=3", 4, 3, 0),
    ("?page=1000000000&per_page=500", 1_000_000_000, 500, 0),
    ("?per_page=500", 1, 500, 7),
]


@pytest.mark.parametrize("path", list(MAKERS))
def test_list_pages_with_the_total_of_all_matches(
    client: FlaskClient, db: Session, manager: Headers, path: str, subtests: pytest.Subtests
) -> None:
    for code in SEVEN:
        MAKERS[path](db, code)

    for query, page_number, per_page, count in PAGES:
        with subtests.test(query=query):
            response = client.get(API + path + query, headers=manager)
            assert response.status_code == 200
            assert set(response.json) == {"items", "page", "per_page", "total"}
            assert (response.json["page"], response.json["per_page"]) == (page_number, per_page)
            assert response.json["total"] == 7
            assert len(response.json["items"]) == count

    seen = []
    for page_number in (1, 2, 3):
        response = client.get(f"{API}{path}?per_page=3&page={page_number}", headers=manager)
        seen += [item["code"] for item in response.json["items"]]
    assert sorted(seen) == SEVEN


@pytest.fixture
def parties(db: Session) -> None:
    make_hospital(db, "H-SH-1", "31", name="瑞金医院", city="上海", grade="三甲")
    make_hospital(db, "H-SH-2", "31", name="仁济医院", city="上海", grade="二甲")
    make_hospital(db, "H-GD-1", "44", name="中山大学附属第一医院", city="广州", grade="三甲")
    make_hospital(db, "H-BJ-1", "11", name="北京协和医院", city="北京")
    make_distributor(db, "D-SH-1", "31", name="国药控股上海有限公司")
    make_distributor(db, "D-GD-1", "44", name="广州医药有限公司", city="广州")
    make_distributor(db, "D-XX-1", None, name="九州通医药集团")


PARTY_FILTERS = [
    ("/hospitals", "", {"H-SH-1", "H-SH-2", "H-GD-1", "H-BJ-1"}),
    ("/hospitals", "province_code=31", {"H-SH-1", "H-SH-2"}),
    ("/hospitals", "province_code=上海", {"H-SH-1", "H-SH-2"}),
    ("/hospitals", "province_code=上海市", {"H-SH-1", "H-SH-2"}),
    ("/hospitals", "province_code=44", {"H-GD-1"}),
    ("/hospitals", "province_code=46", set()),
    ("/hospitals", "grade=三甲", {"H-SH-1", "H-GD-1"}),
    ("/hospitals", "grade=三甲&province_code=上海", {"H-SH-1"}),
    ("/hospitals", "q=瑞金", {"H-SH-1"}),
    ("/hospitals", "q=h-sh", {"H-SH-1", "H-SH-2"}),
    ("/hospitals", "q=广州", {"H-GD-1"}),
    ("/hospitals", "q=协和&province_code=31", set()),
    ("/hospitals", "q=D-SH", set()),
    ("/distributors", "", {"D-SH-1", "D-GD-1", "D-XX-1"}),
    ("/distributors", "province_code=上海", {"D-SH-1"}),
    ("/distributors", "province_code=广东省", {"D-GD-1"}),
    ("/distributors", "q=医药", {"D-GD-1", "D-XX-1"}),
    ("/distributors", "q=H-SH", set()),
]


@pytest.mark.usefixtures("parties")
def test_party_filters(client: FlaskClient, manager: Headers, subtests: pytest.Subtests) -> None:
    for path, query, codes in PARTY_FILTERS:
        with subtests.test(path=path, query=query):
            response = client.get(f"{API}{path}?{query}", headers=manager)
            assert response.status_code == 200
            assert {item["code"] for item in response.json["items"]} == codes
            assert response.json["total"] == len(codes)

    for path in ("/hospitals", "/distributors"):
        with subtests.test(path=path, query="province_code=火星"):
            response = client.get(f"{API}{path}?province_code=火星", headers=manager)
            assert response.status_code == 422
            assert set(response.json["error"]["fields"]) == {"province_code"}


PRODUCT_FILTERS = [
    ("", {"P-ATV", "P-ROS", "C-STENT", "R-HBV"}),
    ("q=他汀", {"P-ATV", "P-ROS"}),
    ("q=立普妥", {"P-ATV"}),
    ("q=p-ros", {"P-ROS"}),
    ("q=10mg", {"P-ROS"}),
    ("category=drug", {"P-ATV", "P-ROS"}),
    ("category=high_value_consumable", {"C-STENT"}),
    ("category=drug&q=瑞舒", {"P-ROS"}),
    ("category=ivd_reagent&q=他汀", set()),
]


def test_product_filters(
    client: FlaskClient, db: Session, manager: Headers, subtests: pytest.Subtests
) -> None:
    make_product(db, "P-ATV", generic_name="阿托伐他汀钙片", brand="立普妥", specification="20mg")
    make_product(db, "P-ROS", generic_name="瑞舒伐他汀钙片", specification="10mg")
    make_product(
        db, "C-STENT", generic_name="冠脉支架", unit="个", category="high_value_consumable"
    )
    make_product(
        db, "R-HBV", generic_name="乙肝表面抗原检测试剂盒", unit="盒", category="ivd_reagent"
    )

    for query, codes in PRODUCT_FILTERS:
        with subtests.test(query=query):
            response = client.get(f"{API}/products?{query}", headers=manager)
            assert response.status_code == 200
            assert {item["code"] for item in response.json["items"]} == codes
            assert response.json["total"] == len(codes)


BAD_PAGING = [
    ("per_page=501", "per_page"),
    ("per_page=0", "per_page"),
    ("per_page=-5", "per_page"),
    ("per_page=ten", "per_page"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("page=1.5", "page"),
    ("page=", "page"),
    ("page=²", "page"),  # a digit to str.isdigit, not to int()
    ("page=1000000001", "page"),
    ("page=99999999999999999999999", "page"),  # would overflow the SQL offset
]


@pytest.mark.parametrize("path", ["/hospitals", "/distributors", "/products"])
def test_bad_paging_is_422_naming_the_parameter(
    client: FlaskClient, manager: Headers, path: str, subtests: pytest.Subtests
) -> None:
    for query, field in BAD_PAGING:
        with subtests.test(query=query):
            response = client.get(f"{API}{path}?{query}", headers=manager)
            assert response.status_code == 422, response.json
            assert response.json["error"]["code"] == "invalid"
            assert field in response.json["error"]["fields"]


@pytest.mark.parametrize("path", ["/hospitals", "/distributors", "/products"])
def test_a_code_with_a_slash_can_be_read_and_changed_by_its_code(
    client: FlaskClient, manager: Headers, path: str
) -> None:
    """Codes may contain '/' (platform codes like 'SH/2024/001'); the URL must still reach them."""
    body = {**next(r for r in RESOURCES if r.path == path).body, "code": "SH/2024/001"}
    create(client, manager, path, body)
    for url in (f"{API}{path}/SH/2024/001", f"{API}{path}/SH%2F2024%2F001"):
        assert client.get(url, headers=manager).json["code"] == "SH/2024/001"
        assert client.patch(url, json={"active": False}, headers=manager).status_code == 200


@pytest.mark.parametrize(
    ("path", "maker"),
    [
        ("/hospitals", make_hospital),
        ("/distributors", make_distributor),
        ("/products", make_product),
    ],
)
def test_q_matches_underscore_and_percent_literally(
    client: FlaskClient, db: Session, manager: Headers, path: str, maker: Any
) -> None:
    for code in ("A_1", "AB1", "A-1"):
        maker(db, code)
    for q, codes in (("A_", {"A_1"}), ("_", {"A_1"}), ("A%1", set()), ("%", set())):
        response = client.get(f"{API}{path}", query_string={"q": q}, headers=manager)
        assert {item["code"] for item in response.json["items"]} == codes, q
