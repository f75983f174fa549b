"""Receivables pages: the ageing report is the service's numbers (page, drill-down and
Excel alike), invoices and payments are written through their forms, and a rep sees
only the territory."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from tests.factories import login
from tests.web import world
from tests.web.pages import field_container, field_error, find, find_all, page, snapshot, text
from vbptrack.domain.ageing import Basis
from vbptrack.domain.money import format_money_grouped
from vbptrack.models import Invoice
from vbptrack.services import ageing, invoices, payments, terms
from vbptrack.services import users as user_service
from vbptrack.services.access import SYSTEM
from vbptrack.web.receivables_common import today

AS_OF = date(2024, 3, 31)
QUERY = {"as_of": AS_OF.isoformat()}


@pytest.fixture
def data(db: Session) -> world.World:
    """Shanghai (in the rep's territory), one Beijing hospital assigned to the rep, and
    Guangdong outside it; one unapplied payment in Shanghai."""
    built = world.build(db)
    for number, customer, dated, amount, due, distributor in (
        ("A-1", world.IN_TERRITORY, "2024-01-10", "1000.00", "2024-02-09", None),
        ("A-2", world.IN_TERRITORY, "2024-03-05", "500.00", "2024-06-03", None),
        ("B-1", world.ASSIGNED, "2024-02-01", "300.00", "2024-03-02", world.DISTRIBUTOR_IN),
        ("C-1", world.OUTSIDE, "2024-01-05", "4000.00", "2024-02-04", None),
    ):
        invoices.create(
            db,
            actor=SYSTEM,
            data={
                "number": number,
                "customer_code": customer,
                "invoice_date": dated,
                "amount": amount,
                "due_date": due,
                "distributor_code": distributor,
            },
        )
    payments.create_payment(
        db,
        actor=SYSTEM,
        data={
            "reference": "P-C",
            "customer_code": world.OUTSIDE,
            "date": "2024-03-15",
            "amount": "3000.00",
            "allocations": [{"invoice_number": "C-1", "amount": "3000.00"}],
        },
    )
    payments.create_payment(
        db,
        actor=SYSTEM,
        data={
            "reference": "P-U",
            "customer_code": world.IN_TERRITORY,
            "date": "2024-03-20",
            "amount": "200.00",
        },
    )
    return built


def browser(app: Flask, data: world.World, role: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    return client, login(client, data.users[role].username)


def actor(data: world.World, role: str) -> Any:
    return user_service.actor_for(data.users[role])


def ageing_table(root: Element) -> dict[str, dict[str, str]]:
    """Row key → column → the amount shown, totals row under "total"."""
    table = find(root, "table", id="ageing-table")
    assert table is not None, "no ageing table"
    rows = {}
    for row in find_all(table, "tr"):
        key = row.get("data-key")
        if key:
            rows[key] = {
                cell.get("data-column", ""): text(cell)
                for cell in find_all(row, "td")
                if cell.get("data-column")
            }
    return rows


def expected_table(report: ageing.AgeingReport) -> dict[str, dict[str, str]]:
    def shown(row: ageing.AgeingRow) -> dict[str, str]:
        cells = {column: format_money_grouped(row.amount(column)) for column in report.columns}
        return {
            **cells,
            "unapplied": format_money_grouped(row.unapplied),
            "total": format_money_grouped(row.total),
        }

    return {**{row.key: shown(row) for row in report.rows}, "total": shown(report.totals)}


# --- the ageing report ---------------------------------------------------------------


# (group, basis, limits typed by a user), and the limits the service is asked for.
SETTINGS = [
    ("customer", "due_date", "", (30, 60, 90, 180, 365)),
    ("province", "due_date", "30, 90", (30, 90)),
    ("rep", "invoice_date", "", (90, 180, 365)),
    ("distributor", "invoice_date", "45，400", (45, 400)),
]


def test_ageing_page_shows_the_service_numbers(app: Flask, db: Session, data: world.World) -> None:
    client, _ = browser(app, data, "finance")
    for group, basis, typed, limits in SETTINGS:
        query = {**QUERY, "group": group, "basis": basis, "limits": typed}
        response = client.get("/receivables/", query_string=query)
        assert response.status_code == 200
        report = ageing.report(
            db,
            actor=actor(data, "finance"),
            as_of=AS_OF,
            basis=Basis(basis),
            group_by=group,
            limits=limits,
            english=True,
        )
        assert report.rows, "the ledger should show in every grouping"
        assert ageing_table(page(response)) == expected_table(report), query


def test_the_numbers_by_hand(app: Flask, data: world.World) -> None:
    """Shanghai on 2024-03-31: A-1 is 51 days overdue, A-2 not due, 200 received unapplied."""
    client, _ = browser(app, data, "finance")
    table = ageing_table(page(client.get("/receivables/", query_string=QUERY)))
    shanghai = table[world.IN_TERRITORY]
    assert (shanghai["31-60"], shanghai["not_due"], shanghai["unapplied"]) == (
        "1,000.00",
        "500.00",
        "-200.00",
    )
    assert shanghai["total"] == "1,300.00"
    # Guangdong: 4000 − 3000, due 2024-02-04 (56 days).
    assert table[world.OUTSIDE]["31-60"] == "1,000.00"
    assert table["total"]["total"] == "2,600.00"  # 1300 + 300 (Beijing) + 1000
    assert world.INVOICE not in str(table)  # dated 2025: not yet issued on the as-of date


def test_drilldown_lists_the_invoices_behind_a_cell(app: Flask, data: world.World) -> None:
    client, _ = browser(app, data, "finance")
    root = page(client.get("/receivables/", query_string=QUERY))
    table = find(root, "table", id="ageing-table")
    assert table is not None
    row = find(table, "tr", **{"data-key": world.IN_TERRITORY})
    assert row is not None
    cell = find(row, "td", **{"data-column": "31-60"})
    link = find(cell, "a") if cell is not None else None
    assert link is not None, "an amount links to its invoices"
    drill = page(client.get(link.get("href", "")))
    assert [r.get("data-invoice") for r in find_all(drill, "tr") if r.get("data-invoice")] == [
        "A-1"
    ]
    total = find(drill, id="drilldown-total")
    assert total is not None and text(total) == "1,000.00"

    whole_row = find(find(row, "td", **{"data-column": "total"}), "a")  # type: ignore[arg-type]
    assert whole_row is not None
    drill = page(client.get(whole_row.get("href", "")))
    numbers = [r.get("data-invoice") for r in find_all(drill, "tr") if r.get("data-invoice")]
    assert numbers == ["A-1", "A-2"]  # oldest due first; unapplied money is no invoice


def test_drilldown_by_rep_and_distributor_keys(app: Flask, data: world.World) -> None:
    client, _ = browser(app, data, "finance")
    for group, key, expected in (
        ("distributor", world.DISTRIBUTOR_IN, ["B-1"]),
        ("distributor", ageing.NONE_KEY, ["C-1", "A-1", "A-2"]),
        ("rep", ageing.NONE_KEY, ["C-1", "A-1", "B-1", "A-2"]),
        ("province", "11", ["B-1"]),
    ):
        drill = page(
            client.get("/receivables/drilldown", query_string={**QUERY, "group": group, "key": key})
        )
        assert [r.get("data-invoice") for r in find_all(drill, "tr") if r.get("data-invoice")] == (
            expected
        ), (group, key)


def test_excel_download_equals_the_page(app: Flask, data: world.World) -> None:
    client, _ = browser(app, data, "finance")
    query = {**QUERY, "group": "customer", "limits": "30,60,90"}
    root = page(client.get("/receivables/", query_string=query))
    link = find(root, "a", download="")
    assert link is not None and link.get("href", "").startswith("/receivables/ageing.xlsx?")
    response = client.get(link.get("href", ""))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]  # type: ignore[union-attr]
    response.close()
    header, body = rows[0], rows[1:]
    assert header == [
        "Customer code",
        "Customer",
        "Not due",
        "1–30",
        "31–60",
        "61–90",
        "> 90",
        "Unapplied",
        "Total",
    ]
    columns = ["not_due", "1-30", "31-60", "61-90", ">90", "unapplied", "total"]
    from_sheet = {
        (str(r[0]) if r[0] != "Total" else "total"): {
            column: format_money_grouped(Decimal(str(value)))
            for column, value in zip(columns, r[2:], strict=True)
        }
        for r in body
    }
    assert from_sheet == ageing_table(root)
    assert body[-1][:2] == ["Total", None]  # the total row, marked


BAD_SETTINGS = [
    ({"limits": "abc"}, "limits", "whole numbers of days"),
    ({"limits": "60, 30"}, "limits", "increasing"),
    ({"limits": "99999999"}, "limits", "between 1 and 36500"),
    ({"limits": ",".join(["1"] * 40)}, "limits", "between 1 and 12 limits"),
    ({"as_of": "2024-13-01"}, "as_of", "YYYY-MM-DD"),
    ({"as_of": "0001-01-01"}, "as_of", "between"),
    ({"basis": "weekday"}, "basis", "offered values"),
    ({"group": "planet"}, "group", "offered values"),
]


def test_bad_report_settings_are_explained_never_a_500(app: Flask, data: world.World) -> None:
    client, _ = browser(app, data, "finance")
    for query, field, message in BAD_SETTINGS:
        for url in ("/receivables/", "/receivables/ageing.xlsx", "/receivables/drilldown"):
            response = client.get(url, query_string={**QUERY, "key": "x", **query})
            assert response.status_code == 400, (url, query)
            error = field_error(page(response), field)
            assert error is not None and message in error, (url, error)


def test_ageing_defaults_to_today_in_shanghai(app: Flask, data: world.World) -> None:
    client, _ = browser(app, data, "finance")
    root = page(client.get("/receivables/"))
    control = find(root, "input", name="as_of")
    assert control is not None and control.get("value") == today().isoformat()
    assert world.IN_TERRITORY in ageing_table(root)


def test_chart_data_is_the_top_rows(app: Flask, data: world.World) -> None:
    import json

    client, _ = browser(app, data, "finance")
    root = page(client.get("/receivables/", query_string=QUERY))
    script = find(root, "script", id="ageing-chart-data")
    assert script is not None and script.get("type") == "application/json"
    chart = json.loads(script.text or "")
    assert chart["labels"][0].startswith(world.IN_TERRITORY)  # the largest total first
    series = {s["label"]: s["data"] for s in chart["series"]}
    assert series["31–60"][0] == "1000.00"
    assert find(root, "canvas", id="ageing-chart") is not None
    # No inline script: a Content-Security-Policy can forbid them.
    assert all(
        s.get("src") or s.get("type") == "application/json" for s in find_all(root, "script")
    )


# --- invoices ------------------------------------------------------------------------


def test_invoice_form_marks_each_field_and_writes_nothing(
    app: Flask, db: Session, data: world.World
) -> None:
    client, token = browser(app, data, "finance")
    before = snapshot(db)
    response = client.post(
        "/receivables/invoices/new",
        data={
            "csrf_token": token,
            "number": "",
            "customer_code": "NOPE",
            "invoice_date": "2024-02-30",
            "amount": "12.345",
            "tax": "",
            "payment_term": "",
            "due_date": "",
        },
    )
    assert response.status_code == 422
    root = page(response)
    assert field_error(root, "number") == "This field is required."
    assert field_error(root, "invoice_date") == "Enter a date as YYYY-MM-DD."
    assert field_error(root, "amount") == "At most two decimal places."
    assert field_error(root, "tax") is None  # empty means "not given"
    assert find(root, "input", name="customer_code").get("value") == "NOPE"  # type: ignore[union-attr]
    assert snapshot(db) == before

    # Valid shape, unknown customer: the problem sits on the customer field.
    response = client.post(
        "/receivables/invoices/new",
        data={
            "csrf_token": token,
            "number": "N-1",
            "customer_code": "NOPE",
            "invoice_date": "2024-03-01",
            "amount": "10",
            "payment_term": "NET90",
        },
    )
    assert response.status_code == 422
    assert field_error(page(response), "customer_code") == "No customer with the code NOPE."
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("amount", "stored_fen"),
    [
        ("1,234.50", 123450),  # thousands in full groups, as the help text says
        (" 1234.5 ", 123450),
        ("１２３４．５", 123450),  # full-width, as a Chinese IME types it
        ("1，234.5", 123450),
    ],
)
def test_money_inputs_take_grouped_and_full_width_amounts(
    app: Flask, db: Session, data: world.World, amount: str, stored_fen: int
) -> None:
    client, token = browser(app, data, "finance")
    form = page(client.get("/receivables/invoices/new"))
    help_text = text(field_container(form, "amount"))
    assert "1,234.50" in help_text  # the field says what it takes
    response = client.post(
        "/receivables/invoices/new",
        data={"csrf_token": token, "number": "G-1", "customer_code": world.IN_TERRITORY,
              "invoice_date": "2024-03-01", "amount": amount, "payment_term": "NET90"},
    )  # fmt: skip
    assert response.status_code == 302, field_error(page(response), "amount")
    stored = db.execute(select(Invoice.amount_fen).where(Invoice.number == "G-1")).scalar_one()
    assert stored == stored_fen


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "12,50", "Enter an amount in yuan, e.g. 1234.50."),  # never 1250.00
        ("amount", "1,23,4", "Enter an amount in yuan, e.g. 1234.50."),
        ("amount", "1e3", "Enter an amount in yuan, e.g. 1234.50."),
        ("amount", "12.500", "At most two decimal places."),
        ("invoice_date", "2024/3/1", "Enter a date as YYYY-MM-DD."),
        ("invoice_date", "20240301", "Enter a date as YYYY-MM-DD."),
        ("invoice_date", "9999-12-31", "Enter a date between 2000-01-01 and 2099-12-31."),
    ],
)
def test_loose_money_and_dates_in_forms_are_refused_on_their_field(
    app: Flask, db: Session, data: world.World, field: str, value: str, message: str
) -> None:
    client, token = browser(app, data, "finance")
    before = snapshot(db)
    body = {"csrf_token": token, "number": "L-1", "customer_code": world.IN_TERRITORY,
            "invoice_date": "2024-03-01", "amount": "10", "payment_term": "NET90"}  # fmt: skip
    response = client.post("/receivables/invoices/new", data={**body, field: value})
    assert response.status_code == 422
    assert field_error(page(response), field) == message
    assert snapshot(db) == before


def test_duplicate_invoice_number_is_a_conflict(app: Flask, db: Session, data: world.World) -> None:
    client, token = browser(app, data, "finance")
    before = snapshot(db)
    response = client.post(
        "/receivables/invoices/new",
        data={
            "csrf_token": token,
            "number": "A-1",
            "customer_code": world.IN_TERRITORY,
            "invoice_date": "2024-03-01",
            "amount": "10",
            "payment_term": "NET90",
        },
    )
    assert response.status_code == 409
    assert field_error(page(response), "number") == "Already in use."
    assert snapshot(db) == before


def test_created_invoice_shows_its_instalments(app: Flask, db: Session, data: world.World) -> None:
    terms.create(
        db,
        actor=SYSTEM,
        data={
            "code": "HALF",
            "name": "half at 30, half at end of next month",
            "instalments": [
                {"portion": "50", "rule": "days_after_base", "n": 30},
                {"portion": "50", "rule": "end_of_month_after_months", "n": 1},
            ],
        },
    )
    client, token = browser(app, data, "admin")
    form = page(client.get("/receivables/invoices/new"))
    offered = [
        o.get("value") for o in find_all(find(form, "select", name="payment_term"), "option")
    ]  # type: ignore[arg-type]
    assert {"VBP", "NET90", "HALF"} <= set(offered)
    response = client.post(
        "/receivables/invoices/new",
        data={
            "csrf_token": token,
            "number": "N-7/2024",
            "customer_code": world.IN_TERRITORY,
            "invoice_date": "2024-01-31",
            "amount": "1,000.01",
            "tax": "115.05",
            "payment_term": "HALF",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/receivables/invoices/N-7/2024"
    root = page(client.get(response.headers["Location"], query_string={"as_of": "2024-03-05"}))
    rows = [
        [text(cell) for cell in find_all(row, "td")]
        for row in find_all(find(root, "table", id="instalments"), "tr")  # type: ignore[arg-type]
        if row.find("td") is not None and "totals" not in row.get("class", "")
    ]
    # Earliest due first; each portion rounds half up and the last (by position) takes
    # the remainder: 500.005 → 500.01 for the first, 500.00 for the second.
    assert rows == [
        ["2024-02-29", "500.00", "0.00", "0.00", "0.00", "500.00", "5"],
        ["2024-03-01", "500.01", "0.00", "0.00", "0.00", "500.01", "4"],
    ]
    assert text(find(root, id="invoice-outstanding")) == "1,000.01"  # type: ignore[arg-type]
    assert "create" in text(find(root, "section", class_="history"))  # type: ignore[arg-type]


def test_hold_and_release(app: Flask, db: Session, data: world.World) -> None:
    client, token = browser(app, data, "finance")
    url = "/receivables/invoices/A-1"
    before = snapshot(db)
    response = client.post(f"{url}/hold", data={"csrf_token": token, "hold_reason": "  "})
    assert response.status_code == 422
    assert field_error(page(response), "hold_reason") == "This field is required."
    assert snapshot(db) == before

    response = client.post(f"{url}/hold", data={"csrf_token": token, "hold_reason": "数量争议"})
    assert response.status_code == 302
    root = page(client.get(url))
    assert "On hold" in text(find(root, "h1"))  # type: ignore[arg-type]
    assert "数量争议" in text(find(root, "dl", class_="facts"))  # type: ignore[arg-type]
    response = client.post(f"{url}/release", data={"csrf_token": token})
    assert response.status_code == 302
    root = page(client.get(url))
    assert "On hold" not in text(find(root, "h1"))  # type: ignore[arg-type]
    history = text(find(root, "section", class_="history"))  # type: ignore[arg-type]
    assert "release" in history and "hold" in history

    # Releasing twice says why instead of failing.
    response = client.post(f"{url}/release", data={"csrf_token": token})
    assert response.status_code == 409
    assert "not on hold" in text(page(response))


def test_write_off_and_credit_note(app: Flask, db: Session, data: world.World) -> None:
    client, token = browser(app, data, "finance")
    url = "/receivables/invoices/A-1"
    before = snapshot(db)
    too_much = {"wo_date": "2024-03-01", "wo_amount": "1000.01", "wo_reason": "bad debt"}
    response = client.post(f"{url}/write-off", data={"csrf_token": token, **too_much})
    assert response.status_code == 422
    root = page(response)
    assert field_error(root, "wo_amount") == "At most the outstanding 1000.00."
    assert find(root, "input", name="wo_reason").get("value") == "bad debt"  # type: ignore[union-attr]
    assert snapshot(db) == before

    response = client.post(
        f"{url}/write-off",
        data={"csrf_token": token, "wo_date": "2024-03-01", "wo_amount": "100", "wo_reason": "x"},
    )
    assert response.status_code == 302
    response = client.post(
        f"{url}/credit-note",
        data={"csrf_token": token, "cn_number": "CN-9", "cn_date": "2024-03-10", "cn_amount": "50"},
    )
    assert response.status_code == 302
    # Before the credit note, and after both.
    for as_of, credited, outstanding in (
        ("2024-03-05", "0.00", "900.00"),
        ("2024-03-31", "50.00", "850.00"),
    ):
        root = page(client.get(url, query_string={"as_of": as_of}))
        cells = [text(c) for c in find_all(find(root, "table", id="instalments"), "td")]  # type: ignore[arg-type]
        assert cells[:6] == ["2024-02-09", "1,000.00", "0.00", credited, "100.00", outstanding]

    # The same credit-note number again is a conflict, shown on its field.
    response = client.post(
        f"{url}/credit-note",
        data={"csrf_token": token, "cn_number": "CN-9", "cn_date": "2024-03-10", "cn_amount": "1"},
    )
    assert response.status_code == 409
    assert field_error(page(response), "cn_number") == "Already in use."


def test_invoice_list_filters_and_pages_without_counting(app: Flask, data: world.World) -> None:
    client, _ = browser(app, data, "manager")
    base = {"as_of": "2024-03-31", "per_page": "2"}

    def numbers(query: dict[str, str]) -> tuple[list[str], bool]:
        root = page(client.get("/receivables/invoices", query_string={**base, **query}))
        table = find(root, "table", class_="list")
        shown = (
            [text(r.find("td")) for r in find_all(table, "tr") if r.find("td") is not None]
            if table is not None
            else []
        )  # type: ignore[arg-type]
        return shown, find(root, "a", rel="next") is not None

    assert numbers({}) == (["A-2", "B-1"], True)  # newest first; INV-0001 is not issued yet
    assert numbers({"page": "2"}) == (["A-1", "C-1"], False)
    assert numbers({"status": "overdue", "per_page": "10"})[0] == ["B-1", "A-1", "C-1"]
    assert numbers({"status": "paid"})[0] == []
    assert numbers({"customer": world.OUTSIDE})[0] == ["C-1"]
    assert numbers({"q": "a-"})[0] == ["A-2", "A-1"]


# --- payments and the customer page --------------------------------------------------


def test_payment_with_the_oldest_first_proposal(app: Flask, db: Session, data: world.World) -> None:
    client, token = browser(app, data, "finance")
    form = {
        "csrf_token": token,
        "customer_code": world.IN_TERRITORY,
        "reference": "BANK-20240325-01",
        "date": "2024-03-25",
        "amount": "1,300.00",
        "note": "",
    }
    before = snapshot(db)
    response = client.post("/receivables/payments/new", data={**form, "action": "propose"})
    assert response.status_code == 200
    assert snapshot(db) == before  # a proposal writes nothing
    root = page(response)
    proposed = [
        (
            find(root, "input", name=f"allocations-{i}-invoice_number").get("value"),  # type: ignore[union-attr]
            find(root, "input", name=f"allocations-{i}-amount").get("value"),
        )  # type: ignore[union-attr]
        for i in range(3)
    ]
    # Oldest due first: A-1 whole, the rest to A-2; the 2025 invoice (due 2025) last.
    assert proposed == [("A-1", "1000.00"), ("A-2", "300.00"), ("", "")]
    assert "300.00" in text(find(root, id="proposal-notice"))  # type: ignore[arg-type]

    # The user lowers the second row to 250; 50 stays unapplied.
    rows = {
        "allocations-0-invoice_number": "A-1",
        "allocations-0-amount": "1000.00",
        "allocations-1-invoice_number": "A-2",
        "allocations-1-amount": "250",
        "allocations-2-invoice_number": "",
        "allocations-2-amount": "",
    }
    response = client.post("/receivables/payments/new", data={**form, **rows, "action": "save"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/receivables/customers/{world.IN_TERRITORY}"
    root = page(client.get(response.headers["Location"], query_string={"as_of": "2024-03-31"}))
    # Open: A-2 500 − 250. Unapplied: 200 earlier + 50 now.
    assert text(find(root, id="customer-outstanding")) == "250.00"  # type: ignore[arg-type]
    assert text(find(root, id="customer-unapplied")) == "250.00"  # type: ignore[arg-type]
    assert text(find(root, id="customer-net")) == "0.00"  # type: ignore[arg-type]
    open_items = [
        r.get("data-invoice")
        for r in find_all(find(root, "section", id="open-items"), "tr")
        if r.get("data-invoice")
    ]  # type: ignore[arg-type]
    assert open_items == ["A-2"]
    document = find(root, "tr", **{"data-document": "BANK-20240325-01"})
    assert document is not None
    assert [text(c) for c in find_all(document, "td")][3:6] == ["1,300.00", "1,250.00", "50.00"]
    # As of the day before the payment, it is not there.
    root = page(
        client.get(
            f"/receivables/customers/{world.IN_TERRITORY}", query_string={"as_of": "2024-03-24"}
        )
    )
    assert text(find(root, id="customer-outstanding")) == "1,500.00"  # type: ignore[arg-type]
    assert find(root, "tr", **{"data-document": "BANK-20240325-01"}) is None
    # The ageing agrees with the customer page.
    table = ageing_table(page(client.get("/receivables/", query_string=QUERY)))
    assert table[world.IN_TERRITORY]["total"] == "0.00"


def test_payment_problems_are_shown_on_their_rows(
    app: Flask, db: Session, data: world.World
) -> None:
    client, token = browser(app, data, "finance")
    before = snapshot(db)
    response = client.post(
        "/receivables/payments/new",
        data={
            "csrf_token": token,
            "action": "save",
            "customer_code": world.IN_TERRITORY,
            "reference": "BANK-2",
            "date": "2024-03-25",
            "amount": "5000",
            "allocations-0-invoice_number": "A-1",
            "allocations-0-amount": "1200",
            "allocations-1-invoice_number": "C-1",
            "allocations-1-amount": "10",
        },
    )
    assert response.status_code == 422
    root = page(response)
    assert field_error(root, "allocations-1-invoice_number") == "No invoice C-1 of this customer."
    assert snapshot(db) == before

    response = client.post(
        "/receivables/payments/new",
        data={
            "csrf_token": token,
            "action": "save",
            "customer_code": world.IN_TERRITORY,
            "reference": "BANK-2",
            "date": "2024-03-25",
            "amount": "5000",
            "allocations-0-invoice_number": "A-1",
            "allocations-0-amount": "1200",
        },
    )
    assert response.status_code == 422
    assert "At most the outstanding 1000.00" in (
        field_error(page(response), "allocations-0-amount") or ""
    )
    assert snapshot(db) == before

    # A proposal without an amount says what is missing.
    response = client.post(
        "/receivables/payments/new",
        data={"csrf_token": token, "action": "propose", "customer_code": world.IN_TERRITORY},
    )
    assert response.status_code == 422
    assert field_error(page(response), "amount") == "Enter the amount received, e.g. 1234.50."


def test_payments_list(app: Flask, data: world.World) -> None:
    client, _ = browser(app, data, "manager")
    root = page(client.get("/receivables/payments"))
    rows = [
        [text(c) for c in find_all(r, "td")]
        for r in find_all(find(root, "table", id="payments"), "tr")
        if r.find("td") is not None
    ]  # type: ignore[arg-type]
    assert [r[1] for r in rows] == ["P-U", "P-C"]
    assert rows[0][3:6] == ["200.00", "0.00", "200.00"]
    assert rows[1][3:6] == ["3,000.00", "3,000.00", "0.00"]


# --- who sees and does what ----------------------------------------------------------


def test_rep_sees_only_the_territory(app: Flask, db: Session, data: world.World) -> None:
    client, _ = browser(app, data, "rep")
    for url in (
        f"/receivables/customers/{world.OUTSIDE}",
        "/receivables/invoices/C-1",
        f"/receivables/customers/{world.DISTRIBUTOR_OUT}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/receivables/customers/{world.ASSIGNED}").status_code == 200
    assert client.get("/receivables/invoices/B-1").status_code == 200

    listing = text(page(client.get("/receivables/invoices", query_string={"as_of": "2024-03-31"})))
    assert "A-1" in listing and "B-1" in listing and "C-1" not in listing
    assert "P-C" not in text(page(client.get("/receivables/payments")))

    response = client.get("/receivables/", query_string=QUERY)
    table = ageing_table(page(response))
    assert world.OUTSIDE not in table
    report = ageing.report(db, actor=actor(data, "rep"), as_of=AS_OF)
    assert table == expected_table(report)
    drill = client.get(
        "/receivables/drilldown", query_string={**QUERY, "group": "customer", "key": world.OUTSIDE}
    )
    assert "C-1" not in text(page(drill))


@pytest.mark.parametrize("role", ["manager", "rep"])
def test_only_finance_and_admin_write(
    app: Flask, db: Session, data: world.World, role: str
) -> None:
    client, token = browser(app, data, role)
    before = snapshot(db)
    for url in ("/receivables/invoices/new", "/receivables/payments/new"):
        assert client.get(url).status_code == 403
    posts = {
        "/receivables/invoices/new": {"number": "X", "customer_code": world.IN_TERRITORY},
        "/receivables/payments/new": {"action": "save", "customer_code": world.IN_TERRITORY},
        "/receivables/invoices/A-1/hold": {"hold_reason": "x"},
        "/receivables/invoices/A-1/release": {},
        "/receivables/invoices/A-1/write-off": {
            "wo_date": "2024-03-01",
            "wo_amount": "1",
            "wo_reason": "x",
        },
        "/receivables/invoices/A-1/credit-note": {
            "cn_number": "X",
            "cn_date": "2024-03-01",
            "cn_amount": "1",
        },
    }
    for url, body in posts.items():
        assert client.post(url, data={"csrf_token": token, **body}).status_code == 403, url
    assert snapshot(db) == before
    # Nor are they offered the forms and buttons.
    invoice = client.get("/receivables/invoices/A-1").get_data(as_text=True)
    assert "/hold" not in invoice and "/write-off" not in invoice and "/credit-note" not in invoice
    for url in (
        "/receivables/invoices",
        "/receivables/payments",
        f"/receivables/customers/{world.IN_TERRITORY}",
    ):
        html = client.get(url).get_data(as_text=True)
        assert (
            "/receivables/invoices/new" not in html and "/receivables/payments/new" not in html
        ), url


def test_finance_is_offered_the_forms(app: Flask, data: world.World) -> None:
    client, _ = browser(app, data, "finance")
    invoice = client.get("/receivables/invoices/A-1").get_data(as_text=True)
    assert all(
        f"/receivables/invoices/A-1/{action}" in invoice
        for action in ("hold", "write-off", "credit-note")
    )
    customer = client.get(f"/receivables/customers/{world.IN_TERRITORY}").get_data(as_text=True)
    assert f"/receivables/payments/new?customer={world.IN_TERRITORY}" in customer
