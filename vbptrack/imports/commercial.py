"""Imports of agreed volumes (the alliance's allocation sheet) and purchases (platform and
distributor flow exports), with the headers those files carry.

Purchases come by the million, so their rows are checked by hand-written fast paths
rather than one pydantic model per row, in batches of 10,000 written by COPY (see
services/purchases.py); each code is looked up once per file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from vbptrack.domain.days import DEFAULT_RANGE, DayError, DayRange, parse_iso_day
from vbptrack.domain.money import MoneyError, parse_money, to_fen
from vbptrack.imports.spec import Column, ImportKind, Row
from vbptrack.models.commercial_in import AgreedVolumeIn
from vbptrack.models.fields import CODE_PATTERN, day_range
from vbptrack.services import awards, commercial_policy, purchases
from vbptrack.services.access import Actor
from vbptrack.services.problems import MESSAGES, N_, field_problems, translate

Problems = list[tuple[int, str, str]]

HOSPITAL_ALIASES = ("医院编码", "医疗机构编码", "机构编码", "医院代码")

AGREED_VOLUME_COLUMNS = (
    Column("award_code", ("中选编号", "中选产品编码", "中选结果编码", "award"), required=True),
    Column("hospital_code", HOSPITAL_ALIASES, required=True),
    Column("year", ("协议年度", "采购年度", "年度"), required=True),
    Column("quantity", ("约定采购量", "协议采购量", "约定量", "任务量")),
    Column("reported_quantity", ("报量", "报送量", "需求量", "上报量")),
)

PURCHASE_COLUMNS = (
    Column("hospital_code", HOSPITAL_ALIASES, required=True),
    Column(
        "product_code", ("产品编码", "药品编码", "商品编码", "产品代码", "耗材编码"), required=True
    ),
    Column("date", ("采购日期", "订单日期", "配送日期", "入库日期", "日期"), required=True),
    Column("quantity", ("采购数量", "配送数量", "入库数量", "数量"), required=True),
    Column("amount", ("采购金额", "配送金额", "金额")),
    Column("distributor_code", ("配送企业编码", "配送企业代码")),
    Column("reference", ("订单明细编号", "明细编号", "流水号", "单据明细号", "reference")),
)

_PLAIN_AMOUNT = re.compile(r"^([0-9]{1,13})(?:\.([0-9]{1,2}))?$")
# A whole number, perhaps negative (to say so), perhaps written "12.0" by an export.
_WHOLE_NUMBER = re.compile(r"(-)?([0-9]+)(?:\.0+)?")


# Agreed volumes ---------------------------------------------------------------------------


def _agreed_state() -> dict[str, Any]:
    # checks: award code → its check (None: no such award); cleared: (award id, year)
    # pairs whose old rows the file replaces; seen: (award, hospital, year) → row.
    return {"checks": {}, "cleared": set(), "seen": {}, "policy": commercial_policy.current()}


def _validate_agreed(session: Session, rows: Sequence[Row], state: dict[str, Any]) -> Any:
    checks: dict[str, awards.AgreedVolumeCheck | None] = state["checks"]
    problems: Problems = []
    parsed: list[tuple[int, str, AgreedVolumeIn]] = []
    for number, values in rows:
        data = {k: v for k, v in values.items() if v != ""}
        award_code = data.pop("award_code", "")
        if not award_code:
            problems.append((number, "award_code", translate("This field is required.")))
        try:
            item = AgreedVolumeIn.model_validate(data)
        except ValidationError as exc:
            problems.extend((number, k, m) for k, m in field_problems(exc).items())
            continue
        if award_code:
            parsed.append((number, award_code, item))
    for code in {code for _, code, _ in parsed} - set(checks):
        award = awards.find(session, code)
        checks[code] = None if award is None else awards.AgreedVolumeCheck.load(session, award)
    for check in {id(c): c for c in checks.values() if c is not None}.values():
        check.load_hospitals(
            session, [i.hospital_code for _, code, i in parsed if checks[code] is check]
        )
    clean = []
    seen: dict[tuple[str, str, int], int] = state["seen"]
    for number, code, item in parsed:
        check = checks[code]
        if check is None:
            problems.append(
                (number, "award_code", translate("No award with the code %(code)s.", code=code))
            )
            continue
        found = check.problems(item)
        key = (code, item.hospital_code, item.year)
        if key in seen:
            found["hospital_code"] = translate(
                "the hospital %(code)s has year %(year)s also on row %(row)s",
                code=item.hospital_code,
                year=item.year,
                row=seen[key],
            )
        else:
            seen[key] = number
        problems.extend((number, k, m) for k, m in found.items())
        if not found:
            row = check.row(item, state["policy"].shares)
            pair = (row["award_id"], row["year"])
            row["replaces"] = pair not in state["cleared"]
            state["cleared"].add(pair)
            clean.append(row)
    problems.sort(key=lambda p: p[0])
    return clean, problems


def _write_agreed(session: Session, actor: Actor, rows: Sequence[Any]) -> int:
    # The sheet replaces each (award, year) it gives: its old rows go before the first
    # row of the pair (the validator marks that row `replaces`).
    for row in rows:
        if row.pop("replaces", False):
            awards.replace_year(session, award_id=row["award_id"], year=row["year"])
    awards.insert_rows(session, rows)
    return len(rows)


AGREED_VOLUMES = ImportKind(
    name="agreed-volumes",
    title=N_("Agreed volumes (allocation sheet)"),
    columns=AGREED_VOLUME_COLUMNS,
    permission="commercial.write",
    validate=_validate_agreed,
    write=_write_agreed,
    make_state=_agreed_state,
)


# Purchases --------------------------------------------------------------------------------


def parse_day(text: str, within: DayRange = DEFAULT_RANGE) -> tuple[date | None, str | None]:
    """The row's date (`YYYY-MM-DD`, inside `within`), or the problem with it. A
    workbook's date cells arrive as that text already (imports/reader.py).

    >>> parse_day("2024-01-05")[0], parse_day("2024/1/5")[1]
    (datetime.date(2024, 1, 5), 'Enter a date as YYYY-MM-DD.')
    >>> parse_day("1999-12-31")[1]
    'Enter a date between 2000-01-01 and 2099-12-31.'
    """
    try:
        return within.check(parse_iso_day(text)), None
    except DayError as error:
        if error.kind == "format":
            return None, translate("Enter a date as YYYY-MM-DD.")
        return None, translate(
            "Enter a date between %(first)s and %(last)s.",
            first=within.earliest.isoformat(),
            last=within.latest.isoformat(),
        )


def parse_quantity(text: str) -> tuple[int | None, str | None]:
    """A whole, non-negative quantity, or the problem with it.

    >>> parse_quantity("12"), parse_quantity("12.0"), parse_quantity("1.5")[1]
    ((12, None), (12, None), 'Enter a whole number.')
    """
    if text.isascii() and text.isdigit():
        return int(text), None
    # ASCII digits only, as for money: "1e3", "1,000" and "１２" are refused, not guessed.
    match = _WHOLE_NUMBER.fullmatch(text)
    if match is None:
        return None, translate("Enter a whole number.")
    if match[1]:
        return None, translate("Must not be negative.")
    return int(match[2]), None


def amount_fen(text: str) -> tuple[int | None, str | None]:
    """An amount in yuan as fen, or the problem with it; plain amounts take a fast path
    (millions of rows), anything else the full money parser.

    >>> amount_fen("12.5"), amount_fen("1,234.56")[1]
    ((1250, None), 'Enter an amount in yuan, e.g. 1234.50.')
    """
    match = _PLAIN_AMOUNT.match(text)
    if match:
        cents = match[2] or ""
        return int(match[1]) * 100 + int(cents.ljust(2, "0")), None
    try:
        return to_fen(parse_money(text)), None
    except MoneyError as exc:
        message = MESSAGES.get(f"money_{exc.kind}", MESSAGES["money_invalid"])
        return None, translate(message)


def _purchase_problems(number: int, values: dict[str, str], within: DayRange) -> Problems:
    """Every problem of a row the fast path refused, named by column."""
    problems: Problems = []
    for name in ("hospital_code", "product_code"):
        if not values.get(name):
            problems.append((number, name, translate("This field is required.")))
    problem = parse_day(values.get("date", ""), within)[1]
    if problem:
        problems.append((number, "date", problem))
    problem = parse_quantity(values.get("quantity", ""))[1]
    if problem:
        problems.append((number, "quantity", problem))
    if values.get("amount"):
        problem = amount_fen(values["amount"])[1]
        if problem:
            problems.append((number, "amount", problem))
    reference = values.get("reference", "")
    if len(reference) > 60:
        message = translate("At most %(max_length)s characters.", max_length=60)
        problems.append((number, "reference", message))
    elif reference and not CODE_PATTERN.match(reference):
        code_format = MESSAGES["code_format"]  # a variable: the extractor takes no lookups
        problems.append((number, "reference", translate(code_format)))
    return problems


def _validate_purchases(session: Session, rows: Sequence[Row], state: dict[str, Any]) -> Any:
    # Cells arrive trimmed (imports/reader.py). One pass parses each row; a row with any
    # problem is parsed again by `_purchase_problems` to name every problem it has.
    codes: purchases.Codes = state.setdefault("codes", purchases.Codes())
    within = day_range()
    problems: Problems = []
    parsed = []
    rejected = []
    for number, values in rows:
        get = values.get
        hospital, product = get("hospital_code", ""), get("product_code", "")
        day = parse_day(get("date", ""), within)[0]
        quantity, quantity_problem = parse_quantity(get("quantity", ""))
        amount_text = get("amount", "")
        fen, amount_problem = amount_fen(amount_text) if amount_text else (None, None)
        reference = get("reference", "")
        if (
            not hospital
            or not product
            or day is None
            or quantity_problem
            or amount_problem
            or len(reference) > 60
            or (reference and not CODE_PATTERN.match(reference))
        ):
            rejected.append((number, values))
            continue
        parsed.append(
            (number, hospital, product, get("distributor_code") or None, reference, day,
             quantity, fen)
        )  # fmt: skip
    codes.load(
        session,
        {p[1] for p in parsed}
        | {v["hospital_code"] for _, v in rejected if v.get("hospital_code")},
        {p[2] for p in parsed} | {v["product_code"] for _, v in rejected if v.get("product_code")},
        {p[3] for p in parsed if p[3]}
        | {v["distributor_code"] for _, v in rejected if v.get("distributor_code")},
    )
    for number, values in rejected:
        # Every problem of the row, its codes included, in the order of the columns.
        found = _purchase_problems(number, values, within)
        unknown = codes.problems(
            values.get("hospital_code") or "", values.get("product_code") or "",
            values.get("distributor_code") or None,
        )  # fmt: skip
        named = {name for _, name, _ in found}
        found += [(number, k, m) for k, m in unknown.items() if values.get(k) and k not in named]
        order = [c.field for c in PURCHASE_COLUMNS]
        problems.extend(sorted(found, key=lambda p: order.index(p[1])))
    hospitals, products, distributors = codes.hospitals, codes.products, codes.distributors
    clean = []
    for number, hospital, product, distributor, reference, day, quantity, fen in parsed:
        hospital_id, product_id = hospitals.get(hospital), products.get(product)
        distributor_id = distributors.get(distributor) if distributor else None
        if hospital_id is None or product_id is None or (distributor and distributor_id is None):
            found = codes.problems(hospital, product, distributor)
            problems.extend((number, k, m) for k, m in found.items())
            continue
        key = (
            f"ref:{reference}"
            if reference
            else purchases.source_key(
                reference=None,
                hospital_code=hospital,
                product_code=product,
                day=day,
                distributor_code=distributor,
                quantity=quantity,  # type: ignore[arg-type]
                amount_fen=fen,
            )
        )
        clean.append((key, hospital_id, product_id, distributor_id, day, quantity, fen))
    problems.sort(key=lambda p: p[0])
    return clean, problems


def _write_purchases(session: Session, actor: Actor, rows: Sequence[Any]) -> int:
    return purchases.write_overlapped(session, rows)


PURCHASES = ImportKind(
    name="purchases",
    title=N_("Purchases (platform or distributor export)"),
    columns=PURCHASE_COLUMNS,
    permission="commercial.write",
    validate=_validate_purchases,
    write=_write_purchases,
    batch_size=10_000,
    finish=purchases.finish_overlapped,
)
