"""The contract document: the bilingual template filled from the record, as HTML.

The shared WeasyPrint renderer (vbptrack/documents/) turns this HTML into the PDF; a
draft is previewed as HTML in the browser. Jinja autoescapes the template, so party
names and notes never reach the page as markup.
"""

from __future__ import annotations

from datetime import date

from flask import render_template

from vbptrack.services.contracts import ContractView

LANGUAGES = {"zh": "zh-CN", "en": "en"}


def contract_html(view: ContractView, *, lang: str, company: str, issued: date) -> str:
    """The contract as a complete HTML page in `lang` (zh or en)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no contract template in {lang!r}")
    return render_template(
        "pdf/contract.html",
        view=view,
        lang=lang,
        html_lang=LANGUAGES[lang],
        company=company,
        issued=issued,
    )
