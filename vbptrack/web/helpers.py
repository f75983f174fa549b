"""Template filters and globals: money, dates, provinces, navigation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, get_locale, ngettext
from flask_login import current_user

from vbptrack.domain.money import format_money_grouped
from vbptrack.domain.provinces import PROVINCES, province_name
from vbptrack.web import history
from vbptrack.web.navigation import navigation


def _province(code: str | None) -> str:
    if not code:
        return ""
    return province_name(code, english=str(get_locale()) == "en")


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else format_money_grouped(amount)


def term_name(term: Any) -> str:
    """A payment term's name in the page's language: its English name on English pages
    where it has one, else the one name it has."""
    english = str(get_locale()) == "en"
    return str((term.name_en if english else "") or term.name)


def _days(count: int) -> str:
    """ "1 day", "2 days" (一天, 两天 alike in Chinese: one plural form)."""
    return ngettext("%(num)s day", "%(num)s days", count)


def _date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm")
    return format_date(value, "yyyy-MM-dd")


def _page_url(page: int) -> str:
    """This list at another page, filters kept.

    The query goes into the query string only: passed to url_for, names like `_scheme`
    or `_anchor` from a visitor's link would shape the URL itself.
    """
    args = request.args.copy()
    args["page"] = str(page)
    path = url_for(request.endpoint or "home.index", **(request.view_args or {}))
    return f"{path}?{urlencode(list(args.items(multi=True)))}"


class _ProvinceChoices:
    """(code, name) of every province in the page's language, read when iterated."""

    def __iter__(self) -> Iterator[tuple[str, str]]:
        english = str(get_locale()) == "en"
        return iter([(p.code, p.name_en if english else p.name) for p in PROVINCES])


def init_app(app: Flask) -> None:
    history.init_app(app)
    app.add_template_filter(_province, "province")
    app.add_template_filter(_money, "money")
    app.add_template_filter(_date, "day")
    app.add_template_filter(_days, "days")
    app.add_template_filter(term_name, "term_name")
    # Globals, not context: macros imported without context (forms, pagination) see them.
    app.jinja_env.globals.update(page_url=_page_url, province_choices=_ProvinceChoices())

    @app.context_processor
    def globals_for_templates() -> dict[str, Any]:
        return {
            "navigation": navigation() if current_user.is_authenticated else [],
            "locale": str(get_locale()),
        }
