"""Demo tenders, awards, agreed volumes and purchases: a pipeline with deadlines in the
coming weeks, and awards in their first agreement year whose hospitals buy at their own
pace, so the fulfilment pages show who is on track, who lags and who is at risk.

Dates count back (and forward) from `today`; rows are written without intermediate
commits, inside the demo's one transaction.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from vbptrack.domain import fulfilment
from vbptrack.models import (
    BidLine,
    Party,
    Product,
    Tender,
    TenderDocument,
    TenderProvince,
    TenderStatusChange,
)
from vbptrack.models.commercial_in import AwardIn
from vbptrack.models.parties import DISTRIBUTOR, HOSPITAL
from vbptrack.services import awards, purchases
from vbptrack.services.access import SYSTEM

# (title, kind, status, days from today to the bid deadline)
TENDERS = (
    ("第十一批国家组织药品集中采购", "national_vbp", "documents_submitted", 9),
    ("京津冀“3+N”联盟药品带量采购", "alliance", "registered", 18),
    ("广东联盟化学药集中带量采购", "alliance", "planned", 40),
    ("江苏省第五轮药品集中采购", "provincial", "bid_submitted", -5),
    ("上海市第九批药品集中采购", "provincial", "result_published", -30),
    ("第十批国家组织药品集中采购", "national_vbp", "won", -240),
    ("湖北牵头中成药省际联盟采购", "alliance", "lost", -200),
    ("华西医院耗材院内议价", "hospital", "withdrawn", 12),
)
DOCUMENTS = ("药品注册证书", "GMP 符合性检查结果", "生产企业授权书", "质量标准", "法定代表人授权书")
PIPELINE = (
    "planned",
    "registered",
    "documents_submitted",
    "bid_submitted",
    "result_published",
)
AWARD_PROVINCES = (("31", "32", "33", "34"), ("44", "45", "46", "35"), ("11", "12", "13", "37"))
# The national batches the demo awards come from (the 10th is TENDERS' won tender, the
# 11th still open): an award's code carries its batch's number, VBP10 for 第十批.
AWARD_BATCHES = (
    (8, "第八批国家组织药品集中采购"),
    (9, "第九批国家组织药品集中采购"),
    (10, "第十批国家组织药品集中采购"),
)


def _tenders(session: Session, rng: random.Random, products: list[Product], today: date) -> int:
    provinces = ["11", "12", "13", "31", "32", "33", "44", "42", "51"]
    for number, (title, kind, status, bid_in) in enumerate(TENDERS, start=1):
        bid = today + timedelta(days=bid_in)
        tender = Tender(
            code=f"ZB{today.year}-{number:03d}",
            title=title,
            kind=kind,
            platform=rng.choice(
                ("国家组织药品联合采购办公室", "省医药集中采购平台", "联盟采购平台")
            ),
            status=status,
            announcement_date=bid - timedelta(days=35),
            registration_date=bid - timedelta(days=21),
            documents_date=bid - timedelta(days=7),
            bid_date=bid,
            opening_date=bid + timedelta(days=1),
            result_date=bid + timedelta(days=14),
        )
        session.add(tender)
        session.flush()
        for province in rng.sample(provinces, 1 if kind == "provincial" else 4):
            session.add(TenderProvince(tender_id=tender.id, province_code=province))
        # History: each step of the pipeline up to the current status, on plausible days.
        steps = (
            list(PIPELINE[: PIPELINE.index(status) + 1])
            if status in PIPELINE
            else [
                *PIPELINE,
                status,
            ]
        )
        previous = None
        for index, step in enumerate(steps):
            on = min(today, tender.announcement_date + timedelta(days=index * 7))  # type: ignore[operator]
            session.add(
                TenderStatusChange(
                    tender_id=tender.id,  # type: ignore[arg-type]
                    from_status=previous,
                    to_status=step,
                    date=on,
                    note=None
                    if index == 0
                    else rng.choice((None, "已按要求完成", "材料已上传平台")),
                    changed_by="demo",
                )
            )
            previous = step
        for product in rng.sample(products, min(len(products), rng.randint(1, 3))):
            unit_fen = rng.randint(5, 400)
            outcome = {"won": "won", "lost": "lost", "withdrawn": "withdrawn"}.get(
                status, "pending"
            )
            session.add(
                BidLine(
                    tender_id=tender.id,  # type: ignore[arg-type]
                    product_id=product.id,  # type: ignore[arg-type]
                    price_unit_fen=unit_fen,
                    price_pack_fen=unit_fen * product.pack_size,
                    reported_quantity=rng.randint(50, 900) * 1000,
                    outcome=outcome,
                )
            )
        for name in rng.sample(DOCUMENTS, 3):
            session.add(
                TenderDocument(
                    tender_id=tender.id,  # type: ignore[arg-type]
                    name=name,
                    expires=today + timedelta(days=rng.randint(-20, 900)),
                    ready=rng.random() < 0.7,
                )
            )
    return len(TENDERS)


def load_commercial(
    session: Session, rng: random.Random, scale: int, today: date
) -> dict[str, int]:
    products = list(
        session.execute(
            select(Product).where(Product.category == "drug").order_by(col(Product.id))
        ).scalars()
    )[:12]
    if not products:
        return {}
    tenders = _tenders(session, rng, products, today)
    hospitals = session.execute(
        select(Party.id, Party.code, Party.province_code).where(Party.kind == HOSPITAL)
    ).all()
    distributors = list(
        session.execute(select(Party.id, Party.code).where(Party.kind == DISTRIBUTOR)).all()
    )
    agreed_rows = 0
    purchase_rows: list[purchases.PurchaseRow] = []
    reference = 0
    batches = zip(AWARD_PROVINCES, AWARD_BATCHES, strict=True)
    for number, (provinces, (batch_number, batch)) in enumerate(batches, start=1):
        product = products[number - 1]
        start = today - timedelta(days=rng.randint(150, 260))
        years = [
            {"year": 1, "start": start, "end": start + timedelta(days=364)},
            {"year": 2, "start": start + timedelta(days=365), "end": start + timedelta(days=729)},
        ]
        winners = rng.randint(2, 6)
        award = awards.add_award(
            session,
            actor=SYSTEM,
            clean=AwardIn.model_validate(
                {
                    "code": f"VBP{batch_number:02d}-{product.code}",
                    "batch": batch,
                    "product_code": product.code,
                    "price": Decimal(rng.randint(5, 300)) / 100,
                    "winners_count": winners,
                    "rank": rng.randint(1, winners),
                    "supply_provinces": list(provinces[:3]),
                    "backup_provinces": [provinces[3]],
                    "years": years,
                }
            ),
            product=product,
        )
        session.flush()
        supplied = [h for h in hospitals if h.province_code in provinces[:3]]
        rows = []
        year = fulfilment.AgreementYear(start, start + timedelta(days=364))
        for hospital_id, _code, _province in supplied:
            reported = rng.randint(2, 60) * 1000
            agreed = fulfilment.agreed_from_reported(reported, winners)
            rows.append(
                {
                    "award_id": award.id,
                    "year": 1,
                    "hospital_id": hospital_id,
                    "quantity": agreed,
                    "reported_quantity": reported,
                }
            )
            # Each hospital buys at its own pace: most near schedule, some far behind.
            pace = rng.choice((1.15, 1.05, 1.0, 0.95, 0.9, 0.8, 0.6, 0.35))
            daily = agreed * pace / year.days
            day = start
            while day <= today:
                quantity = int(daily * 30 * rng.uniform(0.6, 1.4))
                if quantity > 0:
                    reference += 1
                    distributor = rng.choice(distributors) if distributors else None
                    purchase_rows.append(
                        (
                            f"ref:DEMO{reference:08d}",
                            hospital_id,
                            product.id,  # type: ignore[arg-type]
                            distributor[0] if distributor else None,
                            day,
                            quantity,
                            quantity * award.price_fen,
                        )
                    )
                day += timedelta(days=rng.randint(20, 40))
        awards.insert_rows(session, rows)
        agreed_rows += len(rows)
    purchases.write(session, purchase_rows)
    return {
        "tenders": tenders,
        "awards": len(AWARD_PROVINCES),
        "agreed_volumes": agreed_rows,
        "purchases": len(purchase_rows),
    }
