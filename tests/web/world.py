"""A small company for page tests: one user per role, a rep in Shanghai, a few records.

Users here get a cheap password hash made once: scrypt costs a tenth of a second per
user and per sign-in, which adds up over a hundred page tests. The real scrypt path is
what tests/web/test_sign_in.py uses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select
from werkzeug.routing import Rule
from werkzeug.security import generate_password_hash

from tests.factories import PASSWORD, login, make_distributor, make_hospital, make_product
from vbptrack.models import Job, JobFile, User
from vbptrack.services import contracts as contract_service
from vbptrack.services import invoices as invoice_service
from vbptrack.services import listings as listing_service
from vbptrack.services import users as user_service
from vbptrack.services.access import SYSTEM

ROLES = ("admin", "manager", "finance", "rep")
# The rep's territory is Shanghai (31) plus one hospital in Beijing assigned by hand.
REP = "rep_sh"
IN_TERRITORY = "H310001"
ASSIGNED = "H110001"
OUTSIDE = "H440001"
DISTRIBUTOR_IN = "D310001"
DISTRIBUTOR_OUT = "D440001"
PRODUCT = "P0001"
# An open invoice of IN_TERRITORY, dated after the as-of dates pages tests use for their
# own ledgers (2024), so it changes none of their numbers.
INVOICE = "INV-0001"
CONTRACT = "HT-0001"
# A planned tender with one bid line for PRODUCT, and an award supplying Shanghai with an
# agreed volume for IN_TERRITORY in 2025.
TENDER = "T-0001"
AWARD = "A-0001"
# A dunning letter to IN_TERRITORY about INVOICE, written directly (no PDF rendering):
# page tests need a letter to address, not a real document.
LETTER = "DL-2025-000001"
# Records of Guangdong, outside the rep's territory (`add_outside`): a provincial tender,
# a contract, an invoice and a dunning letter of OUTSIDE.
OUTSIDE_TENDER = "T-GD01"
OUTSIDE_CONTRACT = "HT-GD01"
OUTSIDE_INVOICE = "INV-GD01"
OUTSIDE_LETTER = "DL-2025-000002"


CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def quick_user(
    db: Session,
    username: str,
    role: str,
    *,
    provinces: Sequence[str] = (),
    hospitals: Sequence[str] = (),
) -> User:
    """A user whose password is PASSWORD, without the cost of scrypt."""
    user = User(username=username, role=role, display_name=username, password_hash=CHEAP_HASH)
    db.add(user)
    db.flush()
    user_service.set_territory(db, user=user, provinces=provinces, hospitals=hospitals)
    db.commit()
    return user


@dataclass
class World:
    users: dict[str, User]
    token_id: int
    line_id: int = 0
    run_id: int = 0
    job_id: int = 0


def build(db: Session, roles: tuple[str, ...] = ROLES) -> World:
    make_hospital(db, IN_TERRITORY, "31", grade="三甲", city="上海")
    make_hospital(db, ASSIGNED, "11", grade="二甲", city="北京")
    make_hospital(db, OUTSIDE, "44", grade="三甲", city="广州")
    make_distributor(db, DISTRIBUTOR_IN, "31")
    make_distributor(db, DISTRIBUTOR_OUT, "44")
    make_product(db, PRODUCT)
    invoice_service.create(
        db,
        actor=SYSTEM,
        data={
            "number": INVOICE,
            "customer_code": IN_TERRITORY,
            "invoice_date": "2025-01-15",
            "amount": "1000.00",
            "payment_term": "NET90",
        },
    )
    contract_service.create(
        db,
        actor=SYSTEM,
        data={"number": CONTRACT, "party_code": IN_TERRITORY, "kind": "supply",
              "start": "2025-01-01", "end": "2098-12-31"},
    )  # fmt: skip
    listing_service.record_change(
        db, actor=SYSTEM, hospital_code=IN_TERRITORY, product_code=PRODUCT,
        data={"status": "applied", "date": "2025-01-10"},
    )  # fmt: skip
    line_id = _commercial(db)
    users: dict[str, User] = {}
    for role in roles:
        if role == "rep":
            users[role] = quick_user(db, REP, "rep", provinces=["31"], hospitals=[ASSIGNED])
        else:
            users[role] = quick_user(db, role, role)
    owner = users.get("admin") or next(iter(users.values()))
    user_service.issue_token(db, actor=SYSTEM, user=owner, label="erp")
    token = user_service.tokens(db, owner)[0]
    assert token.id is not None
    return World(
        users=users,
        token_id=token.id,
        line_id=line_id,
        run_id=_letter(db),
        job_id=_job(db, owner),
    )


def _job(db: Session, owner: User) -> int:
    """A finished statements job of `owner` with its PDF: only they (and admins) see it."""
    job = Job(
        kind="statements",
        subject="2025-06-01 (zh)",
        user_id=owner.id,
        username=owner.username,
        status="done",
        result={"customers": 1, "file": "statements.pdf"},
    )
    db.add(job)
    db.flush()
    pdf = _blank_pdf()
    db.add(
        JobFile(
            job_id=job.id,  # type: ignore[arg-type]
            purpose="output",
            filename="statements.pdf",
            media_type="application/pdf",
            size=len(pdf),
            data=pdf,
        )
    )
    db.commit()
    assert job.id is not None
    return job.id


def _commercial(db: Session) -> int:
    """The tender (returns its bid line's id) and the award; see TENDER and AWARD."""
    from datetime import date

    from vbptrack.services import awards, tenders

    tenders.create(
        db,
        actor=SYSTEM,
        data={
            "code": TENDER,
            "title": "第十一批国家集采",
            "kind": "national_vbp",
            "province_codes": ["31"],
            "dates": {"bid": "2025-03-20"},
        },
        today=date(2025, 1, 2),
    )
    line = tenders.add_line(
        db, actor=SYSTEM, code=TENDER, data={"product_code": PRODUCT, "price_per_unit": "0.5"}
    )
    awards.create(
        db,
        actor=SYSTEM,
        data={
            "code": AWARD,
            "batch": "第十批",
            "product_code": PRODUCT,
            "price": "0.4",
            "winners_count": 2,
            "supply_provinces": ["31"],
            "years": [{"year": 1, "start": "2025-01-01", "end": "2025-12-31"}],
        },
    )
    awards.set_agreed_volumes(
        db,
        actor=SYSTEM,
        code=AWARD,
        items=[{"hospital_code": IN_TERRITORY, "year": 1, "quantity": 1000}],
    )
    assert line.id is not None
    return line.id


def _blank_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _letter(db: Session, customer: str = IN_TERRITORY, number: str = LETTER) -> int:
    from datetime import date

    from vbptrack.models import DunningDocument, DunningLetter, DunningRun, Party

    party = db.exec(select(Party).where(Party.code == customer)).one()
    run = DunningRun(as_of=date(2025, 6, 1), letters=1, created_by="system")
    db.add(run)
    db.flush()
    letter = DunningLetter(
        number=number,
        run_id=run.id,  # type: ignore[arg-type]
        customer_id=party.id,  # type: ignore[arg-type]
        level=1,
        date=date(2025, 6, 1),
        deadline=date(2025, 6, 11),
        outstanding_fen=100000,
        interest_fen=0,
        fee_fen=0,
    )
    db.add(letter)
    db.flush()
    for lang in ("zh", "en"):
        pdf = _blank_pdf()
        db.add(
            DunningDocument(
                letter_id=letter.id,  # type: ignore[arg-type]
                lang=lang,
                pdf=pdf,
                sha256=hashlib.sha256(pdf).hexdigest(),
                size=len(pdf),
            )
        )
    db.commit()
    assert run.id is not None
    return run.id


def add_outside(db: Session) -> None:
    """The OUTSIDE_* records: what the rep must not see, one of each kind a page shows."""
    from datetime import date

    from vbptrack.services import tenders

    tenders.create(
        db,
        actor=SYSTEM,
        data={"code": OUTSIDE_TENDER, "title": "广东省药品集采", "kind": "provincial",
              "province_codes": ["44"], "dates": {"bid": "2025-03-21"}},
        today=date(2025, 1, 2),
    )  # fmt: skip
    invoice_service.create(
        db,
        actor=SYSTEM,
        data={"number": OUTSIDE_INVOICE, "customer_code": OUTSIDE, "invoice_date": "2025-01-15",
              "amount": "500.00", "payment_term": "NET90"},
    )  # fmt: skip
    contract_service.create(
        db,
        actor=SYSTEM,
        data={"number": OUTSIDE_CONTRACT, "party_code": OUTSIDE, "kind": "supply",
              "start": "2025-01-01", "end": "2098-12-31"},
    )  # fmt: skip
    _letter(db, OUTSIDE, OUTSIDE_LETTER)


def signed_in(app: Flask, user: User) -> FlaskClient:
    """A new browser with `user` signed in."""
    client = app.test_client()
    login(client, user.username)
    return client


# Records inside the rep's territory, so a 200 or 403 is about the role, not the data.
CODES = {
    "hospitals": IN_TERRITORY,
    "distributors": DISTRIBUTOR_IN,
    "products": PRODUCT,
    "receivables": IN_TERRITORY,
    "tenders": TENDER,
    "awards": AWARD,
    "dunning": IN_TERRITORY,
}
# The same outside the rep's territory, for the records that belong to one; products and
# awards are everyone's, so they keep the values above.
OUTSIDE_CODES = {
    "hospitals": OUTSIDE,
    "distributors": DISTRIBUTOR_OUT,
    "receivables": OUTSIDE,
    "tenders": OUTSIDE_TENDER,
    "dunning": OUTSIDE,
}


def page_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.rule.startswith(("/api/", "/static/"))
    ]


