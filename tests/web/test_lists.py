"""Lists of hospitals and distributors: a rep sees their territory only; search, filters, pages."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.factories import make_hospital, make_product
from tests.web import world
from tests.web.pages import find, find_all, page, text


def listed_codes(response: Any) -> set[str]:
    """The codes in the list's first column."""
    assert response.status_code == 200
    table = find(page(response), "table", class_="list")
    if table is None:
        return set()
    return {text(row.find("td")) for row in find_all(table, "tr") if row.find("td") is not None}


@pytest.fixture
def rep(app: Flask, db: Session) -> FlaskClient:
    data = world.build(db, roles=("rep",))
    # A hospital in Chongqing whose responsible rep is ours: in the territory too.
    make_hospital(db, "H500001", "50", rep=world.REP)
    return world.signed_in(app, data.users["rep"])


@pytest.fixture
def manager(app: Flask, db: Session) -> FlaskClient:
    data = world.build(db, roles=("manager",))
    make_hospital(db, "H500001", "50")
    return world.signed_in(app, data.users["manager"])


def test_rep_list_shows_only_the_territory(rep: FlaskClient) -> None:
    codes = listed_codes(rep.get("/hospitals/"))
    assert codes == {world.IN_TERRITORY, world.ASSIGNED, "H500001"}
    assert world.OUTSIDE not in rep.get("/hospitals/").get_data(as_text=True)


def test_rep_gets_404_outside_the_territory(rep: FlaskClient) -> None:
    for url in (
        f"/hospitals/{world.OUTSIDE}",
        f"/distributors/{world.DISTRIBUTOR_OUT}",
        "/hospitals/NO-SUCH-CODE",
    ):
        response = rep.get(url)
        assert response.status_code == 404, url
        body = text(page(response))
        assert "outside your territory" in body
        assert "广州" not in body
    for url in (
        f"/hospitals/{world.IN_TERRITORY}",
        f"/hospitals/{world.ASSIGNED}",
        "/hospitals/H500001",
        f"/distributors/{world.DISTRIBUTOR_IN}",
    ):
        assert rep.get(url).status_code == 200, url


def test_missing_and_outside_look_the_same(rep: FlaskClient) -> None:
    # A CSRF token carries the second it was signed: two requests may straddle one.
    def page_without_tokens(url: str) -> str:
        html = rep.get(url).get_data(as_text=True)
        return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)

    outside = page_without_tokens(f"/hospitals/{world.OUTSIDE}")
    missing = page_without_tokens("/hospitals/H449999")
    assert outside.replace(world.OUTSIDE, "X") == missing.replace("H449999", "X")


def test_rep_distributors_are_those_of_the_provinces(rep: FlaskClient) -> None:
    assert listed_codes(rep.get("/distributors/")) == {world.DISTRIBUTOR_IN}


def test_rep_start_page_counts_the_territory(rep: FlaskClient) -> None:
    numbers = [text(tile) for tile in find_all(page(rep.get("/")), class_="tile-number")]
    assert numbers[:2] == ["3", "1"]


def test_manager_sees_everything(manager: FlaskClient) -> None:
    assert listed_codes(manager.get("/hospitals/")) == {
        world.IN_TERRITORY,
        world.ASSIGNED,
        world.OUTSIDE,
        "H500001",
    }
    assert listed_codes(manager.get("/distributors/")) == {
        world.DISTRIBUTOR_IN,
        world.DISTRIBUTOR_OUT,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "H31"}, {world.IN_TERRITORY}),
        ({"q": "h31"}, {world.IN_TERRITORY}),  # codes match whatever the case
        ({"q": "北京"}, {world.ASSIGNED}),  # the city
        ({"q": "广州"}, set()),  # a city outside the territory
        ({"q": "人民医院"}, {world.IN_TERRITORY, world.ASSIGNED, "H500001"}),
        ({"province": "11"}, {world.ASSIGNED}),
        ({"province": "44"}, set()),  # outside stays outside, filter or not
        ({"grade": "二甲"}, {world.ASSIGNED}),
        ({"grade": "三甲", "province": "31"}, {world.IN_TERRITORY}),
    ],
)
def test_rep_search_and_filters(
    rep: FlaskClient, query: dict[str, str], expected: set[str]
) -> None:
    response = rep.get("/hospitals/", query_string=query)
    assert listed_codes(response) == expected
    if not expected:
        assert "No hospitals match." in text(page(response))


