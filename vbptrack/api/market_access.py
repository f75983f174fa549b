"""/filings, /listings and /contracts (API.md "Tenders, filings, listings, contracts")."""

from __future__ import annotations

from typing import Any

from flask import current_app

from vbptrack.api import actor, bp, json_body, list_args, page_body
from vbptrack.api.receivables import QueryArgs, today
from vbptrack.db import get_session
from vbptrack.documents.http import pdf_response
from vbptrack.domain import filings as filing_rules
from vbptrack.domain import listings as listing_rules
from vbptrack.domain.contracts import KINDS as CONTRACT_KINDS
from vbptrack.domain.money import format_money, from_fen
from vbptrack.models import Filing
from vbptrack.services import contract_documents
from vbptrack.services import contracts as contract_service
from vbptrack.services import filings as filing_service
from vbptrack.services import listings as listing_service
from vbptrack.services.listings import ListingRow


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def filing_json(filing: Filing, product_code: str, as_of: Any) -> dict[str, Any]:
    return {
        "kind": filing.kind,
        "product_code": product_code,
        "province_code": filing.province_code,
        "status": filing.status,
        "shown_status": filing_rules.shown_status(filing.status, filing.expires, as_of),
        "since": _day(filing.since),
        "effective": _day(filing.effective),
        "expires": _day(filing.expires),
        "price": format_money(from_fen(filing.price_fen)) if filing.price_fen is not None else None,
        "reference": filing.reference,
        "attachments": list(filing.attachments),
    }


@bp.post("/filings")
def record_filing() -> Any:
    db = get_session()
    data = json_body("commercial.write")
    filing = filing_service.record(db, actor=actor(), data=data, today=today())
    code = str(data["product_code"]).strip()
    body = filing_json(filing, code, today())
    body["history"] = _filing_history(db, filing)
    return body, 201


def _filing_history(db: Any, filing: Filing) -> list[dict[str, Any]]:
    return [
        {"status": c.status, "date": c.date.isoformat(), "note": c.note, "by": c.by}
        for c in filing_service.history(db, filing)
    ]


@bp.get("/filings")
def list_filings() -> Any:
    page, per_page = list_args()
    args = QueryArgs()
    kind = args.choice("kind", filing_rules.KINDS, None)
    status = args.choice("status", filing_rules.STATUSES, None)
    as_of = args.day("as_of", today())
    args.check()
    results = filing_service.search(
        get_session(),
        actor=actor(),
        kind=kind,
        status=status,
        product_code=args.text("product_code"),
        province_code=args.text("province_code"),
        page=page,
        per_page=per_page,
    )
    return page_body(results, [filing_json(f, code, as_of) for f, code in results.items])


@bp.get("/filings/<kind>/<path:product_code>/<province_code>")
def get_filing(kind: str, product_code: str, province_code: str) -> Any:
    args = QueryArgs()
    as_of = args.day("as_of", today())
    args.check()
    db = get_session()
    filing = filing_service.get(
        db, actor=actor(), kind=kind, product_code=product_code, province_code=province_code
    )
    return {**filing_json(filing, product_code, as_of), "history": _filing_history(db, filing)}


# --- listings ----------------------------------------------------------------------


@bp.put("/listings/<hospital_code>/<path:product_code>")
def record_listing(hospital_code: str, product_code: str) -> Any:
    db = get_session()
    listing = listing_service.record_change(
        db,
        actor=actor(),
        hospital_code=hospital_code,
        product_code=product_code,
        data=json_body("listings.write"),
    )
    return _listing(hospital_code, product_code, max(today(), listing.since))


def _listing(hospital_code: str, product_code: str, as_of: Any) -> dict[str, Any]:
    view = listing_service.view(
        get_session(),
        actor=actor(),
        hospital_code=hospital_code,
        product_code=product_code,
        as_of=as_of,
    )
    return {
        "hospital_code": hospital_code,
        "product_code": product_code,
        "as_of": as_of.isoformat(),
        "status": view.status,
        "since": _day(view.since),
        "days_in_status": view.days_in_status,
        "next_step": view.next_step,
        "stuck": view.stuck,
        "history": [
            {"status": h.status, "date": h.date.isoformat(), "note": h.note,
             "next_step": h.next_step, "by": h.by}
            for h in view.history
        ],
    }  # fmt: skip


@bp.get("/listings/<hospital_code>/<path:product_code>")
def get_listing(hospital_code: str, product_code: str) -> Any:
    args = QueryArgs()
    as_of = args.day("as_of", today())
    args.check()
    return _listing(hospital_code, product_code, as_of)


