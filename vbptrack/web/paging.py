"""Page and page-size arguments from the query string, forgiving of bad values."""

from __future__ import annotations

from flask import current_app, request


def page_args(default_per_page: int | None = None, max_per_page: int = 200) -> tuple[int, int]:
    per_page = default_per_page or current_app.config["PER_PAGE"]
    page = request.args.get("page", "1")
    size = request.args.get("per_page", str(per_page))
    page_number = int(page) if page.isdigit() and int(page) > 0 else 1
    size_number = int(size) if size.isdigit() and int(size) > 0 else per_page
    return page_number, min(size_number, max_per_page)
