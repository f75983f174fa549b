"""The Content-Security-Policy in a real browser: every area's main page works with it
(the `open_page` fixture fails the test on anything the policy refuses), the charts and
the contract preview still draw, and no other site can frame a page."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Page, expect
from sqlmodel import Session
from werkzeug.serving import make_server

from tests.browser.test_browser_journeys import DESKTOP, sign_in
from tests.web import world

OpenPage = Callable[..., Page]


def chart_drawn(page: Page, canvas_id: str) -> None:
    page.wait_for_function(f"() => window.Chart && Chart.getChart('{canvas_id}')")


def test_every_area_works_under_the_policy(db: Session, open_page: OpenPage) -> None:
    world.build(db)
    page = open_page(**DESKTOP)
    # A dozen pages in a row: on a machine shared by parallel runs one of them can take
    # longer than the 5 s a single wait gets elsewhere (seen once under a load of 16).
    page.set_default_navigation_timeout(15_000)
    page.goto("/login")
    sign_in(page, "admin")

    areas = page.locator("#main-nav a").evaluate_all("links => links.map(a => a.href)")
    assert len(areas) >= 12
    for url in areas:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()

    # Chart.js under the policy: each chart is drawn from its JSON data island.
    page.goto("/receivables/?as_of=2025-06-30")
    chart_drawn(page, "ageing-chart")
    page.goto("/receivables/collections/?as_of=2025-06-30")
    chart_drawn(page, "collections-rate-chart")
    page.goto(f"/awards/{world.AWARD}")
    chart_drawn(page, "fulfilment-trend-chart")

    # The contract preview takes its styles from /static, not an inline <style>.
    page.goto(f"/contracts/{world.CONTRACT}/preview?lang=en")
    banner = page.locator(".draft-banner")
    expect(banner).to_contain_text("DRAFT")
    expect(banner).to_have_css("color", "rgb(187, 0, 0)")


@contextmanager
def another_site(body: str) -> Iterator[str]:
    """A second web server on 127.0.0.1 (another origin, as local as ours, so Chromium's
    local-network checks do not stand in for the policy) serving one page; yields its URL."""

    def one_page(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]

    server = make_server("127.0.0.1", 0, one_page)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def test_no_other_site_can_frame_a_page(db: Session, open_page: OpenPage, live_server: str) -> None:
    world.build(db)
    page = open_page(**DESKTOP)
    # A decoy page with one of ours in a frame: a one-button form under a decoy is how
    # clickjacking works.
    decoy = f'<h1>Win a prize</h1><iframe src="{live_server}/login"></iframe>'
    with another_site(decoy) as attacker:
        page.goto(attacker)
        expect(page.get_by_role("heading", name="Win a prize")).to_be_visible()
        assert len(page.frames) == 2
        framed = page.frames[1]
        framed.wait_for_load_state()
        # The browser refused to show our page: its error page stands in the frame.
        assert framed.url.startswith("chrome-error://"), framed.url
        expect(page.frame_locator("iframe").locator("form")).to_have_count(0)
