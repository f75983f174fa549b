"""Whatever a browser, a bot or a fat finger sends, the answer is a page, never a 500."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from tests.factories import csrf_token
from tests.web import world
from tests.web.pages import fresh_token
from tests.web.world import page_rules, post_rules, url_for_rule

LONG = "医" * 5000 + "x" * 5000
ODD = "‮ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🏥 ' \" ; -- /* <b> %s {0} \\ \t\r\n 　"

# Every field any form has, so each garbage body reaches every validator.
FIELDS = (
    "username",
    "password",
    "language",
    "next",
    "code",
    "name",
    "province_code",
    "city",
    "grade",
    "hospital_type",
    "insurance_code",
    "rep",
    "legal_name",
    "address",
    "contact_name",
    "phone",
    "email",
    "active",
    "generic_name",
    "brand",
    "dosage_form",
    "specification",
    "unit",
    "pack_size",
    "category",
    "approval_number",
    "manufacturer",
    "current_password",
    "new_password",
    "label",
    "role",
    "display_name",
    "provinces",
    "hospitals",
    "kind",
)

DATE_FIELDS = ("as_of", "date", "start", "end", "invoice_date", "due_date", "sent_on",
               "delivered_on", "effective", "expires", "wo_date", "cn_date")  # fmt: skip
MONEY_FIELDS = ("amount", "tax", "price", "value", "price_per_unit", "wo_amount", "cn_amount")

GARBAGE: dict[str, dict[str, Any]] = {
    "missing": {},
    "long": dict.fromkeys(FIELDS, LONG),
    "unicode": dict.fromkeys(FIELDS, ODD),
    "blank": dict.fromkeys(FIELDS, "   "),
    "numbers": {
        **dict.fromkeys(FIELDS, "-1"),
        "pack_size": "1e309",
        "province_code": "310000000000",
        "kind": "hospitals",
    },
    # Dates and amounts at and past every bound, in every date and money input.
    "far-dates": {
        **dict.fromkeys(DATE_FIELDS, "9999-12-31"),
        **dict.fromkeys(MONEY_FIELDS, "99999999999999999999"),
    },
    "ancient-dates": {
        **dict.fromkeys(DATE_FIELDS, "0001-01-01"),
        **dict.fromkeys(MONEY_FIELDS, "12,50"),
    },
    "loose-dates": {
        **dict.fromkeys(DATE_FIELDS, "٢٠٢٤-٠١-٠١"),
        **dict.fromkeys(MONEY_FIELDS, "1e400"),
    },
    "huge-number": {
        **dict.fromkeys(FIELDS, "x"),
        "pack_size": "9" * 400,
        "provinces": ",".join(["31"] * 2000),
        "hospitals": ",,,，，",
    },
}


@pytest.fixture
def admin_browser(app: Flask, db: Session) -> Any:
    data = world.build(db, roles=("admin", "rep"))
    return data, world.signed_in(app, data.users["admin"])


def test_garbage_posted_to_every_form(app: Flask, admin_browser: Any) -> None:
    data, client = admin_browser
    token = fresh_token(client)
    failures = []
    # Sign-out last: it ends the session the other posts need.
    rules = sorted(post_rules(app), key=lambda r: (r.endpoint == "auth.logout", r.rule))
    for rule in rules:
        url = url_for_rule(app, rule, data)
        for name, garbage in GARBAGE.items():
            body: dict[str, Any] = {**garbage, "csrf_token": token}
            if rule.endpoint == "imports.index":
                body["file"] = (io.BytesIO(garbage.get("name", "").encode()), "garbage.csv")
            status = client.post(url, data=body).status_code
            if status >= 500:
                failures.append(f"POST {url} ({name}): {status}")
    assert failures == []


def test_garbage_signing_in(app: Flask, db: Session) -> None:
    world.quick_user(db, "wang", "manager")
    client = app.test_client()
    for body in GARBAGE.values():
        response = client.post("/login", data={**body, "csrf_token": csrf_token(client)})
        assert response.status_code == 401


QUERIES = [
    {"page": "²"},  # str.isdigit() says yes, int() says no
    {"page": "٣", "per_page": "١"},
    {"page": "9" * 30},
    {"page": "99999999999999999999", "per_page": "200"},
    {"per_page": "9" * 30},
    {"page": "-1", "per_page": "0"},
    {"page": "abc", "per_page": "x"},
    {"q": LONG},
    {"q": ODD, "province": ODD, "grade": ODD, "category": ODD},
    {"q": "\x00"},
    {"next": "//evil.example", "kind": LONG},
    # Dates past the range overflowed date arithmetic ("year 10000 is out of range").
    {"as_of": "9999-12-31", "month": "9999-12", "from": "9999-12", "to": "9999-12"},
    {"as_of": "0001-01-01", "month": "２０２４-０１", "since": "٢٠٢٤-٠١-٠١", "within": "9" * 30},
]

# Pages with an as-of date: a date outside the range is said next to the picker.
AS_OF_PAGES = (
    "/receivables/",
    "/receivables/invoices",
    "/receivables/collections/",
    "/contracts/",
    "/listings/",
    "/filings/",
    "/deadlines/",
    "/dunning/preview",
)


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"])
def test_an_as_of_outside_the_range_is_explained(admin_browser: Any, as_of: str) -> None:
    _, client = admin_browser
    for url in AS_OF_PAGES:
        response = client.get(url, query_string={"as_of": as_of})
        assert response.status_code < 500, url
        assert "Enter a date between 2000-01-01 and 2099-12-31." in response.get_data(
            as_text=True
        ), url


def test_stored_dates_at_the_calendar_ends_break_no_page(
    app: Flask, db: Session, admin_browser: Any
) -> None:
    """Records typed before dates were bounded (an invoice due 9999-12-31 made the
    collections report a 500 for everyone): every page still answers."""
    data, client = admin_browser
    _late_payer_with_a_far_due_date(db)
    failures = []
    for rule in page_rules(app):
        url = url_for_rule(app, rule, data)
        status = client.get(url).status_code
        if status >= 500:
            failures.append(f"GET {url}: {status}")
    assert failures == []


def _late_payer_with_a_far_due_date(db: Session) -> None:
    from datetime import date

    from sqlalchemy import update

    from tests.dunning_helpers import overdue_invoice
    from vbptrack.models import Contract, Filing, InvoiceInstalment, Listing
    from vbptrack.services import payments
    from vbptrack.services.access import SYSTEM

    overdue_invoice(db, "FAR-0", world.IN_TERRITORY, date(2025, 1, 1), "100.00")
    payments.create_payment(
        db,
        actor=SYSTEM,
        data={"reference": "FAR-P", "customer_code": world.IN_TERRITORY, "date": "2025-03-01",
              "amount": "100.00", "allocations": [{"invoice_number": "FAR-0", "amount": "100"}]},
    )  # fmt: skip
    far = overdue_invoice(db, "FAR-1", world.IN_TERRITORY, date(2026, 1, 1), "100.00")
    db.execute(
        update(InvoiceInstalment)
        .where(InvoiceInstalment.invoice_id == far.id)  # type: ignore[arg-type]
        .values(due_date=date(9999, 12, 31))
    )
    db.execute(update(Contract).values(end=date(9999, 12, 31)))
    db.execute(update(Filing).values(expires=date(9999, 12, 31)))
    db.execute(update(Listing).values(since=date(1, 1, 1)))
    db.commit()


def test_garbage_in_the_query_string_of_every_page(app: Flask, admin_browser: Any) -> None:
    data, client = admin_browser
    failures = []
    for rule in page_rules(app):
        url = url_for_rule(app, rule, data)
        for query in QUERIES:
            status = client.get(url, query_string=query).status_code
            if status >= 500:
                failures.append(f"GET {url} {sorted(query)}: {status}")
    assert failures == []


ODD_PATHS = [
    "/hospitals/" + "H" * 5000,
    "/hospitals/医院",
    "/hospitals/%00",
    "/hospitals/a%2Fb",
    "/products/%F0%9F%8F%A5",
    "/distributors/..%2F..%2Fetc",
    "/settings/users/" + "u" * 5000,
    "/settings/users/%E2%80%AE",
]


def test_odd_record_paths_are_not_found(admin_browser: Any) -> None:
    _, client = admin_browser
    assert {path: client.get(path).status_code for path in ODD_PATHS} == dict.fromkeys(
        ODD_PATHS, 404
    )


def test_huge_token_id_is_not_found(app: Flask, admin_browser: Any) -> None:
    _, client = admin_browser
    token = fresh_token(client)
    response = client.post(f"/settings/tokens/{'9' * 30}/revoke", data={"csrf_token": token})
    assert response.status_code == 404
