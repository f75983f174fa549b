"""Configuration: defaults, environment overrides, and the test configuration.

Every setting an operator may change comes from a `VBPTRACK_*` environment variable, so the
same code runs on a laptop (SQLite under `instance/`) and on a production PostgreSQL server.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_secret_key(instance_path: Path) -> str:
    """The secret from the environment, or one generated once and kept in `instance/`.

    Kept in a file so sessions and CSRF tokens survive a restart without an operator
    having to invent a key.
    """
    from_env = os.environ.get("VBPTRACK_SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / SECRET_KEY_FILE
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _whole_number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit():
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    return int(value)


def from_environment(instance_path: Path) -> dict[str, Any]:
    https = _flag("VBPTRACK_HTTPS", False)
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        # Served over HTTPS (TLS at the proxy): Secure cookies and the HSTS header.
        "HTTPS": https,
        "DATABASE_URL": os.environ.get(
            "VBPTRACK_DATABASE_URL", sqlite_url(instance_path / "vbptrack.db")
        ),
        # Secure cookies need HTTPS; a laptop serving http://127.0.0.1 would silently
        # lose its session, so the flag follows the deployment's own declaration.
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        **{
            name: os.environ[f"VBPTRACK_{name}"]
            for name in (*COMMERCIAL_SETTINGS, *INPUT_SETTINGS)
            if f"VBPTRACK_{name}" in os.environ
        },
        **{
            name: os.environ[f"VBPTRACK_{name}"]
            for name in ("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", "LOGIN_LIMIT_PER_ADDRESS")
            if f"VBPTRACK_{name}" in os.environ
        },
        "RATELIMIT_STORAGE_URI": os.environ.get("VBPTRACK_RATELIMIT_STORAGE_URL") or "memory://",
        "TRUSTED_PROXIES": _whole_number("VBPTRACK_TRUSTED_PROXIES", 0),
        # Dunning letters by e-mail; without a host the e-mail action says it is not set up.
        "SMTP_HOST": os.environ.get("VBPTRACK_SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("VBPTRACK_SMTP_PORT", "25")),
        "SMTP_FROM": os.environ.get("VBPTRACK_SMTP_FROM", ""),
        "SMTP_USER": os.environ.get("VBPTRACK_SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("VBPTRACK_SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _flag("VBPTRACK_SMTP_STARTTLS", False),
        # Where people open vbptrack, for the links in reminder e-mails; without it the
        # e-mails carry paths only.
        "BASE_URL": os.environ.get("VBPTRACK_BASE_URL", "").rstrip("/"),
        # Background jobs (docs/configuration.md "Background jobs"): empty is the embedded
        # queue in instance/queue.db, redis://… a Redis server shared by `vbptrack worker`s.
        **{
            name: os.environ[f"VBPTRACK_{name}"]
            for name in QUEUE_SETTINGS
            if f"VBPTRACK_{name}" in os.environ
        },
    }


COMMERCIAL_SETTINGS = (
    "VBP_SHARES",
    "FULFILMENT_TOLERANCE",
    "FULFILMENT_AT_RISK_SHARE",
    "TENDER_REMINDER_DAYS",
    "AGREEMENT_YEAR_REMINDER_DAYS",
    "FILING_ALERT_DAYS",
    "CONTRACT_REMINDER_DAYS",
)

# Bounds on what users send (docs/configuration.md); read and checked at start.
INPUT_SETTINGS = (
    "DATE_MIN",
    "DATE_MAX",
    "DB_LOCK_TIMEOUT",
    "XLSX_MAX_UNPACKED_MB",
    "XLSX_MAX_SHARED_STRINGS_MB",
    "XLSX_MAX_RATIO",
    "IMPORT_MAX_CELLS",
    "IMPORT_MAX_SECONDS",
    "IMPORT_MAX_UPLOAD_MB",
)


QUEUE_SETTINGS = (
    "QUEUE_URL",
    "QUEUE_NAME",  # several vbptrack installations on one Redis: one name each
    "QUEUE_WORKERS",
    "REMINDER_TIME",
    "MAIL_RETRIES",
    "MAIL_RETRY_DELAY",
    "JOB_STALE_SECONDS",
)


DEFAULTS: dict[str, Any] = {
    "HTTPS": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,  # imports of a platform export fit well inside
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": ["zh", "en"],
    # Sign-in throttling (web/login_throttle.py): failed sign-ins allowed per username and
    # address, and per address for any usernames; no account is ever locked for everyone.
    "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": "5 per 15 minutes",
    "LOGIN_LIMIT_PER_ADDRESS": "50 per hour",
    # Where the counts live: this process's memory, or redis://… shared by a cluster.
    "RATELIMIT_STORAGE_URI": "memory://",
    # A Redis that stops answering must not hold up a sign-in for long (then each
    # process counts in its own memory until Redis is back).
    "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    # Reverse proxies in front of the app whose X-Forwarded-For / -Proto are believed.
    "TRUSTED_PROXIES": 0,
    "PER_PAGE": 50,
    "API_MAX_PER_PAGE": 500,
    # VBP fulfilment (DOMAIN.md §5.6): the agreed share of reported demand by number of
    # winners, the lagging tolerance and the at-risk share of time progress.
    "VBP_SHARES": "1:0.5,2:0.6,3:0.7,4:0.8",
    "FULFILMENT_TOLERANCE": "1",
    "FULFILMENT_AT_RISK_SHARE": "0.8",
    # Days before a deadline its reminders fall due and are e-mailed: tenders (§5.5),
    # the last day of an agreement year (§5.6: time to catch up on the agreed volume),
    # a filing's expiry (§5.7) and a contract's end or last notice day (§5.8).
    "TENDER_REMINDER_DAYS": "14,7,1",
    "AGREEMENT_YEAR_REMINDER_DAYS": "60,30,7",
    "FILING_ALERT_DAYS": "90,30,7",
    "CONTRACT_REMINDER_DAYS": "90,60,30",
    "BASE_URL": "",
    # The dates users may give (forms, API, imports, query strings); outside them a
    # date is a typing slip that would overflow a report's date arithmetic.
    "DATE_MIN": "2000-01-01",
    "DATE_MAX": "2099-12-31",
    # Seconds a write waits for a lock another connection holds before the request is
    # answered 503 ("busy, try again") instead of waiting on (web/errors.py).
    "DB_LOCK_TIMEOUT": 10,
    # The upload page's own limit on a file (other posts keep MAX_CONTENT_LENGTH).
    "IMPORT_MAX_UPLOAD_MB": 256,
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "QUEUE_URL": "",  # the embedded queue, instance/queue.db
    "QUEUE_WORKERS": 2,  # worker threads of `vbptrack serve` / `vbptrack worker`
    "REMINDER_TIME": "07:30",  # the daily reminder run, China time; "off" for none
    "MAIL_RETRIES": 4,  # a refused e-mail is tried again this many times …
    "MAIL_RETRY_DELAY": 60,  # … after 60 s, then 120 s, 240 s, 480 s
    "JOB_STALE_SECONDS": 60,  # a running job silent this long lost its worker
    "JOB_PROGRESS_SECONDS": 0.5,  # how often a running job tells how far it is
    "JOB_POLL_MS": 1000,  # how often a progress bar asks
}


def test_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": True,
        # Background jobs report and retry quickly, so tests that wait for them are short.
        "JOB_PROGRESS_SECONDS": 0.05,
        "MAIL_RETRY_DELAY": 1,
        "MAIL_RETRIES": 2,
        "JOB_POLL_MS": 200,
    }
    config.update(overrides)
    return config
