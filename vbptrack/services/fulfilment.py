"""Fulfilment (履约) of an award's agreement year, aggregated in the database.

One query: the agreed volumes of the year (for the hospitals the actor sees) joined to
each hospital's purchases of the award's product dated inside the year up to as_of,
summed per group. Ratios are computed from the summed integers by `domain.fulfilment`,
so a group's completion is its purchased ÷ its agreed, never an average of ratios.
Hospitals that bought without an agreed volume in the year are not rows: their
purchases count toward no award (DOMAIN.md §5.6).

By distributor (配送企业): agreed volumes are per hospital, purchases name the distributor
that delivered (optional), so each hospital — its agreed volume and all its purchases of
the product in the year up to as_of — goes whole to its **main distributor**: the one
through which the most quantity reached it in that window, ties to the lowest distributor
code. A hospital with no purchase naming a distributor in the window is in the
"(no distributor)" group (key `-`, last). So every grouping has the same totals, and a
distributor's completion is its hospitals' purchased ÷ their agreed, not what the
distributor itself delivered.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache, cached_property
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Select, cast, func, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from vbptrack.domain import fulfilment as rules
from vbptrack.domain.provinces import province_name
from vbptrack.models import AgreedVolume, Award, AwardYear, Party, Purchase, User
from vbptrack.services import awards as award_service
from vbptrack.services import commercial_policy
from vbptrack.services.access import Actor, territory_condition
from vbptrack.services.errors import InvalidInput, NotFound
from vbptrack.services.fulfilment_distributors import aggregate as by_main_distributor
from vbptrack.services.problems import translate

GROUPS = ("hospital", "province", "rep", "distributor")
ROWS_MARK = "\x00rows\x00"  # where json_text splices the rows in
NO_REP = "-"
NO_DISTRIBUTOR = "-"


class FulfilmentRow(NamedTuple):
    # A named tuple, not a dataclass: a report by hospital makes 10,000 of them per
    # request, and a tuple is several times cheaper to build.

    key: str
    name: str
    agreed: int
    purchased: int
    progress: Decimal
    tolerance: Decimal
    at_risk_share: Decimal
    elapsed: int = 0  # days of the agreement year up to as_of
    days: int = 1  # days in the agreement year

    @property
    def completion(self) -> Decimal | None:
        return rules.completion(self.purchased, self.agreed)

    @property
    def projected(self) -> Decimal | None:
        return rules.projected(self.completion, self.progress)

    @property
    def lagging(self) -> bool:
        return rules.lagging(self.completion, self.progress, self.tolerance)

    @property
    def at_risk(self) -> bool:
        return rules.at_risk(self.completion, self.progress, self.at_risk_share)

    @property
    def excess(self) -> int:
        return rules.excess(self.purchased, self.agreed)

    def as_json(self, rule: rules.FigureRule | None = None) -> dict[str, Any]:
        # Integer arithmetic (domain.fulfilment.FigureRule): a report by hospital has
        # thousands of rows, and Decimal ratios per row cost most of its time. The report
        # passes one rule for all its rows.
        if rule is None:
            rule = rules.FigureRule(self.elapsed, self.days, self.tolerance, self.at_risk_share)
        completion, projected, lagging, at_risk = rule(self.purchased, self.agreed)
        return {
            "key": self.key,
            "name": self.name,
            "agreed": self.agreed,
            "purchased": self.purchased,
            "completion": completion,
            "time_progress": rule.progress,
            "lagging": lagging,
            "projected": projected,
            "excess": max(self.purchased - self.agreed, 0),
            "at_risk": at_risk,
        }


@dataclass
class FulfilmentReport:
    award: Award
    year: AwardYear
    as_of: date
    group_by: str
    progress: Decimal
    # (key, name, agreed, purchased) per group, as the query gave them: the API writes
    # these straight out; `rows` makes FulfilmentRows of them only when asked (the page).
    groups: list[tuple[str, str, int, int]]
    totals: FulfilmentRow
    years: list[AwardYear] = field(default_factory=list)

    @cached_property
    def rows(self) -> list[FulfilmentRow]:
        shared = self.totals[4:]
        return [FulfilmentRow(*group, *shared) for group in self.groups]

    @property
    def row_count(self) -> int:
        return len(self.groups)

    def page(self, start: int, count: int) -> list[FulfilmentRow]:
        """Rows start … start + count - 1 (the page shows 50 of 10,000 hospitals)."""
        shared = self.totals[4:]
        return [FulfilmentRow(*group, *shared) for group in self.groups[start : start + count]]

    def _rule(self) -> rules.FigureRule:
        first = self.totals
        return rules.FigureRule(first.elapsed, first.days, first.tolerance, first.at_risk_share)

    def _head(self, rule: rules.FigureRule, rows: Any) -> dict[str, Any]:
        return {
            "award": self.award.code,
            "year": self.year.year,
            "start": self.year.start.isoformat(),
            "end": self.year.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "group_by": self.group_by,
            "rows": rows,
            "totals": self.totals.as_json(rule),
        }

    def as_json(self) -> dict[str, Any]:
        rule = self._rule()
        return self._head(rule, [row.as_json(rule) for row in self.rows])

    def json_text(self) -> str:
        """`as_json()` as the API's JSON writer prints it (keys sorted, compact, ASCII),
        with the rows written straight to text: a report by hospital has 10,000 rows, and
        10,000 dicts through the JSON encoder cost more than the query. A test holds the
        two equal byte for byte."""
        rule = self._rule()
        quote = encode_basestring_ascii
        progress = quote(rule.progress)
        # FigureRule.__call__ inlined for the common row (agreed > 0, the year begun):
        # a function call per row is a measurable share of a 10,000-row report.
        days, elapsed = rule.days, rule.elapsed
        (tolerance_n, tolerance_d), (share_n, share_d) = rule.fractions
        texts = _ratio_texts()
        common = len(texts)
        parts = []
        append = parts.append
        for key, name, agreed, purchased in self.groups:
            if agreed > 0 and purchased >= 0 and elapsed > 0:
                scaled = (20_000 * purchased + agreed) // (2 * agreed)
                bought, expected = purchased * days, agreed * elapsed
                projected_ = (20_000 * bought + expected) // (2 * expected)
                ratio = texts[scaled] if scaled < common else _ratio_text(scaled)
                projection = texts[projected_] if projected_ < common else _ratio_text(projected_)
                lagging = bought * tolerance_d < expected * tolerance_n
                at_risk = bought < expected or bought * share_d < expected * share_n
            else:
                completion, projected, lagging, at_risk = rule(purchased, agreed)
                ratio = "null" if completion is None else quote(completion)
                projection = "null" if projected is None else quote(projected)
            append(
                f'{{"agreed":{agreed},"at_risk":{"true" if at_risk else "false"},'
                f'"completion":{ratio},"excess":{purchased - agreed if purchased > agreed else 0},'
                f'"key":{quote(key)},"lagging":{"true" if lagging else "false"},'
                f'"name":{quote(name)},"projected":{projection},'
                f'"purchased":{purchased},"time_progress":{progress}}}'
            )
        body = self._head(rule, ROWS_MARK)
        text = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return text.replace(json.dumps(ROWS_MARK), "[" + ",".join(parts) + "]", 1)


def _ratio_text(scaled: int) -> str:
    """A ratio in ten-thousandths as the API writes it: 12345 → '"1.2345"'."""
    return f'"{scaled // 10_000}.{scaled % 10_000:04d}"'


@cache
def _ratio_texts() -> list[str]:
    """`_ratio_text` of 0 … 4.0, made once: looking a ratio up costs a tenth of writing
    it, and a report by hospital writes two per row for 10,000 rows."""
    return [_ratio_text(scaled) for scaled in range(40_001)]


def award_year(session: Session, award: Award, number: int | None) -> AwardYear:
    """The agreement year `number`, or the award's first year when none is asked for."""
    statement = select(AwardYear).where(AwardYear.award_id == award.id)
    if number is not None:
        statement = statement.where(AwardYear.year == number)
    year = session.execute(statement.order_by(col(AwardYear.year)).limit(1)).scalar_one_or_none()
    if year is None:
        raise InvalidInput(
            translate("Please correct the marked fields."),
            {
                "year": translate(
                    "The award %(award)s has no agreement year %(year)s.",
                    award=award.code,
                    year=number,
                )
            },
        )
    return year


