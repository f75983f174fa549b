"""/products."""

from __future__ import annotations

from typing import Any

from flask import request

from vbptrack.api import actor, bp, json_body, list_args, page_body
from vbptrack.db import get_session
from vbptrack.models import Product
from vbptrack.models.products import ProductIn
from vbptrack.services import products as product_service
from vbptrack.services.errors import InvalidInput


def product_json(product: Product) -> dict[str, Any]:
    return {name: getattr(product, name) for name in ProductIn.model_fields}


@bp.get("/products")
def list_products() -> Any:
    page, per_page = list_args()
    results = product_service.search(
        get_session(),
        q=request.args.get("q") or None,
        category=request.args.get("category") or None,
        page=page,
        per_page=per_page,
    )
    return page_body(results, [product_json(p) for p in results.items])


@bp.post("/products")
def create_product() -> Any:
    product = product_service.create(
        get_session(), actor=actor(), data=json_body("master_data.write")
    )
    return product_json(product), 201


@bp.get("/products/<path:code>")
def get_product(code: str) -> Any:
    return product_json(product_service.get(get_session(), code=code))


@bp.patch("/products/<path:code>")
def update_product(code: str) -> Any:
    data = json_body("master_data.write")
    if "code" in data and str(data["code"]).strip() != code:
        raise InvalidInput("The code cannot change.", {"code": "the code is the record's key"})
    return product_json(product_service.update(get_session(), actor=actor(), code=code, data=data))
