"""Sign-in, sign-out, the current user, and the access decorators every view stacks."""

from __future__ import annotations

import re
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
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RequestLimit
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from vbptrack.db import get_session
from vbptrack.models import User
from vbptrack.services import users as user_service
from vbptrack.services.access import Actor
from vbptrack.web import login_throttle

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()

F = TypeVar("F", bound=Callable[..., Any])
SESSION_ID = re.compile(r"(?P<user>[0-9]{1,18}):(?P<generation>[0-9]{1,18})")


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # A stolen session cookie used from another browser is dropped.
    login_manager.session_protection = "strong"
    csrf.init_app(app)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user the session was signed in for (`User.get_id`: "id:generation"), as long as
    the generation is still theirs: signing out or a new password raises it, and every
    copy of an older cookie stops working."""
    match = SESSION_ID.fullmatch(session_id)
    if match is None:  # a session from before generations, or nonsense
        return None
    user = get_session().get(User, int(match["user"]))
    if user is None or not user.active or user.session_generation != int(match["generation"]):
        return None
    return user


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


def _refused(username: str) -> Response:
    """The one answer to every refused sign-in: wrong password, unknown or inactive user,
    throttled address. Same page, status and words, so none of them tells a guesser
    anything (the time is made equal by the service)."""
    error = _(
        "Wrong username or password. After repeated failures, signing in from your "
        "network pauses for a while; try again later or ask an administrator."
    )
    page = render_template("auth/login.html", error=error, username=username)
    return make_response(page, 401)


def _throttled(limit: RequestLimit) -> Response:
    current_app.logger.warning(
        "sign-in throttled for %s (%s)", login_throttle.client_address(), limit.limit
    )
    username = request.form.get("username", "")
    user_service.spend_sign_in_time(request.form.get("password", ""))
    return _refused(username)


def keep_signed_in(user: User) -> None:
    """Sign this browser in again after the user's sessions were ended (their own new
    password): the others are signed out, this one carries on."""
    login_user(user)
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in; failed attempts are throttled (web/login_throttle.py, wrapped around this
    view when the blueprint is registered, below)."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    if request.method == "GET":
        return render_template("auth/login.html", error=None, username="")
    username = request.form.get("username", "")
    try:
        user = user_service.authenticate(
            get_session(),
            username=username,
            password=request.form.get("password", ""),
            now=datetime.now(UTC),
        )
    except user_service.SignInRefused:
        return _refused(username)
    session.clear()  # a fresh session on sign-in: no fixation
    login_user(user)
    session.permanent = True
    if user.language:
        session["language"] = user.language
    return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))


@bp.record_once
def _throttle_sign_in(state: BlueprintSetupState) -> None:
    # Runs after the routes above are added to the app, so the view is there to wrap.
    login_throttle.protect(state.app, "auth.login", on_breach=_throttled)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    if current_user.is_authenticated:
        db = get_session()
        user = db.get(User, current_user.id)
        if user is not None:
            user_service.sign_out(db, user=user)
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