def counted_purchases(
    award: Award, year: AwardYear, as_of: date
) -> tuple[ColumnElement[bool], ...]:
    """SQL conditions on `Purchase` for the purchases that count toward the award's year
    as of a date: its product, dated from the year's start to `rules.counted_through`."""
    last = rules.counted_through(rules.AgreementYear(year.start, year.end), as_of)
    return (
        Purchase.product_id == award.product_id,  # type: ignore[return-value]
        col(Purchase.date) >= year.start,
        col(Purchase.date) <= last,
    )


def purchased_per_hospital(award: Award, year: AwardYear, as_of: date) -> Any:
    """Subquery: each hospital's purchases of the award's product in the year to as_of."""
    return (
        select(Purchase.hospital_id, func.sum(Purchase.quantity).label("purchased"))
        .where(*counted_purchases(award, year, as_of))
        .group_by(col(Purchase.hospital_id))
        .subquery("bought")
    )


def _group_columns(group_by: str) -> tuple[ColumnElement[Any], ...]:
    if group_by == "hospital":
        return (col(Party.code), col(Party.name))
    if group_by == "province":
        return (col(Party.province_code),)
    if group_by == "rep":
        return (col(Party.rep_id),)
    raise InvalidInput(
        translate("Please correct the marked fields."),
        {"group_by": translate("Choose one of: %(expected)s.", expected=", ".join(GROUPS))},
    )


