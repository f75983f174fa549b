"""Sessions end on the server: after signing out, a password change (own or by an
administrator) or a deactivation, a copy of the old session cookie signs nobody in."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.factories import PASSWORD, login
from tests.web.pages import fresh_token
from tests.web.world import quick_user

NEW_PASSWORD = "copper-kettle-monsoon"


def copy_of(app: Flask, browser: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of `browser`'s session cookie (a shared computer,
    a stolen backup, a cookie read off the wire)."""
    cookie = browser.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def signed_in(client: FlaskClient) -> bool:
    return client.get("/settings/").status_code == 200


def test_signing_out_ends_the_session_everywhere(app: Flask, db: Session) -> None:
    quick_user(db, "wang", "manager")
    browser = app.test_client()
    token = login(browser, "wang")
    thief = copy_of(app, browser)
    assert signed_in(thief)  # the copy works while the session lives
    browser.post("/logout", data={"csrf_token": token})
    assert not signed_in(browser)
    assert not signed_in(thief)
    # Signing in again gives a new session that works.
    login(browser, "wang")
    assert signed_in(browser)
    assert not signed_in(thief)


def test_a_new_password_ends_the_other_sessions(app: Flask, db: Session) -> None:
    quick_user(db, "wang", "finance")
    browser = app.test_client()
    token = login(browser, "wang")
    phone = app.test_client()
    login(phone, "wang")
    thief = copy_of(app, browser)
    response = browser.post(
        "/settings/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert signed_in(browser)  # the browser that changed it carries on
    assert not signed_in(phone)
    assert not signed_in(thief)


def test_an_administrators_reset_ends_the_users_sessions(app: Flask, db: Session) -> None:
    quick_user(db, "admin", "admin")
    quick_user(db, "li", "rep")
    rep = app.test_client()
    login(rep, "li")
    admin = app.test_client()
    token = login(admin, "admin")
    response = admin.post(
        "/settings/users/li",
        data={"role": "rep", "active": "y", "password": NEW_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert not signed_in(rep)
    assert signed_in(admin)


def test_an_administrators_own_reset_keeps_their_browser(app: Flask, db: Session) -> None:
    quick_user(db, "admin", "admin")
    admin = app.test_client()
    token = login(admin, "admin")
    thief = copy_of(app, admin)
    response = admin.post(
        "/settings/users/admin",
        data={"role": "admin", "active": "y", "password": NEW_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert signed_in(admin)
    assert not signed_in(thief)


def test_a_deactivated_user_comes_back_without_old_sessions(app: Flask, db: Session) -> None:
    quick_user(db, "admin", "admin")
    quick_user(db, "li", "rep")
    rep = app.test_client()
    login(rep, "li")
    admin = app.test_client()
    token = login(admin, "admin")
    form = {"role": "rep", "csrf_token": token}
    admin.post("/settings/users/li", data=form)  # no "active": switched off
    assert not signed_in(rep)
    admin.post("/settings/users/li", data={**form, "active": "y", "csrf_token": fresh_token(admin)})
    assert not signed_in(rep)  # switched on again, the old session stays ended
