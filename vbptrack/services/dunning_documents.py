"""The dunning letter and the customer statement as documents (PDF via vbptrack.documents).

Labels on the documents are fixed per document language (zh, en), not the reader's UI
language: a letter is written in the language it is sent in.
"""

from __future__ import annotations

import base64
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from vbptrack.documents import DocumentError, render_pdf
from vbptrack.documents.wording import render_wording
from vbptrack.domain.money import format_money_grouped
from vbptrack.models import DunningPolicy, Party
from vbptrack.services.dunning_policy import Policy

__all__ = ["DocumentError", "company", "letter_pdf", "statement_pdf"]

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        # Punctuation is the language's own: full-width in Chinese, ASCII in English.
        "colon": "：",
        "open": "（",
        "close": "）",
        "to": "致",
        "number": "函号",
        "date": "日期",
        "customer_code": "客户编码",
        "invoice": "发票号",
        "invoice_date": "开票日期",
        "due_date": "到期日",
        "days": "逾期天数",
        "outstanding": "未付金额",
        "interest": "利息",
        "total_outstanding": "逾期未付合计",
        "total_interest": "利息合计",
        "fee": "催收费用",
        "grand_total": "应付总额",
        "deadline": "请于 {deadline} 前将上述款项汇入以下账户：",
        "bank_name": "开户银行",
        "bank_account": "账号",
        "account_name": "户名",
        "contact": "联系人",
        "seal": "（盖章）",
        "seal_place": "公章",
        "yuan": "元",
        "statement": "对账单",
        "statement_intro": "截至 {as_of}，贵方在我司的未结清款项如下，请核对。"
        "如有异议，请于收到本对账单后 10 日内与我们联系。",
        "open_total": "未结清合计",
        "unapplied": "未核销的预收款 / 贷项",
        "net": "净应收",
        "instalment": "分期金额",
        "nothing_open": "截至该日无未结清款项。",
    },
    "en": {
        "colon": ": ",
        "open": " (",
        "close": ")",
        "to": "To",
        "number": "Letter no.",
        "date": "Date",
        "customer_code": "Customer code",
        "invoice": "Invoice",
        "invoice_date": "Invoice date",
        "due_date": "Due date",
        "days": "Days overdue",
        "outstanding": "Outstanding",
        "interest": "Interest",
        "total_outstanding": "Overdue outstanding",
        "total_interest": "Interest",
        "fee": "Collection fee",
        "grand_total": "Total due",
        "deadline": "Please pay the amounts above by {deadline} into the account below:",
        "bank_name": "Bank",
        "bank_account": "Account no.",
        "account_name": "Account name",
        "contact": "Contact",
        "seal": "(company seal)",
        "seal_place": "Seal",
        "yuan": "CNY",
        "statement": "Statement of account",
        "statement_intro": "As of {as_of}, the following items are open on your account with "
        "us. Please check them and tell us within 10 days of receipt if anything differs.",
        "open_total": "Open items",
        "unapplied": "Unapplied payments and credits",
        "net": "Net balance",
        "instalment": "Instalment",
        "nothing_open": "Nothing is open on this date.",
    },
}


def day(value: date, lang: str) -> str:
    """A date as people write it in the document's language.

    >>> day(date(2026, 6, 30), "zh"), day(date(2026, 6, 30), "en")
    ('2026年6月30日', '30 June 2026')
    """
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {value.strftime('%B')} {value.year}"


def _in(lang: str, chinese: str, english: str) -> str:
    """A text in the document's language, else the other one."""
    return (chinese if lang == "zh" else english) or chinese or english


def company(policy: DunningPolicy, lang: str) -> dict[str, Any]:
    """Who we are, in the document's language (falling back to the other one).

    >>> p = DunningPolicy(bank_name="中国工商银行上海分行", bank_name_en="ICBC Shanghai Branch",
    ...                   contact_name="张会计")
    >>> [(c["bank_name"], c["contact_name"]) for c in (company(p, "zh"), company(p, "en"))]
    [('中国工商银行上海分行', '张会计'), ('ICBC Shanghai Branch', '张会计')]
    """
    seal = None
    if policy.seal_image is not None and policy.seal_mime:
        encoded = base64.b64encode(policy.seal_image).decode("ascii")
        seal = f"data:{policy.seal_mime};base64,{encoded}"
    return {
        "name": _in(lang, policy.company_name_zh, policy.company_name_en),
        "address": _in(lang, policy.address_zh, policy.address_en),
        "phone": policy.contact_phone,
        "email": policy.contact_email,
        "contact_name": _in(lang, policy.contact_name, policy.contact_name_en),
        "bank_name": _in(lang, policy.bank_name, policy.bank_name_en),
        "bank_account": policy.bank_account,
        "seal": seal,
    }


