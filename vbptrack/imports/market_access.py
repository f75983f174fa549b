"""Imports of filings and hospital listings, so a team brings its tracking spreadsheet
in on day one. Status values are taken as the API names them or in Chinese; rows for the
same filing or listing are status changes in date order, each checked against the one
before it (in the database or earlier in the file)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlmodel import Session, col

from vbptrack.imports.spec import Column, ImportKind, Row
from vbptrack.models import HOSPITAL, Filing, Listing, Party, Product
from vbptrack.models.market_access_in import FilingIn, ListingChangeIn
from vbptrack.services import filings, listings
from vbptrack.services.access import SYSTEM, Actor, territory_condition
from vbptrack.services.problems import N_, field_problems, translate

Problems = list[tuple[int, str, str]]

FILING_KIND_ALIASES = {"挂网": "price", "价格": "price", "价格备案": "price", "挂网备案": "price",
                       "医保": "insurance", "医保备案": "insurance"}  # fmt: skip
FILING_STATUS_ALIASES = {
    "草稿": "draft",
    "已提交": "submitted",
    "提交": "submitted",
    "审核中": "under_review",
    "待审核": "under_review",
    "已批准": "approved",
    "已挂网": "approved",
    "已备案": "approved",
    "生效": "approved",
    "暂停": "suspended",
    "已暂停": "suspended",
    "过期": "expired",
    "已过期": "expired",
    "驳回": "rejected",
    "未通过": "rejected",
    "撤回": "withdrawn",
    "已撤回": "withdrawn",
}
LISTING_STATUS_ALIASES = {
    "未开始": "not_started",
    "已申请": "applied",
    "申请中": "applied",
    "药剂科审核": "pharmacy_review",
    "药剂科审核中": "pharmacy_review",
    "待药事会": "committee_scheduled",
    "已排药事会": "committee_scheduled",
    "试用": "approved_trial",
    "批准试用": "approved_trial",
    "已进院": "listed",
    "已入院": "listed",
    "进院": "listed",
    "临采": "temporary_purchase",
    "临时采购": "temporary_purchase",
    "未通过": "rejected",
    "拒绝": "rejected",
    "停用": "delisted",
    "已停用": "delisted",
    "退出": "delisted",
}

FILING_COLUMNS = (
    Column("kind", ("备案类型", "类型"), required=True),
    Column("product_code", ("产品编码", "药品编码", "商品编码"), required=True),
    Column("province_code", ("省份", "省份编码", "挂网省份"), required=True),
    Column("status", ("状态", "备案状态", "挂网状态"), required=True),
    Column("date", ("状态日期", "日期", "变更日期")),
    Column("effective", ("生效日期", "执行日期")),
    Column("expires", ("到期日期", "有效期至", "失效日期")),
    Column("price", ("挂网价格", "挂网价", "价格", "备案价格")),
    Column("reference", ("平台编码", "挂网编码", "医保编码", "流水号")),
    Column("note", ("备注",)),
)
LISTING_COLUMNS = (
    Column("hospital_code", ("医院编码", "机构编码", "医疗机构编码"), required=True),
    Column("product_code", ("产品编码", "药品编码", "商品编码"), required=True),
    Column("status", ("状态", "进院状态", "入院状态"), required=True),
    Column("date", ("日期", "状态日期", "变更日期"), required=True),
    Column("note", ("备注", "说明")),
    Column("next_step", ("下一步", "下一步计划")),
)


def _present(values: dict[str, str], aliases: dict[str, dict[str, str]]) -> dict[str, str]:
    data = {key: value.strip() for key, value in values.items() if value.strip() != ""}
    for name, table in aliases.items():
        if name in data:
            data[name] = table.get(data[name], data[name])
    return data


def _model(model: type[BaseModel], number: int, data: dict[str, Any]) -> tuple[Any, Problems]:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [(number, name, message) for name, message in field_problems(exc).items()]


def _dated_before(since: date) -> str:
    return translate(
        "The current status dates from %(since)s; a change cannot be dated before it.",
        since=since.isoformat(),
    )


def _products(session: Session, codes: set[str]) -> dict[str, Product]:
    return {
        p.code: p
        for p in session.execute(select(Product).where(col(Product.code).in_(codes))).scalars()
    }


# Filings ---------------------------------------------------------------------------------


def _validate_filings(session: Session, rows: Sequence[Row], state: dict[str, Any]) -> Any:
    problems: Problems = []
    parsed: list[tuple[int, FilingIn]] = []
    aliases = {"kind": FILING_KIND_ALIASES, "status": FILING_STATUS_ALIASES}
    for number, values in rows:
        item, found = _model(FilingIn, number, _present(values, aliases))
        problems.extend(found)
        if item is not None:
            parsed.append((number, item))
    products = _products(session, {item.product_code for _, item in parsed})
    last: dict[tuple[str, int, str], date] = state.setdefault("since", {})
    # The current filings of this batch's products, in one query (not one per row).
    stored = {
        (kind, product_id, province): since
        for kind, product_id, province, since in session.execute(
            select(Filing.kind, Filing.product_id, Filing.province_code, Filing.since).where(
                col(Filing.product_id).in_([p.id for p in products.values()])
            )
        ).all()
    }
    today: date = state["today"]
    accepted = []
    for number, item in parsed:
        product = products.get(item.product_code)
        if product is None:
            problems.append(
                (number, "product_code", translate("No product %(code)s.", code=item.product_code))
            )
            continue
        key = (item.kind, product.id, item.province_code)  # type: ignore[arg-type]
        if key not in last and key in stored:
            last[key] = stored[key]
        day = item.date or today
        if key in last and day < last[key]:
            problems.append((number, "date", _dated_before(last[key])))
            continue
        if item.effective and item.expires and item.expires < item.effective:
            problems.append(
                (number, "expires", translate("The expiry date is before the effective date."))
            )
            continue
        last[key] = day
        accepted.append((item.model_copy(update={"date": day}), product))
    problems.sort(key=lambda p: p[0])
    return accepted, problems


def _write_filings(session: Session, actor: Actor, rows: Sequence[Any]) -> int:
    for item, product in rows:
        filings.apply(session, actor=actor, clean=item, product=product, today=item.date)
    return len(rows)


def _filing_state() -> dict[str, Any]:
    # A row without a status date is dated today where the business is.
    return {"today": datetime.now(ZoneInfo("Asia/Shanghai")).date()}


# Listings --------------------------------------------------------------------------------


def _validate_listings(session: Session, rows: Sequence[Row], state: dict[str, Any]) -> Any:
    problems: Problems = []
    parsed: list[tuple[int, str, str, ListingChangeIn]] = []
    for number, values in rows:
        data = _present(values, {"status": LISTING_STATUS_ALIASES})
        hospital_code = data.pop("hospital_code", "")
        product_code = data.pop("product_code", "")
        item, found = _model(ListingChangeIn, number, data)
        problems.extend(found)
        if item is not None:
            parsed.append((number, hospital_code, product_code, item))
    actor: Actor = state.get("actor", SYSTEM)
    hospitals = {
        h.code: h
        for h in session.execute(
            select(Party).where(
                col(Party.code).in_({h for _, h, _, _ in parsed}),
                Party.kind == HOSPITAL,
                territory_condition(actor),
            )
        ).scalars()
    }
    products = _products(session, {p for _, _, p, _ in parsed})
    last: dict[tuple[int, int], date] = state.setdefault("since", {})
    # The current listings of this batch's hospitals and products, in one query.
    stored = {
        (hospital_id, product_id): since
        for hospital_id, product_id, since in session.execute(
            select(Listing.hospital_id, Listing.product_id, Listing.since).where(
                col(Listing.hospital_id).in_([h.id for h in hospitals.values()]),
                col(Listing.product_id).in_([p.id for p in products.values()]),
            )
        ).all()
    }
    accepted = []
    for number, hospital_code, product_code, item in parsed:
        hospital, product = hospitals.get(hospital_code), products.get(product_code)
        if hospital is None:
            message = translate("No hospital %(code)s in your territory.", code=hospital_code)
            problems.append((number, "hospital_code", message))
            continue
        if product is None:
            problems.append(
                (number, "product_code", translate("No product %(code)s.", code=product_code))
            )
            continue
        key = (hospital.id, product.id)  # type: ignore[arg-type]
        if key not in last and key in stored:
            last[key] = stored[key]
        if key in last and item.date < last[key]:
            problems.append((number, "date", _dated_before(last[key])))
            continue
        last[key] = item.date
        accepted.append((hospital, product, item))
    problems.sort(key=lambda p: p[0])
    return accepted, problems


def _write_listings(session: Session, actor: Actor, rows: Sequence[Any]) -> int:
    for hospital, product, item in rows:
        listings.apply_change(session, actor=actor, hospital=hospital, product=product, clean=item)
    return len(rows)


FILINGS = ImportKind(
    name="filings",
    title=N_("Price and insurance filings"),
    columns=FILING_COLUMNS,
    permission="commercial.write",
    validate=_validate_filings,
    write=_write_filings,
    make_state=_filing_state,
)
LISTINGS = ImportKind(
    name="listings",
    title=N_("Hospital listings"),
    columns=LISTING_COLUMNS,
    # A whole team's spreadsheet, brought in by a manager; reps record changes one by one.
    permission="commercial.write",
    validate=_validate_listings,
    write=_write_listings,
)
