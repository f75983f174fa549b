"""Payment terms: stored terms, their schedules, and which term an invoice gets.

Which term applies, most specific first: the invoice's own term or due date, then the
term of the customer's contract in force on the invoice date, then the customer's
default. The special code `VBP` means "this province's VBP settlement rule": the
province's own term where one is configured (some provinces settle 30 days after
acceptance), else the national default seeded as `VBP` (end of the month after acceptance).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from vbptrack.domain import terms as rules
from vbptrack.domain.contracts import term_in_force
from vbptrack.domain.provinces import resolve_province
from vbptrack.models import Contract, Party, PaymentTerm, PaymentTermInstalment, Province
from vbptrack.models.receivables_in import PaymentTermIn
from vbptrack.services import audit
from vbptrack.services.access import Actor, require
from vbptrack.services.errors import Conflict, NotFound
from vbptrack.services.paging import Page, paginate
from vbptrack.services.problems import invalid, translate, validated

VBP_CODE = "VBP"


def find(session: Session, code: str) -> PaymentTerm | None:
    return session.execute(select(PaymentTerm).where(PaymentTerm.code == code)).scalar_one_or_none()


def get(session: Session, code: str) -> PaymentTerm:
    term = find(session, code)
    if term is None:
        raise NotFound(translate("No payment term %(code)s.", code=code))
    return term


def instalments(session: Session, term: PaymentTerm) -> Sequence[PaymentTermInstalment]:
    return (
        session.execute(
            select(PaymentTermInstalment)
            .where(PaymentTermInstalment.term_id == term.id)
            .order_by(PaymentTermInstalment.position)
        )
        .scalars()
        .all()
    )


def instalments_of(
    session: Session, term_ids: Sequence[int]
) -> dict[int, list[PaymentTermInstalment]]:
    """The instalments of several terms in one query, by term id, in schedule order."""
    parts: dict[int, list[PaymentTermInstalment]] = {term_id: [] for term_id in term_ids}
    if term_ids:
        rows = session.execute(
            select(PaymentTermInstalment)
            .where(col(PaymentTermInstalment.term_id).in_(term_ids))
            .order_by(col(PaymentTermInstalment.term_id), col(PaymentTermInstalment.position))
        ).scalars()
        for part in rows:
            parts[part.term_id].append(part)
    return parts


def to_rule(session: Session, term: PaymentTerm) -> rules.PaymentTerm:
    return rules.PaymentTerm(
        term.code,
        term.name,
        tuple(
            rules.Instalment(
                Decimal(part.portion), rules.Rule(part.rule), part.n, rules.Base(part.base)
            )
            for part in instalments(session, term)
        ),
    )


def create(session: Session, *, actor: Actor, data: Mapping[str, Any]) -> PaymentTerm:
    require(actor, "receivables.write")
    clean = validated(PaymentTermIn, data)
    if find(session, clean.code) is not None:
        raise Conflict(
            translate("The code %(code)s is already in use.", code=clean.code),
            {"code": translate("Already in use.")},
        )
    term = PaymentTerm(code=clean.code, name=clean.name)
    session.add(term)
    session.flush()
    for position, part in enumerate(clean.instalments, start=1):
        session.add(
            PaymentTermInstalment(
                term_id=term.id,
                position=position,  # type: ignore[arg-type]
                portion=part.portion,
                rule=part.rule,
                n=part.n,
                base=part.base,
            )
        )
    audit.record(
        session,
        actor=actor,
        entity="payment_term",
        key=term.code,
        action="create",
        changes={"instalments": [None, [p.model_dump(mode="json") for p in clean.instalments]]},
    )
    session.commit()
    return term


def by_length(session: Session, limit: int = 500) -> list[PaymentTerm]:
    """Stored terms, shortest first (domain.terms.nominal_days), then by code: what forms
    and the terms page list. Two queries; a company has tens of terms, not thousands."""
    terms = list(
        session.execute(select(PaymentTerm).order_by(PaymentTerm.code).limit(limit)).scalars()
    )
    parts = instalments_of(session, [t.id for t in terms if t.id is not None])

    def length(term: PaymentTerm) -> Decimal:
        return rules.nominal_days(
            [
                rules.Instalment(
                    Decimal(part.portion), rules.Rule(part.rule), part.n, rules.Base(part.base)
                )
                for part in parts.get(term.id or 0, [])
            ]
        )

    return sorted(terms, key=lambda term: (length(term), term.code))


def search(session: Session, *, page: int = 1, per_page: int = 50) -> Page[PaymentTerm]:
    return paginate(
        session, select(PaymentTerm).order_by(PaymentTerm.code), page=page, per_page=per_page
    )


ContractTermRow = tuple[date, date, date | None, int | None]


def contract_terms(session: Session, customer_id: int) -> list[ContractTermRow]:
    """(start, end, terminated_on, term id) of the customer's contracts carrying a term."""
    return [
        (start, end, terminated, term_id)
        for start, end, terminated, term_id in session.execute(
            select(
                Contract.start, Contract.end, Contract.terminated_on, Contract.payment_term_id
            ).where(Contract.party_id == customer_id)
        ).all()
        if term_id is not None
    ]


