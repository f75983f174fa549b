"""User journeys in a real browser: what a manager at a desk and a rep on a phone see."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlmodel import Session

from tests.factories import PASSWORD, make_hospital, make_user
from vbptrack.paths import PACKAGE_DIR
from vbptrack.services import parties as party_service
from vbptrack.services.access import SYSTEM

pytestmark = pytest.mark.browser

OpenPage = Callable[..., Page]
ZH_CATALOGUE = PACKAGE_DIR / "translations" / "zh" / "LC_MESSAGES" / "messages.mo"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a user would, and wait for the start page."""
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Good day, {username}")


def list_rows(page: Page) -> Locator:
    return page.locator("table.list tbody tr")


def field_error(page: Page, name: str) -> Locator:
    """The message shown inside a form field's container."""
    return page.locator(f".field:has([name='{name}']) p.error")


@pytest.fixture
def hospitals(db: Session) -> None:
    make_hospital(db, "SH001", "31", name="上海市第一人民医院", city="上海", grade="三甲")
    make_hospital(db, "SH002", "31", name="复旦大学附属华山医院", city="上海", grade="三甲")
    make_hospital(db, "GD001", "44", name="广东省人民医院", city="广州", grade="三甲")
    make_hospital(db, "BJ001", "11", name="北京协和医院", city="北京")
    # A second event in the history: someone corrected the grade.
    party_service.update(db, actor=SYSTEM, kind="hospital", code="SH001", data={"grade": "三乙"})


