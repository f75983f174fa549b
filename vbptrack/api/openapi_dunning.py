"""The dunning part of the OpenAPI document (vbptrack/api/dunning.py's routes)."""

from __future__ import annotations

from typing import Any

from vbptrack.api.openapi import (
    AS_OF,
    DATE,
    MONEY,
    NULLABLE_DATE,
    _body,
    _errors,
    _object,
    _ok,
    _page_of,
    _query,
    _ref,
)
from vbptrack.models.dunning_in import DeliveryIn, EmailIn, PolicyIn, RunIn

TAG = "Dunning"
DUNNING_INPUTS = {
    "DunningPolicyInput": PolicyIn,
    "DunningRunInput": RunIn,
    "DunningDeliveryInput": DeliveryIn,
    "DunningEmailInput": EmailIn,
}
LANG = _query(
    "lang", {"type": "string", "enum": ["zh", "en"], "default": "zh"}, description="zh or en"
)
PDF = {
    "200": {
        "description": "PDF",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": ["string", "null"]}
LINE = _object(
    {
        "number": TEXT,
        "due_date": DATE,
        "days_past_due": {"type": "integer"},
        "outstanding": MONEY,
        "interest": MONEY,
    },
    description="one overdue instalment; an invoice with several overdue has a line each",
)
LETTER_CORE = {
    "number": {"type": "string", "pattern": "^DL-[0-9]{4}-[0-9]{6}$"},
    "customer_code": TEXT,
    "customer_name": TEXT,
    "level": {"type": "integer"},
    "date": DATE,
    "deadline": DATE,
    "invoices": {"type": "array", "items": LINE},
    "outstanding": MONEY,
    "interest": MONEY,
    "fee": MONEY,
    "grand_total": MONEY,
}
DUNNING_SCHEMAS: dict[str, Any] = {
    "DunningPolicy": {
        "type": "object",
        "properties": {
            "min_interval_days": {"type": "integer"},
            "payment_deadline_days": {"type": "integer"},
            "has_seal": {"type": "boolean"},
            "levels": {"type": "array", "items": {"type": "object"}},
        },
        "additionalProperties": True,
    },
    "PlannedLetter": _object(LETTER_CORE),
    "DunningRun": _object(
        {
            "as_of": DATE,
            "dry_run": {"type": "boolean"},
            "run_id": {"type": ["integer", "null"]},
            "letters": {"type": "array", "items": _ref("PlannedLetter")},
            "failures": {
                "type": "array",
                "items": _object({"customer_code": TEXT, "problem": TEXT}),
            },
        }
    ),
    "DunningLetter": _object(
        {
            **LETTER_CORE,
            "sent_via": {"type": ["string", "null"], "enum": ["post", "email", "hand", None]},
            "sent_on": NULLABLE_DATE,
            "delivered_on": NULLABLE_DATE,
            "emailed_to": NULLABLE_TEXT,
            "documents": {
                "type": "object",
                "description": "per language (zh, en): the archived PDF's SHA-256 and size",
                "additionalProperties": _object({"sha256": TEXT, "size": {"type": "integer"}}),
            },
        }
    ),
}


def _op(
    summary: str,
    responses: dict[str, Any],
    params: list[Any] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {"tags": [TAG], "summary": summary, "responses": responses}
    if params:
        operation["parameters"] = params
    if body:
        operation["requestBody"] = _body(body)
    return operation


def _path(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"}}


def dunning_paths() -> dict[str, Any]:
    number = _path("number")
    letter = _ref("DunningLetter")
    paging = [
        _query("page", {"type": "integer", "minimum": 1}),
        _query("per_page", {"type": "integer", "minimum": 1, "maximum": 500}),
    ]
    return {
        "/dunning/policy": {
            "get": _op(
                "The dunning policy: interval, deadline, levels, our company",
                {**_ok(_ref("DunningPolicy")), **_errors(401)},
            ),
            "put": _op(
                "Replace the policy (admin, finance). Wording and company fields left out "
                "are kept; wording is a Jinja template using customer, company, number, date, "
                "deadline, total, level",
                {**_ok(_ref("DunningPolicy")), **_errors(400, 401, 403, 422)},
                body="DunningPolicyInput",
            ),
        },
        "/dunning/runs": {
            "post": _op(
                "Run dunning for as_of (admin, finance): dry_run lists the letters it would "
                "issue (200, numbers provisional); otherwise issues them (201). A second run "
                "for the same date issues nothing new; a letter that cannot be rendered is "
                "listed under failures and the others are issued. With background: true the "
                "run is a job (202 {job}; GET /jobs/{id} follows it), letters committed one "
                "by one",
                {
                    **_ok(_ref("DunningRun")),
                    **_ok(_ref("DunningRun"), 201),
                    **_ok(_ref("JobStarted"), 202),
                    **_errors(400, 401, 403, 422),
                },
                body="DunningRunInput",
            )
        },
        "/dunning/runs/{run_id}/pdf": {
            "get": _op(
                "Every letter of a run as one PDF to print (archived pages, in number order)",
                {**PDF, **_errors(401, 404, 422)},
                [_path("run_id", {"type": "integer"}), LANG],
            )
        },
        "/dunning/letters": {
            "get": _op(
                "Letters, newest first (a rep sees their territory)",
                {**_ok(_page_of("DunningLetter")), **_errors(401, 422)},
                [*paging, _query("customer_code")],
            )
        },
        "/dunning/letters/{number}": {
            "get": _op("One letter", {**_ok(letter), **_errors(401, 404)}, [number])
        },
        "/dunning/letters/{number}/pdf": {
            "get": _op(
                "The archived PDF, byte for byte as issued (X-Content-SHA256 header)",
                {**PDF, **_errors(401, 404, 422)},
                [number, LANG],
            )
        },
        "/dunning/letters/{number}/delivery": {
            "post": _op(
                "Record how the letter was sent and when it was delivered",
                {**_ok(letter), **_errors(400, 401, 403, 404, 422)},
                [number],
                "DunningDeliveryInput",
            )
        },
        "/dunning/letters/{number}/email": {
            "post": _op(
                "E-mail the archived PDF (to the address given or the customer's) "
                "through the configured SMTP server; 409 when none is configured, "
                "502 when the server refuses",
                {**_ok(letter), **_errors(400, 401, 403, 404, 409, 422)},
                [number],
                "DunningEmailInput",
            )
        },
        "/dunning/statements/{code}": {
            "get": _op(
                "The customer's statement: every open item as of a date, as PDF",
                {**PDF, **_errors(401, 404, 422)},
                [_path("code"), AS_OF, LANG],
            )
        },
    }
