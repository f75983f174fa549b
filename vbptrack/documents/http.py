"""Sending a PDF over HTTP, the same way from the pages and the API: inline, with a file
name, and for an archived document its SHA-256 (also as the ETag, since the bytes never
change)."""

from __future__ import annotations

from flask import Response


def pdf_response(data: bytes, filename: str, sha256: str | None = None) -> Response:
    safe = filename.replace("/", "-").replace('"', "").replace("\\", "-")
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{safe}"'
    if sha256:
        response.headers["X-Content-SHA256"] = sha256
        response.headers["ETag"] = f'"{sha256}"'
    return response
