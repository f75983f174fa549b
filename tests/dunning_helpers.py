"""Shared arrangements for the dunning tests: a policy with our company, customers with
overdue invoices, and reading a PDF's text (pdftotext) or first page (pdftoppm)."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

from sqlmodel import Session

from tests.factories import make_hospital
from vbptrack.models import Invoice
from vbptrack.services import dunning_policy, invoices
from vbptrack.services.access import SYSTEM

LEVELS = [
    {"level": 1, "name": "Reminder", "min_days_past_due": 1},
    {"level": 2, "name": "Demand", "min_days_past_due": 31, "fee": "50"},
    {"level": 3, "name": "Final", "min_days_past_due": 61, "annual_interest_rate": "6"},
]


def set_policy(
    db: Session, *, interval: int = 14, levels: list[dict[str, object]] | None = None
) -> None:
    dunning_policy.update(
        db,
        actor=SYSTEM,
        data={
            "min_interval_days": interval,
            "payment_deadline_days": 10,
            "levels": levels or LEVELS,
            "company_name_zh": "上海华东医药科技有限公司",
            "company_name_en": "Shanghai Huadong Pharma Tech Co., Ltd.",
            "address_zh": "上海市浦东新区张江路 88 号",
            "address_en": "88 Zhangjiang Road, Pudong, Shanghai",
            "bank_name": "招商银行上海张江支行",
            "bank_account": "1219 0812 3410 001",
            "contact_name": "王会计",
            "contact_phone": "021-5080 1234",
            "contact_email": "ar@huadong.example",
        },
    )


def overdue_invoice(
    db: Session,
    number: str,
    customer: str,
    due: date,
    amount: str,
    invoice_date: date | None = None,
) -> Invoice:
    return invoices.create(
        db,
        actor=SYSTEM,
        data={
            "number": number,
            "customer_code": customer,
            "invoice_date": (invoice_date or date(due.year - 1, 12, 1)).isoformat(),
            "due_date": due.isoformat(),
            "amount": amount,
        },
    )


def customer(db: Session, code: str, name: str, province: str = "31") -> None:
    make_hospital(
        db, code, province, name=name, legal_name=name, address="上海市徐汇区宜山路 600 号"
    )


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def first_page_ink(pdf: bytes, tmp_path: Path) -> float:
    """Share of non-white pixels on the first page rendered at 30 dpi (grey PGM)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftoppm", "-f", "1", "-l", "1", "-r", "30", "-gray", str(path)],
        capture_output=True,
        check=True,
    ).stdout
    # PGM: "P5\n<w> <h>\n255\n" then one byte per pixel.
    header_end = 0
    for _ in range(3):
        header_end = out.index(b"\n", header_end) + 1
    pixels = out[header_end:]
    return sum(1 for value in pixels if value < 200) / len(pixels)
