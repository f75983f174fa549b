"""Demo dunning: our company on the letters, and two runs a fortnight apart for the
customers most overdue, so the dunning pages, the letters (PDF, both languages) and the
customer pages' history have something to show. Few customers on purpose: every letter
is two real PDF renders."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from vbptrack.models import Invoice, InvoiceInstalment, Settlement
from vbptrack.services import dunning, dunning_policy
from vbptrack.services.access import SYSTEM

CUSTOMERS = 3
COMPANY = {
    "company_name_zh": "上海华东医药科技有限公司",
    "company_name_en": "Shanghai Huadong Pharma Tech Co., Ltd.",
    "address_zh": "上海市浦东新区张江路 88 号 5 楼",
    "address_en": "5F, 88 Zhangjiang Road, Pudong, Shanghai",
    "bank_name": "招商银行上海张江支行",
    "bank_name_en": "China Merchants Bank, Shanghai Zhangjiang Sub-branch",
    "bank_account": "1219 0812 3410 001",
    "contact_name": "王丽（应收账款）",
    "contact_name_en": "Wang Li (Accounts Receivable)",
    "contact_phone": "021-5080 1234",
    "contact_email": "ar@huadong.example.cn",
}


def _most_overdue(session: Session, as_of: date, limit: int) -> list[int]:
    """Customers with the most money past due on `as_of` (not counting holds)."""
    settled = (
        select(func.coalesce(func.sum(Settlement.amount_fen), 0))
        .where(Settlement.instalment_id == InvoiceInstalment.id, Settlement.date <= as_of)
        .correlate(InvoiceInstalment)
        .scalar_subquery()
    )
    open_fen = InvoiceInstalment.amount_fen - settled
    rows = session.execute(
        select(Invoice.customer_id, func.sum(open_fen).label("fen"))
        .join(InvoiceInstalment, InvoiceInstalment.invoice_id == Invoice.id)
        .where(
            InvoiceInstalment.due_date < as_of - timedelta(days=40), Invoice.hold_reason.is_(None)
        )  # type: ignore[union-attr]
        .group_by(Invoice.customer_id)
        .order_by(func.sum(open_fen).desc(), Invoice.customer_id)
        .limit(limit)
    ).all()
    return [customer_id for customer_id, fen in rows if fen and fen > 0]


def load_dunning(session: Session, rng: random.Random, scale: int, today: date) -> dict[str, int]:
    current = dunning_policy.load(session)
    data = {**dunning_policy.as_dict(current), **COMPANY}
    data.pop("has_seal")
    data["levels"] = [
        {
            key: level[key]
            for key in ("level", "name", "min_days_past_due", "annual_interest_rate", "fee")
        }
        for level in data["levels"]
    ]
    dunning_policy.update(session, actor=SYSTEM, data=data, commit=False)
    customers = _most_overdue(session, today, CUSTOMERS)
    letters = 0
    for as_of in (today - timedelta(days=14), today):
        result = dunning.issue(
            session, actor=SYSTEM, as_of=as_of, customer_ids=customers, commit=False
        )
        letters += len(result.letters)
    return {"dunning_letters": letters}