def customer_context(party: Party) -> dict[str, Any]:
    return {
        "code": party.code,
        "name": party.legal_name or party.name,
        "address": party.address or "",
    }


def letter_context(policy: Policy, letter: Any, lang: str) -> dict[str, Any]:
    """Everything the letter template shows; `letter` is a PlannedLetter."""
    level = policy.level(letter.level)
    us = company(policy.policy, lang)
    customer = customer_context(letter.customer)
    wording_values = {
        "customer": customer["name"],
        "company": us["name"],
        "number": letter.number,
        "date": day(letter.as_of, lang),
        "deadline": day(letter.deadline, lang),
        "total": format_money_grouped(letter.totals.grand_total),
        "level": letter.level,
    }
    wording = render_wording(level.wording_zh if lang == "zh" else level.wording_en, wording_values)
    return {
        "t": LABELS[lang],
        "title": (level.title_zh if lang == "zh" else level.title_en) or level.name,
        "company": us,
        "customer": customer,
        "number": letter.number,
        "date": day(letter.as_of, lang),
        "deadline": day(letter.deadline, lang),
        "lines": [
            {
                "invoice": item.line.invoice_number,
                "invoice_date": day(item.invoice_date, lang),
                "due_date": day(item.line.due_date, lang),
                "days": item.line.days_past_due,
                "outstanding": item.line.outstanding,
                "interest": item.line.interest,
            }
            for item in letter.lines
        ],
        "totals": letter.totals,
        "show_interest": letter.totals.interest > 0
        or any(r.annual_interest_rate > 0 for r in policy.rules() if r.level == letter.level),
        "wording": wording,
    }


def letter_pdf(policy: Policy, letter: Any, lang: str) -> bytes:
    """The letter's PDF in `lang`; DocumentError when it cannot be rendered."""
    return render_pdf("pdf/dunning_letter.html", letter_context(policy, letter, lang), lang)


def statement_pdf(
    policy: DunningPolicy,
    party: Party,
    as_of: date,
    items: list[dict[str, Any]],
    unapplied: Decimal,
    lang: str,
) -> bytes:
    """All open items of a customer as of a date (rendered on request, not archived)."""
    open_total = sum((item["outstanding"] for item in items), Decimal("0.00"))
    context = {
        "t": LABELS[lang],
        "title": LABELS[lang]["statement"],
        "company": company(policy, lang),
        "customer": customer_context(party),
        "date": day(as_of, lang),
        "items": [
            {
                **item,
                "invoice_date": day(item["invoice_date"], lang),
                "due_date": day(item["due_date"], lang),
            }
            for item in items
        ],
        "open_total": open_total,
        "unapplied": unapplied,
        "net": open_total - unapplied,
    }
    return render_pdf("pdf/statement.html", context, lang)


def sample_pdf(policy: Policy, level: int, lang: str, as_of: date) -> bytes:
    """A letter of `level` to a made-up customer with the saved policy: what finance looks
    at after editing the wording (nothing is issued or stored)."""
    from vbptrack.domain import dunning as rules
    from vbptrack.services.dunning import PlannedLetter, PlannedLine

    rule = next(item for item in policy.rules() if item.level == level)
    sample = Party(
        code="SAMPLE",
        kind="hospital",
        name="示例医院" if lang == "zh" else "Sample Hospital",
        address="上海市徐汇区宜山路 600 号" if lang == "zh" else "600 Yishan Road, Shanghai",
    )
    due = as_of.replace(day=1)
    lines = [
        PlannedLine(
            invoice_id=0,
            invoice_date=due,
            line=rules.line(
                "SAMPLE-001",
                due - timedelta(days=rule.min_days_past_due),
                as_of,
                Decimal("12345.60"),
                rule,
            ),
        )
    ]
    letter = PlannedLetter(
        customer=sample,
        level=level,
        as_of=as_of,
        deadline=rules.payment_deadline(as_of, policy.policy.payment_deadline_days),
        lines=lines,
        totals=rules.totals([item.line for item in lines], rule.fee),
        number=rules.letter_number(as_of.year, 0),
    )
    return letter_pdf(policy, letter, lang)