@pytest.mark.usefixtures("hospitals")
def test_manager_finds_a_hospital_and_reads_its_history(db: Session, open_page: OpenPage) -> None:
    make_user(db, "wang.manager", "manager")
    page = open_page(**DESKTOP)
    sign_in(page, "wang.manager")
    expect(page).to_have_url(re.compile(r"/$"))

    nav = page.get_by_role("navigation", name="Areas")
    expect(page.locator(".nav-toggle")).to_be_hidden()  # wide screen: the nav is just there
    nav.get_by_role("link", name="Hospitals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hospitals")
    expect(nav.get_by_role("link", name="Hospitals")).to_have_attribute("aria-current", "page")
    expect(list_rows(page)).to_have_count(4)

    page.get_by_role("searchbox", name="Search").fill("第一人民")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"q=%E7%AC%AC"))
    expect(list_rows(page)).to_have_count(1)
    expect(list_rows(page)).to_contain_text("上海市第一人民医院")
    expect(page.get_by_role("searchbox", name="Search")).to_have_value("第一人民")

    page.get_by_role("link", name="上海市第一人民医院").click()
    expect(page).to_have_url(re.compile(r"/hospitals/SH001$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("上海市第一人民医院")
    expect(page.locator(".facts")).to_contain_text("Shanghai")

    history = page.locator("section.history")
    expect(history.get_by_role("heading", name="History")).to_be_visible()
    events = history.locator(".timeline > li")
    expect(events).to_have_count(2)
    # Newest first: the grade correction, then the creation.
    expect(events.nth(0)).to_contain_text("update")
    expect(events.nth(0).locator("table.changes tr")).to_have_text(
        re.compile(r"Grade\s*三甲\s*→\s*三乙")
    )
    expect(events.nth(1)).to_contain_text("create")
    expect(events.nth(1)).to_contain_text("system")


@pytest.mark.usefixtures("hospitals")
def test_rep_on_a_phone_sees_only_their_territory(db: Session, open_page: OpenPage) -> None:
    make_user(db, "li.rep", "rep", provinces=["31"], hospitals=["BJ001"])
    page = open_page(**PHONE)
    sign_in(page, "li.rep")

    toggle = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Areas")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    toggle.tap()
    expect(nav).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Imports")).to_have_count(0)  # not for reps
    nav.get_by_role("link", name="Hospitals").tap()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hospitals")
    expect(nav).to_be_hidden()  # a new page starts with the menu closed
    expect(page.get_by_role("link", name=re.compile("New hospital"))).to_have_count(0)
    rows = list_rows(page)
    expect(rows).to_have_count(3)
    expect(page.locator("table.list")).to_contain_text("上海市第一人民医院")
    expect(page.locator("table.list")).to_contain_text("复旦大学附属华山医院")
    expect(page.locator("table.list")).to_contain_text("北京协和医院")
    expect(page.locator("table.list")).not_to_contain_text("广东省人民医院")

    # Cards, not a table: no header row, each cell labelled by its data-label.
    expect(page.locator("table.list thead")).to_be_hidden()
    first = rows.first
    expect(first).to_have_css("display", "block")
    code_cell = first.locator("td[data-label='Code']")
    expect(code_cell).to_have_css("display", "flex")
    label = code_cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Code"'
    expect(first.locator("td[data-label='City']")).to_be_hidden()  # hide-narrow
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the list scrolls sideways on a phone ({width}px)"

    response = page.goto("/hospitals/GD001")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.locator("main")).to_contain_text("outside your territory")
    expect(page.locator("main")).not_to_contain_text("广东省人民医院")


def test_new_hospital_form_marks_mistakes_and_keeps_input(db: Session, open_page: OpenPage) -> None:
    make_user(db, "wang.manager", "manager")
    page = open_page(**DESKTOP)
    sign_in(page, "wang.manager")
    page.goto("/hospitals/")
    page.get_by_role("link", name="New hospital").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New hospital")
    # "—" and the 31 provinces: without them no hospital can be saved from this form.
    expect(page.get_by_label("Province").locator("option")).to_have_count(32)
    expect(page.get_by_label("Province").locator("option", has_text="Shanghai")).to_have_count(1)

    page.get_by_label("Customer code").fill("SH900")
    page.get_by_label("City").fill("上海")
    page.get_by_label("Grade").select_option("二甲")
    # The province is a list of the 31 known ones; a page left open across a release (or a
    # hand-edited request) can still send one the server does not know.
    page.locator("#f-province_code").evaluate("select => select.add(new Option('Atlantis', '99'))")
    page.get_by_label("Province").select_option("99")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("alert")).to_have_text("Please correct the marked fields.")
    expect(field_error(page, "name")).to_have_text("This field is required.")
    expect(field_error(page, "province_code")).to_have_text("Unknown province “99”.")
    expect(page.locator(".field.has-error")).to_have_count(2)
    expect(page.get_by_label("Hospital name")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Customer code")).to_have_value("SH900")
    expect(page.get_by_label("City")).to_have_value("上海")
    expect(page.get_by_label("Grade")).to_have_value("二甲")

    page.get_by_label("Hospital name").fill("上海市第九人民医院")
    page.get_by_label("Province").select_option(label="Shanghai")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/hospitals/SH900$"))
    expect(page.get_by_role("status")).to_have_text("Saved SH900.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("上海市第九人民医院")
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Shanghai")
    expect(facts).to_contain_text("二甲")
    events = page.locator("section.history .timeline > li")
    expect(events).to_have_count(1)
    expect(events.first).to_contain_text("wang.manager")
    expect(events.first).to_contain_text("create")


def test_switching_to_chinese(db: Session, open_page: OpenPage) -> None:
    make_user(db, "wang.manager", "manager")
    page = open_page(**DESKTOP)
    sign_in(page, "wang.manager")
    page.goto("/hospitals/?q=x")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page).to_have_url(re.compile(r"/hospitals/\?q=x$"))  # stays on the same page
    expect(page.get_by_role("button", name="English")).to_be_visible()
    # Province names come from our own table, not the translations catalogue.
    expect(page.locator("select[name=province]")).to_contain_text("上海市")
    # Labels are Chinese once the catalogue is compiled; until then they stay English.
    translated = ZH_CATALOGUE.exists()
    nav = page.locator("#main-nav")
    expect(nav.get_by_role("link", name="医院" if translated else "Hospitals")).to_be_visible()

    # The choice is remembered for the user, not just this browser session.
    page.locator("form[action$='/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    other = open_page(**DESKTOP)
    other.goto("/login")
    expect(other.locator("html")).to_have_attribute("lang", "en")
    other.locator("#username").fill("wang.manager")
    other.locator("#password").fill(PASSWORD)
    other.locator("form.stack button[type=submit]").click()
    expect(other.locator("html")).to_have_attribute("lang", "zh-CN")

    other.get_by_role("button", name="English").click()
    expect(other.locator("html")).to_have_attribute("lang", "en")
    expect(other.get_by_role("button", name="中文")).to_be_visible()


def test_import_shows_problems_then_writes(
    db: Session, open_page: OpenPage, tmp_path: Path
) -> None:
    make_user(db, "wang.manager", "manager")
    bad = tmp_path / "医院清单-有误.csv"
    bad.write_text(
        "医院编码,医院名称,省份\nSH101,上海市第六人民医院,上海\nSH102,上海市第十人民医院,火星\n",
        encoding="utf-8",
    )
    good = tmp_path / "hospitals-good.csv"
    good.write_text(
        "医院编码,医院名称,省份\nSH101,上海市第六人民医院,上海\nSH102,上海市第十人民医院,上海市\n",
        encoding="utf-8",
    )
    page = open_page(**DESKTOP)
    sign_in(page, "wang.manager")
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Imports")

    page.get_by_label("What the file holds").select_option("hospitals")
    page.get_by_label("File", exact=True).set_input_files(bad)
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("heading", name=re.compile("Nothing was imported"))).to_contain_text(
        "医院清单-有误.csv"
    )
    problems = page.locator("table.problems tbody tr")
    expect(problems).to_have_count(1)
    cells = problems.first.locator("td")
    expect(cells.nth(0)).to_have_text("3")
    expect(cells.nth(1)).to_have_text("省份")
    expect(cells.nth(2)).to_have_text("“火星”")  # the bad value, quoted
    expect(cells.nth(3)).to_contain_text("火星")
    expect(page.get_by_label("What the file holds")).to_have_value("hospitals")

    # All or nothing: the good first row was not written either.
    page.goto("/hospitals/?q=SH10")
    expect(page.get_by_text("No hospitals match.")).to_be_visible()

    page.goto("/imports/")
    page.get_by_label("What the file holds").select_option("hospitals")
    page.get_by_label("File", exact=True).set_input_files(good)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_have_text("2 rows written from hospitals-good.csv.")
    expect(page.locator("table.problems")).to_have_count(0)

    page.goto("/hospitals/?q=SH10")
    expect(list_rows(page)).to_have_count(2)
    expect(page.locator("table.list")).to_contain_text("上海市第十人民医院")


@pytest.mark.usefixtures("hospitals")
def test_screenshots_of_the_hospital_list(db: Session, open_page: OpenPage, tmp_path: Path) -> None:
    make_user(db, "wang.manager", "manager")
    make_user(db, "li.rep", "rep", provinces=["31"], hospitals=["BJ001"])
    shots = {"desktop": (DESKTOP, "wang.manager", 4), "phone": (PHONE, "li.rep", 3)}
    for name, (options, username, count) in shots.items():
        page = open_page(**options)
        sign_in(page, username)
        page.goto("/hospitals/")
        expect(list_rows(page)).to_have_count(count)
        page.evaluate("document.fonts.ready")
        path = tmp_path / f"hospitals-{name}.png"
        page.screenshot(path=path, full_page=True)
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE), name
        assert len(data) > 10 * 1024, f"{name} screenshot is only {len(data)} bytes"


@pytest.mark.usefixtures("hospitals")
def test_search_narrows_the_list_as_you_type(db: Session, open_page: OpenPage) -> None:
    """On a phone there is no need to find the Filter button: typing filters (htmx)."""
    make_user(db, "typist", "manager")
    page = open_page(**DESKTOP)
    sign_in(page, "typist")
    page.goto("/hospitals/")
    expect(list_rows(page)).to_have_count(4)
    page.get_by_role("searchbox").press_sequentially("华山")
    expect(list_rows(page)).to_have_count(1)
    expect(list_rows(page).first).to_contain_text("复旦大学附属华山医院")
    # The address bar follows, so the filtered list can be bookmarked or shared.
    expect(page).to_have_url(re.compile(r"q=%E5%8D%8E%E5%B1%B1|q=华山"))
    page.get_by_label("Province").select_option("44")
    expect(list_rows(page)).to_have_count(0)
    expect(page.locator("#results")).to_contain_text("No hospitals match.")
