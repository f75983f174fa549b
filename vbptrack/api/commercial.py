"""Tenders, awards, agreed volumes, purchases, fulfilment and the deadlines feed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, request

from vbptrack.api import actor, bp, json_body, list_args, page_body
from vbptrack.db import get_session
from vbptrack.services import awards as award_service
from vbptrack.services import deadlines as deadline_service
from vbptrack.services import fulfilment as fulfilment_service
from vbptrack.services import purchases as purchase_service
from vbptrack.services import tender_calendar
from vbptrack.services import tenders as tender_service
from vbptrack.services.access import require
from vbptrack.services.collections import parse_as_of
from vbptrack.services.errors import ServiceError
from vbptrack.services.problems import invalid, translate

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_WITHIN_DAYS = 366


def today() -> date:
    return datetime.now(SHANGHAI).date()


def list_body(permission: str) -> list[Any]:
    """The request's JSON list (bulk endpoints); the role is checked first."""
    require(actor(), permission)
    body = request.get_json(silent=True)
    if not isinstance(body, list):
        raise ServiceError(translate("The request body must be a JSON list."))
    return body


def _whole(name: str, default: int | None, low: int, high: int) -> int | None:
    text = request.args.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise invalid(
            {name: translate("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)}
        )
    return int(text)


# Awards -----------------------------------------------------------------------------------


def _award(code: str) -> dict[str, Any]:
    session = get_session()
    award = award_service.get(session, code)
    return award_service.view(session, award, actor=actor()).as_json()


@bp.post("/awards")
def create_award() -> Any:
    award = award_service.create(get_session(), actor=actor(), data=json_body("commercial.write"))
    return _award(award.code), 201


@bp.get("/awards")
def list_awards() -> Any:
    session = get_session()
    page, per_page = list_args()
    result = award_service.list_awards(session, page=page, per_page=per_page)
    views = award_service.views(session, result.items, actor=actor())
    return page_body(result, [v.as_json() for v in views])


@bp.get("/awards/<code>")
def get_award(code: str) -> Any:
    return _award(code)


@bp.put("/awards/<code>/agreed-volumes")
def put_agreed_volumes(code: str) -> Any:
    items = list_body("commercial.write")
    return award_service.set_agreed_volumes(get_session(), actor=actor(), code=code, items=items)


@bp.post("/purchases")
def post_purchases() -> Any:
    items = list_body("commercial.write")
    return purchase_service.add_purchases(get_session(), actor=actor(), items=items), 201


@bp.get("/fulfilment")
def fulfilment() -> Any:
    session = get_session()
    code = request.args.get("award", "").strip()
    fulfilment_service.require_award(session, code)
    group_by = request.args.get("group_by", "hospital")
    if group_by not in fulfilment_service.GROUPS:
        raise invalid(
            {
                "group_by": translate(
                    "Choose one of: %(expected)s.", expected=", ".join(fulfilment_service.GROUPS)
                )
            }
        )
    report = fulfilment_service.report(
        session,
        actor=actor(),
        award_code=code,
        year=_whole("year", None, 1, 10),
        as_of=parse_as_of(request.args.get("as_of"), today()),
        group_by=group_by,
    )
    # The same body as jsonify(report.as_json()), written faster (see json_text).
    return Response(report.json_text() + "\n", mimetype="application/json")


# Tenders ----------------------------------------------------------------------------------


def _tender(code: str) -> dict[str, Any]:
    session = get_session()
    tender = tender_service.get(session, actor=actor(), code=code)
    return tender_service.view(session, tender).as_json()


@bp.post("/tenders")
def create_tender() -> Any:
    tender = tender_service.create(
        get_session(), actor=actor(), data=json_body("commercial.write"), today=today()
    )
    return _tender(tender.code), 201


@bp.get("/tenders")
def list_tenders() -> Any:
    session = get_session()
    page, per_page = list_args()
    status = request.args.get("status") or None
    result = tender_service.list_tenders(
        session, actor=actor(), page=page, per_page=per_page, status=status
    )
    return page_body(result, tender_calendar.summaries(session, list(result.items)))


@bp.get("/tenders/<code>")
def get_tender(code: str) -> Any:
    return _tender(code)


@bp.post("/tenders/<code>/status")
def tender_status(code: str) -> Any:
    tender_service.change_status(
        get_session(), actor=actor(), code=code, data=json_body("commercial.write")
    )
    return _tender(code), 201


@bp.post("/tenders/<code>/lines")
def tender_line(code: str) -> Any:
    tender_service.add_line(
        get_session(), actor=actor(), code=code, data=json_body("commercial.write")
    )
    return _tender(code), 201


@bp.post("/tenders/<code>/documents")
def tender_document(code: str) -> Any:
    tender_service.add_document(
        get_session(), actor=actor(), code=code, data=json_body("commercial.write")
    )
    return _tender(code), 201


@bp.post("/tenders/<code>/lines/<int:line_id>/award")
def tender_line_award(code: str, line_id: int) -> Any:
    award = tender_service.award_from_line(
        get_session(), actor=actor(), code=code, line_id=line_id, data=json_body("commercial.write")
    )
    return _award(award.code), 201


# Deadlines --------------------------------------------------------------------------------


@bp.get("/deadlines")
def deadlines() -> Any:
    as_of = parse_as_of(request.args.get("as_of"), today())
    within = _whole("within", 30, 0, MAX_WITHIN_DAYS)
    assert within is not None
    items = deadline_service.upcoming(get_session(), actor(), as_of, within)
    return {
        "as_of": as_of.isoformat(),
        "within": within,
        "items": [
            {"date": d.date.isoformat(), "kind": d.kind, "title": d.title, "ref": d.ref}
            for d in items
        ],
    }
