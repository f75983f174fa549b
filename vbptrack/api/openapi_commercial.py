"""OpenAPI paths and schemas of tenders, awards, purchases, fulfilment and deadlines
(vbptrack/api/commercial.py); openapi.document() merges them in."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from vbptrack.models.commercial_in import (
    AgreedVolumeIn,
    AwardFromLineIn,
    AwardIn,
    BidLineIn,
    PurchaseIn,
    TenderDocumentIn,
    TenderIn,
    TenderStatusIn,
)

INPUTS: dict[str, type[BaseModel]] = {
    "AwardInput": AwardIn,
    "AgreedVolumeInput": AgreedVolumeIn,
    "PurchaseInput": PurchaseIn,
    "TenderInput": TenderIn,
    "TenderStatusInput": TenderStatusIn,
    "BidLineInput": BidLineIn,
    "TenderDocumentInput": TenderDocumentIn,
    "AwardFromLineInput": AwardFromLineIn,
}

DATE = {"type": "string", "format": "date"}
NULL_DATE = {"type": ["string", "null"], "format": "date"}
# What a rep's token reads of tenders (services/tenders.py `in_territory`).
TENDER_TERRITORY = (
    "A rep sees national tenders (kind national_vbp), tenders naming no province and "
    "tenders naming a province of their territory; other roles see every tender."
)
MONEY = {"type": "string", "pattern": "^-?[0-9]+\\.[0-9]{2}$", "description": "CNY"}
RATIO = {
    "type": ["string", "null"],
    "pattern": "^[0-9]+\\.[0-9]{4}$",
    "description": "a fraction with four places; null when it cannot be computed",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


def _list(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


FULFILMENT_ROW = _object(
    {
        "key": {"type": "string"},
        "name": {"type": "string"},
        "agreed": {"type": "integer"},
        "purchased": {"type": "integer"},
        "completion": RATIO,
        "time_progress": RATIO,
        "lagging": {"type": "boolean"},
        "projected": RATIO,
        "excess": {"type": "integer"},
        "at_risk": {"type": "boolean"},
    }
)

SCHEMAS: dict[str, Any] = {
    "Award": _object(
        {
            "code": {"type": "string"},
            "batch": {"type": "string"},
            "product_code": {"type": "string"},
            "product_name": {"type": "string"},
            "price": MONEY,
            "winners_count": {"type": "integer"},
            "rank": {"type": ["integer", "null"]},
            "supply_provinces": _list({"type": "string"}),
            "backup_provinces": _list({"type": "string"}),
            "years": _list(_object({"year": {"type": "integer"}, "start": DATE, "end": DATE})),
            "agreed_rows": {
                "type": "integer",
                "description": "agreed-volume rows of the hospitals the caller sees",
            },
        }
    ),
    "FulfilmentRow": FULFILMENT_ROW,
    "Fulfilment": _object(
        {
            "award": {"type": "string"},
            "year": {"type": "integer"},
            "start": DATE,
            "end": DATE,
            "as_of": DATE,
            "group_by": {"type": "string", "enum": ["hospital", "province", "rep"]},
            "rows": _list(_ref("FulfilmentRow")),
            "totals": _ref("FulfilmentRow"),
        }
    ),
    "Tender": _object(
        {
            "code": {"type": "string"},
            "title": {"type": "string"},
            "kind": {"type": "string"},
            "platform": {"type": ["string", "null"]},
            "status": {"type": "string"},
            "province_codes": _list({"type": "string"}),
            "dates": _object(
                {
                    name: NULL_DATE
                    for name in (
                        "announcement",
                        "registration",
                        "documents",
                        "bid",
                        "opening",
                        "result",
                    )
                }
            ),
            "history": _list(
                _object(
                    {
                        "from": {"type": ["string", "null"]},
                        "status": {"type": "string"},
                        "date": DATE,
                        "note": {"type": ["string", "null"]},
                        "by": {"type": "string"},
                    }
                )
            ),
            "lines": _list(
                _object(
                    {
                        "id": {"type": "integer"},
                        "product_code": {"type": "string"},
                        "price_per_unit": MONEY,
                        "price_per_pack": MONEY,
                        "reported_quantity": {"type": ["integer", "null"]},
                        "outcome": {"type": "string"},
                        "award": {"type": ["string", "null"]},
                    }
                )
            ),
            "documents": _list(
                _object(
                    {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "expires": NULL_DATE,
                        "ready": {"type": "boolean"},
                    }
                )
            ),
        }
    ),
    "TenderSummary": _object(
        {
            "code": {"type": "string"},
            "title": {"type": "string"},
            "kind": {"type": "string"},
            "platform": {"type": ["string", "null"]},
            "status": {"type": "string"},
            "province_codes": _list({"type": "string"}),
            "dates": {"type": "object", "additionalProperties": NULL_DATE},
        }
    ),
    "Deadlines": _object(
        {
            "as_of": DATE,
            "within": {"type": "integer"},
            "items": _list(
                _object(
                    {
                        "date": DATE,
                        "kind": {"type": "string"},
                        "title": {"type": "string"},
                        "ref": {"type": "string"},
                    }
                )
            ),
        }
    ),
}


def paths(
    ok: Any, errors: Any, page_of: Any, paging: list[Any], as_of: dict[str, Any]
) -> dict[str, Any]:
    """The operations; `ok`, `errors`, `page_of`, `paging` and `as_of` are openapi.py's."""

    def op(tag: str, summary: str, response: Any, *codes: int, **extra: Any) -> dict[str, Any]:
        return {
            "tags": [tag],
            "summary": summary,
            "responses": {**response, **errors(*codes)},
            **extra,
        }

    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    def path(name: str) -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}

    def query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": schema, "description": description}

    write = (400, 401, 403, 404, 409, 422)
    code = path("code")
    line = {"name": "line_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    bulk_result = _object(
        {
            "received": {"type": "integer"},
            "written": {"type": "integer"},
            "duplicates": {"type": "integer"},
        }
    )
    return {
        "/awards": {
            "get": op(
                "Awards",
                "List awards, newest first",
                ok(page_of("Award")),
                401,
                422,
                parameters=paging,
            ),
            "post": op(
                "Awards",
                "Create an award",
                ok(_ref("Award"), 201),
                *write,
                requestBody=body(_ref("AwardInput")),
            ),
        },
        "/awards/{code}": {
            "get": op("Awards", "One award", ok(_ref("Award")), 401, 404, parameters=[code])
        },
        "/awards/{code}/agreed-volumes": {
            "put": op(
                "Awards",
                "Replace the award's agreed volumes for the years given; a row with only "
                "reported_quantity gets reported × the share for the award's winners count",
                ok(
                    _object(
                        {
                            "award": {"type": "string"},
                            "years": _list({"type": "integer"}),
                            "rows": {"type": "integer"},
                        }
                    )
                ),
                *write,
                parameters=[code],
                requestBody=body(_list(_ref("AgreedVolumeInput"))),
            )
        },
        "/purchases": {
            "post": op(
                "Purchases",
                "Add purchase records in bulk, all or nothing; a row already stored (same "
                "reference, or without one the same hospital, product, date, distributor, "
                "quantity and amount) is counted as a duplicate, not twice",
                ok(bulk_result, 201),
                *write,
                requestBody=body(_list(_ref("PurchaseInput"))),
            )
        },
        "/fulfilment": {
            "get": op(
                "Fulfilment",
                "Fulfilment of an award's agreement year, per hospital, province or rep",
                ok(_ref("Fulfilment")),
                401,
                404,
                422,
                parameters=[
                    {**query("award", {"type": "string"}, "award code"), "required": True},
                    query("year", {"type": "integer", "minimum": 1}, "default: the first year"),
                    as_of,
                    query("group_by", {"type": "string", "enum": ["hospital", "province", "rep"]}),
                ],
            )
        },
        "/tenders": {
            "get": op(
                "Tenders",
                "List tenders",
                ok(page_of("Tender")),
                401,
                422,
                parameters=[*paging, query("status", {"type": "string"})],
                description=TENDER_TERRITORY,
            ),
            "post": op(
                "Tenders",
                "Create a tender",
                ok(_ref("Tender"), 201),
                *write,
                requestBody=body(_ref("TenderInput")),
            ),
        },
        "/tenders/{code}": {
            "get": op(
                "Tenders",
                "One tender with its history, lines and documents",
                ok(_ref("Tender")),
                401,
                404,
                parameters=[code],
                description=TENDER_TERRITORY + " Any other tender is 404, like a missing one.",
            )
        },
        "/tenders/{code}/status": {
            "post": op(
                "Tenders",
                "Record a status change",
                ok(_ref("Tender"), 201),
                *write,
                parameters=[code],
                requestBody=body(_ref("TenderStatusInput")),
            )
        },
        "/tenders/{code}/lines": {
            "post": op(
                "Tenders",
                "Add a bid line",
                ok(_ref("Tender"), 201),
                *write,
                parameters=[code],
                requestBody=body(_ref("BidLineInput")),
            )
        },
        "/tenders/{code}/documents": {
            "post": op(
                "Tenders",
                "Add a qualification document to the checklist",
                ok(_ref("Tender"), 201),
                *write,
                parameters=[code],
                requestBody=body(_ref("TenderDocumentInput")),
            )
        },
        "/tenders/{code}/lines/{line_id}/award": {
            "post": op(
                "Tenders",
                "Turn a won bid line into an award",
                ok(_ref("Award"), 201),
                *write,
                parameters=[code, line],
                requestBody=body(_ref("AwardFromLineInput")),
            )
        },
        "/deadlines": {
            "get": op(
                "Deadlines",
                "Everything due in [as_of, as_of + within days], by date",
                ok(_ref("Deadlines")),
                401,
                422,
                parameters=[
                    as_of,
                    query(
                        "within",
                        {"type": "integer", "minimum": 0, "maximum": 366},
                        "days; default 30",
                    ),
                ],
            )
        },
    }
