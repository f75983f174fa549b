"""Contracts: create, read with the status for any date, renew (a successor linked to
its predecessor), terminate; their payment term for the party's invoices; their ends
and notice days in the deadlines feed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session, col

from vbptrack.domain import contracts as rules
from vbptrack.domain.deadlines import Deadline
from vbptrack.domain.money import from_fen, to_fen
from vbptrack.models import Contract, ContractLine, Party, PaymentTerm, Product
from vbptrack.models.market_access_in import ContractIn, RenewIn, TerminateIn
from vbptrack.services import audit, terms
from vbptrack.services.access import Actor, require, territory_condition
from vbptrack.services.contract_periods import end_in_force_sql
from vbptrack.services.deadlines import source
from vbptrack.services.errors import Conflict, NotFound
from vbptrack.services.paging import Page, matches_text, paginate
from vbptrack.services.problems import invalid, translate, validated

ENTITY = "contract"


def find(session: Session, number: str) -> Contract | None:
    return session.execute(select(Contract).where(Contract.number == number)).scalar_one_or_none()


def get(session: Session, *, actor: Actor, number: str) -> Contract:
    """The contract if its party is in the actor's territory (else 404, like a missing one)."""
    contract = session.execute(
        select(Contract)
        .join(Party, col(Party.id) == Contract.party_id)
        .where(Contract.number == number, territory_condition(actor))
    ).scalar_one_or_none()
    if contract is None:
        raise NotFound(translate("No such contract, or it is outside your territory."))
    return contract


def _number_free(session: Session, number: str) -> None:
    if find(session, number) is not None:
        raise Conflict(
            translate("The contract %(number)s already exists.", number=number),
            {"number": translate("Already in use.")},
        )


def terms_of(contract: Contract, successor_start: date | None = None) -> rules.ContractTerms:
    return rules.ContractTerms(
        contract.start,
        contract.end,
        contract.renewal_mode,
        contract.notice_days,
        contract.renewal_months,
        contract.renewed_on,
        contract.terminated_on,
        successor_start,
    )


def create(session: Session, *, actor: Actor, data: Mapping[str, Any]) -> Contract:
    require(actor, "commercial.write")
    contract = add(session, actor=actor, clean=validated(ContractIn, data))
    session.commit()
    return contract


def add(session: Session, *, actor: Actor, clean: ContractIn) -> Contract:
    """Check and add a contract with its prices, not committed."""
    if rules.dates_problem(clean.start, clean.end):
        raise invalid({"end": translate("The end is before the start.")})
    party = session.execute(
        select(Party).where(Party.code == clean.party_code, territory_condition(actor))
    ).scalar_one_or_none()
    if party is None:
        raise invalid(
            {"party_code": translate("No customer with the code %(code)s.", code=clean.party_code)}
        )
    term_id = None
    if clean.payment_term:
        term = terms.find(session, clean.payment_term)
        if term is None:
            raise invalid(
                {"payment_term": translate("No payment term %(code)s.", code=clean.payment_term)}
            )
        term_id = term.id
    codes = {line.product_code for line in clean.lines}
    product_ids = dict(
        session.execute(select(Product.code, Product.id).where(col(Product.code).in_(codes))).all()
    )
    missing = {
        f"lines.{i}.product_code": translate("No product %(code)s.", code=line.product_code)
        for i, line in enumerate(clean.lines)
        if line.product_code not in product_ids
    }
    if missing:
        raise invalid(missing)
    _number_free(session, clean.number)
    contract = Contract(
        number=clean.number,
        party_id=party.id,  # type: ignore[arg-type]
        kind=clean.kind,
        start=clean.start,
        end=clean.end,
        value_fen=to_fen(clean.value) if clean.value is not None else None,
        payment_term_id=term_id,
        renewal_mode=clean.renewal.mode,
        notice_days=clean.renewal.notice_days,
        renewal_months=clean.renewal.months,
    )
    session.add(contract)
    session.flush()
    for line in clean.lines:
        session.add(
            ContractLine(
                contract_id=contract.id,  # type: ignore[arg-type]
                product_id=product_ids[line.product_code],
                unit_price_fen=to_fen(line.price),
            )
        )
    audit.record(
        session,
        actor=actor,
        entity=ENTITY,
        key=contract.number,
        action="create",
        changes={
            "party": [None, party.code],
            "start": [None, clean.start.isoformat()],
            "end": [None, clean.end.isoformat()],
        },
    )
    session.flush()
    return contract


