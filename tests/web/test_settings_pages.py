"""Settings: my password and API tokens; for admins, users, roles and territories."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlmodel import Session

from tests.factories import PASSWORD, csrf_token, login, make_hospital
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
from vbptrack.models import ApiToken, User
from vbptrack.services import users as user_service

NEW_PASSWORD = "a-brand-new-password"
ADVICE = "Try a few uncommon words together."
REPEATS = "Repeats like “aaa” are easy to guess. " + ADVICE
COMMON = "This is a very common password. " + ADVICE


def signed_in(app: Flask, username: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    return client, login(client, username)


def flashes(response: Any) -> list[str]:
    return [text(p) for p in find_all(page(response), "p", class_="flash")]


def can_sign_in(app: Flask, username: str, password: str) -> bool:
    client = app.test_client()
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )
    return response.status_code == 302


# --- my password ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        ("not-my-password", NEW_PASSWORD, "The current password is wrong."),
        ("", NEW_PASSWORD, "The current password is wrong."),
        (PASSWORD, "short", "At least 10 characters."),
        (PASSWORD, "aaaaaaaaaa", REPEATS),
        (PASSWORD, "Password12", COMMON),
        (PASSWORD, "vbptrack-wang", "This password is too easy to guess. " + ADVICE),
    ],
)
def test_password_change_refused(
    app: Flask, db: Session, current: str, new: str, message: str
) -> None:
    world.quick_user(db, "wang", "finance")
    client, token = signed_in(app, "wang")
    before = snapshot(db)
    response = client.post(
        "/settings/password",
        data={"current_password": current, "new_password": new, "csrf_token": token},
    )
    assert response.status_code == 302
    assert message in flashes(client.get(response.headers["Location"]))
    assert snapshot(db) == before


def test_password_change(app: Flask, db: Session) -> None:
    world.quick_user(db, "wang", "finance")
    client, token = signed_in(app, "wang")
    response = client.post(
        "/settings/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "csrf_token": token},
        follow_redirects=True,
    )
    assert "Your password is changed; you are signed out everywhere else." in flashes(response)
    assert client.get("/").status_code == 200  # still signed in
    assert can_sign_in(app, "wang", NEW_PASSWORD)
    assert not can_sign_in(app, "wang", PASSWORD)


# --- API tokens ----------------------------------------------------------------------


def test_token_is_shown_once_then_only_its_prefix(app: Flask, db: Session) -> None:
    world.quick_user(db, "wang", "manager")
    client, token = signed_in(app, "wang")
    response = client.post("/settings/tokens", data={"label": "ERP 导入", "csrf_token": token})
    assert response.status_code == 200
    shown = find(page(response), "code", class_="token")
    assert shown is not None
    secret = text(shown)
    assert secret.startswith("vbp_") and len(secret) > 40
    assert "ERP 导入" in text(page(response))

    later = client.get("/settings/").get_data(as_text=True)
    assert secret not in later
    assert f"{secret[:12]}…" in later

    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/hospitals", headers=headers).status_code == 200

    # Opening the settings page again mints nothing new.
    assert len(db.execute(select(ApiToken)).scalars().all()) == 1

    row = db.execute(select(ApiToken)).scalar_one()
    response = client.post(
        f"/settings/tokens/{row.id}/revoke", data={"csrf_token": token}, follow_redirects=True
    )
    assert "The token is revoked." in flashes(response)
    listing = find(page(response), "table", class_="list")
    assert listing is not None and "revoked" in text(listing)
    assert find(listing, "form") is None  # no revoke button left
    assert api.get("/api/v1/hospitals", headers=headers).status_code == 401


def test_someone_elses_token_cannot_be_revoked(app: Flask, db: Session) -> None:
    owner = world.quick_user(db, "owner", "manager")
    world.quick_user(db, "other", "manager")
    user_service.issue_token(db, actor=user_service.actor_for(owner), user=owner)
    row = db.execute(select(ApiToken)).scalar_one()
    client, token = signed_in(app, "other")
    response = client.post(f"/settings/tokens/{row.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 404
    db.expire_all()
    assert db.execute(select(ApiToken)).scalar_one().revoked_at is None
    assert (
        client.post("/settings/tokens/999999/revoke", data={"csrf_token": token}).status_code == 404
    )


# --- users, roles, territories (admin) ------------------------------------------------


@pytest.fixture
def admin(app: Flask, db: Session) -> tuple[FlaskClient, str]:
    world.quick_user(db, "admin", "admin")
    make_hospital(db, "H310001", "31")
    make_hospital(db, "H110001", "11")
    make_hospital(db, "H500001", "50")
    return signed_in(app, "admin")


def test_admin_creates_a_rep_with_a_territory(
    app: Flask, db: Session, admin: tuple[FlaskClient, str]
) -> None:
    client, token = admin
    response = client.post(
        "/settings/users/new",
        data={
            "username": "li",
            "display_name": "李娜",
            "role": "rep",
            "password": "long-enough-pw",
            "provinces": "31, 广东",
            "hospitals": "H110001，H500001",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/settings/users/li"
    form = page(client.get("/settings/users/li"))
    assert field_control(form, "provinces").get("value") == "31, 44"
    assert field_control(form, "hospitals").get("value") == "H110001, H500001"
    assert find(field_control(form, "role"), "option", value="rep").get("selected") is not None  # type: ignore[union-attr]
    assert "李娜" in text(page(client.get("/settings/users")))

    # The new rep signs in and sees exactly that territory.
    rep = app.test_client()
    login(rep, "li", "long-enough-pw")
    html = rep.get("/hospitals/").get_data(as_text=True)
    assert "H110001" in html and "H500001" in html and "H310001" in html
    settings = text(page(rep.get("/settings/")))
    assert "H110001, H500001" in settings


def test_admin_changes_a_role_and_the_history_says_so(
    app: Flask, db: Session, admin: tuple[FlaskClient, str]
) -> None:
    client, token = admin
    world.quick_user(db, world.REP, "rep", provinces=["31"])
    rep, rep_token = signed_in(app, world.REP)
    assert rep.get("/hospitals/new").status_code == 403

    response = client.post(
        f"/settings/users/{world.REP}",
        data={
            "role": "manager",
            "display_name": "Zhang",
            "active": "1",
            "provinces": "31",
            "hospitals": "",
            "password": "",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    history = history_rows(client.get(f"/settings/users/{world.REP}/history"))
    assert ("Role", "rep", "manager") in history
    # The change applies at once, without signing in again.
    assert rep.get("/hospitals/new").status_code == 200


def test_admin_sets_and_removes_the_address_reminders_go_to(
    db: Session, admin: tuple[FlaskClient, str]
) -> None:
    client, token = admin
    body = {"role": "manager", "password": "long-enough-pw", "csrf_token": token}
    created = client.post(
        "/settings/users/new", data={**body, "username": "zhao", "email": " zhao@huadong.example "}
    )
    assert created.status_code == 302
    form = page(client.get("/settings/users/zhao"))
    assert field_control(form, "email").get("value") == "zhao@huadong.example"
    assert "zhao@huadong.example" in text(page(client.get("/settings/users")))

    edit = {"role": "manager", "display_name": "Zhao", "active": "1", "csrf_token": token}
    changed = client.post(
        "/settings/users/zhao", data={**edit, "email": "zhao.lei@huadong.example"}
    )
    assert changed.status_code == 302
    history = history_rows(client.get("/settings/users/zhao/history"))
    assert ("E-mail", "zhao@huadong.example", "zhao.lei@huadong.example") in history
    assert client.post("/settings/users/zhao", data={**edit, "email": ""}).status_code == 302
    db.expire_all()
    assert user_service.get(db, "zhao").email is None


def test_admin_deactivates_a_user_who_is_then_signed_out(
    app: Flask, db: Session, admin: tuple[FlaskClient, str]
) -> None:
    client, token = admin
    world.quick_user(db, world.REP, "rep", provinces=["31"])
    rep, _ = signed_in(app, world.REP)
    response = client.post(
        f"/settings/users/{world.REP}",
        data={
            "role": "rep",
            "display_name": "",
            "provinces": "31",
            "hospitals": "",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert rep.get("/").status_code == 302
    assert not can_sign_in(app, world.REP, PASSWORD)


def test_admin_resets_a_password(app: Flask, db: Session, admin: tuple[FlaskClient, str]) -> None:
    client, token = admin
    world.quick_user(db, world.REP, "rep")
    response = client.post(
        f"/settings/users/{world.REP}",
        data={
            "role": "rep",
            "active": "1",
            "provinces": "",
            "hospitals": "",
            "password": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert can_sign_in(app, world.REP, NEW_PASSWORD)
    assert "password reset" in text(page(client.get(f"/settings/users/{world.REP}/history")))


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        (
            {
                "username": "li",
                "role": "rep",
                "password": "long-enough-pw",
                "provinces": "31, 火星",
            },
            422,
            "provinces",
            "Unknown province “火星”.",
        ),
        (
            {"username": "li", "role": "rep", "password": "long-enough-pw", "hospitals": "H404"},
            422,
            "hospitals",
            "No hospital with the code H404.",
        ),
        (
            {"username": "li", "role": "rep", "password": "short"},
            422,
            "password",
            "At least 10 characters.",
        ),
        ({"username": "li", "role": "rep", "password": "aaaaaaaaaa"}, 422, "password", REPEATS),
        ({"username": "li", "role": "rep", "password": "Password12"}, 422, "password", COMMON),
        (
            {"username": "li", "role": "rep", "password": "long-enough-pw", "email": "li@"},
            422,
            "email",
            "Enter an e-mail address.",
        ),
        (
            {"username": "li wang", "role": "rep", "password": "long-enough-pw"},
            422,
            "username",
            "1 to 60 characters, no spaces.",
        ),
        (
            {"username": "li", "role": "boss", "password": "long-enough-pw"},
            422,
            "role",
            "Choose one of: admin, manager, finance, rep.",
        ),
        (
            {"username": "admin", "role": "rep", "password": "long-enough-pw"},
            409,
            "username",
            "Already in use.",
        ),
    ],
)
def test_user_form_problems_are_next_to_the_field(
    db: Session,
    admin: tuple[FlaskClient, str],
    body: dict[str, str],
    status: int,
    field: str,
    message: str,
) -> None:
    client, token = admin
    before = snapshot(db)
    response = client.post("/settings/users/new", data={**body, "csrf_token": token})
    assert response.status_code == status
    root = page(response)
    assert field_error(root, field) == message
    assert has_class(field_container(root, field), "has-error")
    if field != "username":
        assert field_control(root, "username").get("value") == body["username"]
    assert snapshot(db) == before


def test_unknown_user_is_404(admin: tuple[FlaskClient, str]) -> None:
    client, token = admin
    assert client.get("/settings/users/nobody").status_code == 404
    assert client.get("/settings/users/nobody/history").status_code == 404
    assert (
        client.post("/settings/users/nobody", data={"role": "rep", "csrf_token": token}).status_code
        == 404
    )


@pytest.mark.parametrize("role", ["manager", "finance", "rep"])
def test_only_an_admin_manages_users(app: Flask, db: Session, role: str) -> None:
    world.quick_user(db, "someone", role)
    world.quick_user(db, "target", "rep")
    client, token = signed_in(app, "someone")
    before = snapshot(db)
    assert client.get("/settings/users").status_code == 403
    for url, body in (
        ("/settings/users/new", {"username": "x", "role": "admin", "password": "long-enough-pw"}),
        ("/settings/users/target", {"role": "admin", "active": "1"}),
        ("/settings/users/someone", {"role": "admin", "active": "1"}),  # not even oneself
    ):
        assert client.post(url, data={**body, "csrf_token": token}).status_code == 403, url
    assert snapshot(db) == before
    assert "Users, roles and territories" not in text(page(client.get("/settings/")))
    db.expire_all()
    assert db.execute(select(User.role).where(User.username == "someone")).scalar_one() == role


def test_invalid_user_edit_changes_nothing(
    app: Flask, db: Session, admin: tuple[FlaskClient, str]
) -> None:
    client, token = admin
    world.quick_user(db, world.REP, "rep", provinces=["31"])
    before = snapshot(db)
    response = client.post(
        f"/settings/users/{world.REP}",
        data={
            "role": "manager",
            "active": "1",
            "provinces": "31, 火星",
            "hospitals": "",
            "password": "a-new-password-that-is-long",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    root = page(response)
    assert field_error(root, "provinces") == "Unknown province “火星”."
    assert field_control(root, "provinces").get("value") == "31, 火星"  # what was typed
    assert "a-new-password-that-is-long" not in response.get_data(as_text=True)
    assert snapshot(db) == before


def test_the_password_typed_is_never_sent_back(db: Session, admin: tuple[FlaskClient, str]) -> None:
    client, token = admin
    response = client.post(
        "/settings/users/new",
        data={
            "username": "li",
            "role": "rep",
            "password": "secret-pw-123",
            "provinces": "火星",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert "secret-pw-123" not in response.get_data(as_text=True)