def resolve(
    session: Session,
    *,
    customer: Party,
    code: str | None,
    on: date | None = None,
    contracts: list[ContractTermRow] | None = None,
) -> PaymentTerm | None:
    """The term an invoice of `customer` dated `on` uses: the code given (VBP resolved
    through the customer's province), else the term of the customer's contract in force
    on that date, else the customer's default; None when there is none of them.
    `contracts` passes the customer's `contract_terms` when the caller holds them."""
    if code is None:
        if on is not None:
            rows = contracts if contracts is not None else contract_terms(session, customer.id)  # type: ignore[arg-type]
            contract_term = term_in_force(rows, on)
            if contract_term is not None:
                return session.get(PaymentTerm, contract_term)
        if customer.payment_term_id is None:
            return None
        return session.get(PaymentTerm, customer.payment_term_id)
    if code == VBP_CODE and customer.province_code:
        province = session.get(Province, customer.province_code)
        if province is not None and province.vbp_term_id is not None:
            return session.get(PaymentTerm, province.vbp_term_id)
    return find(session, code)


def schedule(
    session: Session,
    *,
    term: PaymentTerm,
    invoice_date: date,
    amount: Decimal,
    acceptance_date: date | None = None,
) -> list[rules.ScheduledInstalment]:
    rule = to_rule(session, term)
    try:
        return rules.schedule(
            rule,
            invoice_date=invoice_date,
            amount=amount,
            acceptance_date=acceptance_date,
        )
    except rules.TermError as exc:
        raise invalid(
            {
                "acceptance_date": translate(
                    "This payment term counts from the acceptance date; give it."
                )
            }
        ) from exc
    except (OverflowError, ValueError) as exc:  # a due date after 9999-12-31
        raise invalid(
            {
                str(part.base): translate("The due date would be after 9999-12-31.")
                for part in rule.instalments
            }
        ) from exc


def set_province_vbp_term(
    session: Session, *, actor: Actor, province_code: str, term_code: str | None
) -> ProvinceVbpTerm:
    """Configure a province's VBP settlement rule (None: back to the national default).

    The province may be given by code or name (`44`, `广东`, `广东省`).
    """
    require(actor, "receivables.write")
    code = resolve_province(province_code)
    province = session.get(Province, code) if code else None
    if province is None:
        raise NotFound(translate("Unknown province “%(value)s”.", value=province_code))
    term = None
    if term_code:
        term = find(session, term_code)
        if term is None:
            raise invalid({"payment_term": translate("No payment term %(code)s.", code=term_code)})
    before = session.get(PaymentTerm, province.vbp_term_id) if province.vbp_term_id else None
    province.vbp_term_id = term.id if term else None
    audit.record(
        session,
        actor=actor,
        entity="province",
        key=province.code,
        action="update",
        changes={"vbp_term": [before.code if before else None, term.code if term else None]},
    )
    session.commit()
    return province_vbp_term(session, province.code)


@dataclass(frozen=True)
class ProvinceVbpTerm:
    """A province and the term its VBP invoices use (None: the national default `VBP`)."""

    code: str
    name: str
    name_en: str
    term_code: str | None
    term_name: str | None
    term_name_en: str | None = None


def province_vbp_terms(session: Session) -> list[ProvinceVbpTerm]:
    """Every province with its configured VBP term, by code: one query over 31 rows."""
    rows = session.execute(
        select(
            Province.code,
            Province.name,
            Province.name_en,
            PaymentTerm.code,
            PaymentTerm.name,
            PaymentTerm.name_en,
        )
        .outerjoin(PaymentTerm, col(PaymentTerm.id) == col(Province.vbp_term_id))
        .order_by(col(Province.code))
    ).all()
    return [ProvinceVbpTerm(*row) for row in rows]


def province_vbp_term(session: Session, province_code: str) -> ProvinceVbpTerm:
    for row in province_vbp_terms(session):
        if row.code == province_code:
            return row
    raise NotFound(translate("Unknown province “%(value)s”.", value=province_code))
