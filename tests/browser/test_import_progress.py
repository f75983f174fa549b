"""An import through the upload page in Chromium: the page shows the job's bar moving
while a real consumer (beside the live server, as `vbptrack serve` runs it) works, then
its result, without a reload; on the embedded queue and on Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlmodel import Session

from tests.browser.conftest import OpenPage
from tests.conftest import unavailable
from tests.factories import make_user
from tests.jobs import REDIS_URL, redis_available
from vbptrack import config, create_app
from vbptrack.db import get_engine
from vbptrack.queue import get_queue

ROWS = 12_000


@pytest.fixture(params=["embedded", "redis"])
def app(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The test app on the embedded queue, or on a Redis queue of its own name."""
    extra = {}
    if request.param == "redis":
        if not redis_available():
            unavailable(f"Redis not reachable at {REDIS_URL}")
        extra = {"QUEUE_URL": REDIS_URL, "QUEUE_NAME": f"vbptrack_browser_{tmp_path.name}"}
    application = create_app(config.test_config(database_url, INSTANCE_PATH=str(tmp_path), **extra))
    yield application
    if request.param == "redis":
        get_queue(application).huey.storage.flush_all()
    get_engine(application).dispose()


def test_the_bar_moves_and_then_shows_the_result(
    db: Session, open_page: OpenPage, tmp_path: Path
) -> None:
    make_user(db, "wang.manager", "manager")
    big = tmp_path / "hospitals-big.csv"
    big.write_text(
        "医院编码,医院名称,省份\n" + "".join(f"H{n:06d},第{n}人民医院,上海\n" for n in range(ROWS)),
        encoding="utf-8",
    )
    page = open_page(viewport={"width": 1366, "height": 900})
    page.goto("/login")
    page.get_by_label("Username").fill("wang.manager")
    page.get_by_label("Password").fill("correct-horse-42")
    page.get_by_role("button", name="Sign in").click()
    page.goto("/imports/")
    page.get_by_label("What the file holds").select_option("hospitals")
    page.get_by_label("File", exact=True).set_input_files(big)
    started = time.monotonic()
    page.get_by_role("button", name="Import").click()
    job = page.locator("section.job")
    expect(job).to_be_visible()
    answered = time.monotonic() - started
    # What the bar says while the job runs, read as the user sees it (htmx swaps it in).
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and job.get_attribute("data-status") != "done":
        value = page.locator("section.job progress").get_attribute("value")
        if value is not None and 0 < int(value) < ROWS:
            seen.add(int(value))
        page.wait_for_timeout(40)
    assert len(seen) >= 2, f"the bar did not move: {sorted(seen)}"
    expect(page.get_by_role("status")).to_have_text(f"{ROWS} rows written from hospitals-big.csv.")
    expect(page.locator("section.job .job-count")).to_contain_text(f"{ROWS:,} of {ROWS:,}")
    assert answered < 5, f"the upload page took {answered:.1f} s to answer"
