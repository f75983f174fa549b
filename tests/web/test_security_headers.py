"""Security headers: every response says what a browser may load and that no other site
may frame it; HSTS only where the deployment says it is served over HTTPS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from sqlmodel import Session
from werkzeug.test import TestResponse

from tests.web import world
from tests.web.pages import find_all, page
from tests.web.world import page_rules, url_for_rule
from vbptrack import config as app_config
from vbptrack import create_app
from vbptrack.db import get_engine


def directives(response: TestResponse) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: (rest[0] if rest else "") for name, *rest in parts}


def test_a_page_allows_only_its_own_scripts_and_styles(client: FlaskClient) -> None:
    response = client.get("/login")
    csp = directives(response)
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"  # no 'unsafe-inline': there is no inline style
    assert csp["default-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.mark.parametrize(
    "path", ["/static/css/app.css", "/static/js/app.js", "/api/v1/hospitals", "/no-such-page"]
)
def test_every_response_carries_the_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_no_hsts_and_no_redirect_without_https(client: FlaskClient) -> None:
    plain = client.get("/login")
    assert plain.status_code == 200  # no forced redirect to https
    assert "Strict-Transport-Security" not in plain.headers
    # Even a request the proxy marks as HTTPS gets none while VBPTRACK_HTTPS is off.
    proxied = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in proxied.headers


def test_hsts_when_served_over_https(database_url: str, tmp_path: Path) -> None:
    app = create_app(
        app_config.test_config(
            database_url,
            INSTANCE_PATH=str(tmp_path),
            HTTPS=True,
            SESSION_COOKIE_SECURE=True,
        )
    )
    try:
        client = app.test_client()
        behind_proxy = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert behind_proxy.status_code == 200
        assert behind_proxy.headers["Strict-Transport-Security"] == "max-age=31536000"
        direct = client.get("/login", base_url="https://localhost")
        assert direct.headers["Strict-Transport-Security"] == "max-age=31536000"
        # TLS ends at the proxy: a plain request is answered, not redirected.
        assert client.get("/login").status_code == 200
    finally:
        get_engine(app).dispose()


def test_a_pdf_keeps_only_the_framing_rule(app: Flask, client: FlaskClient) -> None:
    """The browser's PDF viewer builds its page with inline styles: the page policy
    would leave it blank."""
    from vbptrack.documents.http import pdf_response

    @app.route("/test-pdf")
    def test_pdf() -> Response:
        return pdf_response(b"%PDF-1.7\n", "x.pdf")

    response = client.get("/test-pdf")
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


INLINE_HANDLER = re.compile(r"^on[a-z]+$")


def test_no_page_has_inline_script_or_style(app: Flask, db: Session) -> None:
    """What the policy refuses must not be in a page: every page an administrator opens
    is read for inline script, event handler attributes, style attributes and elements."""
    data = world.build(db)
    browser = world.signed_in(app, data.users["admin"])
    checked = 0
    for rule in page_rules(app):
        if rule.endpoint == "static" or rule.endpoint.endswith("_pdf"):
            continue
        response = browser.get(url_for_rule(app, rule, data))
        if response.mimetype != "text/html":
            continue
        checked += 1
        root = page(response)
        where = rule.rule
        for script in find_all(root, "script"):
            assert script.attrib.get("src") or script.attrib.get("type") == "application/json", (
                f"{where}: inline <script>"
            )
        assert not list(find_all(root, "style")), f"{where}: <style> element"
        for element in find_all(root):
            assert "style" not in element.attrib, f"{where}: style= on <{element.tag}>"
            handlers = [name for name in element.attrib if INLINE_HANDLER.match(name)]
            assert not handlers, f"{where}: {handlers} on <{element.tag}>"
            href = element.attrib.get("href") or ""
            assert not href.lower().startswith("javascript:"), f"{where}: javascript: link"
    assert checked > 40
