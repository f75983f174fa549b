"""The receivables ageing report, aggregated in the database for any as-of date.

One query sums what is open per (group, bucket): each instalment's amount minus its
settlements dated on or before as_of, bucketed by comparing its due date (or its
invoice's date) with the bucket's date range from `domain.ageing.date_ranges`. Unapplied
cash is added per group. Totals are the sum of the rows, in fen, so they agree exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from vbptrack.domain.ageing import Basis, DateRange, columns, date_ranges, days_past_due
from vbptrack.domain.money import from_fen
from vbptrack.domain.provinces import province_name
from vbptrack.models import Invoice, InvoiceInstalment, Party, Settlement, User
from vbptrack.models.parties import DISTRIBUTOR
from vbptrack.services.access import Actor, territory_condition
from vbptrack.services.payments import unapplied_fen

GROUPS = ("customer", "province", "rep", "distributor")
NONE_KEY = "-"


@dataclass
class AgeingRow:
    key: str
    name: str
    amounts_fen: dict[str, int] = field(default_factory=dict)
    unapplied_fen: int = 0  # ≤ 0: money we hold

    @property
    def total_fen(self) -> int:
        return sum(self.amounts_fen.values()) + self.unapplied_fen

    def amount(self, column: str) -> Decimal:
        return from_fen(self.amounts_fen.get(column, 0))

    @property
    def unapplied(self) -> Decimal:
        return from_fen(self.unapplied_fen)

    @property
    def total(self) -> Decimal:
        return from_fen(self.total_fen)


@dataclass
class AgeingReport:
    as_of: date
    basis: Basis
    group_by: str
    limits: tuple[int, ...]
    columns: list[str]
    rows: list[AgeingRow]
    totals: AgeingRow


def _in_range(anchor: Any, bucket: DateRange) -> Any:
    """SQL: the anchor date lies in the bucket's date range."""
    conditions = []
    if bucket.earliest is not None:
        conditions.append(anchor >= bucket.earliest)
    if bucket.latest is not None:
        conditions.append(anchor <= bucket.latest)
    return and_(*conditions)


def _bucket_case(anchor: Any, ranges: Sequence[DateRange]) -> Any:
    whens = [(_in_range(anchor, bucket), literal(index)) for index, bucket in enumerate(ranges)]
    return case(*whens, else_=literal(len(ranges) - 1))


def _anchor(basis: Basis) -> Any:
    return InvoiceInstalment.due_date if basis is Basis.DUE_DATE else Invoice.invoice_date


def _open_fen(as_of: date) -> tuple[Any, Any]:
    """(settled-as-of subquery to outer-join on instalment id, open amount expression)."""
    settled = (
        select(
            Settlement.instalment_id.label("instalment_id"),  # type: ignore[attr-defined]
            func.sum(Settlement.amount_fen).label("fen"),
        )
        .where(Settlement.date <= as_of)
        .group_by(Settlement.instalment_id)
        .subquery()
    )
    return settled, InvoiceInstalment.amount_fen - func.coalesce(settled.c.fen, 0)


GROUP_KEYS: dict[str, Any] = {
    "customer": Party.id,
    "province": Party.province_code,
    "rep": Party.rep_id,
    "distributor": Invoice.distributor_id,
}


def report(
    session: Session,
    *,
    actor: Actor,
    as_of: date,
    basis: Basis = Basis.DUE_DATE,
    group_by: str = "customer",
    limits: Sequence[int] = (30, 60, 90, 180, 365),
    english: bool = True,
) -> AgeingReport:
    labels = columns(basis, limits)
    ranges = date_ranges(as_of, basis, limits)
    settled, open_fen = _open_fen(as_of)
    anchor = _anchor(basis)
    key = GROUP_KEYS[group_by]
    bucket = _bucket_case(anchor, ranges)
    statement = (
        select(key.label("key"), bucket.label("bucket"), func.sum(open_fen).label("fen"))
        .select_from(InvoiceInstalment)
        .join(Invoice, Invoice.id == InvoiceInstalment.invoice_id)
        .join(Party, Party.id == Invoice.customer_id)
        .outerjoin(settled, settled.c.instalment_id == InvoiceInstalment.id)
        .where(Invoice.invoice_date <= as_of, territory_condition(actor), open_fen != 0)
        .group_by(key, bucket)
    )
    rows: dict[Any, AgeingRow] = {}
    for group_key, index, fen in session.execute(statement).all():
        row = rows.setdefault(group_key, AgeingRow(key="", name=""))
        label = labels[int(index)]
        row.amounts_fen[label] = row.amounts_fen.get(label, 0) + int(fen)
    _add_unapplied(session, actor, as_of, group_by, rows)
    _name_rows(session, group_by, rows, english)
    ordered = sorted(
        (r for r in rows.values() if r.total_fen or any(r.amounts_fen.values()) or r.unapplied_fen),
        key=lambda r: (-r.total_fen, r.key),
    )
    totals = AgeingRow(key="total", name="")
    for row in ordered:
        for label, fen in row.amounts_fen.items():
            totals.amounts_fen[label] = totals.amounts_fen.get(label, 0) + fen
        totals.unapplied_fen += row.unapplied_fen
    for row in (*ordered, totals):
        for label in labels:
            row.amounts_fen.setdefault(label, 0)
    return AgeingReport(as_of, basis, group_by, tuple(limits), labels, ordered, totals)