def listing_row_json(row: ListingRow) -> dict[str, Any]:
    return {
        "hospital_code": row.hospital_code,
        "hospital_name": row.hospital_name,
        "product_code": row.product_code,
        "status": row.status,
        "since": row.since.isoformat(),
        "days_in_status": row.days_in_status,
        "next_step": row.next_step,
        "stuck": row.stuck,
        "unused": row.unused,
    }


@bp.get("/listings")
def list_listings() -> Any:
    page, per_page = list_args()
    args = QueryArgs()
    as_of = args.day("as_of", today())
    status = args.choice("status", listing_rules.STATUSES, None)
    order = args.choice("order", ("hospital", "stuck_first"), "hospital")
    args.check()
    results = listing_service.search(
        get_session(),
        actor=actor(),
        as_of=as_of,
        status=status,
        hospital_code=args.text("hospital_code"),
        product_code=args.text("product_code"),
        stuck_first=order == "stuck_first",
        page=page,
        per_page=per_page,
    )
    return page_body(results, [listing_row_json(r) for r in results.items])


# --- contracts ---------------------------------------------------------------------


def contract_json(number: str, as_of: Any) -> dict[str, Any]:
    view = contract_service.view(get_session(), actor=actor(), number=number, as_of=as_of)
    c = view.contract
    return {
        "number": c.number,
        "party_code": view.party.code,
        "party_name": view.party.name,
        "kind": c.kind,
        "start": c.start.isoformat(),
        "end": c.end.isoformat(),
        "current_end": view.current_end.isoformat(),
        "value": format_money(view.value) if view.value is not None else None,
        "payment_term": view.payment_term,
        "renewal": {"mode": c.renewal_mode, "notice_days": c.notice_days,
                    "months": c.renewal_months},
        "notice_day": _day(view.notice_day),
        "as_of": as_of.isoformat(),
        "status": view.status,
        "predecessor": view.predecessor,
        "successor": view.successor,
        "terminated_on": _day(c.terminated_on),
        "termination_reason": c.termination_reason,
        "lines": [{"product_code": p.code, "price": format_money(price)}
                  for p, price in view.lines],
        "signed_on": _day(c.signed_on),
        "documents": {d.lang: {"sha256": d.sha256, "size": d.size}
                      for d in contract_documents.documents(get_session(), c)},
    }  # fmt: skip


@bp.post("/contracts")
def create_contract() -> Any:
    contract = contract_service.create(
        get_session(), actor=actor(), data=json_body("commercial.write")
    )
    return contract_json(contract.number, today()), 201


@bp.get("/contracts")
def list_contracts() -> Any:
    page, per_page = list_args()
    args = QueryArgs()
    as_of = args.day("as_of", today())
    kind = args.choice("kind", CONTRACT_KINDS, None)
    args.check()
    db = get_session()
    results = contract_service.search(
        db,
        actor=actor(),
        q=args.text("q"),
        party_code=args.text("party_code"),
        kind=kind,
        page=page,
        per_page=per_page,
    )
    return page_body(results, [contract_json(c.number, as_of) for c in results.items])


@bp.get("/contracts/<path:number>")
def get_contract(number: str) -> Any:
    args = QueryArgs()
    as_of = args.day("as_of", today())
    args.check()
    return contract_json(number, as_of)


@bp.post("/contracts/<path:number>/renew")
def renew_contract(number: str) -> Any:
    successor = contract_service.renew(
        get_session(),
        actor=actor(),
        number=number,
        data=json_body("commercial.write"),
        today=today(),
    )
    return contract_json(successor.number, today()), 201


@bp.post("/contracts/<path:number>/terminate")
def terminate_contract(number: str) -> Any:
    contract = contract_service.terminate(
        get_session(), actor=actor(), number=number, data=json_body("commercial.write")
    )
    return contract_json(contract.number, today())


def _company_fallback() -> str:
    """Our name on a contract while the dunning policy has none (config COMPANY_NAME)."""
    return str(current_app.config.get("COMPANY_NAME") or "")


@bp.post("/contracts/<path:number>/sign")
def sign_contract(number: str) -> Any:
    contract = contract_documents.sign(
        get_session(),
        actor=actor(),
        number=number,
        data=json_body("commercial.write"),
        today=today(),
        fallback_name=_company_fallback(),
    )
    return contract_json(contract.number, today())


@bp.get("/contracts/<path:number>/pdf")
def contract_pdf(number: str) -> Any:
    args = QueryArgs()
    lang = args.choice("lang", ("zh", "en"), "zh")
    args.check()
    data, sha = contract_documents.pdf(
        get_session(),
        actor=actor(),
        number=number,
        lang=lang,
        today=today(),
        fallback_name=_company_fallback(),
    )
    kind = "signed" if sha else "draft"
    return pdf_response(data, f"{number}-{lang}-{kind}.pdf", sha)
