"""Page and page-size arguments from the query string, forgiving of bad values."""

from __future__ import annotations

from flask import current_app, request

# Far past the last page of any real list; keeps the SQL offset a number every database takes.
MAX_PAGE = 100_000


def _positive(text: str, default: int) -> int:
    # int(), not str.isdigit(): "²" is a digit to isdigit but not a number to int.
    try:
        number = int(text)
    except ValueError:
        return default
    return number if number > 0 else default


def page_args(default_per_page: int | None = None, max_per_page: int = 200) -> tuple[int, int]:
    per_page = default_per_page or current_app.config["PER_PAGE"]
    page_number = _positive(request.args.get("page", "1"), 1)
    size_number = _positive(request.args.get("per_page", str(per_page)), per_page)
    return min(page_number, MAX_PAGE), min(size_number, max_per_page)
