"""JSON API v1: bearer tokens, the contract's error format, the same services as the pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, g, request

from vbptrack.db import get_session
from vbptrack.services import users as user_service
from vbptrack.services.access import Actor, require
from vbptrack.services.errors import InvalidInput, ServiceError
from vbptrack.web.auth import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Requests carry a bearer token, never the session cookie, so there is no CSRF to forge.
csrf.exempt(bp)


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"
    headers = {"WWW-Authenticate": 'Bearer realm="vbptrack"'}


PUBLIC_ENDPOINTS = {"api.openapi"}


@bp.before_request
def authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an API token as 'Authorization: Bearer <token>'.")
    user = user_service.user_for_token(get_session(), token.strip(), now=datetime.now(UTC))
    if user is None:
        raise Unauthorized("The API token is unknown or revoked.")
    g.actor = user_service.actor_for(user)


def actor() -> Actor:
    return g.actor  # type: ignore[no-any-return]


def json_body(permission: str | None = None) -> dict[str, Any]:
    """The request's JSON object; the role is checked first, so a caller without the
    right learns that (403) before anything about their body."""
    if permission is not None:
        require(actor(), permission)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ServiceError("The request body must be a JSON object.")
    return body


# Far beyond any real list, and small enough that the row offset fits a 64-bit integer.
MAX_PAGE = 1_000_000_000


def list_args(max_per_page: int = 500) -> tuple[int, int]:
    problems = {}
    values = {}
    for name, default in (("page", 1), ("per_page", 50)):
        text = request.args.get(name, str(default))
        # isascii: "²" and other Unicode digits pass isdigit() but not int().
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            problems[name] = "must be a whole number of at least 1"
        else:
            values[name] = int(text)
    if "page" in values and values["page"] > MAX_PAGE:
        problems["page"] = f"at most {MAX_PAGE}"
    if "per_page" in values and values["per_page"] > max_per_page:
        problems["per_page"] = f"at most {max_per_page}"
    if problems:
        raise InvalidInput("Invalid paging parameters.", problems)
    return values["page"], values["per_page"]


def page_body(page: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total}


from vbptrack.api import (  # noqa: E402,F401  registers the routes
    collections,
    commercial,
    dunning,
    jobs,
    market_access,
    openapi,
    parties,
    products,
    receivables,
    reminders,
)