def _add_unapplied(
    session: Session, actor: Actor, as_of: date, group_by: str, rows: dict[Any, AgeingRow]
) -> None:
    visible = select(Party.id, Party.kind, Party.province_code, Party.rep_id).where(
        territory_condition(actor)
    )
    # Summed only for the customers the actor sees: a rep's report stays small.
    customers = (
        None if actor.sees_everything else select(Party.id).where(territory_condition(actor))
    )
    unapplied = unapplied_fen(session, customers, as_of)
    if not unapplied:
        return
    parties = {
        pid: (kind, province, rep)
        for pid, kind, province, rep in session.execute(
            visible.where(col(Party.id).in_(list(unapplied)))
        ).all()
    }
    for customer_id, fen in unapplied.items():
        if customer_id not in parties:
            continue  # outside the territory
        kind, province, rep = parties[customer_id]
        group_key = {
            "customer": customer_id,
            "province": province,
            "rep": rep,
            "distributor": customer_id if kind == DISTRIBUTOR else None,
        }[group_by]
        row = rows.setdefault(group_key, AgeingRow(key="", name=""))
        row.unapplied_fen -= fen


def _name_rows(session: Session, group_by: str, rows: dict[Any, AgeingRow], english: bool) -> None:
    ids = [k for k in rows if k is not None]
    if group_by in ("customer", "distributor"):
        names = {
            pid: (code, name)
            for pid, code, name in session.execute(
                select(Party.id, Party.code, Party.name).where(col(Party.id).in_(ids))
            ).all()
        }
    elif group_by == "rep":
        names = {
            uid: (username, display or username)
            for uid, username, display in session.execute(
                select(User.id, User.username, User.display_name).where(col(User.id).in_(ids))
            ).all()
        }
    else:
        names = {code: (code, province_name(code, english=english)) for code in ids}
    for group_key, row in rows.items():
        if group_key is None:
            row.key, row.name = (
                NONE_KEY,
                {"rep": "(no rep)", "distributor": "(direct)", "province": "(no province)"}.get(
                    group_by, ""
                ),
            )
        else:
            row.key, row.name = names.get(group_key, (str(group_key), ""))


def drilldown(
    session: Session,
    *,
    actor: Actor,
    as_of: date,
    basis: Basis,
    limits: Sequence[int],
    group_by: str,
    key: str,
    bucket: str | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The open instalments behind one cell (or row) of the report, oldest first."""
    ranges = {r.label: r for r in date_ranges(as_of, basis, limits)}
    settled, open_fen = _open_fen(as_of)
    anchor = _anchor(basis)
    distributor = aliased(Party)
    statement = (
        select(
            Invoice.number,
            Invoice.invoice_date,
            InvoiceInstalment.due_date,
            InvoiceInstalment.amount_fen,
            open_fen.label("open_fen"),
            Party.code,
            Party.name,
            Invoice.hold_reason,
        )
        .select_from(InvoiceInstalment)
        .join(Invoice, Invoice.id == InvoiceInstalment.invoice_id)
        .join(Party, Party.id == Invoice.customer_id)
        .outerjoin(distributor, distributor.id == Invoice.distributor_id)
        .outerjoin(settled, settled.c.instalment_id == InvoiceInstalment.id)
        .where(Invoice.invoice_date <= as_of, territory_condition(actor), open_fen != 0)
        .order_by(anchor, Invoice.number)
        .limit(limit)
    )
    none = key == NONE_KEY
    if group_by == "customer":
        statement = statement.where(Party.code == key)
    elif group_by == "province":
        statement = statement.where(
            Party.province_code.is_(None)
            if none  # type: ignore[union-attr]
            else Party.province_code == key
        )
    elif group_by == "rep":
        rep_ids = select(User.id).where(User.username == key)
        statement = statement.where(
            col(Party.rep_id).is_(None) if none else col(Party.rep_id).in_(rep_ids)
        )
    else:
        statement = statement.where(
            col(Invoice.distributor_id).is_(None) if none else distributor.code == key
        )
    if bucket is not None and bucket in ranges:
        statement = statement.where(_in_range(anchor, ranges[bucket]))
    result = []
    for number, invoice_date, due, amount, open_amount, code, name, hold in session.execute(
        statement
    ).all():
        result.append(
            {
                "invoice_number": number,
                "invoice_date": invoice_date,
                "due_date": due,
                "days_past_due": days_past_due(as_of, due),
                "amount": from_fen(int(amount)),
                "outstanding": from_fen(int(open_amount)),
                "customer_code": code,
                "customer_name": name,
                "on_hold": hold is not None,
            }
        )
    return result


__all__ = ["GROUPS", "AgeingReport", "AgeingRow", "drilldown", "report"]
