"""Template filters and globals: money, dates, provinces, navigation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from vbptrack.domain.money import format_money_grouped
from vbptrack.domain.provinces import PROVINCES, province_name
from vbptrack.web.navigation import navigation


def _province(code: str | None) -> str:
    if not code:
        return ""
    return province_name(code, english=str(get_locale()) == "en")


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else format_money_grouped(amount)


def _date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm")
    return format_date(value, "yyyy-MM-dd")


def _page_url(page: int) -> str:
    args: dict[str, Any] = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint or "home.index", **(request.view_args or {}), **args)


def init_app(app: Flask) -> None:
    app.add_template_filter(_province, "province")
    app.add_template_filter(_money, "money")
    app.add_template_filter(_date, "day")

    @app.context_processor
    def globals_for_templates() -> dict[str, Any]:
        english = str(get_locale()) == "en"
        return {
            "navigation": navigation() if current_user.is_authenticated else [],
            "province_choices": [(p.code, p.name_en if english else p.name) for p in PROVINCES],
            "page_url": _page_url,
            "locale": str(get_locale()),
        }
