"""Creating and editing hospitals, distributors and products through their forms."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlmodel import Session

from tests.factories import make_distributor, make_hospital, make_product
from tests.web import world
from tests.web.pages import (
    field_container,
    field_control,
    field_error,
    find,
    find_all,
    has_class,
    history_rows,
    page,
    snapshot,
    text,
)
from vbptrack.models import Party, Product


class Browser:
    """A signed-in manager who fills in forms."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.token = token

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any]) -> Any:
        return self.client.post(url, data={**data, "csrf_token": self.token})


@pytest.fixture
def manager(app: Flask, db: Session) -> Browser:
    from tests.factories import login

    world.quick_user(db, "manager", "manager")
    world.quick_user(db, world.REP, "rep", provinces=["31"])
    client = app.test_client()
    return Browser(client, login(client, "manager"))


NEW_RECORDS = [
    pytest.param(
        "/hospitals/new",
        {
            "code": "H320001",
            "name": "南京鼓楼医院",
            "province_code": "32",
            "city": "南京",
            "grade": "三甲",
            "hospital_type": "综合医院",
            "insurance_code": "h32010600001",
            "rep": world.REP,
            "phone": "025-83106666",
            "email": "yb@glhospital.com",
            "active": "1",
        },
        "/hospitals/H320001",
        ["南京鼓楼医院", "Jiangsu", "三甲", "H32010600001", world.REP],
        ("Hospital name", "—", "南京鼓楼医院"),
        id="hospital",
    ),
    pytest.param(
        "/distributors/new",
        {"code": "D320001", "name": "国药控股江苏有限公司", "province_code": "", "active": "1"},
        "/distributors/D320001",
        ["国药控股江苏有限公司"],
        ("Distributor name", "—", "国药控股江苏有限公司"),
        id="distributor",
    ),
    pytest.param(
        "/products/new",
        {
            "code": "P0100",
            "generic_name": "阿托伐他汀钙片",
            "specification": "20mg",
            "unit": "片",
            "pack_size": "28",
            "category": "drug",
            "active": "1",
        },
        "/products/P0100",
        ["阿托伐他汀钙片", "20mg", "28", "Drug"],
        ("Units per pack", "—", "28"),
        id="product",
    ),
]


@pytest.mark.parametrize(("url", "body", "detail", "shown", "change"), NEW_RECORDS)
def test_create_shows_the_record_and_its_history(
    manager: Browser,
    url: str,
    body: dict[str, str],
    detail: str,
    shown: list[str],
    change: tuple[str, str, str],
) -> None:
    response = manager.post(url, body)
    assert response.status_code == 302
    assert response.headers["Location"] == detail
    shown_page = manager.get(detail)
    assert shown_page.status_code == 200
    body_text = text(page(shown_page))
    assert f"Saved {detail.rsplit('/', 1)[1]}." in body_text
    for value in shown:
        assert value in body_text
    assert "manager" in text(find(page(shown_page), "section", class_="history"))  # type: ignore[arg-type]
    assert change in history_rows(shown_page)


@pytest.mark.parametrize(("language", "shanghai"), [("en", "Shanghai"), ("zh", "上海市")])
def test_new_hospital_form_offers_every_province(
    manager: Browser, language: str, shanghai: str
) -> None:
    root = page(manager.get("/hospitals/new", headers={"Accept-Language": language}))
    province = field_control(root, "province_code")
    options = {o.get("value"): text(o) for o in find_all(province, "option") if o.get("value")}
    assert len(options) == 31
    assert options["31"] == shanghai


