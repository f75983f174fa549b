"""Tenders, VBP awards, agreed volumes and purchases (DOMAIN.md §5.5–5.6).

Quantities are counted in the product's smallest unit; prices and amounts are integer fen.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from vbptrack.models.base import utcnow

PRIMARY = "primary"
BACKUP = "backup"


class Tender(SQLModel, table=True):
    __table_args__ = (Index("ix_tender_status_code", "status", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    title: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    platform: str | None = Field(default=None, max_length=100)
    status: str = Field(default="planned", max_length=24)
    announcement_date: dt.date | None = None
    registration_date: dt.date | None = Field(default=None, index=True)
    documents_date: dt.date | None = Field(default=None, index=True)
    bid_date: dt.date | None = Field(default=None, index=True)
    opening_date: dt.date | None = None
    result_date: dt.date | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class TenderProvince(SQLModel, table=True):
    __tablename__ = "tender_province"

    tender_id: int = Field(foreign_key="tender.id", primary_key=True)
    province_code: str = Field(foreign_key="province.code", primary_key=True, max_length=2)


class TenderStatusChange(SQLModel, table=True):
    """One step of a tender's pipeline: who moved it, when, from what, and why."""

    __tablename__ = "tender_status_change"

    id: int | None = Field(default=None, primary_key=True)
    tender_id: int = Field(foreign_key="tender.id", index=True)
    from_status: str | None = Field(default=None, max_length=24)
    to_status: str = Field(max_length=24)
    date: dt.date
    note: str | None = Field(default=None, max_length=500)
    changed_by: str = Field(max_length=60)
    changed_at: dt.datetime = Field(default_factory=utcnow)


class BidLine(SQLModel, table=True):
    __tablename__ = "bid_line"

    id: int | None = Field(default=None, primary_key=True)
    tender_id: int = Field(foreign_key="tender.id", index=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    price_unit_fen: int = Field(sa_type=BigInteger)
    price_pack_fen: int = Field(sa_type=BigInteger)
    reported_quantity: int | None = Field(default=None, sa_type=BigInteger)
    outcome: str = Field(default="pending", max_length=12)
    award_id: int | None = Field(default=None, foreign_key="award.id")


class TenderDocument(SQLModel, table=True):
    """A qualification document on the tender's checklist, with its own expiry date."""

    __tablename__ = "tender_document"

    id: int | None = Field(default=None, primary_key=True)
    tender_id: int = Field(foreign_key="tender.id", index=True)
    name: str = Field(max_length=120)
    expires: dt.date | None = None
    ready: bool = Field(default=False)


class Award(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    batch: str = Field(max_length=100)
    product_id: int = Field(foreign_key="product.id", index=True)
    # Winning price per smallest unit.
    price_fen: int = Field(sa_type=BigInteger)
    rank: int | None = None
    winners_count: int
    created_at: dt.datetime = Field(default_factory=utcnow)


class AwardProvince(SQLModel, table=True):
    __tablename__ = "award_province"

    award_id: int = Field(foreign_key="award.id", primary_key=True)
    province_code: str = Field(foreign_key="province.code", primary_key=True, max_length=2)
    role: str = Field(default=PRIMARY, max_length=10)


class AwardYear(SQLModel, table=True):
    __tablename__ = "award_year"
    __table_args__ = (UniqueConstraint("award_id", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    award_id: int = Field(foreign_key="award.id", index=True)
    year: int
    start: dt.date
    end: dt.date


class AgreedVolume(SQLModel, table=True):
    """约定采购量: what one hospital committed to buy in one agreement year of an award."""

    __tablename__ = "agreed_volume"
    __table_args__ = (
        UniqueConstraint("award_id", "year", "hospital_id"),
        Index("ix_agreed_volume_hospital", "hospital_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    award_id: int = Field(foreign_key="award.id")
    year: int
    hospital_id: int = Field(foreign_key="party.id")
    quantity: int = Field(sa_type=BigInteger)
    reported_quantity: int | None = Field(default=None, sa_type=BigInteger)


class Purchase(SQLModel, table=True):
    """One purchase record from a platform or distributor flow export.

    `source_key` makes re-imports idempotent: the row's source reference (the platform's
    order-line number) when given, else its natural key (see docs/imports.md).

    The hospital, product and distributor ids carry no foreign-key constraints, and the
    source key is the primary key (no surrogate id: nothing refers to a purchase), by
    decision (migration 0008): this is an append-only fact table filled by the million,
    and each constraint costs every inserted row a locking look-up, which made up two
    thirds of an import's time in the database (docs/performance.md). The ids are
    resolved from codes in the importing transaction (services/purchases.Codes), and
    parties and products are never deleted, only deactivated, so no purchase can point
    at nothing; tests/services/test_commercial_imports.py holds the import to that.
    """

    __table_args__ = (
        # Covers the fulfilment aggregate: product and date range, summed per hospital.
        # The only secondary index: each one more costs every row of a million-row import.
        Index("ix_purchase_product_date", "product_id", "date", "hospital_id", "quantity"),
    )

    source_key: str = Field(max_length=200, primary_key=True)
    hospital_id: int  # party.id (see above)
    product_id: int  # product.id
    distributor_id: int | None = Field(default=None)  # party.id
    date: dt.date
    quantity: int = Field(sa_type=BigInteger)
    amount_fen: int | None = Field(default=None, sa_type=BigInteger)
    created_at: dt.datetime = Field(default_factory=utcnow)
