"""The OpenAPI document describes the whole API: every route, every method, the schemas."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import API, Headers
from tests.factories import make_distributor, make_hospital, make_product

IGNORED_METHODS = {"HEAD", "OPTIONS"}
REQUIRED = {
    "Hospital": {"code", "name", "province_code"},
    "Distributor": {"code", "name"},
    "Product": {"code", "generic_name", "unit"},
}


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    response = client.get(API + "/openapi.json")  # no token
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json  # type: ignore[no-any-return]


def test_it_is_openapi_3_1_and_needs_no_token(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    assert spec["info"]["title"] and spec["info"]["version"]
    assert spec["paths"]["/openapi.json"]["get"]["security"] == []
    assert spec["security"] == [{"bearer": []}]


def api_routes(app: Flask) -> set[tuple[str, str]]:
    """(path as OpenAPI writes it, method) for every route the app serves under /api/v1."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(API) :])
        routes |= {(path, method) for method in rule.methods or () if method not in IGNORED_METHODS}
    return routes


def test_every_api_route_and_method_is_documented(app: Flask, spec: dict[str, Any]) -> None:
    routes = api_routes(app)
    assert ("/hospitals/{code}", "PATCH") in routes  # the conversion works

    documented = {
        (path, method.upper())
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "put", "post", "delete", "patch"}
    }
    assert routes - documented == set(), "routes missing from openapi.json"
    assert documented - routes == set(), "openapi.json documents routes that do not exist"


def test_path_parameters_are_declared(spec: dict[str, Any]) -> None:
    for path, operations in spec["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (method, path)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_every_reference_resolves(spec: dict[str, Any]) -> None:
    refs = _refs(spec)
    assert refs
    for ref in refs:
        assert ref.startswith("#/"), ref
        node: Any = spec
        for part in ref[2:].split("/"):
            assert part in node, f"{ref} does not resolve"
            node = node[part]


@pytest.mark.parametrize("name", list(REQUIRED))
def test_schemas_list_their_required_fields(spec: dict[str, Any], name: str) -> None:
    schema = spec["components"]["schemas"][name]
    assert set(schema["required"]) == REQUIRED[name]
    assert REQUIRED[name] <= set(schema["properties"])


def test_records_the_api_returns_match_their_schemas(
    client: FlaskClient, db: Any, manager: Headers, spec: dict[str, Any]
) -> None:
    make_hospital(db, "H-1", grade="三甲")
    make_distributor(db, "D-1", None)
    make_product(db, "P-1")
    schemas = spec["components"]["schemas"]
    for url, name in (
        ("/hospitals/H-1", "Hospital"),
        ("/distributors/D-1", "Distributor"),
        ("/products/P-1", "Product"),
    ):
        record = client.get(API + url, headers=manager).json
        schema = schemas[name]
        assert set(record) == set(schema["properties"]), name
        for field in schema["required"]:
            assert record[field] is not None, (name, field)


def test_error_responses_use_the_error_schema(spec: dict[str, Any]) -> None:
    error = spec["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "fields"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)
            if path != "/openapi.json":
                assert "401" in operation["responses"], (method, path)