INVALID = [
    pytest.param(
        "/hospitals/new",
        {"code": "H1", "name": "  ", "province_code": "31"},
        "name",
        "This field is required.",
        id="empty-name",
    ),
    pytest.param(
        "/hospitals/new",
        {"code": "H1", "name": "A", "province_code": ""},
        "province_code",
        "This field is required.",
        id="no-province",
    ),
    pytest.param(
        "/hospitals/new",
        {"code": "H1", "name": "A", "province_code": "99"},
        "province_code",
        "Unknown province “99”.",
        id="unknown-province",
    ),
    pytest.param(
        "/hospitals/new",
        {"code": "H1", "name": "A", "province_code": "31", "insurance_code": "X123"},
        "insurance_code",
        "A national insurance code is H followed by 11 digits.",
        id="bad-insurance-code",
    ),
    pytest.param(
        "/hospitals/new",
        {"code": "H 1", "name": "A", "province_code": "31"},
        "code",
        "Use letters, digits and - _ . / only.",
        id="bad-code",
    ),
    pytest.param(
        "/hospitals/new",
        {"code": "H1", "name": "A", "province_code": "31", "grade": "四甲"},
        "grade",
        "Choose one of",
        id="unknown-grade",
    ),
    pytest.param(
        "/hospitals/new",
        {"code": "H1", "name": "A", "province_code": "31", "rep": "nobody"},
        "rep",
        "No sales rep with the username “nobody”.",
        id="unknown-rep",
    ),
    pytest.param(
        "/hospitals/new",
        {"code": "H1", "name": "A", "province_code": "31", "email": "not-an-address"},
        "email",
        "Enter an e-mail address.",
        id="bad-email",
    ),
    pytest.param(
        "/distributors/new",
        {"code": "D1", "name": "", "province_code": ""},
        "name",
        "This field is required.",
        id="distributor-empty-name",
    ),
    pytest.param(
        "/distributors/new",
        {"code": "D1", "name": "A", "province_code": "火星"},
        "province_code",
        "Unknown province “火星”.",
        id="distributor-province",
    ),
    pytest.param(
        "/products/new",
        {"code": "P1", "generic_name": "A", "unit": "片", "pack_size": "0", "category": "drug"},
        "pack_size",
        "Must be at least 1.",
        id="pack-size-0",
    ),
    pytest.param(
        "/products/new",
        {"code": "P1", "generic_name": "A", "unit": "片", "pack_size": "2.5", "category": "drug"},
        "pack_size",
        "Enter a whole number.",
        id="pack-size-fraction",
    ),
    pytest.param(
        "/products/new",
        {"code": "P1", "generic_name": "A", "unit": "", "pack_size": "1", "category": "drug"},
        "unit",
        "This field is required.",
        id="no-unit",
    ),
    pytest.param(
        "/products/new",
        {"code": "P1", "generic_name": "A", "unit": "片", "pack_size": "1", "category": "food"},
        "category",
        "Choose one of",
        id="unknown-category",
    ),
]


@pytest.mark.parametrize(("url", "body", "field", "message"), INVALID)
def test_invalid_input_is_shown_next_to_the_field(
    manager: Browser, db: Session, url: str, body: dict[str, str], field: str, message: str
) -> None:
    before = snapshot(db)
    response = manager.post(url, body)
    assert response.status_code == 422
    root = page(response)
    error = field_error(root, field)
    assert error is not None and message in error, error
    assert has_class(field_container(root, field), "has-error")
    assert field_control(root, field).get("aria-invalid") == "true"
    assert "Please correct the marked fields." in text(root)
    # Other fields show no error, and what was typed is still there.
    errors = [e for e in find_all(root, class_="error")]
    assert len(errors) == 1
    code = field_control(root, "code")
    assert code.get("value") == body["code"]
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/hospitals/new", {"code": "H310001", "name": "Again", "province_code": "31"}),
        # Hospitals and distributors share one namespace of customer codes.
        ("/hospitals/new", {"code": "D310001", "name": "Again", "province_code": "31"}),
        ("/distributors/new", {"code": "H310001", "name": "Again"}),
        (
            "/products/new",
            {
                "code": "P0001",
                "generic_name": "Again",
                "unit": "片",
                "pack_size": "1",
                "category": "drug",
            },
        ),
    ],
)
def test_duplicate_code_is_a_conflict(
    manager: Browser, db: Session, url: str, body: dict[str, str]
) -> None:
    make_hospital(db, "H310001", "31")
    make_distributor(db, "D310001", "31")
    make_product(db, "P0001")
    before = snapshot(db)
    response = manager.post(url, body)
    assert response.status_code == 409
    root = page(response)
    assert field_error(root, "code") == "Already in use."
    assert "already" in text(find(root, class_="flash-error"))  # type: ignore[arg-type]
    assert snapshot(db) == before


