"""PDF documents: HTML templates in `templates/pdf/` rendered to PDF by WeasyPrint.

The whole interface is `render_pdf(template_name, context, lang) -> bytes` (and
`render_html`, the same HTML without the PDF step, for previews and tests). Any area
(dunning letters, statements, contracts …) writes a template that extends
`pdf/base.html` and calls it. See docs/architecture.md, "PDF documents".
"""

from vbptrack.documents.render import (
    LANGUAGES,
    DocumentError,
    combine_pdfs,
    render_html,
    render_pdf,
)

__all__ = ["LANGUAGES", "DocumentError", "combine_pdfs", "render_html", "render_pdf"]
