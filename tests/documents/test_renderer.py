"""The shared PDF renderer: real WeasyPrint, text read back with pdftotext, pixels with
pdftoppm; the URL fetcher's limits; escaping of user text."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from weasyprint.urls import URLFetcherResponse

from tests.dunning_helpers import first_page_ink, pdf_text
from vbptrack.documents import DocumentError, combine_pdfs, render_html, render_pdf
from vbptrack.documents.render import StaticOnlyFetcher, static_dir

COMPANY = {
    "name": "上海华东医药科技有限公司",
    "address": "上海市浦东新区",
    "phone": "",
    "email": "",
}


def statement_context(name: str) -> dict[str, object]:
    from vbptrack.services.dunning_documents import LABELS

    return {
        "t": LABELS["zh"],
        "title": "对账单",
        "company": {**COMPANY, "contact_name": "王", "bank_name": "招商银行", "bank_account": "1"},
        "customer": {"code": "H1", "name": name, "address": ""},
        "date": "2026年6月30日",
        "items": [],
        "open_total": 0,
        "unapplied": 0,
        "net": 0,
    }


def test_chinese_document_has_its_text_and_ink(tmp_path: Path) -> None:
    pdf = render_pdf("pdf/statement.html", statement_context("复旦大学附属华山医院"), "zh")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    assert "复旦大学附属华山医院" in text
    assert "上海华东医药科技有限公司" in text
    assert re.search(r"1\s*/\s*1", text)  # page numbers
    assert first_page_ink(pdf, tmp_path) > 0.005
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "Noto-Sans-CJK-SC" in fonts  # the Simplified Chinese face, subset and embedded


def test_chinese_pages_are_marked_zh_cn_and_user_text_is_escaped() -> None:
    html = render_html("pdf/statement.html", statement_context("<b>坏</b>&医院"), "zh")
    assert '<html lang="zh-CN">' in html
    assert "&lt;b&gt;坏&lt;/b&gt;&amp;医院" in html
    assert "<b>坏" not in html


def test_unknown_language_or_template_is_a_document_error() -> None:
    with pytest.raises(DocumentError):
        render_pdf("pdf/statement.html", statement_context("x"), "fr")
    with pytest.raises(DocumentError):
        render_pdf("pdf/nowhere.html", {}, "en")


def test_fetcher_reads_static_files_and_data_only(tmp_path: Path) -> None:
    fetcher = StaticOnlyFetcher(static_dir())
    css = fetcher.fetch((static_dir() / "pdf" / "document.css").as_uri())
    assert isinstance(css, URLFetcherResponse) and b"@page" in css.read()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    for url in (
        secret.as_uri(),
        "file:///etc/passwd",
        (static_dir() / ".." / "pyproject.toml").as_uri(),
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.css",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_a_document_cannot_pull_in_a_local_file(tmp_path: Path) -> None:
    """A hostile value in an <img> src is escaped as text; even a template that asks for a
    file outside static/ gets nothing (the fetcher refuses, the page renders)."""
    secret = tmp_path / "secret.css"
    secret.write_text("body { background: black; }")
    from vbptrack.documents.render import html_to_pdf

    pdf = html_to_pdf(
        f'<html><head><link rel="stylesheet" href="{secret.as_uri()}"></head>'
        "<body><p>ok</p></body></html>"
    )
    assert first_page_ink(pdf, tmp_path) < 0.01  # not black: the stylesheet was not read


def test_combined_pdf_keeps_every_page(tmp_path: Path) -> None:
    one = render_pdf("pdf/statement.html", statement_context("甲医院"), "zh")
    two = render_pdf("pdf/statement.html", statement_context("乙医院"), "zh")
    combined = combine_pdfs([one, two])
    text = pdf_text(combined, tmp_path)
    assert text.index("甲医院") < text.index("乙医院")
    assert text.count("\f") == 2