def test_filters_keep_their_values(manager: FlaskClient) -> None:
    root = page(
        manager.get("/hospitals/", query_string={"q": "上海", "province": "31", "grade": "三甲"})
    )
    assert find(root, "input", name="q").get("value") == "上海"  # type: ignore[union-attr]
    province = find(root, "select", name="province")
    assert province is not None
    assert find(province, "option", value="31").get("selected") is not None  # type: ignore[union-attr]


def test_pagination(manager: FlaskClient, db: Session) -> None:
    for number in range(2, 5):
        make_hospital(db, f"H31000{number}", "31")
    # 7 hospitals in all, 2 a page: 4 pages.
    first = manager.get("/hospitals/", query_string={"per_page": "2", "province": ""})
    root = page(first)
    nav = find(root, "nav", class_="pagination")
    assert nav is not None
    assert "7 records" in text(nav)
    assert "page 1 of 4" in text(nav)
    assert find(nav, "a", rel="prev") is None
    next_link = find(nav, "a", rel="next")
    assert next_link is not None
    href = next_link.get("href", "")
    args = parse_qs(urlsplit(href).query)
    assert args["page"] == ["2"]
    assert args["per_page"] == ["2"]  # the page size carries over
    assert len(listed_codes(first)) == 2

    seen = listed_codes(first)
    for expected_page in (2, 3, 4):
        response = manager.get(href)
        nav = find(page(response), "nav", class_="pagination")
        assert nav is not None
        assert f"page {expected_page} of 4" in text(nav)
        assert find(nav, "a", rel="prev") is not None
        codes = listed_codes(response)
        assert not codes & seen
        seen |= codes
        following = find(nav, "a", rel="next")
        href = following.get("href", "") if following is not None else ""
    assert href == ""  # no next link on the last page
    assert len(seen) == 7


def test_pagination_keeps_filters(manager: FlaskClient, db: Session) -> None:
    for number in range(2, 5):
        make_hospital(db, f"H31000{number}", "31")
    response = manager.get("/hospitals/", query_string={"per_page": "2", "province": "31"})
    nav = find(page(response), "nav", class_="pagination")
    assert nav is not None
    assert "page 1 of 2" in text(nav)
    href = find(nav, "a", rel="next").get("href", "")  # type: ignore[union-attr]
    assert parse_qs(urlsplit(href).query)["province"] == ["31"]
    assert listed_codes(manager.get(href)) <= {f"H31000{n}" for n in range(1, 5)}


def test_page_past_the_end_is_empty_not_an_error(manager: FlaskClient) -> None:
    response = manager.get("/hospitals/", query_string={"page": "99"})
    assert response.status_code == 200
    assert "No hospitals match." in text(page(response))


def test_products_search_and_category(app: Flask, db: Session) -> None:
    data = world.build(db, roles=("rep",))
    make_product(db, "P0002", generic_name="注射用头孢曲松钠", category="drug")
    make_product(db, "S0001", generic_name="冠脉支架", unit="个", category="high_value_consumable")
    client = world.signed_in(app, data.users["rep"])
    assert listed_codes(client.get("/products/")) == {world.PRODUCT, "P0002", "S0001"}
    assert listed_codes(client.get("/products/?q=头孢")) == {"P0002"}
    assert listed_codes(client.get("/products/?category=high_value_consumable")) == {"S0001"}


@pytest.mark.parametrize(
    "query",
    [
        {"_external": "1", "_scheme": "javascript", "_anchor": "\nalert(1)"},
        {"_scheme": "javascript"},
        {"_anchor": "x", "_method": "POST"},
        {"code": "x"},
    ],
)
def test_page_links_stay_on_this_site_whatever_the_query(
    manager: FlaskClient, query: dict[str, str]
) -> None:
    """The query string is the visitor's: it must not steer how the page links are built."""
    response = manager.get("/hospitals/", query_string={"per_page": "1", "page": "2", **query})
    assert response.status_code == 200
    nav = find(page(response), "nav", class_="pagination")
    assert nav is not None
    for link in find_all(nav, "a"):
        href = link.get("href", "")
        assert href.startswith("/hospitals/?"), href
        assert "javascript" not in href.split("?")[0]
