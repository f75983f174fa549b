"""Imports of hospitals, distributors and products: create new codes, update known ones.

A re-import of a corrected master list is the normal way teams maintain it, so a known
code updates its record (and the audit trail says so) instead of being refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlmodel import Session, col

from vbptrack.imports.spec import Column, ImportKind, Row
from vbptrack.models import Party, PaymentTerm, Product, User
from vbptrack.models.base import utcnow
from vbptrack.models.parties import DISTRIBUTOR, HOSPITAL, DistributorIn, HospitalIn
from vbptrack.models.products import ProductIn
from vbptrack.models.users import REP
from vbptrack.services import audit
from vbptrack.services.access import Actor
from vbptrack.services.problems import field_problems, translate

Problems = list[tuple[int, str, str]]

HOSPITAL_COLUMNS = (
    Column("code", ("医院编码", "客户编码", "机构编码", "医疗机构编码"), required=True),
    Column("name", ("医院名称", "机构名称", "医疗机构名称", "客户名称"), required=True),
    Column("province_code", ("省份", "省份编码", "所在省份", "省", "省份名称"), required=True),
    Column("city", ("城市", "地市", "所在城市", "市")),
    Column("grade", ("医院等级", "等级", "级别")),
    Column("hospital_type", ("医院类型", "机构类型", "类型")),
    Column("insurance_code", ("医保编码", "国家医保编码", "医保定点编码")),
    Column("rep", ("负责代表", "代表", "销售代表")),
    Column("legal_name", ("法定名称", "全称")),
    Column("address", ("地址", "详细地址")),
    Column("contact_name", ("联系人",)),
    Column("phone", ("电话", "联系电话")),
    Column("email", ("邮箱", "电子邮箱")),
    Column("payment_term", ("付款条件", "账期", "默认账期")),
)

DISTRIBUTOR_COLUMNS = (
    Column("code", ("配送企业编码", "企业编码", "客户编码"), required=True),
    Column("name", ("配送企业名称", "企业名称", "配送企业", "客户名称"), required=True),
    Column("province_code", ("省份", "省份编码", "所在省份")),
    Column("city", ("城市", "地市")),
    Column("legal_name", ("法定名称", "全称")),
    Column("address", ("地址",)),
    Column("contact_name", ("联系人",)),
    Column("phone", ("电话", "联系电话")),
    Column("email", ("邮箱", "电子邮箱")),
    Column("payment_term", ("付款条件", "账期", "默认账期")),
)

PRODUCT_COLUMNS = (
    Column("code", ("产品编码", "药品编码", "商品编码", "耗材编码"), required=True),
    Column("generic_name", ("通用名", "通用名称", "药品通用名", "产品名称"), required=True),
    Column("brand", ("商品名", "品牌")),
    Column("dosage_form", ("剂型",)),
    Column("specification", ("规格", "规格型号")),
    Column("unit", ("单位", "最小单位", "最小包装单位", "最小制剂单位"), required=True),
    Column("pack_size", ("包装数量", "转换比", "包装规格数量")),
    Column("category", ("类别", "产品类别", "分类")),
    Column("approval_number", ("批准文号", "注册证号")),
    Column("manufacturer", ("生产企业", "生产厂家")),
)

CATEGORY_ALIASES = {
    "药品": "drug",
    "药": "drug",
    "高值耗材": "high_value_consumable",
    "高值医用耗材": "high_value_consumable",
    "低值耗材": "low_value_consumable",
    "低值医用耗材": "low_value_consumable",
    "体外诊断试剂": "ivd_reagent",
    "诊断试剂": "ivd_reagent",
    "ivd": "ivd_reagent",
}


def _present(values: dict[str, str]) -> dict[str, str]:
    """Empty cells are 'not given', so the model's defaults apply."""
    return {key: value for key, value in values.items() if value != ""}


def _validate_models(
    model: type[BaseModel],
    rows: Sequence[Row],
    state: dict[str, Any],
    prepare: Any = None,
) -> tuple[list[tuple[int, BaseModel]], Problems]:
    clean: list[tuple[int, BaseModel]] = []
    problems: Problems = []
    seen: dict[str, int] = state.setdefault("seen", {})
    for number, values in rows:
        data = _present(values)
        if prepare is not None:
            data = prepare(data)
        try:
            item = model.model_validate(data)
        except ValidationError as exc:
            problems.extend((number, f, m) for f, m in field_problems(exc).items())
            continue
        code = item.code  # type: ignore[attr-defined]
        if code in seen:
            problems.append(
                (
                    number,
                    "code",
                    translate(
                        "the code %(code)s is also on row %(row)s", code=code, row=seen[code]
                    ),
                )
            )
            continue
        seen[code] = number
        clean.append((number, item))
    return clean, problems