def renew(
    session: Session, *, actor: Actor, number: str, data: Mapping[str, Any], today: date
) -> Contract:
    """A successor with the same party, kind, value, term, renewal policy and prices;
    it starts the day after the old end unless told otherwise."""
    require(actor, "commercial.write")
    clean = validated(RenewIn, data)
    old = get(session, actor=actor, number=number)
    if old.renewed_on is not None or old.terminated_on is not None:
        raise Conflict(translate("This contract was already renewed or terminated."))
    start = clean.start or rules.renewal_start(old.end)
    if rules.dates_problem(start, clean.end):
        raise invalid({"end": translate("The end is before the start.")})
    _number_free(session, clean.number)
    successor = Contract(
        number=clean.number,
        party_id=old.party_id,
        kind=old.kind,
        start=start,
        end=clean.end,
        value_fen=old.value_fen,
        payment_term_id=old.payment_term_id,
        renewal_mode=old.renewal_mode,
        notice_days=old.notice_days,
        renewal_months=old.renewal_months,
        predecessor_id=old.id,
    )
    session.add(successor)
    session.flush()
    for line in lines(session, old):
        session.add(
            ContractLine(
                contract_id=successor.id,  # type: ignore[arg-type]
                product_id=line.product_id,
                unit_price_fen=line.unit_price_fen,
            )
        )
    old.renewed_on = today
    session.add(old)
    audit.record(
        session,
        actor=actor,
        entity=ENTITY,
        key=old.number,
        action="renew",
        changes={"successor": [None, successor.number]},
    )
    audit.record(
        session,
        actor=actor,
        entity=ENTITY,
        key=successor.number,
        action="create",
        changes={"predecessor": [None, old.number], "end": [None, clean.end.isoformat()]},
    )
    session.commit()
    return successor


def terminate(session: Session, *, actor: Actor, number: str, data: Mapping[str, Any]) -> Contract:
    """Stop a contract from `date` on (for an auto-renewing one: notice given)."""
    require(actor, "commercial.write")
    clean = validated(TerminateIn, data)
    contract = get(session, actor=actor, number=number)
    # A renewed contract may still be ended early (the successor is terminated apart).
    if contract.terminated_on is not None:
        raise Conflict(translate("This contract was already terminated."))
    if clean.date < contract.start:
        raise invalid({"date": translate("The contract starts later than this date.")})
    contract.terminated_on = clean.date
    contract.termination_reason = clean.reason
    session.add(contract)
    audit.record(
        session,
        actor=actor,
        entity=ENTITY,
        key=contract.number,
        action="terminate",
        changes={"terminated_on": [None, clean.date.isoformat()]},
        note=clean.reason,
    )
    session.commit()
    return contract


def lines(session: Session, contract: Contract) -> Sequence[ContractLine]:
    return (
        session.execute(
            select(ContractLine)
            .where(ContractLine.contract_id == contract.id)
            .order_by(ContractLine.id)
        )
        .scalars()
        .all()
    )


@dataclass(frozen=True)
class ContractView:
    contract: Contract
    party: Party
    status: str
    current_end: date
    notice_day: date | None
    value: Decimal | None
    payment_term: str | None
    predecessor: str | None
    successor: str | None
    lines: list[tuple[Product, Decimal]]


def view(session: Session, *, actor: Actor, number: str, as_of: date) -> ContractView:
    contract = get(session, actor=actor, number=number)
    return describe(session, contract, as_of)


