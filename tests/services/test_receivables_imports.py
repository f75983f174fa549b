"""Invoice and payment imports: headers, encodings, XLSX, every row problem, all or nothing."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlmodel import Session

from tests.factories import make_distributor, make_hospital, make_user
from vbptrack.imports.kinds import KINDS
from vbptrack.imports.runner import ImportResult, run_import
from vbptrack.models import (
    AuditEvent,
    Invoice,
    InvoiceInstalment,
    Party,
    Payment,
    Settlement,
)
from vbptrack.services import invoices, payments, terms
from vbptrack.services.access import SYSTEM, Actor
from vbptrack.services.errors import Forbidden

INVOICE_HEADER_ZH = (
    "发票号,客户编码,开票日期,验收日期,价税合计（元）,税额,付款条件,到期日,配送企业编码\n"
)
PAYMENT_HEADER_ZH = "回款单号,客户编码,到账日期,回款金额,发票号,核销金额\n"
TABLES = (Invoice, InvoiceInstalment, Payment, Settlement, AuditEvent)


def run(
    db: Session,
    kind: str,
    content: bytes,
    filename: str = "file.csv",
    actor: Actor = SYSTEM,
    batch_size: int = 1000,
) -> ImportResult:
    return run_import(
        db,
        actor=actor,
        kind=replace(KINDS[kind], batch_size=batch_size),
        source=io.BytesIO(content),
        filename=filename,
    )


def counts(db: Session) -> list[int]:
    return [db.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES]


def problems(result: ImportResult) -> list[str]:
    return [str(p) for p in result.problems]


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def outstanding(db: Session, number: str) -> Decimal:
    return invoices.view(db, actor=SYSTEM, number=number, as_of=date(2030, 1, 1)).outstanding


def due(db: Session, number: str) -> list[tuple[str, str]]:
    view = invoices.view(db, actor=SYSTEM, number=number, as_of=date(2030, 1, 1))
    return [(i.due_date.isoformat(), str(i.amount)) for i in view.instalments]


@pytest.fixture
def customers(db: Session) -> None:
    make_hospital(db, "H1")
    make_hospital(db, "H2", province_code="44")
    make_distributor(db, "D1")


def invoice(db: Session, number: str, customer: str, amount: str) -> None:
    invoices.create(
        db,
        actor=SYSTEM,
        data={
            "number": number,
            "customer_code": customer,
            "invoice_date": "2024-01-10",
            "amount": amount,
            "due_date": "2024-04-30",
        },
    )


# Invoices -----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_invoices_with_chinese_headers(db: Session, customers: None, encoding: str) -> None:
    content = (
        INVOICE_HEADER_ZH
        + "FP001,H1,2024-01-05,,1234.50,142.02,NET90,,D1\n"
        + "FP002,H1,2024-01-05,2024-01-20,1234.5,,VBP,,\n"
        + "FP003,D1,2024-01-05,,800,,,2024-03-31,\n"
    ).encode(encoding)
    result = run(db, "invoices", content)
    assert result.ok, problems(result)
    assert result.written == 3
    assert due(db, "FP001") == [("2024-04-04", "1234.50")]
    assert due(db, "FP002") == [("2024-02-29", "1234.50")]  # VBP: end of the month after acceptance
    assert due(db, "FP003") == [("2024-03-31", "800.00")]
    first = invoices.find(db, "FP001")
    assert first is not None and first.tax_fen == 14202
    assert db.get(Party, first.distributor_id).code == "D1"  # type: ignore[union-attr]
    third = invoices.find(db, "FP003")
    assert third is not None and third.distributor_id == third.customer_id  # invoiced a distributor
    events = db.execute(select(AuditEvent.entity, AuditEvent.entity_key)).all()
    assert {("invoice", "FP001"), ("invoice", "FP002"), ("import", "invoices")} <= set(events)


def test_dates_and_amounts_the_contract_does_not_write_are_refused(
    db: Session, customers: None
) -> None:
    """`12,50` was read as 1250.00 and `2024/1/5` as a date: text is taken only as the
    contract writes it (YYYY-MM-DD, 1234.50), each other spelling named by its cell."""
    before = counts(db)
    content = (
        INVOICE_HEADER_ZH
        + 'L1,H1,2024-01-05,,"1,234.50",,NET90,,\n'
        + "L2,H1,2024/1/5,,100,,NET90,,\n"
        + "L3,H1,2024年1月5日,,100,,NET90,,\n"
        + "L4,H1,20240105,,100,,NET90,,\n"
        + "L5,H1,2024-01-05,,¥1234.5,,NET90,,\n"
        + "L6,H1,2024-01-05,,12.500,,NET90,,\n"
        + "L7,H1,2024-01-05,,1e3,,NET90,,\n"
        + "L8,H1,2024-01-05,,１２,,NET90,,\n"
        + "L9,H1,2024-01-05,,100,,,9999-12-31,\n"
        + "L10,H1,2024-02-29T00:00:00,,100,,NET90,,\n"
        + "L11,H1,٢٠٢٤-٠١-٠٥,,100,,NET90,,\n"
        + "L12,H1,1999-12-31,,100,,NET90,,\n"
    ).encode()
    result = run(db, "invoices", content)
    date_format = "Enter a date as YYYY-MM-DD."
    amount_format = "Enter an amount in yuan, e.g. 1234.50."
    assert problems(result) == [
        f"row 2, column 价税合计（元）: {amount_format}",
        f"row 3, column 开票日期: {date_format}",
        f"row 4, column 开票日期: {date_format}",
        f"row 5, column 开票日期: {date_format}",
        f"row 6, column 价税合计（元）: {amount_format}",
        "row 7, column 价税合计（元）: At most two decimal places.",
        f"row 8, column 价税合计（元）: {amount_format}",
        f"row 9, column 价税合计（元）: {amount_format}",
        "row 10, column 到期日: Enter a date between 2000-01-01 and 2099-12-31.",
        f"row 11, column 开票日期: {date_format}",
        f"row 12, column 开票日期: {date_format}",
        "row 13, column 开票日期: Enter a date between 2000-01-01 and 2099-12-31.",
    ]
    assert counts(db) == before


def test_invoices_xlsx_with_english_headers_and_excel_cells(db: Session, customers: None) -> None:
    h2 = db.execute(select(Party).where(Party.code == "H2")).scalar_one()
    h2.payment_term_id = terms.get(db, "NET120").id
    db.commit()
    content = xlsx(
        [
            [
                "Number",
                "customer_code",
                "Invoice_Date",
                "amount",
                "tax",
                "payment_term",
                "Due_Date",
            ],
            ["X1", "H1", datetime(2024, 1, 5), 1234.5, 0, "NET90", None],
            ["X2", "H2", datetime(2024, 1, 5, 9, 30), 99, None, None, None],  # the customer's term
            ["X3", "H1", "2024-01-05", "0.10", None, None, date(2024, 3, 31)],
            [None, None, None, None, None, None, None],
        ]
    )
    result = run(db, "invoices", content, "invoices.xlsx")
    assert result.ok, problems(result)
    assert result.written == 3
    assert due(db, "X1") == [("2024-04-04", "1234.50")]
    assert due(db, "X2") == [("2024-05-04", "99.00")]  # a date cell with a time: its day
    assert due(db, "X3") == [("2024-03-31", "0.10")]
    x1 = invoices.find(db, "X1")
    assert x1 is not None and x1.tax_fen == 0 and x1.invoice_date == date(2024, 1, 5)
    # A date cell that lost its format shows a serial number, and text dates must be
    # YYYY-MM-DD: both refused, named by cell, rather than guessed.
    loose = xlsx(
        [
            ["number", "customer_code", "invoice_date", "amount", "payment_term"],
            ["X4", "H1", 45296, 12, "NET90"],
            ["X5", "H1", "20240105", 12, "NET90"],
            ["X6", "H1", datetime(1999, 12, 31), 12, "NET90"],
        ]
    )
    refused = run(db, "invoices", loose, "loose.xlsx")
    assert problems(refused) == [
        "row 2, column invoice_date: Enter a date as YYYY-MM-DD.",
        "row 3, column invoice_date: Enter a date as YYYY-MM-DD.",
        "row 4, column invoice_date: Enter a date between 2000-01-01 and 2099-12-31.",
    ]


def test_every_bad_invoice_row_named_and_nothing_written(db: Session, customers: None) -> None:
    invoice(db, "OLD-1", "H1", "10")
    before = counts(db)
    content = (
        INVOICE_HEADER_ZH
        + "G1,H1,2024-01-05,,100,,NET90,,\n"
        + "B2,H1,2024-01-05,,12.345,,NET90,,\n"
        + "B3,H1,2024-01-05,,-5,,NET90,,\n"
        + "B4,NOPE,2024-01-05,,100,,NET90,,\n"
        + "B5,H1,2024-01-05,,100,,NET45,,\n"
        + "B6,H1,2024-01-05,,100,,,2024-01-04,\n"
        + "OLD-1,H1,2024-01-05,,100,,NET90,,\n"
        + "G1,H1,2024-01-05,,100,,NET90,,\n"
        + "B9,H1,2024-01-05,,100,,,,\n"
        + "B10,H1,2024-01-05,,100,,VBP,,\n"
        + "B11,H1,2024-13-01,,100,,NET90,,\n"
        + "B12,H1,86400,,100,,NET90,,\n"
        + "B13,H1,2024-01-05,,100,,NET90,2024-04-01,\n"
        + "B14,H1,2024-01-05,,100,,NET90,,H2\n"
        + "B15,H1,2024-01-05,,abc,,NET90,,\n"
        + "B16,,2024-01-05,,,,NET90,,\n"
    ).encode()
    result = run(db, "invoices", content)
    assert problems(result) == [
        "row 3, column 价税合计（元）: At most two decimal places.",
        "row 4, column 价税合计（元）: Must not be negative.",
        "row 5, column 客户编码: No customer with the code NOPE.",
        "row 6, column 付款条件: No payment term NET45.",
        "row 7, column 到期日: The due date is before the invoice date.",
        "row 8, column 发票号: The invoice OLD-1 already exists.",
        "row 9, column 发票号: the invoice G1 is also on row 2",
        "row 10, column 付款条件: Give a payment term or a due date:"
        " the customer has no default term.",
        "row 11, column 验收日期: This payment term counts from the acceptance date; give it.",
        "row 12, column 开票日期: Enter a date as YYYY-MM-DD.",
        "row 13, column 开票日期: Enter a date as YYYY-MM-DD.",
        "row 14, column 到期日: Give a payment term or a due date, not both.",
        "row 15, column 配送企业编码: H2 is not a distributor.",
        "row 16, column 价税合计（元）: Enter an amount in yuan, e.g. 1234.50.",
        "row 17, column 客户编码: This field is required.",
        "row 17, column 价税合计（元）: This field is required.",
    ]
    assert result.written == 0
    assert counts(db) == before


def test_a_bad_row_after_a_full_batch_writes_nothing(db: Session, customers: None) -> None:
    before = counts(db)
    rows = "".join(f"N{i:04d},H1,2024-01-05,,100,,NET90,,\n" for i in range(1000))
    content = (INVOICE_HEADER_ZH + rows + "N9999,H1,2024-01-05,,100,,NET9,,\n").encode()
    result = run(db, "invoices", content)
    assert problems(result) == ["row 1002, column 付款条件: No payment term NET9."]
    assert result.rows == 1001 and result.written == 0
    assert counts(db) == before


def test_missing_columns_are_named(db: Session) -> None:
    result = run(db, "invoices", "发票号,客户编码,开票日期\nA,H1,2024-01-05\n".encode())
    assert problems(result) == ["row 1, column amount: missing column (amount / 金额 / 价税合计)"]


def test_only_finance_and_admin_import_receivables(db: Session) -> None:
    manager = make_user(db, "boss", "manager")
    actor = Actor(user_id=manager.id, username="boss", role="manager")
    with pytest.raises(Forbidden):
        run(
            db,
            "invoices",
            (INVOICE_HEADER_ZH + "A,H1,2024-01-05,,1,,NET90,,\n").encode(),
            actor=actor,
        )


def test_cli_import_invoices(runner, db: Session, customers: None, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "invoices.csv"
    good.write_bytes((INVOICE_HEADER_ZH + "C1,H1,2024-01-05,,100,,NET90,,\n").encode("gb18030"))
    result = runner.invoke(args=["import", "invoices", str(good)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "1 rows written"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        INVOICE_HEADER_ZH
        + "C2,H1,2024-01-05,,100,,NET90,,\n"
        + "C1,H1,2024-01-05,,100,,NET90,,\n"
        + "C3,H9,2024-01-05,,1.001,,NET90,,\n",
        encoding="utf-8",
    )
    before = counts(db)
    result = runner.invoke(args=["import", "invoices", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "row 3, column 发票号: The invoice C1 already exists.",
        "row 4, column 价税合计（元）: At most two decimal places.",
        "nothing was imported",
    ]
    assert result.stdout == ""
    assert counts(db) == before


# Payments -----------------------------------------------------------------------------------


@pytest.fixture
def open_invoices(db: Session, customers: None) -> None:
    invoice(db, "I1", "H1", "600")
    invoice(db, "I2", "H1", "500")
    invoice(db, "I3", "H2", "300")


def test_payment_split_over_two_invoices_and_unapplied_cash(
    db: Session, open_invoices: None
) -> None:
    content = (
        PAYMENT_HEADER_ZH
        + "R1,H1,2024-02-01,1000.00,I1,600\n"
        + "R1,H1,2024-02-01,1000,I2,350\n"
        + "R2,H2,2024-02-03,88.5,,\n"
        + "R3,H2,2024-02-05,300,I3,100\n"
    ).encode("gb18030")
    result = run(db, "payments", content)
    assert result.ok, problems(result)
    assert result.written == 4
    assert outstanding(db, "I1") == Decimal("0.00")
    assert outstanding(db, "I2") == Decimal("150.00")
    assert outstanding(db, "I3") == Decimal("200.00")
    ids = dict(db.execute(select(Party.code, Party.id)).all())
    assert payments.unapplied_fen(db, [ids["H1"], ids["H2"]], date(2024, 3, 1)) == {
        ids["H1"]: 5000,
        ids["H2"]: 8850 + 20000,
    }
    r1 = db.execute(select(Payment).where(Payment.reference == "R1")).scalar_one()
    assert (r1.amount_fen, r1.date) == (100000, date(2024, 2, 1))
    assert db.execute(select(func.count()).select_from(Payment)).scalar_one() == 3


def test_payments_xlsx_english_headers_rows_of_a_payment_apart(
    db: Session, open_invoices: None
) -> None:
    """Rows sharing a reference are one payment even when other rows come between."""
    content = xlsx(
        [
            ["reference", "customer_code", "date", "amount", "invoice_number", "allocated_amount"],
            ["R1", "H1", datetime(2024, 2, 1), 700, "I1", 300],
            ["R2", "H2", datetime(2024, 2, 2), 50.25, None, None],
            ["R1", "H1", datetime(2024, 2, 1), 700.0, "I2", 400],
        ]
    )
    result = run(db, "payments", content, "payments.xlsx")
    assert result.ok, problems(result)
    assert (outstanding(db, "I1"), outstanding(db, "I2")) == (Decimal("300.00"), Decimal("100.00"))
    assert db.execute(select(func.count()).select_from(Payment)).scalar_one() == 2


def test_every_bad_payment_row_named_and_nothing_written(db: Session, open_invoices: None) -> None:
    payments.create_payment(
        db,
        actor=SYSTEM,
        data={"reference": "OLD", "customer_code": "H1", "date": "2024-02-01", "amount": "1"},
    )
    before = counts(db)
    content = (
        PAYMENT_HEADER_ZH
        + "P1,H1,2024-02-01,500,I1,400\n"
        + "P1,H2,2024-02-02,501,I2,50\n"  # disagrees on customer, date and amount
        + "P1,H1,2024-02-01,500,I2,150\n"  # 550 > 500
        + "P1,H1,2024-02-01,500,I1,10\n"  # I1 twice in one payment
        + "P2,H1,2024-02-01,900,I1,300\n"  # I1 has 200 left after P1's row 2
        + "P2,H1,2024-02-01,900,I3,10\n"  # H2's invoice
        + "P2,H1,2024-02-01,900,NOPE,10\n"
        + "P2,H1,2024-02-01,900,I2,\n"
        + "P2,H1,2024-02-01,900,,10\n"
        + "P2,H1,2024-02-01,900,I2,0\n"
        + "OLD,H1,2024-02-01,1,,\n"
        + "OLD,H1,2024-02-01,1,I2,1\n"  # refused with its first row: nothing more said
        + "P3,H9,2024-02-01,5,,\n"
        + "P4,H1,2024-02-30,5,,\n"
        + "P5,H1,2024-02-01,5.001,,\n"
    ).encode()
    result = run(db, "payments", content)
    assert problems(result) == [
        "row 3, column 客户编码: differs from row 2 of payment P1 (H1)",
        "row 3, column 到账日期: differs from row 2 of payment P1 (2024-02-01)",
        "row 3, column 回款金额: differs from row 2 of payment P1 (500.00)",
        "row 4, column 核销金额: The allocations (550.00) exceed the payment (500.00).",
        "row 5, column 发票号: Each invoice at most once per payment.",
        "row 6, column 核销金额: At most the outstanding 200.00 of invoice I1.",
        "row 7, column 发票号: No invoice I3 of this customer.",
        "row 8, column 发票号: No invoice NOPE of this customer.",
        "row 9, column 核销金额: This field is required.",
        "row 10, column 发票号: This field is required.",
        "row 11, column 核销金额: Must be more than 0.",
        "row 12, column 回款单号: The payment OLD already exists.",
        "row 14, column 客户编码: No customer with the code H9.",
        "row 15, column 到账日期: Enter a date as YYYY-MM-DD.",
        "row 16, column 回款金额: At most two decimal places.",
    ]
    assert counts(db) == before


def test_a_payment_across_batches_and_the_outstanding_left_by_earlier_batches(
    db: Session, open_invoices: None
) -> None:
    invoice(db, "I4", "H1", "100")
    # Batches of three rows here (1000 in use): rows 2-4 are the first batch, 5-7 the next.
    rows = (
        "U1,H2,2024-02-01,1,,\n"
        + "U2,H2,2024-02-01,1,,\n"
        + "P1,H1,2024-02-01,900,I1,500\n"  # row 4: the first batch's last
        + "P1,H1,2024-02-01,900,I2,400\n"  # row 5: the same payment in the next batch
    )
    result = run(db, "payments", (PAYMENT_HEADER_ZH + rows).encode(), batch_size=3)
    assert result.ok, problems(result)
    assert result.written == 4
    assert (outstanding(db, "I1"), outstanding(db, "I2")) == (Decimal("100.00"), Decimal("100.00"))
    p1 = db.execute(select(Payment).where(Payment.reference == "P1")).scalar_one()
    settled = db.execute(
        select(func.sum(Settlement.amount_fen)).where(Settlement.payment_id == p1.id)
    ).scalar_one()
    assert settled == 90000

    before = counts(db)
    rows = (
        "V1,H2,2024-03-01,1,,\n"
        + "V2,H2,2024-03-01,1,,\n"
        + "Q1,H1,2024-03-01,200,I1,60\n"  # row 4
        + "Q1,H1,2024-03-01,200,I2,100\n"  # row 5, written with the second batch
        + "Q2,H1,2024-03-01,50,I1,41\n"  # 40 left after Q1
        + "Q1,H1,2024-03-01,200,I4,50\n"  # 210 > 200
    )
    result = run(db, "payments", (PAYMENT_HEADER_ZH + rows).encode(), batch_size=3)
    assert problems(result) == [
        "row 6, column 核销金额: At most the outstanding 40.00 of invoice I1.",
        "row 7, column 核销金额: The allocations (210.00) exceed the payment (200.00).",
    ]
    assert counts(db) == before
