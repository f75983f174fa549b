"""Product pages: list with search and category filter, detail with history, create, edit."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vbptrack.db import get_session
from vbptrack.services import audit
from vbptrack.services import products as product_service
from vbptrack.services.errors import ServiceError
from vbptrack.web.auth import current_actor, login_required, permission_required
from vbptrack.web.forms import FormField, field_labels, form_data
from vbptrack.web.paging import page_args

bp = Blueprint("products", __name__, url_prefix="/products")

CATEGORY_LABELS = {
    "drug": _l("Drug"),
    "high_value_consumable": _l("High-value consumable"),
    "low_value_consumable": _l("Low-value consumable"),
    "ivd_reagent": _l("IVD reagent"),
}

FIELDS = (
    FormField("code", _l("Product code"), required=True, readonly_on_edit=True),
    FormField("generic_name", _l("Generic name"), required=True),
    FormField("brand", _l("Brand")),
    FormField("dosage_form", _l("Dosage form")),
    FormField("specification", _l("Specification")),
    FormField("unit", _l("Smallest unit"), required=True, help=_l("e.g. 片, 支, 粒, 个")),
    FormField("pack_size", _l("Units per pack"), kind="number", required=True),
    FormField(
        "category",
        _l("Category"),
        kind="select",
        required=True,
        choices=tuple(CATEGORY_LABELS.items()),
    ),
    FormField("approval_number", _l("NMPA approval number")),
    FormField("manufacturer", _l("Manufacturer")),
    FormField("active", _l("Active"), kind="checkbox"),
)
TITLES = {"plural": _l("Products"), "singular": _l("Product"), "new": _l("New product")}


@bp.route("/")
@login_required
def index() -> Any:
    page, per_page = page_args()
    results = product_service.search(
        get_session(),
        q=request.args.get("q") or None,
        category=request.args.get("category") or None,
        page=page,
        per_page=per_page,
    )
    return render_template(
        "products/index.html",
        results=results,
        categories=CATEGORY_LABELS,
        can_edit=current_actor().can("master_data.write"),
    )


@bp.route("/<path:code>")
@login_required
def detail(code: str) -> Any:
    db = get_session()
    product = product_service.get(db, code=code)
    return render_template(
        "products/detail.html",
        product=product,
        categories=CATEGORY_LABELS,
        history=audit.history(db, entity="product", key=code),
        labels={**field_labels(FIELDS), "category": _l("Category")},
        can_edit=current_actor().can("master_data.write"),
    )


def _form(
    values: dict[str, Any],
    errors: dict[str, str],
    editing: bool,
    status: int,
    message: str | None = None,
) -> Any:
    return render_template(
        "parties/form.html",
        fields=FIELDS,
        values=values,
        errors=errors,
        editing=editing,
        titles=TITLES,
        area="products",
        message=message,
    ), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
@permission_required("master_data.write")
def create() -> Any:
    if request.method == "GET":
        return _form({"active": True, "pack_size": 1, "category": "drug"}, {}, False, 200)
    data = form_data(request.form, FIELDS)
    try:
        product = product_service.create(get_session(), actor=current_actor(), data=data)
    except ServiceError as problem:
        get_session().rollback()
        return _form(data, problem.fields, False, problem.status, problem.message)
    flash(_("Saved %(code)s.", code=product.code), "success")
    return redirect(url_for("products.detail", code=product.code))


@bp.route("/<path:code>/edit", methods=["GET", "POST"])
@login_required
@permission_required("master_data.write")
def edit(code: str) -> Any:
    db = get_session()
    product = product_service.get(db, code=code)
    if request.method == "GET":
        return _form(product_service.as_input(product), {}, True, 200)
    data = form_data(request.form, [f for f in FIELDS if f.name != "code"])
    try:
        product_service.update(db, actor=current_actor(), code=code, data=data)
    except ServiceError as problem:
        db.rollback()
        return _form({**data, "code": code}, problem.fields, True, problem.status, problem.message)
    flash(_("Saved %(code)s.", code=code), "success")
    return redirect(url_for("products.detail", code=code))
