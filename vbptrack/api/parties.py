"""/hospitals and /distributors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import request

from vbptrack.api import actor, bp, json_body, list_args, page_body
from vbptrack.db import get_session
from vbptrack.models import Party
from vbptrack.models.parties import DISTRIBUTOR, HOSPITAL
from vbptrack.services import parties as party_service
from vbptrack.services.errors import InvalidInput


def hospital_json(party: Party, rep: str | None, term: str | None = None) -> dict[str, Any]:
    return {
        "code": party.code,
        "name": party.name,
        "province_code": party.province_code,
        "city": party.city,
        "grade": party.grade,
        "hospital_type": party.hospital_type,
        "insurance_code": party.insurance_code,
        "rep": rep,
        "legal_name": party.legal_name,
        "address": party.address,
        "contact_name": party.contact_name,
        "phone": party.phone,
        "email": party.email,
        "payment_term": term,
        "active": party.active,
    }


def distributor_json(party: Party, term: str | None = None) -> dict[str, Any]:
    return {
        "code": party.code,
        "name": party.name,
        "province_code": party.province_code,
        "city": party.city,
        "legal_name": party.legal_name,
        "address": party.address,
        "contact_name": party.contact_name,
        "phone": party.phone,
        "email": party.email,
        "payment_term": term,
        "active": party.active,
    }


def _json_many(parties: Sequence[Party]) -> list[dict[str, Any]]:
    keys = party_service.display_keys(get_session(), parties)
    return [
        hospital_json(p, *keys[p.id])  # type: ignore[index]
        if p.kind == HOSPITAL
        else distributor_json(p, keys[p.id][1])  # type: ignore[index]
        for p in parties
    ]


def _json(party: Party) -> dict[str, Any]:
    return _json_many([party])[0]


def _filters() -> dict[str, Any]:
    from vbptrack.domain.provinces import resolve_province

    province = request.args.get("province_code")
    province_code = None
    if province:
        province_code = resolve_province(province)
        if province_code is None:
            raise InvalidInput("Invalid filter.", {"province_code": "unknown province"})
    return {
        "q": request.args.get("q") or None,
        "province_code": province_code,
        "grade": request.args.get("grade") or None,
    }


def _list(kind: str) -> Any:
    page, per_page = list_args()
    results = party_service.search(
        get_session(), actor=actor(), kind=kind, page=page, per_page=per_page, **_filters()
    )
    return page_body(results, _json_many(results.items))


def _create(kind: str) -> Any:
    party = party_service.create(
        get_session(), actor=actor(), kind=kind, data=json_body("master_data.write")
    )
    return _json(party), 201


def _update(kind: str, code: str) -> Any:
    data = json_body("master_data.write")
    if "code" in data and str(data["code"]).strip() != code:
        raise InvalidInput("The code cannot change.", {"code": "the code is the record's key"})
    party = party_service.update(get_session(), actor=actor(), kind=kind, code=code, data=data)
    return _json(party)


@bp.get("/hospitals")
def list_hospitals() -> Any:
    return _list(HOSPITAL)


@bp.post("/hospitals")
def create_hospital() -> Any:
    return _create(HOSPITAL)


@bp.get("/hospitals/<path:code>")
def get_hospital(code: str) -> Any:
    return _json(party_service.get(get_session(), actor=actor(), kind=HOSPITAL, code=code))


@bp.patch("/hospitals/<path:code>")
def update_hospital(code: str) -> Any:
    return _update(HOSPITAL, code)


@bp.get("/distributors")
def list_distributors() -> Any:
    return _list(DISTRIBUTOR)


@bp.post("/distributors")
def create_distributor() -> Any:
    return _create(DISTRIBUTOR)


@bp.get("/distributors/<path:code>")
def get_distributor(code: str) -> Any:
    return _json(party_service.get(get_session(), actor=actor(), kind=DISTRIBUTOR, code=code))


@bp.patch("/distributors/<path:code>")
def update_distributor(code: str) -> Any:
    return _update(DISTRIBUTOR, code)
