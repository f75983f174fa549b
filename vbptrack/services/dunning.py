"""The dunning run (§5.4): who gets a letter as of a date, at which level, for what.

`plan` is the dry run: it reads what is open as of the date exactly as the ageing does
(the ageing's own open-amount expression: instalment minus settlements dated on or
before as_of), leaves out invoices on hold, and asks domain/dunning.py for each
customer's level, interest, fee and totals. `issue` does the same under a lock on the
policy row, renders each letter in Chinese and English, archives the PDF bytes with
their SHA-256 and writes the letter and its lines. A letter that fails to render is
reported and skipped; the others are issued. Running twice for one date issues nothing
new, because a customer never gets two letters on one day (domain.may_send).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlmodel import Session, col

from vbptrack.documents.render import fingerprint
from vbptrack.domain import dunning as rules
from vbptrack.domain.ageing import days_past_due
from vbptrack.domain.money import from_fen, to_fen
from vbptrack.models import (
    DunningDocument,
    DunningLetter,
    DunningLetterLine,
    DunningRun,
    Invoice,
    InvoiceInstalment,
    Party,
)
from vbptrack.models.fields import day_range
from vbptrack.services import audit, dunning_policy
from vbptrack.services.access import Actor, require, territory_condition
from vbptrack.services.ageing import _open_fen as ageing_open_fen  # the ageing's definition
from vbptrack.services.dunning_policy import ISSUE, Policy
from vbptrack.services.problems import invalid, translate

LANGS = ("zh", "en")


@dataclass
class PlannedLine:
    invoice_id: int
    invoice_date: date
    line: rules.Line


@dataclass
class PlannedLetter:
    customer: Party
    level: int
    as_of: date
    deadline: date
    lines: list[PlannedLine]
    totals: rules.Totals
    number: str = ""


@dataclass
class Failure:
    customer_code: str
    problem: str


@dataclass
class RunResult:
    as_of: date
    dry_run: bool
    letters: list[PlannedLetter] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    run_id: int | None = None


def _overdue(
    session: Session, actor: Actor, as_of: date, customer_ids: Sequence[int] | None = None
) -> dict[int, list[tuple[Any, ...]]]:
    """Per customer: its overdue, not-held open instalments as of the date, oldest first."""
    settled, open_fen = ageing_open_fen(as_of)
    statement = (
        select(
            Invoice.customer_id,
            Invoice.id,
            Invoice.number,
            Invoice.invoice_date,
            InvoiceInstalment.due_date,
            open_fen.label("open_fen"),
        )
        .select_from(InvoiceInstalment)
        .join(Invoice, Invoice.id == InvoiceInstalment.invoice_id)
        .join(Party, Party.id == Invoice.customer_id)
        .outerjoin(settled, settled.c.instalment_id == InvoiceInstalment.id)
        .where(
            Invoice.invoice_date <= as_of,
            InvoiceInstalment.due_date < as_of,
            col(Invoice.hold_reason).is_(None),
            territory_condition(actor),
            open_fen > 0,
        )
        .order_by(Invoice.customer_id, InvoiceInstalment.due_date, Invoice.number)
    )
    if customer_ids is not None:
        statement = statement.where(col(Invoice.customer_id).in_(list(customer_ids)))
    rows: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in session.execute(statement).all():
        rows[row[0]].append(tuple(row))
    return rows


def last_letters(session: Session, customer_ids: list[int]) -> dict[int, tuple[date, int]]:
    """Per customer, the date and level of its latest letter."""
    if not customer_ids:
        return {}
    latest = (
        select(DunningLetter.customer_id, func.max(DunningLetter.date).label("day"))
        .group_by(DunningLetter.customer_id)
        .subquery()
    )
    statement = (
        select(DunningLetter.customer_id, DunningLetter.date, func.max(DunningLetter.level))
        .join(
            latest,
            and_(
                latest.c.customer_id == DunningLetter.customer_id,
                latest.c.day == DunningLetter.date,
            ),
        )
        .where(col(DunningLetter.customer_id).in_(customer_ids))
        .group_by(DunningLetter.customer_id, DunningLetter.date)
    )
    return {cid: (day, int(level)) for cid, day, level in session.execute(statement).all()}


def check_as_of(as_of: date) -> None:
    """A run's date inside the configured range: outside it is a typing slip that would
    overflow date arithmetic (VBPTRACK_DATE_MIN … _MAX)."""
    within = day_range()
    if as_of not in within:
        raise invalid(
            {
                "as_of": translate(
                    "Enter a date between %(first)s and %(last)s.",
                    first=within.earliest.isoformat(),
                    last=within.latest.isoformat(),
                )
            }
        )


def plan(
    session: Session,
    *,
    actor: Actor,
    as_of: date,
    policy: Policy | None = None,
    customer_ids: Sequence[int] | None = None,
) -> RunResult:
    """The letters a run for `as_of` would issue (nothing is written); `customer_ids`
    limits the run to those customers."""
    require(actor, ISSUE)
    check_as_of(as_of)
    policy = policy or dunning_policy.load(session)
    levels = policy.rules()
    overdue = _overdue(session, actor, as_of, customer_ids)
    previous = last_letters(session, list(overdue))
    customers = {
        party.id: party
        for party in session.execute(select(Party).where(col(Party.id).in_(list(overdue))))
        .scalars()
        .all()
    }
    result = RunResult(as_of=as_of, dry_run=True)
    interval = policy.policy.min_interval_days
    deadline = rules.payment_deadline(as_of, policy.policy.payment_deadline_days)
    for customer_id, rows in overdue.items():
        last = previous.get(customer_id)
        if not rules.may_send(as_of, last[0] if last else None, interval):
            continue
        oldest = max(days_past_due(as_of, row[4]) for row in rows)
        level_number = rules.next_level(levels, oldest, last[1] if last else None)
        if level_number == 0:
            continue
        level = next(item for item in levels if item.level == level_number)
        lines = [
            PlannedLine(
                invoice_id=row[1],
                invoice_date=row[3],
                line=rules.line(row[2], row[4], as_of, from_fen(int(row[5])), level),
            )
            for row in rows
        ]
        result.letters.append(
            PlannedLetter(
                customer=customers[customer_id],
                level=level_number,
                as_of=as_of,
                deadline=deadline,
                lines=lines,
                totals=rules.totals([item.line for item in lines], level.fee),
            )
        )
    result.letters.sort(key=lambda letter: letter.customer.code)
    _number(session, result.letters, as_of)
    return result


def _last_sequence(session: Session, year: int) -> int:
    prefix = f"DL-{year:04d}-"
    highest = session.execute(
        select(func.max(DunningLetter.number)).where(col(DunningLetter.number).startswith(prefix))
    ).scalar()
    return int(highest.rsplit("-", 1)[1]) if highest else 0


def _number(session: Session, letters: list[PlannedLetter], as_of: date) -> None:
    """Numbers DL-YYYY-NNNNNN continuing the year's sequence (a dry run shows the numbers
    the letters would get)."""
    sequence = _last_sequence(session, as_of.year)
    for offset, letter in enumerate(letters, start=1):
        letter.number = rules.letter_number(as_of.year, sequence + offset)


def issue(
    session: Session,
    *,
    actor: Actor,
    as_of: date,
    customer_ids: Sequence[int] | None = None,
    commit: bool = True,
) -> RunResult:
    """Issue the run for `as_of`: every planned letter rendered, archived and recorded,
    in one transaction. A letter that cannot be rendered is reported, not issued.
    `commit=False` leaves the transaction to the caller (the demo loader)."""
    from vbptrack.services import dunning_documents

    require(actor, ISSUE)
    policy = dunning_policy.load(session, for_update=True)
    planned = plan(session, actor=actor, as_of=as_of, policy=policy, customer_ids=customer_ids)
    run = DunningRun(as_of=as_of, created_by=actor.username)
    session.add(run)
    session.flush()
    result = RunResult(as_of=as_of, dry_run=False, run_id=run.id)
    issued: list[PlannedLetter] = []
    # Numbers stay consecutive: a letter that fails leaves its number to the next one,
    # which is why each is numbered just before it is rendered.
    sequence = _last_sequence(session, as_of.year)
    for letter in planned.letters:
        letter.number = rules.letter_number(as_of.year, sequence + 1)
        try:
            documents = {lang: dunning_documents.letter_pdf(policy, letter, lang) for lang in LANGS}
        except dunning_documents.DocumentError as exc:
            result.failures.append(Failure(letter.customer.code, str(exc)))
            continue
        _record(session, run, letter, documents)
        issued.append(letter)
        sequence += 1
    result.letters = issued
    run.letters, run.failures = len(issued), len(result.failures)
    run.problems = [f"{f.customer_code}: {f.problem}" for f in result.failures]
    session.add(run)
    audit.record(
        session,
        actor=actor,
        entity="dunning_run",
        key=str(run.id),
        action="issue",
        note=f"{as_of.isoformat()}: {len(issued)} letters, {len(result.failures)} failed",
    )
    if commit:
        session.commit()
    else:
        session.flush()
    return result


def _record(
    session: Session, run: DunningRun, letter: PlannedLetter, documents: dict[str, bytes]
) -> None:
    row = DunningLetter(
        number=letter.number,
        run_id=run.id,  # type: ignore[arg-type]
        customer_id=letter.customer.id,  # type: ignore[arg-type]
        level=letter.level,
        date=letter.as_of,
        deadline=letter.deadline,
        outstanding_fen=to_fen(letter.totals.outstanding),
        interest_fen=to_fen(letter.totals.interest),
        fee_fen=to_fen(letter.totals.fee),
    )
    session.add(row)
    session.flush()
    for position, item in enumerate(letter.lines, start=1):
        session.add(
            DunningLetterLine(
                letter_id=row.id,  # type: ignore[arg-type]
                invoice_id=item.invoice_id,
                position=position,
                due_date=item.line.due_date,
                days_past_due=item.line.days_past_due,
                outstanding_fen=to_fen(item.line.outstanding),
                interest_fen=to_fen(item.line.interest),
            )
        )
    archived = [
        DunningDocument(
            letter_id=row.id,  # type: ignore[arg-type]
            lang=lang,
            pdf=pdf,
            sha256=fingerprint(pdf),
            size=len(pdf),
        )
        for lang, pdf in documents.items()
    ]
    session.add_all(archived)
    # Written now and let go: a run of thousands of letters keeps no PDF in memory.
    session.flush()
    for document in archived:
        session.expunge(document)


def money_total(letters: list[PlannedLetter]) -> Decimal:
    return sum((letter.totals.grand_total for letter in letters), Decimal("0.00"))
