"""Reading pages the way a user does: which text is where, which field shows which error.

A small tree built with the standard library's HTML parser, so a test can ask "is this
message inside the container of that field?" instead of searching the whole page.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from xml.etree.ElementTree import Element

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlmodel import Session, SQLModel

VOID_TAGS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].append(element)
        if tag not in VOID_TAGS:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def page(response: Any) -> Element:
    return parse(response.get_data(as_text=True))


def text(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


def has_class(element: Element, name: str) -> bool:
    return name in element.get("class", "").split()


def find_all(root: Element, tag: str | None = None, **attrs: str) -> Iterator[Element]:
    """Elements by tag and attributes; `class_` matches one of the element's classes."""
    wanted_class = attrs.pop("class_", None)
    for element in root.iter(tag):
        if element is root:
            continue
        if wanted_class and not has_class(element, wanted_class):
            continue
        if all(element.get(name) == value for name, value in attrs.items()):
            yield element


def find(root: Element, tag: str | None = None, **attrs: str) -> Element | None:
    return next(find_all(root, tag, **attrs), None)


def field_container(root: Element, name: str) -> Element:
    """The `.field` block holding the input, select or textarea named `name`."""
    for container in find_all(root, "div", class_="field"):
        for control in container.iter():
            if control.tag in {"input", "select", "textarea"} and control.get("name") == name:
                return container
    raise AssertionError(f"no form field named {name!r} on the page")


def field_error(root: Element, name: str) -> str | None:
    """The error message shown inside the field's container, or None."""
    error = find(field_container(root, name), class_="error")
    return text(error) if error is not None else None


def field_control(root: Element, name: str) -> Element:
    for control in field_container(root, name).iter():
        if control.tag in {"input", "select", "textarea"} and control.get("name") == name:
            return control
    raise AssertionError(name)


def history_rows(response: Any) -> list[tuple[str, str, str]]:
    """(field, old, new) of every change in the page's history section."""
    section = find(page(response), "section", class_="history")
    assert section is not None, "no history on the page"
    rows = []
    for row in find_all(section, "tr"):
        cells = [text(cell) for cell in row if cell.tag in {"th", "td"}]
        rows.append((cells[0], cells[1], cells[3]))
    return rows


def csrf_from(response: Any) -> str:
    token = find(page(response), "input", name="csrf_token")
    assert token is not None, "no CSRF token on the page"
    return token.get("value", "")


def fresh_token(client: FlaskClient, path: str = "/settings/") -> str:
    return csrf_from(client.get(path))


# The record of an attempt (a background job and its upload), not the business's data.
NOT_WRITTEN_DATA = {"job", "job_file"}


def snapshot(db: Session, *, jobs: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the jobs' (with `jobs`, those too): equal snapshots
    mean nothing was written."""
    db.expire_all()
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for table in SQLModel.metadata.sorted_tables:
        if table.name in NOT_WRITTEN_DATA and not jobs:
            continue
        result = db.execute(select(table)).all()
        rows[table.name] = sorted((tuple(row) for row in result), key=repr)
    db.rollback()
    return rows
