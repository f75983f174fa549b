"""Error pages in the user's language; JSON errors under /api/."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from vbptrack.services.errors import ServiceError


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
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
