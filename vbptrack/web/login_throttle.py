"""Sign-in throttling (Flask-Limiter): failures are counted per address and per
account+address, and an account is never locked for everyone.

Locking an account after N failures is what let anyone lock `admin` with five requests.
Here a guesser's address runs out of tries instead:

- LOGIN_LIMIT_PER_ACCOUNT_ADDRESS (5 per 15 minutes): failures for one username from one
  address. The real user, from their own network, is not held up by a stranger's guesses.
- LOGIN_LIMIT_PER_ADDRESS (50 per hour): failures for any usernames from one address, so
  an address cannot try five passwords on every account.

Only failed sign-ins count (a 401): a success costs nothing, an office behind one address
signs in as often as it likes. A throttled sign-in gets the same page, status, message
and time as a wrong password (web/auth.py), so a throttle reveals nothing about which
usernames exist. IPv6 addresses count per /64, the block one subscriber gets.

The counts live in memory by default (one process: `vbptrack serve`), or in Redis with
VBPTRACK_RATELIMIT_STORAGE_URL, which every process of a cluster must share; should Redis
go away, each process counts in its own memory until it is back.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.errors import RateLimitExceeded
from limits import parse_many
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

LIMIT_SETTINGS = ("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", "LOGIN_LIMIT_PER_ADDRESS")


def client_address() -> str:
    """The address failures are counted for: the client's, or its /64 for IPv6.

    With VBPTRACK_TRUSTED_PROXIES the client is the one the proxy names in
    X-Forwarded-For (ProxyFix); otherwise everyone behind a proxy would share its address.
    """
    text = request.remote_addr or "unknown"
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def account_and_address() -> str:
    """The address and the username tried (hashed: the key's length stays bounded and the
    store holds no usernames, real or mistyped)."""
    username = request.form.get("username", "").strip()
    digest = hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{client_address()}/{digest}"


def per_account_and_address() -> str:
    return str(current_app.config["LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"])


def per_address() -> str:
    return str(current_app.config["LOGIN_LIMIT_PER_ADDRESS"])


def failed(response: Response) -> bool:
    return response.status_code == 401


def protect(app: Flask, endpoint: str, on_breach: Callable[[RequestLimit], Response]) -> None:
    """Throttle the sign-in view `endpoint` of `app`; `on_breach` answers a throttled
    attempt. A Limiter of the app's own: Flask-Limiter keeps most settings from the first
    app it serves, and tests build many apps in one process."""
    for name in LIMIT_SETTINGS:
        try:
            parse_many(str(app.config[name]))
        except ValueError as exc:
            raise ValueError(
                f"VBPTRACK_{name} must read like '5 per 15 minutes', not {app.config[name]!r}"
            ) from exc
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if not isinstance(hops, int) or hops < 0:
        raise ValueError(f"VBPTRACK_TRUSTED_PROXIES must be a whole number, not {hops!r}")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    limiter = Limiter(
        key_func=client_address,
        app=app,
        # A moving window: a burst across a window's edge gets no second allowance.
        strategy="moving-window",
        key_prefix="vbptrack-sign-in",
        headers_enabled=False,
        in_memory_fallback_enabled=True,
    )
    common: dict[str, Any] = {"methods": ["POST"], "deduct_when": failed, "on_breach": on_breach}
    view = app.view_functions[endpoint]
    view = limiter.limit(per_account_and_address, key_func=account_and_address, **common)(view)
    view = limiter.limit(per_address, **common)(view)
    app.view_functions[endpoint] = view

    # The refusal page on_breach made, not a 429 error page.
    @app.errorhandler(RateLimitExceeded)
    def throttled(error: RateLimitExceeded) -> Response:
        return error.get_response()
