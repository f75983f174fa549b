"""The start page: what the signed-in user works with, at a glance."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from sqlalchemy import func, select

from vbptrack.db import get_session
from vbptrack.models import Party, Product
from vbptrack.models.parties import DISTRIBUTOR, HOSPITAL
from vbptrack.services.access import territory_condition
from vbptrack.web.auth import current_actor, login_required

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index() -> Any:
    db = get_session()
    actor = current_actor()
    counts = dict(
        db.execute(
            select(Party.kind, func.count())
            .where(territory_condition(actor), Party.active.is_(True))  # type: ignore[attr-defined]
            .group_by(Party.kind)
        ).all()
    )
    products = db.execute(
        select(func.count()).select_from(Product).where(Product.active.is_(True))  # type: ignore[attr-defined]
    ).scalar_one()
    return render_template(
        "home/index.html",
        hospitals=counts.get(HOSPITAL, 0),
        distributors=counts.get(DISTRIBUTOR, 0),
        products=products,
    )


@bp.route("/healthz")
def health() -> Any:
    get_session().execute(select(1))
    return {"status": "ok"}