def aggregate(
    award: Award, year: AwardYear, as_of: date, actor: Actor, group_by: str
) -> Select[Any]:
    """(group columns…, agreed, purchased) per group, ordered by the group's key."""
    if group_by == "distributor":
        return by_main_distributor(award, year, actor, counted_purchases(award, year, as_of))
    bought = purchased_per_hospital(award, year, as_of)
    keys = _group_columns(group_by)
    # A hospital has one agreed volume per award and year (unique), so a report by
    # hospital needs no grouping: a sort and a group step fewer over 10,000 rows.
    per_hospital = group_by == "hospital"
    agreed: ColumnElement[Any] = AgreedVolume.quantity  # type: ignore[assignment]
    purchased: ColumnElement[Any] = bought.c.purchased
    if not per_hospital:
        agreed, purchased = func.sum(agreed), func.sum(purchased)
    statement = (
        select(
            *keys,
            # bigint, not PostgreSQL's numeric sum: whole numbers, read without Decimal.
            cast(agreed, BigInteger).label("agreed"),
            cast(func.coalesce(purchased, 0), BigInteger).label("purchased"),
        )
        .select_from(AgreedVolume)
        .join(Party, col(Party.id) == AgreedVolume.hospital_id)
        .outerjoin(bought, bought.c.hospital_id == AgreedVolume.hospital_id)
        .where(
            AgreedVolume.award_id == award.id,
            AgreedVolume.year == year.year,
            territory_condition(actor),
        )
        .order_by(*keys)
    )
    return statement if per_hospital else statement.group_by(*keys)


