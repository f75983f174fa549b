"""Simplified Chinese and English: the user's choice, else the browser's preference."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel

from vbptrack.paths import PACKAGE_DIR


def select_locale() -> str:
    # The command line, and the JSON API and its error messages, are English for everyone.
    if not has_request_context() or request.path.startswith("/api/"):
        return "en"
    chosen = session.get("language")
    if chosen in current_app.config["LANGUAGES"]:
        return str(chosen)
    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "en"


def init_app(app: Flask) -> None:
    Babel(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PACKAGE_DIR / "translations"),
    )
