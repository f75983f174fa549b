"""Error pages in the user's language; JSON errors under /api/.

A database lock wait is never a 500. The database itself retries for `DB_LOCK_TIMEOUT`
seconds (SQLite's busy handler, PostgreSQL's lock queue); a lock still held then, or a
deadlock or serialization conflict, is answered 503 with `Retry-After`: the request was
fine, the database was busy, and its transaction was rolled back whole. The app does not
re-run requests itself: reads take no locks (SQLite's WAL, PostgreSQL's MVCC), and a
write cannot be known safe to repeat.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from vbptrack import db
from vbptrack.services.errors import ServiceError

RETRY_AFTER_SECONDS = 5


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _busy() -> Any:
    db.rollback_session()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if _wants_json():
        body = {
            "error": {
                "code": "database_busy",
                "message": "The database is busy with other work; try again in a few seconds.",
                "fields": {},
            }
        }
        return jsonify(body), 503, headers
    message = _("The database is busy with other work. Please try again in a moment.")
    return render_template("errors/error.html", status=503, message=message), 503, headers


def init_app(app: Flask) -> None:
    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError) -> Any:
        if db.is_lock_wait(error):
            app.logger.warning("lock wait on %s %s: %s", request.method, request.path, error.orig)
            return _busy()
        return unexpected(error)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        return render_template("errors/error.html", status=400, reason="csrf"), 400

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError) -> Any:
        if _wants_json():
            body = {"error": {"code": error.code, "message": error.message, "fields": error.fields}}
            return jsonify(body), error.status, getattr(error, "headers", {})
        return render_template(
            "errors/error.html", status=error.status, message=error.message
        ), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        status = error.code or 500
        if _wants_json():
            body = {
                "error": {
                    "code": error.name.lower().replace(" ", "_"),
                    "message": error.description,
                    "fields": {},
                }
            }
            return jsonify(body), status
        return render_template("errors/error.html", status=status), status

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        app.logger.exception("unhandled error on %s", request.path)
        if _wants_json():
            body = {
                "error": {
                    "code": "internal_error",
                    "message": "Something went wrong on our side.",
                    "fields": {},
                }
            }
            return jsonify(body), 500
        return render_template("errors/error.html", status=500), 500
