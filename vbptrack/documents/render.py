"""Render `templates/pdf/*.html` to PDF bytes.

Why it is built this way:
- Jinja with autoescape on: every value a user typed (a customer's name, a policy's
  address) is escaped, so it can never become markup in the document.
- The page language is set on <html lang> ("zh-CN" for Chinese): without it fontconfig
  may choose Japanese glyph shapes for the shared Han characters.
- One `FontConfiguration` for the whole process: building it costs as much as a small
  document, and a new one per render makes memory grow with the number of renders.
- The URL fetcher reads only the app's own `static/` files and inline `data:` images
  (a seal uploaded by finance); no network, no other file, so a template or a user value
  can never make the server fetch something.
- Fonts are subset (HarfBuzz) by WeasyPrint, so a letter embeds only the glyphs it uses.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from vbptrack.domain.money import format_money_grouped
from vbptrack.paths import resource_dir

# Our language code → the HTML lang attribute that picks the right CJK glyphs.
LANGUAGES = {"zh": "zh-CN", "en": "en"}


class DocumentError(Exception):
    """A document could not be rendered (a template error, a bad value)."""


class StaticOnlyFetcher(URLFetcher):
    """Serves `static/` files and data: URLs; refuses everything else."""

    def __init__(self, static_dir: Path) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
        self.static_dir = static_dir.resolve()

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)  # type: ignore[no-any-return]
        if parts.scheme != "file":
            raise ValueError(f"documents may not fetch {parts.scheme or 'relative'} URLs")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.static_dir) or not path.is_file():
            raise ValueError("documents may read only the app's static files")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), path.read_bytes(), {"Content-Type": content_type}, 200
        )


def _money(value: Any) -> str:
    return format_money_grouped(value)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(resource_dir("templates"))),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["money"] = _money
    return environment


_fonts = threading.local()


def _font_config() -> FontConfiguration:
    """One font configuration per thread, reused by every render (see the module note)."""
    config = getattr(_fonts, "config", None)
    if config is None:
        config = FontConfiguration()
        _fonts.config = config
    return config


def static_dir() -> Path:
    return resource_dir("static")


def render_html(
    template_name: str, context: Mapping[str, Any], lang: str, *, static: str | None = None
) -> str:
    """The document's HTML: `templates/<template_name>` with `context`, autoescaped.

    Templates get `lang` (zh|en), `html_lang` (zh-CN|en) and `static`, the base URL
    of the static files (e.g. `{{ static }}/pdf/document.css`): the folder for the PDF
    renderer, or the `static` given (the app's /static for a preview in a browser)."""
    if lang not in LANGUAGES:
        raise DocumentError(f"unknown document language {lang!r}")
    try:
        template = _environment().get_template(template_name)
        return template.render(
            **context,
            lang=lang,
            html_lang=LANGUAGES[lang],
            static=static or static_dir().as_uri(),
        )
    except DocumentError:
        raise
    except Exception as exc:  # a template bug or a missing value: one document fails
        raise DocumentError(f"{template_name}: {exc}") from exc


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint alone, with the app's fetcher and fonts (the benchmark's baseline)."""
    document = HTML(
        string=html,
        base_url=static_dir().as_uri() + "/",
        url_fetcher=StaticOnlyFetcher(static_dir()),
    )
    return document.write_pdf(font_config=_font_config())  # type: ignore[no-any-return]


def render_pdf(template_name: str, context: Mapping[str, Any], lang: str) -> bytes:
    """The document as PDF bytes (A4 and page numbers come from pdf/base.html).

    Raises DocumentError when the template cannot be rendered."""
    html = render_html(template_name, context, lang)
    try:
        return html_to_pdf(html)
    except Exception as exc:
        raise DocumentError(f"{template_name}: {exc}") from exc


def combine_pdfs(documents: Iterable[bytes]) -> bytes:
    """One PDF with every page of `documents`, in order (a print batch). The documents
    are copied as they are, never rendered again."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for pdf in documents:
        writer.append(io.BytesIO(pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def fingerprint(pdf: bytes) -> str:
    """The SHA-256 an archived document is kept and served with (hex): letters and
    signed contracts alike."""
    return hashlib.sha256(pdf).hexdigest()
