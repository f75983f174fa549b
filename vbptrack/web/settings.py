"""Settings: my account and API tokens; for admins, users, roles and territories."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from vbptrack.db import get_session
from vbptrack.models import User
from vbptrack.models.users import ROLES
from vbptrack.services import audit
from vbptrack.services import users as user_service
from vbptrack.services.errors import ServiceError
from vbptrack.web.auth import current_actor, keep_signed_in, login_required, permission_required

bp = Blueprint("settings", __name__, url_prefix="/settings")

USER_LABELS = {
    "role": _l("Role"),
    "display_name": _l("Name"),
    "email": _l("E-mail"),
    "active": _l("Active"),
    "provinces": _l("Territory provinces"),
    "hospitals": _l("Territory hospitals"),
}


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


@bp.route("/")
@login_required
def index() -> Any:
    db = get_session()
    user = db.get(User, current_user.id)
    provinces, hospitals = user_service.territory(db, user)  # type: ignore[arg-type]
    return render_template(
        "settings/index.html",
        user=user,
        provinces=provinces,
        hospitals=hospitals,
        tokens=user_service.tokens(db, user),  # type: ignore[arg-type]
        new_token=None,
    )


@bp.route("/password", methods=["POST"])
@login_required
def change_password() -> Any:
    db = get_session()
    user = db.get(User, current_user.id)
    assert user is not None
    from werkzeug.security import check_password_hash

    if not check_password_hash(user.password_hash, request.form.get("current_password", "")):
        flash(_("The current password is wrong."), "error")
        return redirect(url_for("settings.index"))
    try:
        user_service.set_password(
            db, actor=current_actor(), user=user, password=request.form.get("new_password", "")
        )
    except ServiceError as problem:
        db.rollback()
        flash(problem.fields.get("password", problem.message), "error")
        return redirect(url_for("settings.index"))
    keep_signed_in(user)  # every other session of the user has ended
    flash(_("Your password is changed; you are signed out everywhere else."), "success")
    return redirect(url_for("settings.index"))


@bp.route("/tokens", methods=["POST"])
@login_required
def create_token() -> Any:
    db = get_session()
    user = db.get(User, current_user.id)
    assert user is not None
    label = request.form.get("label", "").strip()[:100]
    token = user_service.issue_token(db, actor=current_actor(), user=user, label=label)
    provinces, hospitals = user_service.territory(db, user)
    return render_template(
        "settings/index.html",
        user=user,
        provinces=provinces,
        hospitals=hospitals,
        tokens=user_service.tokens(db, user),
        new_token=token,
    )


# The bound keeps an id from a hand-made URL within what the database's integers hold.
@bp.route("/tokens/<int(max=9223372036854775807):token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int) -> Any:
    db = get_session()
    user = db.get(User, current_user.id)
    assert user is not None
    user_service.revoke_token(db, actor=current_actor(), user=user, token_id=token_id)
    flash(_("The token is revoked."), "success")
    return redirect(url_for("settings.index"))


@bp.route("/users")
@login_required
@permission_required("users.manage")
def users() -> Any:
    rows = get_session().execute(select(User).order_by(User.role, User.username)).scalars().all()
    return render_template("settings/users.html", users=rows)


def _user_form(
    user: User | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int,
    message: str | None = None,
) -> Any:
    return render_template(
        "settings/user_form.html",
        user=user,
        values=values,
        errors=errors,
        roles=ROLES,
        message=message,
    ), status


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
@permission_required("users.manage")
def create_user() -> Any:
    if request.method == "GET":
        return _user_form(None, {"role": "rep"}, {}, 200)
    form = request.form
    db = get_session()
    try:
        user = user_service.create(
            db,
            actor=current_actor(),
            username=form.get("username", ""),
            role=form.get("role", ""),
            password=form.get("password", ""),
            display_name=form.get("display_name", "").strip(),
            email=form.get("email", ""),
            provinces=_split(form.get("provinces", "")),
            hospitals=_split(form.get("hospitals", "")),
        )
    except ServiceError as problem:
        db.rollback()
        return _user_form(None, form.to_dict(), problem.fields, problem.status, problem.message)
    flash(_("Saved %(code)s.", code=user.username), "success")
    return redirect(url_for("settings.edit_user", username=user.username))


@bp.route("/users/<username>", methods=["GET", "POST"])
@login_required
@permission_required("users.manage")
def edit_user(username: str) -> Any:
    db = get_session()
    user = user_service.get(db, username)
    provinces, hospitals = user_service.territory(db, user)
    if request.method == "GET":
        values = {
            "role": user.role,
            "display_name": user.display_name,
            "email": user.email or "",
            "active": user.active,
            "provinces": ", ".join(provinces),
            "hospitals": ", ".join(hospitals),
        }
        return _user_form(user, values, {}, 200)
    form = request.form
    try:
        user_service.update(
            db,
            actor=current_actor(),
            user=user,
            role=form.get("role", ""),
            display_name=form.get("display_name", "").strip(),
            active="active" in form,
            provinces=_split(form.get("provinces", "")),
            hospitals=_split(form.get("hospitals", "")),
            password=form.get("password", "") or None,
            email=form.get("email"),
        )
    except ServiceError as problem:
        db.rollback()
        return _user_form(user, form.to_dict(), problem.fields, problem.status, problem.message)
    if form.get("password") and user.id == current_user.id:
        keep_signed_in(user)  # an administrator who reset their own password
    flash(_("Saved %(code)s.", code=user.username), "success")
    return redirect(url_for("settings.edit_user", username=user.username))


@bp.route("/users/<username>/history")
@login_required
@permission_required("users.manage")
def user_history(username: str) -> Any:
    db = get_session()
    user = user_service.get(db, username)
    return render_template(
        "settings/user_history.html",
        user=user,
        history=audit.history(db, entity="user", key=user.username),
        labels=USER_LABELS,
    )
