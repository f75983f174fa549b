"""A dunning letter and a statement in each language, read back with pdftotext: the
English ones use ASCII punctuation and the policy's English bank and contact (issue 17
item 12), the Chinese ones keep full-width punctuation and the Chinese names."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from tests.dunning_helpers import pdf_text
from vbptrack.models import DunningLevel, DunningPolicy, Party
from vbptrack.services import dunning_documents
from vbptrack.services.dunning_policy import DEFAULT_WORDING, Policy

FULL_WIDTH = re.compile("[：（），；]")
POLICY = DunningPolicy(
    company_name_zh="上海华东医药科技有限公司",
    company_name_en="Shanghai Huadong Pharma Tech Co., Ltd.",
    address_zh="上海市浦东新区张江路 88 号",
    address_en="88 Zhangjiang Road, Pudong, Shanghai",
    bank_name="招商银行上海张江支行",
    bank_name_en="China Merchants Bank, Shanghai Zhangjiang Sub-branch",
    bank_account="1219 0812 3410 001",
    contact_name="王会计",
    contact_name_en="Ms Wang (Accounts)",
    contact_phone="021-5080 1234",
)


def _policy(policy: DunningPolicy = POLICY) -> Policy:
    level = DunningLevel(level=2, name="Demand", min_days_past_due=31, **DEFAULT_WORDING[2])
    return Policy(policy, [level])


def test_the_english_letter_has_ascii_punctuation_and_english_bank_and_contact(
    tmp_path: Path,
) -> None:
    text = pdf_text(dunning_documents.sample_pdf(_policy(), 2, "en", date(2026, 6, 30)), tmp_path)
    assert "To: Sample Hospital" in text
    assert "Letter no.: DL-2026-000000" in text
    assert "Total due (CNY)" in text
    assert "China Merchants Bank, Shanghai Zhangjiang Sub-branch" in text
    assert "Ms Wang (Accounts)" in text
    assert "招商银行" not in text and "王会计" not in text
    assert not FULL_WIDTH.search(text), FULL_WIDTH.findall(text)


def test_the_chinese_letter_keeps_chinese_punctuation_and_names(tmp_path: Path) -> None:
    text = pdf_text(dunning_documents.sample_pdf(_policy(), 2, "zh", date(2026, 6, 30)), tmp_path)
    assert "致：示例医院" in text
    assert "应付总额（元）" in text
    assert "招商银行上海张江支行" in text and "王会计" in text


def test_without_english_names_the_english_letter_falls_back_to_the_chinese(
    tmp_path: Path,
) -> None:
    plain = DunningPolicy(bank_name="招商银行上海张江支行", contact_name="王会计")
    pdf = dunning_documents.sample_pdf(_policy(plain), 2, "en", date(2026, 6, 30))
    text = pdf_text(pdf, tmp_path)
    assert "招商银行上海张江支行" in text and "王会计" in text


def test_the_english_statement_has_ascii_punctuation(tmp_path: Path) -> None:
    party = Party(code="H1", kind="hospital", name="Huashan Hospital", address="12 Wulumuqi Rd")
    item = {
        "invoice_number": "INV-1",
        "invoice_date": date(2026, 1, 5),
        "due_date": date(2026, 4, 5),
        "days_past_due": 86,
        "amount": Decimal("1000.00"),
        "outstanding": Decimal("600.00"),
    }
    pdf = dunning_documents.statement_pdf(
        POLICY, party, date(2026, 6, 30), [item], Decimal("0"), "en"
    )
    text = pdf_text(pdf, tmp_path)
    assert "To: Huashan Hospital" in text and "Net balance (CNY)" in text
    assert "China Merchants Bank" in text
    assert not FULL_WIDTH.search(text), FULL_WIDTH.findall(text)
