"""Simplified Chinese and English: the catalogue is complete, and pages follow the choice.

The catalogue checks extract the messages afresh from the current sources with the same
configuration as the refresh command at the top of vbptrack/translations/babel.cfg, so a
string added anywhere without a Chinese translation fails here with the msgids to add.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.factories import api_token, csrf_token, login, make_user
from vbptrack.models import User

# The checkout's own files, whichever copy of the package is imported.
SOURCE_ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = SOURCE_ROOT / "vbptrack" / "translations"
BABEL_CFG = TRANSLATIONS / "babel.cfg"
PO_FILE = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
MO_FILE = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.mo"
# Beyond Babel's defaults (_, gettext, ngettext, ...): flask_babel's lazy forms, the
# services' translate(), the mark-only N_() and lazy_pgettext with its context.
EXTRA_KEYWORDS = ("_l", "lazy_gettext", "translate", "N_", "lazy_pgettext:1c,2")
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


# --- the catalogue ----------------------------------------------------------------------


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def _strings(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ("",)
    return (value,) if isinstance(value, str) else tuple(value)


def _extract_fresh() -> Catalog:
    """What `pybabel extract` with the documented options would write to messages.pot."""
    with BABEL_CFG.open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, str(BABEL_CFG))
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(list(EXTRA_KEYWORDS))}
    catalog = Catalog(locale=None)
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(SOURCE_ROOT), method_map, options_map, keywords=keywords
    ):
        catalog.add(message, None, [(filename, lineno)], context=context)
    return catalog


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return _extract_fresh()


@pytest.fixture(scope="module")
def zh_catalog() -> Catalog:
    with PO_FILE.open("rb") as po:
        return read_po(po, locale="zh")


def test_babel_cfg_documents_the_extraction_keywords() -> None:
    text = BABEL_CFG.read_text(encoding="utf-8")
    missing = [keyword for keyword in EXTRA_KEYWORDS if f"-k {keyword} " not in text]
    assert not missing, f"the refresh command in {BABEL_CFG} lacks -k for {missing}"


def test_extraction_finds_messages_in_python_and_templates(extracted: Catalog) -> None:
    places = {Path(filename).parts[0] for message in extracted for filename, _ in message.locations}
    assert {"vbptrack", "templates"} <= places
    # One from each kind of marker: template _(), gettext, lazy_gettext, translate, N_.
    for msgid in (
        "Sign in",
        "You are signed out.",
        "Hospital name",
        "Please correct the marked fields.",
        "This field is required.",
        "rep",
    ):
        assert msgid in extracted, msgid


def test_every_extracted_message_has_a_chinese_translation(
    extracted: Catalog, zh_catalog: Catalog
) -> None:
    untranslated = []
    for message in extracted:
        if not message.id:
            continue
        entry = zh_catalog.get(message.id, context=message.context)
        if entry is None or entry.fuzzy or not all(s.strip() for s in _strings(entry.string)):
            untranslated.append(_key(message.id))
    assert not untranslated, (
        f"{len(untranslated)} message(s) lack a Chinese translation in {PO_FILE}; refresh "
        f"the catalogue with the command at the top of {BABEL_CFG}, translate these, then "
        "compile:\n" + "\n".join(f"  msgid {msgid!r}" for msgid in untranslated)
    )


def test_catalogue_has_no_fuzzy_entries(zh_catalog: Catalog) -> None:
    fuzzy = [_key(m.id) for m in zh_catalog if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries are not used at run time; review them: {fuzzy}"
    assert not zh_catalog.fuzzy, "the catalogue header is marked fuzzy"


def _entries(catalog: Catalog) -> dict[tuple[Any, ...], tuple[str, ...]]:
    """(context, msgid) → translations; plural forms come from a .mo file as lists."""
    return {(m.context, _strings(m.id)): _strings(m.string) for m in catalog if m.id}


def test_compiled_catalogue_matches_the_po_file(zh_catalog: Catalog) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, zh_catalog)
    compiled.seek(0)
    expected = _entries(read_mo(compiled))
    with MO_FILE.open("rb") as mo:
        on_disk = _entries(read_mo(mo))
    stale = sorted(
        msgid[0]
        for (context, msgid) in expected.keys() | on_disk.keys()
        if expected.get((context, msgid)) != on_disk.get((context, msgid))
    )
    assert not stale, (
        f"{MO_FILE} is out of date with {PO_FILE}; run "
        f"`pybabel compile -d {TRANSLATIONS.relative_to(SOURCE_ROOT)}`. Differing: {stale}"
    )


def test_placeholders_in_translations_match_the_source(zh_catalog: Catalog) -> None:
    mismatched = []
    for message in zh_catalog:
        if not message.id:
            continue
        wanted = {name for text in _strings(message.id) for name in PLACEHOLDER.findall(text)}
        for translation in _strings(message.string):
            found = set(PLACEHOLDER.findall(translation))
            if translation and found != wanted:
                mismatched.append(f"{_key(message.id)!r}: {sorted(wanted)} vs {sorted(found)}")
    assert not mismatched, "placeholders differ:\n" + "\n".join(mismatched)


# --- the pages ---------------------------------------------------------------------------


def _page(client: FlaskClient, path: str, headers: dict[str, str] | None = None) -> str:
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _choose_language(client: FlaskClient, language: str, next_path: str) -> None:
    token = csrf_token(client, next_path)
    response = client.post(
        "/language", data={"language": language, "next": next_path, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(next_path)


def test_login_page_follows_a_chinese_browser(client: FlaskClient) -> None:
    html = _page(client, "/login", ZH)
    assert '<html lang="zh-CN">' in html
    assert "<h1>登录</h1>" in html
    assert "用户名" in html
    assert "Sign in" not in html


def test_login_page_follows_an_english_browser(client: FlaskClient) -> None:
    html = _page(client, "/login", EN)
    assert '<html lang="en">' in html
    assert "<h1>Sign in</h1>" in html
    assert "登录" not in html


def test_language_defaults_to_english(client: FlaskClient) -> None:
    assert '<html lang="en">' in _page(client, "/login")
    assert '<html lang="en">' in _page(client, "/login", {"Accept-Language": "fr-FR,fr"})


def test_language_switch_overrides_the_browser(client: FlaskClient) -> None:
    _choose_language(client, "zh", "/login")
    html = _page(client, "/login", EN)
    assert '<html lang="zh-CN">' in html
    assert "<h1>登录</h1>" in html

    _choose_language(client, "en", "/login")
    html = _page(client, "/login", ZH)
    assert '<html lang="en">' in html
    assert "<h1>Sign in</h1>" in html


def test_unknown_language_is_ignored(client: FlaskClient) -> None:
    token = csrf_token(client)
    client.post("/language", data={"language": "fr", "csrf_token": token})
    assert '<html lang="zh-CN">' in _page(client, "/login", ZH)
    assert '<html lang="en">' in _page(client, "/login", EN)


def test_language_switch_needs_the_csrf_token(client: FlaskClient) -> None:
    response = client.post("/language", data={"language": "zh"}, headers=EN)
    assert response.status_code == 400
    assert '<html lang="en">' in _page(client, "/login", EN)


def test_chosen_language_is_kept_for_the_user(app: Flask, client: FlaskClient, db: Session) -> None:
    user = make_user(db, "wang", role="manager")
    login(client, "wang")
    _choose_language(client, "zh", "/settings/")
    html = _page(client, "/settings/", EN)
    assert '<html lang="zh-CN">' in html
    assert "商务经理" in html  # the role, translated where it is shown

    db.expire_all()
    stored = db.get(User, user.id)
    assert stored is not None and stored.language == "zh"

    # Another browser, English by preference: signing in brings the stored choice back.
    other = app.test_client()
    assert '<html lang="en">' in _page(other, "/login", EN)
    login(other, "wang")
    html = _page(other, "/", EN)
    assert '<html lang="zh-CN">' in html
    assert "医院" in html and "退出" in html


def test_form_errors_are_in_chinese(client: FlaskClient, db: Session) -> None:
    make_user(db, "li", role="manager")
    login(client, "li")
    _choose_language(client, "zh", "/hospitals/new")
    token = csrf_token(client, "/hospitals/new")
    response = client.post(
        "/hospitals/new",
        data={
            "csrf_token": token,
            "code": "H310099",
            "name": "",
            "province_code": "31",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "请更正标记的字段。" in html
    assert re.search(r'<p class="error" id="f-name-error">\s*此项为必填项。\s*</p>', html), html
    assert "This field is required." not in html


def test_form_errors_are_in_english_for_english_users(client: FlaskClient, db: Session) -> None:
    make_user(db, "zhao", role="manager")
    login(client, "zhao")
    token = csrf_token(client, "/hospitals/new")
    response = client.post(
        "/hospitals/new",
        headers=EN,
        data={
            "csrf_token": token,
            "code": "H310099",
            "name": "",
            "province_code": "31",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="f-name-error">\s*This field is required.\s*</p>', html), html


def test_api_errors_stay_english(client: FlaskClient, db: Session) -> None:
    manager = make_user(db, "chen", role="manager")
    # Even a browser session that chose Chinese gets English from the API.
    _choose_language(client, "zh", "/login")
    response = client.post(
        "/api/v1/hospitals",
        headers={**ZH, **api_token(db, manager)},
        json={"code": "H310098", "name": "", "province_code": "31"},
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == "Please correct the marked fields."
    assert error["fields"]["name"] == "This field is required."