def post_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")
    ]


def url_for_rule(app: Flask, rule: Rule, data: World, *, outside: bool = False) -> str:
    """The rule's URL with its arguments filled by records that exist: inside the rep's
    territory, or with `outside` (after `add_outside`) outside it where a record has one."""
    values: dict[str, Any] = {}
    area = rule.endpoint.split(".")[0]
    for argument in rule.arguments:
        if argument == "code":
            values["code"] = (OUTSIDE_CODES if outside else {}).get(area, CODES[area])
        elif argument == "username":
            values["username"] = REP
        elif argument == "token_id":
            values["token_id"] = data.token_id
        elif argument == "number" and area == "contracts":
            values["number"] = OUTSIDE_CONTRACT if outside else CONTRACT
        elif argument == "number":
            values["number"] = OUTSIDE_INVOICE if outside else INVOICE
        elif argument == "hospital_code":
            values["hospital_code"] = OUTSIDE if outside else IN_TERRITORY
        elif argument == "product_code":
            values["product_code"] = PRODUCT
        elif argument == "kind" and area == "imports":
            values["kind"] = "hospitals"
        elif argument == "kind":
            values["kind"] = "price"
        elif argument == "province_code":
            values["province_code"] = "44" if outside else "31"
        elif argument == "province":
            values["province"] = "44"
        elif argument == "line_id":
            values["line_id"] = data.line_id
        elif argument == "letter":
            values["letter"] = OUTSIDE_LETTER if outside else LETTER
        elif argument == "run_id":
            values["run_id"] = data.run_id
        elif argument == "job_id":
            values["job_id"] = data.job_id
        else:
            raise AssertionError(f"{rule.rule}: say which record fills <{argument}>")
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, values)
