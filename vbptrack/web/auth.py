"""Sign-in, sign-out, the current user, and the access decorators every view stacks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect

from vbptrack.db import get_session
from vbptrack.models import User
from vbptrack.services import users as user_service
from vbptrack.services.access import Actor

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # A stolen session cookie used from another browser is dropped.
    login_manager.session_protection = "strong"
    csrf.init_app(app)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    return user if user is not None and user.active else None


def current_actor() -> Actor:
    return user_service.actor_for(current_user)  # type: ignore[arg-type]


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def permission_required(permission: str) -> Callable[[F], F]:
    """Stack under @login_required: 403 for a role without the permission."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_actor().can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: an open redirect would help phishing."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    error = None
    username = ""
    status = 200
    if request.method == "POST":
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        try:
            user = user_service.authenticate(
                get_session(),
                username=username,
                password=password,
                now=datetime.now(UTC),
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                lockout=current_app.config["LOGIN_LOCKOUT"],
            )
        except user_service.SignInRefused as refused:
            status = 401
            if refused.locked_until is not None:
                error = _(
                    "Too many failed attempts. This account is locked for a while; "
                    "try again later or ask an administrator."
                )
            else:
                error = _("Wrong username or password.")
        else:
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(user)
            session.permanent = True
            if user.language:
                session["language"] = user.language
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("auth/login.html", error=error, username=username), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def set_language() -> Any:
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session["language"] = language
        if current_user.is_authenticated:
            db = get_session()
            user = db.get(User, current_user.id)
            if user is not None:
                user.language = language
                db.commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("home.index"))
