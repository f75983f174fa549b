"""The OpenAPI 3.1 document at /api/v1/openapi.json, built from the input models.

Input schemas come from the same pydantic models that validate requests, so the
document cannot drift from what the API accepts. A test checks that every API route
appears here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from vbptrack.api import MAX_PAGE, bp, openapi_commercial, openapi_market_access
from vbptrack.models.parties import DistributorIn, HospitalIn
from vbptrack.models.products import ProductIn
from vbptrack.models.receivables_in import (
    CreditNoteIn,
    HoldIn,
    InvoiceIn,
    PaymentIn,
    PaymentTermIn,
    WriteOffIn,
)

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*statuses: int) -> dict[str, Any]:
    return {
        str(s): {"description": "error", "content": {"application/json": {"schema": _ref("Error")}}}
        for s in statuses
    }


def _ok(schema: dict[str, Any], status: int = 200) -> dict[str, Any]:
    return {str(status): {"description": "OK", "content": {"application/json": {"schema": schema}}}}


def _page_of(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": _ref(name)},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
        },
    }


PAGING = [
    {
        "name": "page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
    },
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
    },
]


def _collection(path: str, name: str, tag: str, filters: list[str]) -> dict[str, Any]:
    query = [{"name": f, "in": "query", "schema": {"type": "string"}} for f in filters]
    key = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
    body = {"required": True, "content": {"application/json": {"schema": _ref(name)}}}
    return {
        path: {
            "get": {
                "tags": [tag],
                "summary": f"List {tag.lower()}",
                "parameters": PAGING + query,
                "responses": {**_ok(_page_of(name)), **_errors(401, 422)},
            },
            "post": {
                "tags": [tag],
                "summary": f"Create one of the {tag.lower()}",
                "requestBody": body,
                "responses": {**_ok(_ref(name), 201), **_errors(400, 401, 403, 409, 422)},
            },
        },
        path + "/{code}": {
            "get": {
                "tags": [tag],
                "summary": "One record by its code",
                "parameters": [key],
                "responses": {**_ok(_ref(name)), **_errors(401, 404)},
            },
            "patch": {
                "tags": [tag],
                "summary": "Change some fields (the code stays)",
                "parameters": [key],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {**_ok(_ref(name)), **_errors(400, 401, 403, 404, 422)},
            },
        },
    }


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="validation")


# --- receivables -----------------------------------------------------------------------

MONEY = {
    "type": "string",
    "pattern": "^-?[0-9]+\\.[0-9]{2}$",
    "description": "CNY, a decimal string with two places",
}
DATE = {"type": "string", "format": "date"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
AS_OF = {
    "name": "as_of",
    "in": "query",
    "description": "YYYY-MM-DD; default today in Asia/Shanghai",
    "schema": DATE,
}


class _DecimalsAsStrings(GenerateJsonSchema):
    """Money and portions are sent as decimal strings (an integer also does); a float is
    refused for money, so the document does not offer `number`."""

    def decimal_schema(self, schema: Any) -> dict[str, Any]:
        return {
            "anyOf": [
                {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$"},
                {"type": "integer"},
            ]
        }


def _input_schemas(models: dict[str, type[BaseModel]]) -> dict[str, Any]:
    """Input models under the given names, their nested models beside them."""
    schemas: dict[str, Any] = {}
    for name, model in models.items():
        schema = model.model_json_schema(
            mode="validation",
            ref_template="#/components/schemas/{model}",
            schema_generator=_DecimalsAsStrings,
        )
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
    return schemas


def _object(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties, **extra}


def _query(name: str, schema: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema or {"type": "string"}, **extra}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


AGEING_AMOUNTS = {
    "type": "object",
    "description": "one entry per column, in the order of `columns`",
    "additionalProperties": MONEY,
}
RECEIVABLES_SCHEMAS: dict[str, Any] = {
    "PaymentTerm": _object(
        {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "instalments": {
                "type": "array",
                "items": _object(
                    {
                        "portion": {"type": "string", "description": 'percent, e.g. "30"'},
                        "rule": {"type": "string"},
                        "n": {"type": "integer"},
                        "base": {"type": "string", "enum": ["invoice_date", "acceptance_date"]},
                    }
                ),
            },
        }
    ),
    "PaymentSchedule": _object(
        {
            "payment_term": {
                "type": "string",
                "description": "the term used (VBP resolved by the customer's province)",
            },
            "instalments": {
                "type": "array",
                "items": _object({"due_date": DATE, "amount": MONEY}),
            },
        }
    ),
    "ProvinceVbpTerm": _object(
        {
            "province_code": {"type": "string"},
            "province": {"type": "string"},
            "province_en": {"type": "string"},
            "payment_term": {
                "type": ["string", "null"],
                "description": "the province's own VBP term; null: the national default VBP",
            },
            "payment_term_name": {"type": ["string", "null"]},
        }
    ),
    "ProvinceVbpTerms": _object({"items": {"type": "array", "items": _ref("ProvinceVbpTerm")}}),
    "ProvinceVbpTermInput": _object(
        {
            "payment_term": {
                "type": ["string", "null"],
                "description": "a payment term code, or null for the national default",
            }
        }
    ),
    "Invoice": _object(
        {
            "number": {"type": "string"},
            "customer_code": {"type": "string"},
            "customer_name": {"type": "string"},
            "distributor_code": {"type": ["string", "null"]},
            "invoice_date": DATE,
            "acceptance_date": NULLABLE_DATE,
            "amount": MONEY,
            "tax": MONEY,
            "payment_term": {"type": ["string", "null"]},
            "due_date": {**DATE, "description": "the last instalment's due date"},
            "as_of": DATE,
            "outstanding": MONEY,
            "next_due": {
                **NULLABLE_DATE,
                "description": "earliest due date with something outstanding as of as_of",
            },
            "overdue": {"type": "boolean"},
            "on_hold": {"type": "boolean"},
            "hold_reason": {"type": ["string", "null"]},
            "instalments": {
                "type": "array",
                "items": _object(
                    {
                        "due_date": DATE,
                        "amount": MONEY,
                        "paid": MONEY,
                        "credited": MONEY,
                        "written_off": MONEY,
                        "outstanding": MONEY,
                    }
                ),
            },
            "lines": {
                "type": "array",
                "items": _object(
                    {
                        "product_code": {"type": "string"},
                        "quantity": {"type": "integer"},
                        "unit_price": MONEY,
                        "amount": MONEY,
                    }
                ),
            },
        },
        description="Amounts settled, credited and written off count as of `as_of`.",
    ),
    "InvoiceSummary": _object(
        {
            "number": {"type": "string"},
            "customer_code": {"type": "string"},
            "customer_name": {"type": "string"},
            "invoice_date": DATE,
            "amount": MONEY,
            "outstanding": MONEY,
            "next_due": NULLABLE_DATE,
            "on_hold": {"type": "boolean"},
        }
    ),
    "WriteOff": _object(
        {
            "invoice_number": {"type": "string"},
            "date": DATE,
            "amount": MONEY,
            "reason": {"type": "string"},
            "created_by": {"type": "string"},
        }
    ),
    "Payment": _object(
        {
            "reference": {"type": "string"},
            "customer_code": {"type": "string"},
            "customer_name": {"type": "string"},
            "date": DATE,
            "amount": MONEY,
            "note": {"type": ["string", "null"]},
            "allocations": {
                "type": "array",
                "items": _object({"invoice_number": {"type": "string"}, "amount": MONEY}),
            },
            "unapplied": {**MONEY, "description": "what no invoice has taken"},
        }
    ),
    "CreditNote": _object(
        {
            "number": {"type": "string"},
            "customer_code": {"type": "string"},
            "customer_name": {"type": "string"},
            "date": DATE,
            "amount": MONEY,
            "invoice_number": {"type": ["string", "null"]},
            "reason": {"type": ["string", "null"]},
            "unapplied": {**MONEY, "description": "what no invoice has taken"},
        }
    ),
    "Ageing": _object(
        {
            "as_of": DATE,
            "basis": {"type": "string", "enum": ["due_date", "invoice_date"]},
            "columns": {"type": "array", "items": {"type": "string"}},
            "rows": {
                "type": "array",
                "items": _object(
                    {
                        "key": {"type": "string", "description": '"-": none (no rep …)'},
                        "name": {"type": "string"},
                        "amounts": AGEING_AMOUNTS,
                        "unapplied": {**MONEY, "description": "≤ 0: money held on account"},
                        "total": MONEY,
                    }
                ),
            },
            "totals": _object(
                {"amounts": AGEING_AMOUNTS, "unapplied": MONEY, "total": MONEY},
                description="the sum of the rows",
            ),
        }
    ),
    "AgeingDrilldown": _object(
        {
            "as_of": DATE,
            "basis": {"type": "string", "enum": ["due_date", "invoice_date"]},
            "group_by": {"type": "string"},
            "key": {"type": "string"},
            "bucket": {"type": ["string", "null"]},
            "truncated": {"type": "boolean", "description": "more than 500 instalments"},
            "items": {
                "type": "array",
                "items": _object(
                    {
                        "invoice_number": {"type": "string"},
                        "customer_code": {"type": "string"},
                        "customer_name": {"type": "string"},
                        "invoice_date": DATE,
                        "due_date": DATE,
                        "days_past_due": {"type": "integer"},
                        "amount": MONEY,
                        "outstanding": MONEY,
                        "on_hold": {"type": "boolean"},
                    }
                ),
            },
        }
    ),
}
RECEIVABLES_INPUTS: dict[str, type[BaseModel]] = {
    "PaymentTermInput": PaymentTermIn,
    "InvoiceInput": InvoiceIn,
    "HoldInput": HoldIn,
    "WriteOffInput": WriteOffIn,
    "PaymentInput": PaymentIn,
    "CreditNoteInput": CreditNoteIn,
}


def _ageing_parameters() -> list[dict[str, Any]]:
    return [
        AS_OF,
        _query("basis", {"type": "string", "enum": ["due_date", "invoice_date"]}),
        _query(
            "group_by", {"type": "string", "enum": ["customer", "province", "rep", "distributor"]}
        ),
        _query(
            "limits",
            description="bucket upper bounds in days, increasing, e.g. 30,60,90; default "
            "30,60,90,180,365 (due_date) or 90,180,365 (invoice_date)",
        ),
    ]


def _receivables_paths() -> dict[str, Any]:
    def addressed(params: list[Any]) -> tuple[int, ...]:
        return (404,) if any(p["in"] == "path" for p in params) else ()

    def read(tag: str, summary: str, schema: dict[str, Any], params: list[Any]) -> Any:
        errors = _errors(401, *addressed(params), 422)
        return {
            "tags": [tag],
            "summary": summary,
            "parameters": params,
            "responses": {**_ok(schema), **errors},
        }

    def write(
        tag: str, summary: str, body: str | None, schema: dict[str, Any], status: int, params: Any
    ) -> Any:
        operation: dict[str, Any] = {
            "tags": [tag],
            "summary": summary,
            "parameters": params,
            "responses": {
                **_ok(schema, status),
                **_errors(400, 401, 403, *addressed(params), 409, 422),
            },
        }
        if body:
            operation["requestBody"] = _body(body)
        return operation

    def listing(tag: str, name: str, filters: list[Any]) -> Any:
        return read(tag, f"List {tag.lower()}", _page_of(name), PAGING + filters)

    terms, invoices, payments, credits = "Payment terms", "Invoices", "Payments", "Credit notes"
    code, number = _path("code"), _path("number")
    market_access = openapi_market_access.paths(read, write, listing, _path, _query, AS_OF)
    return market_access | {
        "/payment-terms": {
            "get": listing(terms, "PaymentTerm", []),
            "post": write(
                terms, "Create a payment term", "PaymentTermInput", _ref("PaymentTerm"), 201, []
            ),
        },
        "/payment-terms/{code}": {
            "get": read(terms, "One payment term by its code", _ref("PaymentTerm"), [code])
        },
        "/payment-terms/{code}/schedule": {
            "get": read(
                terms,
                "Due dates and amounts the term gives; the last instalment takes the "
                "rounding remainder",
                _ref("PaymentSchedule"),
                [
                    code,
                    _query("invoice_date", DATE, required=True),
                    _query(
                        "acceptance_date",
                        DATE,
                        description="required by terms counted from acceptance",
                    ),
                    _query(
                        "amount",
                        {"type": "string", "description": "yuan, at most two decimal places"},
                        required=True,
                    ),
                    _query(
                        "customer_code",
                        description="resolve VBP through this customer's province",
                    ),
                ],
            )
        },
        "/provinces/vbp-terms": {
            "get": read(
                terms,
                "Each province's VBP settlement term (invoices with term VBP use it)",
                _ref("ProvinceVbpTerms"),
                [],
            )
        },
        "/provinces/{province}/vbp-term": {
            "put": write(
                terms,
                "Set a province's VBP settlement term (code or name of the province)",
                "ProvinceVbpTermInput",
                _ref("ProvinceVbpTerm"),
                200,
                [_path("province")],
            )
        },
        "/invoices": {
            "get": listing(
                invoices,
                "InvoiceSummary",
                [
                    _query("q"),
                    _query("customer_code"),
                    _query(
                        "status", {"type": "string", "enum": ["open", "paid", "overdue", "held"]}
                    ),
                    AS_OF,
                ],
            ),
            "post": write(
                invoices,
                "Create an invoice: exactly one of payment_term or due_date, or neither to "
                "use the customer's default term",
                "InvoiceInput",
                _ref("Invoice"),
                201,
                [],
            ),
        },
        "/invoices/{number}": {
            "get": read(
                invoices,
                "One invoice with what is outstanding as of a date",
                _ref("Invoice"),
                [number, AS_OF],
            )
        },
        "/invoices/{number}/hold": {
            "post": write(
                invoices,
                "Put the invoice on hold: still aged, never dunned",
                "HoldInput",
                _ref("Invoice"),
                200,
                [number],
            ),
            "delete": write(
                invoices,
                "Release the hold (409 if not on hold)",
                None,
                _ref("Invoice"),
                200,
                [number],
            ),
        },
        "/invoices/{number}/write-offs": {
            "post": write(
                invoices,
                "Write off part or all of what is outstanding",
                "WriteOffInput",
                _ref("WriteOff"),
                201,
                [number],
            )
        },
        "/payments": {
            "get": listing(payments, "Payment", [_query("customer_code")]),
            "post": write(
                payments,
                "Record a payment; each allocation is spread over the invoice's instalments, "
                "earliest due first; the rest stays unapplied",
                "PaymentInput",
                _ref("Payment"),
                201,
                [],
            ),
        },
        "/payments/{reference}": {
            "get": read(payments, "One payment", _ref("Payment"), [_path("reference")])
        },
        "/credit-notes": {
            "get": listing(credits, "CreditNote", [_query("customer_code")]),
            "post": write(
                credits,
                "Record a credit note: against an invoice, or unapplied credit",
                "CreditNoteInput",
                _ref("CreditNote"),
                201,
                [],
            ),
        },
        "/credit-notes/{number}": {
            "get": read(credits, "One credit note", _ref("CreditNote"), [number])
        },
        "/receivables/ageing": {
            "get": read(
                "Receivables",
                "Ageing of what is open as of a date; totals are the sum of the rows",
                _ref("Ageing"),
                _ageing_parameters(),
            )
        },
        "/receivables/ageing/drilldown": {
            "get": read(
                "Receivables",
                "The open instalments behind one row (key) or one cell (key and bucket)",
                _ref("AgeingDrilldown"),
                [
                    *_ageing_parameters(),
                    _query("key", required=True, description="a row's key from the report"),
                    _query("bucket", description="a column of the report"),
                ],
            )
        },
    }


# --- collections (vbptrack/api/collections.py) -----------------------------------------


def _collections_paths() -> dict[str, Any]:
    """GET /receivables/collections: DSO, collection rates, top overdue, cash forecast."""
    money = {"type": "string", "pattern": "^-?[0-9]+\\.[0-9]{2}$", "description": "CNY"}
    day = {"type": "string", "format": "date"}
    rate = {
        "type": ["string", "null"],
        "pattern": "^[0-9]+\\.[0-9]{4}$",
        "description": "a fraction with four places (0.9512 is 95.12 %); null: nothing was due",
    }
    days = {"type": ["string", "null"], "pattern": "^-?[0-9]+\\.[0-9]$"}

    def shape(properties: dict[str, Any]) -> dict[str, Any]:
        return {"type": "object", "required": list(properties), "properties": properties}

    period = shape({"label": {"type": "string"}, "start": day, "end": day})
    period_rate = shape(
        {
            "period": period,
            "collected": money,
            "opening": money,
            "invoiced_due": money,
            "rate": rate,
            "meets_target": {"type": ["boolean", "null"]},
        }
    )
    report = shape(
        {
            "as_of": day,
            "target_rate": {"type": "string"},
            "open_total": money,
            "dso": shape({"window": period, "receivables": money, "revenue": money, "days": days}),
            "months": {"type": "array", "items": period_rate},
            "quarters": {"type": "array", "items": period_rate},
            "top_overdue": {
                "type": "array",
                "items": shape(
                    {
                        "customer_code": {"type": "string"},
                        "customer_name": {"type": "string"},
                        "overdue": money,
                        "oldest_days_past_due": {"type": "integer"},
                        "average_days_late": days,
                    }
                ),
            },
            "forecast": shape(
                {
                    "weeks": {
                        "type": "array",
                        "items": shape(
                            {"week": {"type": "integer"}, "start": day, "end": day, "amount": money}
                        ),
                    },
                    "later": money,
                    "overdue_date_unknown": money,
                    "total": money,
                }
            ),
        }
    )
    as_of = {
        "name": "as_of",
        "in": "query",
        "description": "YYYY-MM-DD, 2000-01-01 … 2099-12-31; default today in Asia/Shanghai",
        "schema": day,
    }
    return {
        "/receivables/collections": {
            "get": {
                "tags": ["Receivables"],
                "summary": "Collections for an as-of date: DSO (90 days), collection rate "
                "per month (12) and quarter (4) against the 95 % target, the 10 most "
                "overdue customers, and the 13-week cash forecast",
                "parameters": [as_of],
                "responses": {**_ok(report), **_errors(401, 422)},
            }
        }
    }


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    paths.update(
        _collection("/hospitals", "Hospital", "Hospitals", ["q", "province_code", "grade"])
    )
    paths.update(
        _collection("/distributors", "Distributor", "Distributors", ["q", "province_code"])
    )
    paths.update(_collection("/products", "Product", "Products", ["q", "category"]))
    paths.update(_receivables_paths())
    paths.update(_collections_paths())
    paths.update(openapi_commercial.paths(_ok, _errors, _page_of, PAGING, AS_OF))
    from vbptrack.api.openapi_dunning import DUNNING_INPUTS, DUNNING_SCHEMAS, dunning_paths

    paths.update(dunning_paths())
    from vbptrack.api.openapi_reminders import REMINDER_SCHEMAS, reminder_paths

    paths.update(reminder_paths())
    from vbptrack.api.openapi_jobs import JOB_SCHEMAS, job_paths

    paths.update(job_paths())
    paths["/openapi.json"] = {
        "get": {
            "tags": ["Meta"],
            "summary": "This document",
            "security": [],
            "responses": _ok({"type": "object"}),
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "vbptrack API",
            "version": "1",
            "description": "Money is a decimal string with two places; dates are "
            "YYYY-MM-DD; records are addressed by their natural keys.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": ERROR,
                "Hospital": _schema(HospitalIn),
                "Distributor": _schema(DistributorIn),
                "Product": _schema(ProductIn),
                **_input_schemas(RECEIVABLES_INPUTS),
                **_input_schemas(openapi_market_access.INPUTS),
                **openapi_market_access.SCHEMAS,
                **RECEIVABLES_SCHEMAS,
                **_input_schemas(openapi_commercial.INPUTS),
                **openapi_commercial.SCHEMAS,
                **_input_schemas(DUNNING_INPUTS),
                **DUNNING_SCHEMAS,
                **REMINDER_SCHEMAS,
                **JOB_SCHEMAS,
            },
        },
    }


@bp.get("/openapi.json")
def openapi() -> Any:
    return document()
