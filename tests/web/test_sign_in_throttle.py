"""Sign-in throttling: a guesser's address runs out of tries, the account never locks for
everyone, and a throttled sign-in looks and takes exactly like a wrong password."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import Session

from tests.conftest import unavailable
from tests.factories import PASSWORD, csrf_token, make_user
from tests.web.pages import find, page, text
from tests.web.world import quick_user
from vbptrack import config as app_config
from vbptrack import create_app
from vbptrack.db import get_engine
from vbptrack.models import User

REDIS_URL = "redis://127.0.0.1:6379/0"


def attempt(client: FlaskClient, username: str, password: str, address: str) -> Any:
    """One sign-in from `address`, through the real form."""
    client.environ_base["REMOTE_ADDR"] = address
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


def refusal(response: Any) -> tuple[int, str]:
    message = find(page(response), class_="flash-error")
    assert message is not None
    return response.status_code, text(message)


def new_address() -> str:
    # Unique per test, so counts in a shared Redis never meet another test's.
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def test_anyone_cannot_lock_admin_out(app: Flask, client: FlaskClient, db: Session) -> None:
    quick_user(db, "admin", "admin")
    attacker, office = "203.0.113.9", "198.51.100.20"
    for guess in range(8):
        assert attempt(client, "admin", f"guess-{guess}", attacker).status_code == 401
    # The attacker's address is throttled for admin — even the right password is refused…
    assert attempt(client, "admin", PASSWORD, attacker).status_code == 401
    # …while admin signs in from the office as if nothing happened.
    admin = app.test_client()
    assert attempt(admin, "admin", PASSWORD, office).status_code == 302
    assert admin.get("/").status_code == 200


def test_five_failures_pause_that_username_from_that_address(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    quick_user(db, "wang", "manager")
    quick_user(db, "li", "rep")
    here = "192.0.2.7"
    for guess in range(5):
        attempt(client, "wang", f"guess-{guess}", here)
    assert attempt(client, "wang", PASSWORD, here).status_code == 401
    # Another username from the same address is not held up by wang's failures…
    assert attempt(app.test_client(), "li", PASSWORD, here).status_code == 302
    # …nor wang from another address.
    assert attempt(app.test_client(), "wang", PASSWORD, "192.0.2.8").status_code == 302


def test_successes_never_count(app: Flask, db: Session) -> None:
    """An office behind one address signs in all day: only failures are counted."""
    quick_user(db, "wang", "manager")
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per hour"
    for _ in range(6):
        assert attempt(app.test_client(), "wang", PASSWORD, "192.0.2.30").status_code == 302


def test_one_address_cannot_try_every_account(app: Flask, db: Session) -> None:
    for name in ("a1", "a2", "a3", "zhao"):
        quick_user(db, name, "manager")
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per hour"
    sprayer = app.test_client()
    for name in ("a1", "a2", "a3"):
        assert attempt(sprayer, name, "Password12", "192.0.2.50").status_code == 401
    # The address has used up its failures for any username.
    assert attempt(sprayer, "zhao", PASSWORD, "192.0.2.50").status_code == 401
    assert attempt(app.test_client(), "zhao", PASSWORD, "192.0.2.51").status_code == 302


def test_ipv6_addresses_count_per_subscriber_block(app: Flask, db: Session) -> None:
    """One IPv6 subscriber holds a /64: hopping inside it gains no tries."""
    quick_user(db, "wang", "manager")
    client = app.test_client()
    for host in range(1, 6):
        attempt(client, "wang", f"guess-{host}", f"2001:db8:1:2::{host}")
    assert attempt(client, "wang", PASSWORD, "2001:db8:1:2::99").status_code == 401
    assert attempt(client, "wang", PASSWORD, "2001:db8:1:3::1").status_code == 302


def test_wrong_unknown_inactive_and_throttled_answer_alike(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    quick_user(db, "wang", "manager")
    quick_user(db, "gone", "manager")
    db.execute(update(User).where(User.username == "gone").values(active=False))
    db.commit()
    here = "192.0.2.60"
    wrong = refusal(attempt(client, "wang", "not-the-password", here))
    unknown = refusal(attempt(client, "nobody", "not-the-password", here))
    inactive = refusal(attempt(client, "gone", PASSWORD, here))
    for guess in range(4):
        attempt(client, "wang", f"guess-{guess}", here)
    throttled = refusal(attempt(client, "wang", PASSWORD, here))
    assert wrong == unknown == inactive == throttled
    assert wrong[0] == 401
    assert "Wrong username or password" in wrong[1]


def test_a_refusal_takes_as_long_whatever_its_reason(app: Flask, db: Session) -> None:
    """Timing must not tell a throttled account (or an existing one) from a wrong password.

    Each answer checks one real scrypt hash (~0.1 s) whatever the reason, where a throttled
    sign-in used to answer at once. Rounds interleave the three kinds so the machine's load
    falls on all alike; the fastest of each kind is compared (noise only ever adds time),
    and a factor of three either way cannot flake on a busy machine while an answer without
    the hash check is fifty times faster (measured: 0.002 s against 0.1–0.5 s)."""
    make_user(db, "wang", "manager")  # a real scrypt hash
    client = app.test_client()
    for guess in range(5):  # wang is now throttled from 192.0.2.70
        attempt(client, "wang", f"guess-{guess}", "192.0.2.70")
    timings: dict[str, list[float]] = {"wrong": [], "unknown": [], "throttled": []}
    tries = {
        "throttled": ("wang", "192.0.2.70"),
        "unknown": ("nobody", "192.0.2.71"),
        "wrong": ("wang", "192.0.2.72"),
    }
    for round_ in range(4):
        for kind, (username, address) in tries.items():
            token = csrf_token(client)
            client.environ_base["REMOTE_ADDR"] = address
            started = time.perf_counter()
            response = client.post(
                "/login",
                data={"username": username, "password": f"try-{round_}", "csrf_token": token},
            )
            timings[kind].append(time.perf_counter() - started)
            assert response.status_code == 401
    fastest = {kind: min(values) for kind, values in timings.items()}
    for kind in ("unknown", "throttled"):
        assert 1 / 3 < fastest[kind] / fastest["wrong"] < 3, fastest


# --- where the counts live ------------------------------------------------------------


@pytest.fixture
def redis_available() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis not reachable at {REDIS_URL} ({type(exc).__name__})")


def app_with(database_url: str, tmp_path: Path, **settings: Any) -> Flask:
    config = app_config.test_config(
        database_url, INSTANCE_PATH=str(tmp_path / uuid.uuid4().hex), **settings
    )
    return create_app(config)


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, Flask]]:
    """Two app processes of a cluster sharing the real Redis."""
    first = app_with(database_url, tmp_path, RATELIMIT_STORAGE_URI=REDIS_URL)
    second = app_with(database_url, tmp_path, RATELIMIT_STORAGE_URI=REDIS_URL)
    yield first, second
    get_engine(first).dispose()
    get_engine(second).dispose()


@pytest.mark.usefixtures("redis_available")
def test_a_cluster_shares_its_counts_in_redis(two_servers: tuple[Flask, Flask]) -> None:
    import redis

    first, second = two_servers
    with Session(get_engine(first)) as db:
        quick_user(db, "wang", "manager")
    here = new_address()
    for guess in range(3):
        attempt(first.test_client(), "wang", f"guess-{guess}", here)
    for guess in range(2):
        attempt(second.test_client(), "wang", f"guess-{guess}", here)
    # Five failures across the two servers: both refuse the sixth.
    assert attempt(first.test_client(), "wang", PASSWORD, here).status_code == 401
    assert attempt(second.test_client(), "wang", PASSWORD, here).status_code == 401
    assert redis.Redis.from_url(REDIS_URL).keys("*vbptrack-sign-in*")


def test_sign_in_carries_on_when_redis_is_gone(database_url: str, tmp_path: Path) -> None:
    """A Redis that stops answering: each process counts in its own memory meanwhile."""
    app = app_with(database_url, tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    try:
        with Session(get_engine(app)) as db:
            quick_user(db, "wang", "manager")
        client = app.test_client()
        for guess in range(5):
            assert attempt(client, "wang", f"guess-{guess}", "192.0.2.90").status_code == 401
        assert attempt(client, "wang", PASSWORD, "192.0.2.90").status_code == 401
        assert attempt(app.test_client(), "wang", PASSWORD, "192.0.2.91").status_code == 302
    finally:
        get_engine(app).dispose()


@pytest.mark.parametrize(
    ("setting", "value"),
    [("LOGIN_LIMIT_PER_ADDRESS", "50 per fortnight"), ("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", "5")],
)
def test_a_mistyped_limit_stops_the_start(
    database_url: str, tmp_path: Path, setting: str, value: str
) -> None:
    with pytest.raises(ValueError, match=setting):
        app_with(database_url, tmp_path, **{setting: value})


def test_behind_a_proxy_the_client_address_counts(database_url: str, tmp_path: Path) -> None:
    """With VBPTRACK_TRUSTED_PROXIES=1 the proxy's X-Forwarded-For names the client; without
    it everyone behind the proxy would share one count."""
    app = app_with(database_url, tmp_path, TRUSTED_PROXIES=1)
    try:
        with Session(get_engine(app)) as db:
            quick_user(db, "wang", "manager")
        client = app.test_client()
        proxy = "10.0.0.1"
        for guess in range(5):
            client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.5"
            attempt(client, "wang", f"guess-{guess}", proxy)
        assert attempt(client, "wang", PASSWORD, proxy).status_code == 401
        client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.6"
        assert attempt(client, "wang", PASSWORD, proxy).status_code == 302
    finally:
        get_engine(app).dispose()
