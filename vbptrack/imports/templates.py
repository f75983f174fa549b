"""The template to download per import kind (the upload page): an .xlsx whose header is
the kind's own column list, in Chinese as the platforms write it, and one example row.

The header is read from the kind's columns, so a column added to a kind is in its
template; a test fails while such a column has no example here, and another imports
every template to prove the example rows are accepted as they are.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font

from vbptrack.imports.spec import Column, ImportKind

_CHINESE = re.compile(r"[\u4e00-\u9fff]")

# kind → field → the example cell (text, as a user would type it; "" leaves it empty).
EXAMPLES: dict[str, dict[str, str]] = {
    "hospitals": {
        "code": "H310001",
        "name": "复旦大学附属中山医院",
        "province_code": "上海",
        "city": "上海",
        "grade": "三甲",
        "hospital_type": "综合医院",
        "insurance_code": "H31010400001",
        "rep": "",
        "legal_name": "复旦大学附属中山医院",
        "address": "上海市徐汇区枫林路180号",
        "contact_name": "王老师",
        "phone": "021-64041990",
        "email": "finance@example.com",
        "payment_term": "NET90",
    },
    "distributors": {
        "code": "D310001",
        "name": "国药控股上海有限公司",
        "province_code": "上海",
        "city": "上海",
        "legal_name": "国药控股上海有限公司",
        "address": "上海市普陀区中山北路2000号",
        "contact_name": "李经理",
        "phone": "021-62000000",
        "email": "ar@example.com",
        "payment_term": "NET90",
    },
    "products": {
        "code": "P0001",
        "generic_name": "阿托伐他汀钙片",
        "brand": "立普妥",
        "dosage_form": "片剂",
        "specification": "20mg",
        "unit": "片",
        "pack_size": "7",
        "category": "药品",
        "approval_number": "国药准字H20051408",
        "manufacturer": "辉瑞制药有限公司",
    },
    "invoices": {
        "number": "2026000001",
        "customer_code": "H310001",
        "invoice_date": "2026-01-15",
        "acceptance_date": "",
        "amount": "12800.00",
        "tax": "1472.57",
        "payment_term": "NET90",
        "due_date": "",
        "distributor_code": "",
    },
    "payments": {
        "reference": "HK-2026-0001",
        "customer_code": "H310001",
        "date": "2026-04-20",
        "amount": "12800.00",
        "invoice_number": "2026000001",
        "allocated_amount": "12800.00",
    },
    "purchases": {
        "hospital_code": "H310001",
        "product_code": "P0001",
        "date": "2026-01-10",
        "quantity": "700",
        "amount": "2240.00",
        "distributor_code": "D310001",
        "reference": "PO-2026-000001",
    },
    "agreed-volumes": {
        "award_code": "VBP10-P0001",
        "hospital_code": "H310001",
        "year": "1",
        "quantity": "12000",
        "reported_quantity": "",
    },
    "filings": {
        "kind": "price",
        "product_code": "P0001",
        "province_code": "上海",
        "status": "approved",
        "date": "2026-01-05",
        "effective": "2026-01-10",
        "expires": "2027-01-09",
        "price": "3.20",
        "reference": "SH-GW-000123",
        "note": "",
    },
    "listings": {
        "hospital_code": "H310001",
        "product_code": "P0001",
        "status": "applied",
        "date": "2026-01-20",
        "note": "已提交药事会申请",
        "next_step": "等待药事会",
    },
}


def header(column: Column) -> str:
    """The column's Chinese name as platforms export it (its first Chinese alias), else
    its field name."""
    return next((name for name in column.aliases if _CHINESE.search(name)), column.field)


def missing_examples(kind: ImportKind) -> list[str]:
    examples = EXAMPLES.get(kind.name, {})
    return [column.field for column in kind.columns if column.field not in examples]


def template_xlsx(kind: ImportKind) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = kind.name
    sheet.append([header(column) for column in kind.columns])
    examples = EXAMPLES.get(kind.name, {})
    # Text cells: a code like 2026000001 or a date stays exactly as written.
    sheet.append([examples.get(column.field, "") for column in kind.columns])
    for index, column in enumerate(kind.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=column.required)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(12, 2 * len(header(column)) + 4)
        sheet.cell(row=2, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