def test_edit_keeps_the_code_and_records_old_and_new(manager: Browser, db: Session) -> None:
    make_hospital(db, "H310001", "31", name="上海市第一人民医院", grade="三乙")
    form = page(manager.get("/hospitals/H310001/edit"))
    code = field_control(form, "code")
    assert code.get("value") == "H310001"
    assert code.get("readonly") is not None
    assert field_control(form, "name").get("value") == "上海市第一人民医院"
    province = field_control(form, "province_code")
    assert find(province, "option", value="31").get("selected") is not None  # type: ignore[union-attr]

    response = manager.post(
        "/hospitals/H310001/edit",
        {
            "code": "H999999",  # a tampered read-only field changes nothing
            "name": "上海市第一人民医院（北部）",
            "province_code": "31",
            "grade": "三甲",
            "active": "1",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/hospitals/H310001"
    detail = manager.get("/hospitals/H310001")
    assert "上海市第一人民医院（北部）" in text(page(detail))
    rows = history_rows(detail)
    assert ("Hospital name", "上海市第一人民医院", "上海市第一人民医院（北部）") in rows
    assert ("Grade", "三乙", "三甲") in rows
    db.expire_all()
    assert db.execute(select(Party.code)).scalars().all() == ["H310001"]


def test_edit_unticked_active_makes_the_record_inactive(manager: Browser, db: Session) -> None:
    make_distributor(db, "D310001", "31")
    response = manager.post(
        "/distributors/D310001/edit", {"name": "D310001 医药有限公司", "province_code": "31"}
    )
    assert response.status_code == 302
    detail = manager.get("/distributors/D310001")
    assert "This record is inactive." in text(page(detail))
    assert ("Active", "yes", "no") in history_rows(detail)


def test_edit_product_records_pack_size_change(manager: Browser, db: Session) -> None:
    make_product(db, "P0001", pack_size=10)
    form = page(manager.get("/products/P0001/edit"))
    assert field_control(form, "code").get("readonly") is not None
    assert field_control(form, "pack_size").get("value") == "10"
    response = manager.post(
        "/products/P0001/edit",
        {
            "generic_name": "阿托伐他汀钙片",
            "unit": "片",
            "pack_size": "20",
            "category": "drug",
            "active": "1",
        },
    )
    assert response.status_code == 302
    assert ("Units per pack", "10", "20") in history_rows(manager.get("/products/P0001"))


def test_invalid_edit_keeps_the_record_and_marks_the_field(manager: Browser, db: Session) -> None:
    make_hospital(db, "H310001", "31")
    before = snapshot(db)
    response = manager.post("/hospitals/H310001/edit", {"name": "", "province_code": "31"})
    assert response.status_code == 422
    root = page(response)
    assert field_error(root, "name") == "This field is required."
    assert field_control(root, "code").get("value") == "H310001"
    assert field_control(root, "code").get("readonly") is not None
    assert snapshot(db) == before


def test_edit_of_a_missing_record_is_404(manager: Browser) -> None:
    assert manager.get("/hospitals/NOPE/edit").status_code == 404
    assert manager.post("/products/NOPE/edit", {"generic_name": "x"}).status_code == 404


def test_names_are_escaped_everywhere(manager: Browser, db: Session) -> None:
    evil = "<script>alert(1)</script>"
    response = manager.post(
        "/hospitals/new",
        {"code": "H310009", "name": evil, "province_code": "31", "city": '"><img src=x>'},
    )
    assert response.status_code == 302
    for url in (
        "/hospitals/H310009",
        "/hospitals/",
        "/hospitals/H310009/edit",
        "/hospitals/?q=%3Cscript%3E",
    ):
        html = manager.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html, url
        assert "<img src=x>" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    db.expire_all()
    assert db.execute(select(Party.name)).scalar_one() == evil


def test_escaped_in_form_errors_too(manager: Browser) -> None:
    response = manager.post(
        "/hospitals/new", {"code": "<b>x</b>", "name": "A", "province_code": "<script>x</script>"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<script>x</script>" not in html
    assert "<b>x</b>" not in html


def test_product_code_is_not_a_party_code(manager: Browser, db: Session) -> None:
    """Products have their own codes: a hospital's code may be reused for a product."""
    make_hospital(db, "X100", "31")
    response = manager.post(
        "/products/new",
        {"code": "X100", "generic_name": "A", "unit": "片", "pack_size": "1", "category": "drug"},
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.execute(select(Product.code)).scalars().all() == ["X100"]
