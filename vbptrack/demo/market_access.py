"""Demo filings, listings and contracts: dates count back and forward from `today`, so
the filing matrix shows expiries coming, the listing board has stuck items, and the
contracts include ones expiring, auto-renewing and renewed."""

from __future__ import annotations

import random
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, select

from vbptrack.domain.listings import STATUSES as LISTING_STATUSES
from vbptrack.models import DISTRIBUTOR, HOSPITAL, Contract, Party, Product
from vbptrack.models.market_access_in import ContractIn, FilingIn, ListingChangeIn
from vbptrack.services import contract_documents, contracts, filings, listings
from vbptrack.services.access import SYSTEM

NEXT_STEPS = ("约药剂科主任", "准备药事会材料", "等科室主任签字", "跟进临采", "提交挂网资料")
FILING_PATH = ("submitted", "under_review", "approved")
LISTING_PATH = ("applied", "pharmacy_review", "committee_scheduled", "approved_trial", "listed")


def load_market_access(
    session: Session, rng: random.Random, scale: int, today: date
) -> dict[str, int]:
    products = list(session.execute(select(Product).order_by(Product.code).limit(12)).scalars())
    provinces = sorted(
        {code for (code,) in session.execute(select(Party.province_code).distinct()) if code}
    )
    counts = {"filings": 0, "listings": 0, "contracts": 0}
    for product in products:
        for province in provinces:
            for kind in ("price", "insurance"):
                if rng.random() < 0.3:
                    continue
                steps = FILING_PATH[: rng.randint(1, 3)]
                start = today - timedelta(days=rng.randint(60, 700))
                for offset, status in enumerate(steps):
                    expires = None
                    if status == "approved":
                        expires = today + timedelta(days=rng.randint(-20, 400))
                    clean = FilingIn(
                        kind=kind, product_code=product.code, province_code=province,
                        status=status, date=start + timedelta(days=20 * offset),
                        effective=start + timedelta(days=20 * offset) if expires else None,
                        expires=expires, price=f"{rng.randint(100, 9000) / 100:.2f}",
                        reference=f"{province}-{product.code}-{kind[0].upper()}",
                    )  # fmt: skip
                    filings.apply(session, actor=SYSTEM, clean=clean, product=product, today=today)
                counts["filings"] += 1
    # Every third hospital: spread over all provinces, so each rep's phone page has some.
    hospitals = list(
        session.execute(select(Party).where(Party.kind == HOSPITAL).order_by(Party.code))
        .scalars()
        .all()
    )[::3]
    for hospital in hospitals:
        for product in rng.sample(products, k=min(len(products), rng.randint(1, 4))):
            reached = rng.randint(1, len(LISTING_PATH))
            path = list(LISTING_PATH[:reached])
            if rng.random() < 0.1:
                path.append(rng.choice(("temporary_purchase", "rejected")))
            day = today - timedelta(days=rng.randint(30, 400))
            for status in path:
                assert status in LISTING_STATUSES
                clean = ListingChangeIn(
                    status=status, date=day, note=None, next_step=rng.choice(NEXT_STEPS)
                )  # type: ignore[arg-type]
                listings.apply_change(
                    session, actor=SYSTEM, hospital=hospital, product=product, clean=clean
                )
                day = min(today, day + timedelta(days=rng.randint(5, 90)))
            counts["listings"] += 1
    parties = list(
        session.execute(
            select(Party)
            .where(col(Party.kind).in_((HOSPITAL, DISTRIBUTOR)))
            .order_by(Party.code)
            .limit(30 * scale)
        ).scalars()
    )
    for n, party in enumerate(parties, start=1):
        start = today - relativedelta(months=rng.randint(3, 20))
        end = today + timedelta(days=rng.randint(-30, 300))
        end = max(end, start + timedelta(days=30))
        auto = rng.random() < 0.3
        data = ContractIn(
            number=f"HT-{today.year}-{n:04d}", party_code=party.code,
            kind="distribution" if party.kind == DISTRIBUTOR else "supply",
            start=start, end=end, value=f"{rng.randint(10, 500) * 10000}",
            payment_term=rng.choice(("NET90", "NET120", "NET180")),
            renewal={"mode": "auto" if auto else "manual", "notice_days": 30 if auto else 0,
                     "months": 12 if auto else 0},
            lines=[{"product_code": p.code, "price": f"{rng.randint(100, 9000) / 100:.2f}"}
                   for p in rng.sample(products, k=min(3, len(products)))],
        )  # fmt: skip
        contracts.add(session, actor=SYSTEM, clean=data)
        counts["contracts"] += 1
    return counts


# Signing renders two PDFs per contract: a few show the signed state without slowing the demo.
SIGNED_CONTRACTS = 3


def sign_contracts(session: Session, rng: random.Random, scale: int, today: date) -> dict[str, int]:
    """Sign the first few contracts that have started, on their start day; runs after the
    dunning step, which fills in our company details that the contract shows."""
    started = session.execute(
        select(Contract)
        .where(col(Contract.start) <= today, col(Contract.terminated_on).is_(None))
        .order_by(Contract.number)
        .limit(SIGNED_CONTRACTS)
    ).scalars()
    signed = 0
    for contract in started:
        contract_documents.archive(
            session, actor=SYSTEM, contract=contract, signed_on=contract.start, fallback_name=""
        )
        signed += 1
    return {"signed_contracts": signed}