def describe(session: Session, contract: Contract, as_of: date) -> ContractView:
    party = session.get(Party, contract.party_id)
    assert party is not None
    term = session.get(PaymentTerm, contract.payment_term_id) if contract.payment_term_id else None
    predecessor = (
        session.get(Contract, contract.predecessor_id) if contract.predecessor_id else None
    )
    found = session.execute(
        select(Contract.number, Contract.start).where(Contract.predecessor_id == contract.id)
    ).first()
    successor, successor_start = (found[0], found[1]) if found else (None, None)
    rule = terms_of(contract, successor_start)
    end = rules.current_end(rule, as_of)
    priced = session.execute(
        select(Product, ContractLine.unit_price_fen)
        .join(ContractLine, col(ContractLine.product_id) == Product.id)
        .where(ContractLine.contract_id == contract.id)
        .order_by(ContractLine.id)
    ).all()
    return ContractView(
        contract,
        party,
        rules.status(rule, as_of),
        end,
        rules.notice_day(end, contract.notice_days) if rule.rolls else None,
        from_fen(contract.value_fen) if contract.value_fen is not None else None,
        term.code if term else None,
        predecessor.number if predecessor else None,
        successor,
        [(product, from_fen(price)) for product, price in priced],
    )


def search(
    session: Session,
    *,
    actor: Actor,
    q: str | None = None,
    party_code: str | None = None,
    kind: str | None = None,
    ending_before: date | None = None,
    as_of: date | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Contract]:
    """The actor's contracts ordered by their end: with `as_of`, the end of the term in
    force on that day (an auto contract that rolled on sorts by its new end, as the list
    shows it); without, the agreed end."""
    end = end_in_force_sql(as_of) if as_of is not None else col(Contract.end)
    statement = (
        select(Contract)
        .join(Party, col(Party.id) == Contract.party_id)
        .where(territory_condition(actor))
    )
    if q:
        statement = statement.where(matches_text(q, col(Contract.number), col(Party.name)))
    if party_code:
        statement = statement.where(Party.code == party_code)
    if kind:
        statement = statement.where(Contract.kind == kind)
    if ending_before:
        statement = statement.where(end <= ending_before)
    statement = statement.order_by(end, Contract.number)
    return paginate(session, statement, page=page, per_page=per_page)


@dataclass(frozen=True)
class ContractRow:
    """One line of the contract list: what it shows, as of the list's date."""

    contract: Contract
    party: Party
    status: str
    current_end: date


def rows(session: Session, contracts: Sequence[Contract], as_of: date) -> list[ContractRow]:
    """The list's rows for a page of contracts: parties and successors in two queries."""
    if not contracts:
        return []
    ids = [c.id for c in contracts]
    parties = {
        party.id: party
        for party in session.execute(
            select(Party).where(col(Party.id).in_({c.party_id for c in contracts}))
        ).scalars()
    }
    successor_starts = dict(
        session.execute(
            select(Contract.predecessor_id, Contract.start).where(
                col(Contract.predecessor_id).in_(ids)
            )
        ).all()
    )
    result = []
    for contract in contracts:
        rule = terms_of(contract, successor_starts.get(contract.id))
        result.append(
            ContractRow(
                contract,
                parties[contract.party_id],
                rules.status(rule, as_of),
                rules.current_end(rule, as_of),
            )
        )
    return result


@source
def contract_deadlines(
    session: Session, actor: Actor, start: date, end: date
) -> Iterable[Deadline]:
    """Ends and last notice days in [start, end] of open contracts in the territory.
    SQL keeps the open contracts that could have one there (an auto-renewing contract
    may have rolled past its agreed end, or have a notice day before the window's end
    for an end after it); the domain computes the dates."""
    statement = (
        select(Contract)
        .join(Party, col(Party.id) == Contract.party_id)
        .where(
            territory_condition(actor),
            col(Contract.renewed_on).is_(None),
            col(Contract.terminated_on).is_(None),
            or_(
                (col(Contract.end) >= start) & (col(Contract.end) <= end),
                Contract.renewal_mode == rules.AUTO,
            ),
        )
    )
    for contract in session.execute(statement).scalars():
        for reminder in rules.deadlines(terms_of(contract), start, end):
            title = (
                translate("Contract %(number)s ends", number=contract.number)
                if reminder.kind == "contract_end"
                else translate(
                    "Last day to give notice on contract %(number)s", number=contract.number
                )
            )
            yield Deadline(reminder.date, reminder.kind, title, contract.number)
