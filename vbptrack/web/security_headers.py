"""Security headers on every response, set by flask-talisman.

The pages load only our own files: scripts from static/ (no inline script: data reaches
the charts in `<script type="application/json">` islands, which are not executed) and
the stylesheet from static/css (no `style` attributes, no `<style>` elements; htmx's own
indicator styles are switched off by its config meta tag in base.html). So the policy
allows 'self' and nothing inline, and no other site may frame a page: a one-button form
in a hidden frame is how clickjacking works.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response
from flask_talisman import DENY, Talisman

F = TypeVar("F", bound=Callable[..., Any])

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# A PDF is shown by the browser's own viewer, whose page Chromium builds with inline
# styles and an embedded plugin: the page policy above would leave it blank. A PDF runs
# none of our code, so it only keeps the framing rule.
PDF_CONTENT_SECURITY_POLICY = "frame-ancestors 'none'"
# The links in a page carry customer codes and filters; other sites learn nothing.
REFERRER_POLICY = "same-origin"
# Features no page uses, refused to anything a page might load.
PERMISSIONS_POLICY = {
    "browsing-topics": "()",
    "camera": "()",
    "microphone": "()",
    "geolocation": "()",
    "payment": "()",
    "usb": "()",
}
HSTS_MAX_AGE = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    https = bool(app.config.get("HTTPS"))

    # Registered before Talisman's hook so that it runs after it (Flask runs after-request
    # functions last-registered first) and has the last word on a PDF's policy.
    @app.after_request
    def pdf_policy(response: Response) -> Response:
        if response.mimetype == "application/pdf":
            response.headers["Content-Security-Policy"] = PDF_CONTENT_SECURITY_POLICY
        return response

    # One Talisman per app: it keeps the app it serves on itself.
    app.extensions["talisman"] = Talisman(
        app,
        # TLS ends at the reverse proxy; vbptrack never redirects to https itself.
        force_https=False,
        # Sent on a request that arrived over HTTPS (or X-Forwarded-Proto: https), and
        # only where the deployment says it is served over HTTPS: a browser told once
        # would refuse plain http://127.0.0.1 of a laptop for a year.
        strict_transport_security=https,
        strict_transport_security_max_age=HSTS_MAX_AGE,
        strict_transport_security_include_subdomains=False,
        frame_options=DENY,
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy=REFERRER_POLICY,
        permissions_policy=PERMISSIONS_POLICY,
        # The cookie settings stay those of config.py (Secure follows VBPTRACK_HTTPS);
        # Talisman would otherwise force its own.
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=app.config["SESSION_COOKIE_HTTPONLY"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )


def page_policy(**options: Any) -> Callable[[F], F]:
    """A view's own header options (Talisman's per-view decorator), e.g. a page that must
    allow something the policy above refuses:

        @bp.route("/docs")
        @page_policy(content_security_policy={**CONTENT_SECURITY_POLICY, "img-src": "'self' data:"})
    """
    return Talisman()(**options)  # type: ignore[no-any-return]
