"""The contract document: the bilingual template (`templates/pdf/contract.html`) filled
from the record and rendered by the shared PDF renderer (vbptrack/documents/).

Until a contract is signed its document is rendered on request and marked as a draft.
Signing renders it once in both languages and archives the bytes with their SHA-256
(`contract_document`, like the dunning letters): from then on the PDF served is always
the archived one, so a later change to the party's name, our address or the template
never changes what was signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from vbptrack.documents import LANGUAGES, render_html, render_pdf
from vbptrack.documents.render import fingerprint
from vbptrack.models import Contract, ContractDocument, PaymentTerm
from vbptrack.models.market_access_in import SignIn
from vbptrack.services import audit, dunning_policy
from vbptrack.services import contracts as contract_service
from vbptrack.services.access import Actor, require
from vbptrack.services.contracts import ContractView
from vbptrack.services.dunning_documents import company as company_details
from vbptrack.services.dunning_documents import day
from vbptrack.services.errors import Conflict, NotFound
from vbptrack.services.problems import invalid, translate, validated

__all__ = [
    "LANGUAGES",
    "SignedCopy",
    "archive",
    "contract_context",
    "documents",
    "pdf",
    "preview",
    "sign",
]

TEMPLATE = "pdf/contract.html"
SIGN = "commercial.write"


@dataclass(frozen=True)
class SignedCopy:
    """What the contract page and the API show of an archived PDF (not its bytes)."""

    lang: str
    sha256: str
    size: int


def _us(session: Session, lang: str, fallback_name: str) -> dict[str, Any]:
    """Our details as finance keeps them in the dunning policy (legal name, address,
    bank, contact, seal); the configured name only while the policy has none."""
    us = company_details(dunning_policy.load(session).policy, lang)
    if not us["name"]:
        us["name"] = fallback_name
    return us


def contract_context(
    session: Session,
    view: ContractView,
    *,
    lang: str,
    issued: date,
    signed_on: date | None,
    fallback_name: str,
) -> dict[str, Any]:
    """Everything the template shows, with dates written the document's way."""
    c = view.contract
    term = session.get(PaymentTerm, c.payment_term_id) if c.payment_term_id else None
    return {
        "company": _us(session, lang, fallback_name),
        "title": c.number,
        "c": c,
        "party": {
            "code": view.party.code,
            "name": view.party.legal_name or view.party.name,
            "address": view.party.address or "",
        },
        "lines": view.lines,
        "value": view.value,
        "payment_term": {
            "code": term.code,
            "name": (term.name_en if lang == "en" else "") or term.name,
        }
        if term
        else None,
        "predecessor": view.predecessor,
        "start": day(c.start, lang),
        "end": day(c.end, lang),
        "issued": day(issued, lang),
        "signed_on": day(signed_on, lang) if signed_on else None,
        "draft": signed_on is None,
    }


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise NotFound(translate("Choose the contract's language: zh or en."))


def preview(
    session: Session,
    *,
    actor: Actor,
    number: str,
    lang: str,
    today: date,
    fallback_name: str,
    static: str | None = None,
) -> str:
    """The draft document as HTML (what the browser preview shows); `static` is where the
    browser finds the stylesheets."""
    _check_lang(lang)
    view = contract_service.view(session, actor=actor, number=number, as_of=today)
    context = contract_context(
        session, view, lang=lang, issued=today, signed_on=None, fallback_name=fallback_name
    )
    return render_html(TEMPLATE, context, lang, static=static)


def pdf(
    session: Session, *, actor: Actor, number: str, lang: str, today: date, fallback_name: str
) -> tuple[bytes, str | None]:
    """The archived PDF and its SHA-256 once signed; before that a draft rendered now
    (and None: a draft has no fixed bytes)."""
    _check_lang(lang)
    contract = contract_service.get(session, actor=actor, number=number)
    archived = session.execute(
        select(ContractDocument).where(
            ContractDocument.contract_id == contract.id, ContractDocument.lang == lang
        )
    ).scalar_one_or_none()
    if archived is not None:
        return archived.pdf, archived.sha256
    view = contract_service.describe(session, contract, today)
    context = contract_context(
        session, view, lang=lang, issued=today, signed_on=None, fallback_name=fallback_name
    )
    return render_pdf(TEMPLATE, context, lang), None


def documents(session: Session, contract: Contract) -> list[SignedCopy]:
    """The archived copies of a contract (zh before en), without loading the bytes."""
    rows = session.execute(
        select(ContractDocument.lang, ContractDocument.sha256, ContractDocument.size)
        .where(ContractDocument.contract_id == contract.id)
        .order_by(col(ContractDocument.lang).desc())
    ).all()
    return [SignedCopy(lang, digest, size) for lang, digest, size in rows]


def sign(
    session: Session,
    *,
    actor: Actor,
    number: str,
    data: Mapping[str, Any],
    today: date,
    fallback_name: str,
) -> Contract:
    """Record the signing date, render the contract in both languages and archive the
    bytes. A contract is signed once (409 after); a terminated one is not signed."""
    require(actor, SIGN)
    clean = validated(SignIn, data)
    found = contract_service.get(session, actor=actor, number=number)
    # Lock the row: two people pressing "sign" at once must not archive twice.
    contract = session.execute(
        select(Contract).where(Contract.id == found.id).with_for_update()
    ).scalar_one()
    if contract.signed_on is not None:
        raise Conflict(
            translate(
                "This contract was already signed on %(date)s.", date=contract.signed_on.isoformat()
            )
        )
    if contract.terminated_on is not None:
        raise Conflict(translate("A terminated contract cannot be signed."))
    if clean.date > today:
        raise invalid({"date": translate("The signing date is in the future.")})
    archive(session, actor=actor, contract=contract, signed_on=clean.date,
            fallback_name=fallback_name)  # fmt: skip
    session.commit()
    return contract


def archive(
    session: Session, *, actor: Actor, contract: Contract, signed_on: date, fallback_name: str
) -> None:
    """Render both languages as signed on `signed_on`, store the bytes and their SHA-256,
    mark the contract signed and audit it; not committed (the demo signs in its own
    transaction). Callers have checked that the contract may be signed."""
    view = contract_service.describe(session, contract, signed_on)
    digests: dict[str, str] = {}
    for lang in LANGUAGES:
        context = contract_context(
            session, view, lang=lang, issued=signed_on, signed_on=signed_on,
            fallback_name=fallback_name,
        )  # fmt: skip
        data_bytes = render_pdf(TEMPLATE, context, lang)
        digests[lang] = fingerprint(data_bytes)
        session.add(
            ContractDocument(
                contract_id=contract.id,  # type: ignore[arg-type]
                lang=lang,
                pdf=data_bytes,
                sha256=digests[lang],
                size=len(data_bytes),
            )
        )
    contract.signed_on = signed_on
    session.add(contract)
    audit.record(
        session,
        actor=actor,
        entity=contract_service.ENTITY,
        key=contract.number,
        action="sign",
        changes={
            "signed_on": [None, signed_on.isoformat()],
            **{f"sha256_{lang}": [None, digest] for lang, digest in digests.items()},
        },
    )
