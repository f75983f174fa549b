"""Problems a service reports to its caller, whatever surface (page, API, import) called it.

Each carries the HTTP status the API answers with and the field-level messages a form
shows next to its inputs.
"""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, str] = dict(fields or {})


class InvalidInput(ServiceError):
    status = 422
    code = "invalid"


class Conflict(ServiceError):
    """A natural key (code, number, reference) that is already taken."""

    status = 409
    code = "conflict"


class NotFound(ServiceError):
    """Missing, or outside the user's territory: the two look the same on purpose."""

    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
