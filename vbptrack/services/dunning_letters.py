"""Issued letters: finding them (territory applies), their archived PDFs served byte for
byte, a run's print batch, recording how a letter was sent and when it was delivered,
e-mailing it, and the customer statement.

Reading letters is open to every role within its territory (a rep follows up on their
hospitals' letters); everything that changes a letter needs "dunning.issue".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from vbptrack.documents import combine_pdfs
from vbptrack.domain.ageing import DEFAULT_LIMITS, Basis
from vbptrack.domain.money import from_fen
from vbptrack.models import (
    DunningDocument,
    DunningLetter,
    DunningLetterLine,
    DunningRun,
    Invoice,
    Party,
)
from vbptrack.models.dunning_in import DeliveryIn, EmailIn
from vbptrack.services import ageing, audit, dunning_documents, dunning_policy, mail, payments
from vbptrack.services.access import Actor, require, territory_condition
from vbptrack.services.dunning_policy import ISSUE
from vbptrack.services.errors import NotFound
from vbptrack.services.paging import Page, paginate
from vbptrack.services.problems import invalid, translate, validated

STATEMENT_ROWS = 2000
RUNS_READ = "dunning.runs.read"


@dataclass
class LetterView:
    letter: DunningLetter
    customer: Party
    lines: list[tuple[DunningLetterLine, Invoice]]
    documents: dict[str, tuple[str, int]]  # lang → (sha256, size)


def visible_letters(actor: Actor) -> Any:
    """Letters of customers the actor may see, newest first."""
    return (
        select(DunningLetter)
        .join(Party, Party.id == DunningLetter.customer_id)
        .where(territory_condition(actor))
        .order_by(col(DunningLetter.date).desc(), col(DunningLetter.number).desc())
    )


def search(
    session: Session,
    *,
    actor: Actor,
    customer_code: str | None = None,
    run_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Any]:
    statement = visible_letters(actor)
    if customer_code:
        statement = statement.where(Party.code == customer_code)
    if run_id is not None:
        statement = statement.where(DunningLetter.run_id == run_id)
    return paginate(session, statement, page=page, per_page=per_page)


def customers_of(session: Session, letters: list[DunningLetter]) -> dict[int, Party]:
    ids = {letter.customer_id for letter in letters}
    if not ids:
        return {}
    rows = session.execute(select(Party).where(col(Party.id).in_(ids))).scalars()
    return {party.id: party for party in rows}  # type: ignore[misc]


def get(session: Session, *, actor: Actor, number: str) -> DunningLetter:
    letter = session.execute(
        visible_letters(actor).where(DunningLetter.number == number)
    ).scalar_one_or_none()
    if letter is None:
        raise NotFound(translate("No letter %(number)s.", number=number))
    return letter


def view(session: Session, *, actor: Actor, number: str) -> LetterView:
    return views(session, [get(session, actor=actor, number=number)])[0]


def views(session: Session, letters: list[DunningLetter]) -> list[LetterView]:
    """Letters with their customers, lines and archived documents: three queries for any
    number of letters (a page of the API's list)."""
    ids = [letter.id for letter in letters]
    customers = customers_of(session, letters)
    lines: dict[int, list[tuple[DunningLetterLine, Invoice]]] = {i: [] for i in ids}  # type: ignore[misc]
    documents: dict[int, dict[str, tuple[str, int]]] = {i: {} for i in ids}  # type: ignore[misc]
    if ids:
        for line, invoice in session.execute(
            select(DunningLetterLine, Invoice)
            .join(Invoice, Invoice.id == DunningLetterLine.invoice_id)
            .where(col(DunningLetterLine.letter_id).in_(ids))
            .order_by(DunningLetterLine.letter_id, DunningLetterLine.position)
        ).all():
            lines[line.letter_id].append((line, invoice))
        for letter_id, lang, sha, size in session.execute(
            select(
                DunningDocument.letter_id,
                DunningDocument.lang,
                DunningDocument.sha256,
                DunningDocument.size,
            ).where(col(DunningDocument.letter_id).in_(ids))
        ).all():
            documents[letter_id][lang] = (sha, size)
    return [
        LetterView(
            letter,
            customers[letter.customer_id],
            lines[letter.id],  # type: ignore[index]
            documents[letter.id],  # type: ignore[index]
        )
        for letter in letters
    ]


def letter_json(found: LetterView) -> dict[str, Any]:
    letter = found.letter
    grand = letter.outstanding_fen + letter.interest_fen + letter.fee_fen
    return {
        "number": letter.number,
        "customer_code": found.customer.code,
        "customer_name": found.customer.name,
        "level": letter.level,
        "date": letter.date.isoformat(),
        "deadline": letter.deadline.isoformat(),
        "invoices": [
            {
                "number": invoice.number,
                "due_date": line.due_date.isoformat(),
                "days_past_due": line.days_past_due,
                "outstanding": f"{from_fen(line.outstanding_fen)}",
                "interest": f"{from_fen(line.interest_fen)}",
            }
            for line, invoice in found.lines
        ],
        "outstanding": f"{from_fen(letter.outstanding_fen)}",
        "interest": f"{from_fen(letter.interest_fen)}",
        "fee": f"{from_fen(letter.fee_fen)}",
        "grand_total": f"{from_fen(grand)}",
        "sent_via": letter.sent_via,
        "sent_on": letter.sent_on.isoformat() if letter.sent_on else None,
        "delivered_on": letter.delivered_on.isoformat() if letter.delivered_on else None,
        "emailed_to": letter.emailed_to,
        "documents": {
            lang: {"sha256": sha, "size": size} for lang, (sha, size) in found.documents.items()
        },
    }


def pdf(session: Session, *, actor: Actor, number: str, lang: str) -> tuple[bytes, str]:
    """The archived PDF exactly as issued, and its SHA-256."""
    letter = get(session, actor=actor, number=number)
    document = session.execute(
        select(DunningDocument).where(
            DunningDocument.letter_id == letter.id, DunningDocument.lang == lang
        )
    ).scalar_one_or_none()
    if document is None:
        raise NotFound(translate("No %(lang)s version of this letter.", lang=lang))
    return document.pdf, document.sha256


def run(session: Session, *, actor: Actor, run_id: int) -> DunningRun:
    """A run, for the roles that see every customer (`dunning.runs.read`): a run's
    figures cover every territory, so a rep gets 403 rather than a filtered copy."""
    require(actor, RUNS_READ)
    found = session.get(DunningRun, run_id)
    if found is None:
        raise NotFound(translate("No dunning run %(id)s.", id=run_id))
    return found


def runs(session: Session, *, page: int = 1, per_page: int = 20) -> Page[Any]:
    statement = select(DunningRun).order_by(col(DunningRun.id).desc())
    return paginate(session, statement, page=page, per_page=per_page)


def run_pdf(session: Session, *, actor: Actor, run_id: int, lang: str) -> bytes:
    """Every letter of a run the actor may see, in number order, as one PDF to print.
    The archived documents are copied page by page, never rendered again."""
    run(session, actor=actor, run_id=run_id)
    letter = aliased(DunningLetter)
    statement = (
        select(DunningDocument.pdf)
        .join(letter, letter.id == DunningDocument.letter_id)
        .join(Party, Party.id == letter.customer_id)
        .where(letter.run_id == run_id, DunningDocument.lang == lang, territory_condition(actor))
        .order_by(letter.number)
    )
    documents = session.execute(statement.execution_options(yield_per=50)).scalars()
    combined = combine_pdfs(documents)
    return combined


def record_delivery(
    session: Session, *, actor: Actor, number: str, data: Mapping[str, Any]
) -> DunningLetter:
    """How and when the letter was sent, and when it was delivered (the date that
    interrupts the limitation period)."""
    require(actor, ISSUE)
    values = validated(DeliveryIn, data)
    letter = get(session, actor=actor, number=number)
    if values.sent_on < letter.date:
        raise invalid({"sent_on": translate("A letter cannot be sent before its date.")})
    before = {
        "sent_via": letter.sent_via,
        "sent_on": letter.sent_on,
        "delivered_on": letter.delivered_on,
    }
    letter.sent_via, letter.sent_on, letter.delivered_on = (
        values.sent_via,
        values.sent_on,
        values.delivered_on,
    )
    session.add(letter)
    audit.record(
        session,
        actor=actor,
        entity="dunning_letter",
        key=letter.number,
        action="delivery",
        changes=audit.changes_between(
            before,
            {
                "sent_via": letter.sent_via,
                "sent_on": letter.sent_on,
                "delivered_on": letter.delivered_on,
            },
        ),
    )
    session.commit()
    return letter


def email(
    session: Session,
    *,
    actor: Actor,
    number: str,
    data: Mapping[str, Any],
    smtp: Mapping[str, Any],
    today: date,
) -> DunningLetter:
    """Send the archived PDF as an attachment through the configured SMTP server, to the
    address given or the customer's e-mail, and record it as sent by e-mail today."""
    require(actor, ISSUE)
    values = validated(EmailIn, data)
    letter = get(session, actor=actor, number=number)
    customer = session.get(Party, letter.customer_id)
    assert customer is not None
    to = values.to or customer.email
    if not to:
        raise invalid({"to": translate("The customer has no e-mail address; enter one.")})
    mail.require_configured(smtp)
    document, _sha = pdf(session, actor=actor, number=number, lang=values.lang)
    policy = dunning_policy.load(session).policy
    message = EmailMessage()
    message["From"] = mail.sender(smtp, policy.contact_email or "dunning@localhost")
    message["To"] = to
    company = policy.company_name_zh if values.lang == "zh" else policy.company_name_en
    message["Subject"] = f"{letter.number} {company}".strip()
    message.set_content(
        f"{customer.legal_name or customer.name}:\n\n"
        + (
            "附件为我司催款函，请查收。"
            if values.lang == "zh"
            else "Please find our letter attached."
        )
        + f"\n\n{policy.contact_name} {policy.contact_phone}\n"
    )
    message.add_attachment(
        document, maintype="application", subtype="pdf", filename=f"{letter.number}.pdf"
    )
    mail.send(smtp, message)
    letter.sent_via, letter.sent_on, letter.emailed_to = "email", today, to
    session.add(letter)
    audit.record(
        session, actor=actor, entity="dunning_letter", key=letter.number, action="email", note=to
    )
    session.commit()
    return letter


def statement_pdf(
    session: Session, *, actor: Actor, customer: Party, as_of: date, lang: str
) -> bytes:
    """The customer's open items as of a date (from the ageing's drill-down, so the
    amounts are the ageing's) and unapplied money, as a PDF; not archived."""
    items = ageing.drilldown(
        session,
        actor=actor,
        as_of=as_of,
        basis=Basis.DUE_DATE,
        limits=DEFAULT_LIMITS[Basis.DUE_DATE],
        group_by="customer",
        key=customer.code,
        limit=STATEMENT_ROWS,
    )
    unapplied = payments.unapplied_fen(session, [customer.id], as_of).get(customer.id, 0)  # type: ignore[list-item]
    policy = dunning_policy.load(session).policy
    return dunning_documents.statement_pdf(
        policy, customer, as_of, items, from_fen(unapplied), lang
    )


def customer(session: Session, *, actor: Actor, code: str) -> Party:
    """A customer the actor may see; 404 otherwise (outside the territory looks missing)."""
    party = session.execute(
        select(Party).where(Party.code == code, territory_condition(actor))
    ).scalar_one_or_none()
    if party is None:
        raise NotFound(translate("No customer with the code %(code)s.", code=code))
    return party


def customer_history(session: Session, customer: Party, limit: int = 50) -> list[DunningLetter]:
    """The customer's letters, newest first (the customer page shows them)."""
    return list(
        session.execute(
            select(DunningLetter)
            .where(DunningLetter.customer_id == customer.id)
            .order_by(col(DunningLetter.date).desc(), col(DunningLetter.number).desc())
            .limit(limit)
        ).scalars()
    )