def _party_validator(kind: str, model: type[BaseModel]) -> Any:
    def validate(session: Session, rows: Sequence[Row], state: dict[str, Any]) -> Any:
        clean, problems = _validate_models(model, rows, state)
        codes = [item.code for _, item in clean]  # type: ignore[attr-defined]
        other_kind = dict(
            session.execute(
                select(Party.code, Party.kind).where(col(Party.code).in_(codes), Party.kind != kind)
            ).all()
        )
        reps: dict[str, int | None] = state.setdefault("reps", {})
        known_terms: set[str] = state.setdefault(
            "terms", set(session.execute(select(PaymentTerm.code)).scalars())
        )
        accepted = []
        for number, item in clean:
            if item.code in other_kind:  # type: ignore[attr-defined]
                problems.append(
                    (
                        number,
                        "code",
                        translate("the code %(code)s already names a hospital", code=item.code)
                        if other_kind[item.code] == HOSPITAL
                        else translate(
                            "the code %(code)s already names a distributor", code=item.code
                        ),
                    )
                )  # type: ignore[attr-defined]
                continue
            term = getattr(item, "payment_term", None)
            if term is not None and term not in known_terms:
                problems.append(
                    (number, "payment_term", translate("no payment term %(code)s", code=term))
                )
                continue
            username = getattr(item, "rep", None)
            if username is not None:
                if username not in reps:
                    user = session.execute(
                        select(User).where(User.username == username)
                    ).scalar_one_or_none()
                    reps[username] = (
                        user.id if user is not None and user.role == REP and user.active else None
                    )
                if reps[username] is None:
                    problems.append(
                        (
                            number,
                            "rep",
                            translate("no sales rep with the username “%(value)s”", value=username),
                        )
                    )
                    continue
            accepted.append((item, reps.get(username) if username else None))
        return accepted, problems

    return validate


def _party_writer(kind: str) -> Any:
    def write(session: Session, actor: Actor, rows: Sequence[Any]) -> int:
        codes = [item.code for item, _ in rows]
        existing = {
            p.code: p
            for p in session.execute(
                select(Party).where(col(Party.code).in_(codes), Party.kind == kind)
            ).scalars()
        }
        usernames: dict[int, str] = {}

        def username(user_id: int | None) -> str | None:
            if user_id is None:
                return None
            if user_id not in usernames:
                user = session.get(User, user_id)
                usernames[user_id] = user.username if user is not None else str(user_id)
            return usernames[user_id]

        term_ids = dict(session.execute(select(PaymentTerm.code, PaymentTerm.id)).all())

        def term_code(term_id: int | None) -> str | None:
            return next((code for code, tid in term_ids.items() if tid == term_id), None)

        written = 0  # created or changed: a row exactly as stored is "already there"
        for item, rep_id in rows:
            values = item.model_dump()
            rep = values.pop("rep", None)
            term = values.pop("payment_term", None)
            code = values.pop("code")
            party = existing.get(code)
            # The history names the rep by username, as people know them.
            shown = {**values, "rep": rep} if kind == HOSPITAL else dict(values)
            shown["payment_term"] = term
            if kind == HOSPITAL:
                values["rep_id"] = rep_id
            values["payment_term_id"] = term_ids.get(term) if term else None
            if party is None:
                written += 1
                session.add(Party(code=code, kind=kind, **values))
                audit.record(
                    session,
                    actor=actor,
                    entity=kind,
                    key=code,
                    action="import",
                    changes=audit.changes_between({}, shown),
                )
                continue
            before = {
                name: getattr(party, name) for name in shown if name not in ("rep", "payment_term")
            }
            before["payment_term"] = term_code(party.payment_term_id)
            if kind == HOSPITAL:
                before["rep"] = username(party.rep_id)
            for name, value in values.items():
                setattr(party, name, value)
            changes = audit.changes_between(before, shown)
            if changes:
                written += 1
                party.updated_at = utcnow()
                audit.record(
                    session, actor=actor, entity=kind, key=code, action="import", changes=changes
                )
        session.flush()
        return written

    return write


def _prepare_product(data: dict[str, str]) -> dict[str, str]:
    category = data.get("category")
    if category is not None:
        data["category"] = CATEGORY_ALIASES.get(category.strip().lower(), category.strip())
    return data


def _validate_products(session: Session, rows: Sequence[Row], state: dict[str, Any]) -> Any:
    clean, problems = _validate_models(ProductIn, rows, state, prepare=_prepare_product)
    return [item for _, item in clean], problems


def _write_products(session: Session, actor: Actor, rows: Sequence[Any]) -> int:
    codes = [item.code for item in rows]
    existing = {
        p.code: p
        for p in session.execute(select(Product).where(col(Product.code).in_(codes))).scalars()
    }
    written = 0  # created or changed, as for parties
    for item in rows:
        values = item.model_dump()
        product = existing.get(item.code)
        if product is None:
            written += 1
            session.add(Product(**values))
            values.pop("code")
            audit.record(
                session,
                actor=actor,
                entity="product",
                key=item.code,
                action="import",
                changes=audit.changes_between({}, values),
            )
            continue
        values.pop("code")
        before = {name: getattr(product, name) for name in values}
        for name, value in values.items():
            setattr(product, name, value)
        changes = audit.changes_between(before, values)
        if changes:
            written += 1
            product.updated_at = utcnow()
            audit.record(
                session,
                actor=actor,
                entity="product",
                key=item.code,
                action="import",
                changes=changes,
            )
    session.flush()
    return written


HOSPITALS = ImportKind(
    name="hospitals",
    title="Hospitals",
    columns=HOSPITAL_COLUMNS,
    permission="master_data.write",
    validate=_party_validator(HOSPITAL, HospitalIn),
    write=_party_writer(HOSPITAL),
)
DISTRIBUTORS = ImportKind(
    name="distributors",
    title="Distributors",
    columns=DISTRIBUTOR_COLUMNS,
    permission="master_data.write",
    validate=_party_validator(DISTRIBUTOR, DistributorIn),
    write=_party_writer(DISTRIBUTOR),
)
PRODUCTS = ImportKind(
    name="products",
    title="Products",
    columns=PRODUCT_COLUMNS,
    permission="master_data.write",
    validate=_validate_products,
    write=_write_products,
)