def _names(session: Session, group_by: str, keys: list[Any]) -> dict[Any, tuple[str, str]]:
    """Group key → (key as shown, name) for provinces and reps."""
    if group_by == "province":
        return {code: (code or "-", province_name(code) or "-") for code in keys}
    users = {
        uid: (username, display or username)
        for uid, username, display in session.execute(
            select(User.id, User.username, User.display_name).where(
                col(User.id).in_([k for k in keys if k is not None])
            )
        )
    }
    return {k: users.get(k, (NO_REP, translate("(no rep)"))) for k in keys}


def report(
    session: Session,
    *,
    actor: Actor,
    award_code: str,
    year: int | None,
    as_of: date,
    group_by: str = "hospital",
) -> FulfilmentReport:
    award = award_service.get(session, award_code)
    agreement = award_year(session, award, year)
    policy = commercial_policy.current()
    year_span = rules.AgreementYear(agreement.start, agreement.end)
    progress = rules.time_progress(year_span, as_of)
    elapsed = rules.days_elapsed(year_span, as_of)

    # Core rows, not ORM ones: nothing here is an entity, and 10,000 rows pay for it.
    statement = aggregate(award, agreement, as_of, actor, group_by)
    result = session.connection().execute(statement).all()
    groups: list[tuple[str, str, int, int]]
    if group_by == "hospital":
        groups = result  # type: ignore[assignment]  # Rows unpack as tuples
    elif group_by == "distributor":
        nobody = (NO_DISTRIBUTOR, translate("(no distributor)"))
        groups = [
            (*((code, name) if code is not None else nobody), int(agreed), int(bought))
            for code, name, agreed, bought in result
        ]
    else:
        names = _names(session, group_by, [r[0] for r in result])
        groups = [(*names[key], int(agreed), int(bought)) for key, agreed, bought in result]
        if group_by == "rep":
            # By username, "(no rep)" last: the query orders by the reps' ids, and the
            # databases put the missing one at opposite ends.
            groups.sort(key=lambda group: (group[0] == NO_REP, group[0]))
    totals = FulfilmentRow(
        "total",
        translate("Total"),
        sum(g[2] for g in groups),
        sum(g[3] for g in groups),
        progress,
        policy.tolerance,
        policy.at_risk_share,
        elapsed,
        year_span.days,
    )
    years = list(
        session.execute(
            select(AwardYear).where(AwardYear.award_id == award.id).order_by(col(AwardYear.year))
        ).scalars()
    )
    return FulfilmentReport(award, agreement, as_of, group_by, progress, groups, totals, years)


# The rows a page or an export can be narrowed to, and where FigureRule answers each.
ROW_FILTERS = {"lagging": 2, "at_risk": 3}


def rows_where(report_: FulfilmentReport, which: str) -> list[FulfilmentRow]:
    """The rows lagging or at risk (`ROW_FILTERS`), in the report's order. Checked in
    integer arithmetic (FigureRule, equal to the rows' own flags), so only those rows
    are built."""
    flag = ROW_FILTERS[which]
    rule = report_._rule()
    shared = report_.totals[4:]
    return [
        FulfilmentRow(*group, *shared) for group in report_.groups if rule(group[3], group[2])[flag]
    ]


def at_risk_rows(report_: FulfilmentReport) -> Iterator[FulfilmentRow]:
    """The rows at risk, in the report's order."""
    return iter(rows_where(report_, "at_risk"))


def total_of(rows: list[FulfilmentRow], like: FulfilmentRow) -> FulfilmentRow:
    """A total row for some of a report's rows (`like`: the report's own total)."""
    return like._replace(
        agreed=sum(row.agreed for row in rows), purchased=sum(row.purchased for row in rows)
    )


def require_award(session: Session, code: str | None) -> Award:
    if not code:
        raise InvalidInput(
            translate("Please correct the marked fields."),
            {"award": translate("This field is required.")},
        )
    award = award_service.find(session, code)
    if award is None:
        raise NotFound(translate("No award with the code %(code)s.", code=code))
    return award


__all__ = ["GROUPS", "FulfilmentReport", "FulfilmentRow", "report"]
