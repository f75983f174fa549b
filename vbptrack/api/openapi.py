"""The OpenAPI 3.1 document at /api/v1/openapi.json, built from the input models.

Input schemas come from the same pydantic models that validate requests, so the
document cannot drift from what the API accepts. A test checks that every API route
appears here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from vbptrack.api import MAX_PAGE, bp
from vbptrack.models.parties import DistributorIn, HospitalIn
from vbptrack.models.products import ProductIn

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


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    paths.update(
        _collection("/hospitals", "Hospital", "Hospitals", ["q", "province_code", "grade"])
    )
    paths.update(
        _collection("/distributors", "Distributor", "Distributors", ["q", "province_code"])
    )
    paths.update(_collection("/products", "Product", "Products", ["q", "category"]))
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
            },
        },
    }


@bp.get("/openapi.json")
def openapi() -> Any:
    return document()
