"""Browser tests: Debian's Chromium, driven by Playwright, against the app on a real port.

Page tests run on SQLite only: the pages add no SQL of their own beyond the services,
which run on both databases in tests/services and tests/api.

Chromium is the one from Debian (`apt-get install chromium`); Playwright never downloads
a browser of its own. Without it the tests are skipped locally and fail under CI.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect
from werkzeug.serving import make_server

from tests.conftest import unavailable
from vbptrack.queue import start_in_process

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
OpenPage = Callable[..., Page]
# Every wait is on something the user would see; none should take long on a local server.
TIMEOUT_MS = 5_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything in this folder is a browser test, even a module that forgets its
    `pytestmark`, so `-m "not browser"` leaves the whole folder out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "vbptrack.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """Launch Debian's Chromium headless; overrides pytest-playwright's fixture."""
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} not found; `apt-get install chromium` to run the browser tests")
    return {"executable_path": str(CHROMIUM), "headless": True, "args": CHROMIUM_ARGS}


class _StatusRecorder:
    """WSGI middleware noting every response status, so a test sees server errors
    even when the page hides them behind a friendly error page."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server_errors: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def recording_start_response(status: str, headers: Any, *args: Any) -> Any:
            if status.startswith("5"):
                self.server_errors.append(
                    f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO')} → {status}"
                )
            return start_response(status, headers, *args)

        return self.app(environ, recording_start_response)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app served on a free port of 127.0.0.1 in a thread; yields its base URL.

    Fails the test afterwards if any request ended in a 5xx.
    """
    recorder = _StatusRecorder(app)
    server = make_server("127.0.0.1", 0, recorder, threaded=True)  # type: ignore[arg-type]
    # Background jobs run beside the server, as `vbptrack serve` runs them.
    workers = start_in_process(app, workers=1)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="live-server",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        workers.stop(graceful=True)
    assert not recorder.server_errors, f"server errors: {recorder.server_errors}"


@pytest.fixture
def open_page(new_context: Callable[..., BrowserContext], live_server: str) -> Iterator[OpenPage]:
    """Open a page in a fresh context (its own cookies) on the live server.

    Keyword arguments go to the new context (viewport, is_mobile, ...). Contexts come from
    pytest-playwright's `new_context`, so --tracing, --video and --screenshot still work
    and it closes them. Pages speak English unless told otherwise; a JavaScript error or
    anything the Content-Security-Policy refuses, on any page, fails the test.
    """
    js_errors: list[str] = []
    refused: list[str] = []

    def on_console(page: Page, message: ConsoleMessage) -> None:
        # Chromium reports each thing the policy blocks as a console error; on another
        # site's page (a framing test) it is that page's business.
        if "Content Security Policy" in message.text and page.url.startswith(live_server):
            refused.append(f"{page.url}: {message.text}")

    def _open(**context_args: Any) -> Page:
        options: dict[str, Any] = {"locale": "en-US", "base_url": live_server, **context_args}
        context = new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on("pageerror", lambda error: js_errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: on_console(page, message))
        return page

    expect.set_options(timeout=TIMEOUT_MS)
    yield _open
    assert not js_errors, f"JavaScript errors on the page: {js_errors}"
    assert not refused, f"refused by the Content-Security-Policy: {refused}"
