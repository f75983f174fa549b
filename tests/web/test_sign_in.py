"""Signing in and out: what a user sees on the way in, and what an attacker does not get."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlmodel import Session

from tests.factories import PASSWORD, csrf_token, login, make_user
from tests.web.pages import find, fresh_token, page, text
from tests.web.world import quick_user
from vbptrack.models import User

WRONG = "Wrong username or password"


def sign_in(client: FlaskClient, username: str, password: str, next_: str | None = None) -> Any:
    return client.post(
        "/login",
        query_string={} if next_ is None else {"next": next_},
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


def flash_text(response: Any) -> str:
    flash = find(page(response), class_="flash-error")
    assert flash is not None
    return text(flash)


def user_row(db: Session, username: str) -> User:
    db.expire_all()
    return db.execute(select(User).where(User.username == username)).scalar_one()


def test_sign_in_lands_on_the_start_page(client: FlaskClient, db: Session) -> None:
    make_user(db, "wang", "manager")
    response = sign_in(client, "wang", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "wang" in text(page(home))
    assert user_row(db, "wang").last_login_at is not None


def test_login_page_for_a_signed_in_user_goes_home(client: FlaskClient, db: Session) -> None:
    quick_user(db, "wang", "manager")
    login(client, "wang")
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_wrong_password_is_refused_with_401(client: FlaskClient, db: Session) -> None:
    quick_user(db, "wang", "manager")
    response = sign_in(client, "wang", "not-the-password")
    assert response.status_code == 401
    body = text(page(response))
    assert WRONG in body
    # The username stays in the form; the password never comes back.
    assert 'value="wang"' in response.get_data(as_text=True)
    assert "not-the-password" not in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_unknown_user_gets_the_same_answer(client: FlaskClient, db: Session) -> None:
    quick_user(db, "wang", "manager")
    known = sign_in(client, "wang", "not-the-password")
    unknown = sign_in(client, "nobody", "not-the-password")
    assert unknown.status_code == known.status_code == 401
    # The same message: the page does not reveal which usernames exist.
    assert flash_text(unknown) == flash_text(known)
    assert WRONG in flash_text(unknown)


def test_inactive_user_cannot_sign_in(client: FlaskClient, db: Session) -> None:
    quick_user(db, "gone", "manager")
    db.execute(update(User).where(User.username == "gone").values(active=False))
    db.commit()
    response = sign_in(client, "gone", PASSWORD)
    assert response.status_code == 401
    assert WRONG in text(page(response))


@pytest.mark.parametrize(
    ("next_", "expected"),
    [
        ("/hospitals/?q=上海&province=31", "/hospitals/?q=上海&province=31"),
        ("/settings/", "/settings/"),
        ("http://evil.example/", "/"),
        ("https://evil.example/login", "/"),
        ("//evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("evil.example", "/"),
    ],
)
def test_next_honours_local_paths_only(
    client: FlaskClient, db: Session, next_: str, expected: str
) -> None:
    quick_user(db, "wang", "manager")
    response = sign_in(client, "wang", PASSWORD, next_=next_)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil.example" not in location
    assert unquote(location) == expected


def test_protected_page_sends_anonymous_to_login_and_back(client: FlaskClient, db: Session) -> None:
    quick_user(db, "wang", "manager")
    response = client.get("/products/?q=abc")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    target = parse_qs(urlsplit(location).query)["next"][0]
    back = sign_in(client, "wang", PASSWORD, next_=target)
    assert back.status_code == 302
    assert back.headers["Location"] == "/products/?q=abc"


def test_logout_needs_post_with_csrf(client: FlaskClient, db: Session) -> None:
    quick_user(db, "wang", "manager")
    login(client, "wang")
    assert client.get("/logout").status_code == 405
    refused = client.post("/logout")
    assert refused.status_code == 400
    assert client.get("/").status_code == 200  # still signed in
    response = client.post("/logout", data={"csrf_token": fresh_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "You are signed out" in text(page(client.get("/login")))
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(client: FlaskClient, db: Session) -> None:
    quick_user(db, "wang", "manager")
    response = sign_in(client, "wang", PASSWORD)
    cookies = [value for name, value in response.headers.items() if name == "Set-Cookie"]
    session_cookie = next(c for c in cookies if c.startswith("session="))
    attributes = {part.strip().split("=")[0].lower() for part in session_cookie.split(";")}
    assert "httponly" in attributes
    assert "samesite=lax" in session_cookie.lower().replace(" ", "")
    assert "expires" in attributes  # a permanent session: the 12-hour lifetime applies


def test_sign_in_issues_a_new_session(client: FlaskClient, db: Session) -> None:
    """Session fixation: whatever was in the session before sign-in is dropped."""
    quick_user(db, "wang", "manager")
    with client.session_transaction() as before:
        before["planted"] = "by-attacker"
    sign_in(client, "wang", PASSWORD)
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after.get("_user_id")


@pytest.mark.parametrize("next_", ["/\\evil.example/", "/\t/evil.example/", "\\\\evil.example"])
def test_next_refuses_paths_browsers_read_as_another_host(
    client: FlaskClient, db: Session, next_: str
) -> None:
    quick_user(db, "wang", "manager")
    response = sign_in(client, "wang", PASSWORD, next_=next_)
    assert response.status_code == 302
    location = response.headers["Location"]
    # A path on this site: browsers read "//host" and "/\\host" as another host.
    assert location.startswith("/")
    assert location[1:2] not in {"/", "\\"}
    assert not any(ch in location for ch in "\\\t\r\n")
