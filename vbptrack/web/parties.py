"""Pages for hospitals and distributors: the same shape, so one blueprint factory."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from vbptrack.db import get_session
from vbptrack.services import audit
from vbptrack.services import parties as party_service
from vbptrack.services.errors import InvalidInput, ServiceError
from vbptrack.web.auth import current_actor, login_required, permission_required
from vbptrack.web.forms import FormField, field_labels, form_data
from vbptrack.web.paging import page_args


def make_blueprint(kind: str, fields: Sequence[FormField], titles: dict[str, object]) -> Blueprint:
    area = f"{kind}s"
    bp = Blueprint(area, __name__, url_prefix=f"/{area}")

    @bp.route("/")
    @login_required
    def index() -> Any:
        page, per_page = page_args()
        args = request.args
        results = party_service.search(
            get_session(),
            actor=current_actor(),
            kind=kind,
            q=args.get("q") or None,
            province_code=args.get("province") or None,
            grade=args.get("grade") or None,
            page=page,
            per_page=per_page,
        )
        return render_template(
            f"{area}/index.html",
            results=results,
            titles=titles,
            can_edit=current_actor().can("master_data.write"),
        )

    @bp.route("/<path:code>")
    @login_required
    def detail(code: str) -> Any:
        db = get_session()
        party = party_service.get(db, actor=current_actor(), kind=kind, code=code)
        return render_template(
            f"{area}/detail.html",
            party=party,
            titles=titles,
            rep=party_service.rep_username(db, party),
            history=audit.history(db, entity=kind, key=party.code),
            labels=field_labels(fields),
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
            fields=fields,
            values=values,
            errors=errors,
            editing=editing,
            titles=titles,
            area=area,
            message=message,
        ), status

    @bp.route("/new", methods=["GET", "POST"])
    @login_required
    @permission_required("master_data.write")
    def create() -> Any:
        if request.method == "GET":
            return _form({"active": True}, {}, editing=False, status=200)
        data = form_data(request.form, fields)
        try:
            party = party_service.create(get_session(), actor=current_actor(), kind=kind, data=data)
        except ServiceError as problem:
            get_session().rollback()
            return _form(
                data, problem.fields, editing=False, status=problem.status, message=problem.message
            )
        flash(_("Saved %(code)s.", code=party.code), "success")
        return redirect(url_for(f"{area}.detail", code=party.code))

    @bp.route("/<path:code>/edit", methods=["GET", "POST"])
    @login_required
    @permission_required("master_data.write")
    def edit(code: str) -> Any:
        db = get_session()
        party = party_service.get(db, actor=current_actor(), kind=kind, code=code)
        if request.method == "GET":
            return _form(party_service.as_input(db, party), {}, editing=True, status=200)
        data = form_data(request.form, [f for f in fields if f.name != "code"])
        try:
            party_service.update(db, actor=current_actor(), kind=kind, code=code, data=data)
        except InvalidInput as problem:
            db.rollback()
            return _form(
                {**data, "code": code},
                problem.fields,
                editing=True,
                status=problem.status,
                message=problem.message,
            )
        flash(_("Saved %(code)s.", code=code), "success")
        return redirect(url_for(f"{area}.detail", code=code))

    return bp
