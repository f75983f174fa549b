"""Wording that users write as Jinja templates (a dunning level's text, later a contract
clause): rendered in Jinja's sandbox, then escaped as a whole.

The sandbox keeps a template from reaching Python internals; escaping the whole result
means the text is plain text in the document, whatever the user typed (a "<" stays a
"<"), and line breaks become <br>.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from vbptrack.documents.render import DocumentError


@lru_cache(maxsize=1)
def _sandbox() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)


def check_wording(text: str) -> str | None:
    """The syntax problem of a wording template, or None when it can be read.

    >>> check_wording("Dear {{ customer }}") is None
    True
    >>> check_wording("Dear {{ customer }") is not None
    True
    """
    try:
        _sandbox().parse(text)
    except TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    return None


def render_wording(text: str, context: Mapping[str, Any]) -> Markup:
    """The wording with `context` filled in, escaped, line breaks as <br>.

    >>> str(render_wording("Dear {{ customer }},\\npay.", {"customer": "<A&B>"}))
    'Dear &lt;A&amp;B&gt;,<br>\\npay.'
    """
    try:
        plain = _sandbox().from_string(text).render(**context)
    except Exception as exc:  # syntax, undefined names, sandbox refusals, arithmetic
        raise DocumentError(f"wording: {exc}") from exc
    return Markup("<br>\n").join(escape(part) for part in plain.split("\n"))
