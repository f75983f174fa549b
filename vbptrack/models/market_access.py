"""Filings, hospital listings and contracts (DOMAIN.md §5.7–5.8).

Filings and listings keep one current row per (kind, product, province) and per
(hospital, product), with every status change in a history table beside it: pages
read the current row (one indexed lookup), "since when" questions read the history.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from vbptrack.models.base import utcnow


class Filing(SQLModel, table=True):
    """The current price or insurance filing of a product in a province."""

    __table_args__ = (
        UniqueConstraint("kind", "product_id", "province_code", name="uq_filing_triple"),
        # The matrix reads one kind for a page of products; the feed reads expiry dates.
        Index("ix_filing_kind_expires", "kind", "expires"),
        Index("ix_filing_product", "product_id", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=12)
    product_id: int = Field(foreign_key="product.id")
    province_code: str = Field(foreign_key="province.code", max_length=2)
    status: str = Field(max_length=20)
    since: dt.date
    effective: dt.date | None = None
    expires: dt.date | None = None
    price_fen: int | None = Field(default=None, sa_type=BigInteger)
    reference: str | None = Field(default=None, max_length=60)
    attachments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow)


class FilingChange(SQLModel, table=True):
    """One recorded status of a filing, with the facts as they stood then."""

    __tablename__ = "filing_change"

    id: int | None = Field(default=None, primary_key=True)
    filing_id: int = Field(foreign_key="filing.id", index=True)
    status: str = Field(max_length=20)
    date: dt.date
    effective: dt.date | None = None
    expires: dt.date | None = None
    price_fen: int | None = Field(default=None, sa_type=BigInteger)
    reference: str | None = Field(default=None, max_length=60)
    note: str | None = Field(default=None, max_length=500)
    by: str = Field(max_length=60)
    at: dt.datetime = Field(default_factory=utcnow)


class Listing(SQLModel, table=True):
    """A product's current listing status in one hospital."""

    __table_args__ = (
        UniqueConstraint("hospital_id", "product_id", name="uq_listing_hospital_product"),
        # The board groups by status, oldest change first.
        Index("ix_listing_status_since", "status", "since"),
        Index("ix_listing_product", "product_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    hospital_id: int = Field(foreign_key="party.id")
    product_id: int = Field(foreign_key="product.id")
    status: str = Field(max_length=24)
    since: dt.date
    note: str | None = Field(default=None, max_length=500)
    next_step: str | None = Field(default=None, max_length=300)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class ListingChange(SQLModel, table=True):
    __tablename__ = "listing_change"

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(foreign_key="listing.id", index=True)
    status: str = Field(max_length=24)
    date: dt.date
    note: str | None = Field(default=None, max_length=500)
    next_step: str | None = Field(default=None, max_length=300)
    by: str = Field(max_length=60)
    at: dt.datetime = Field(default_factory=utcnow)


class Contract(SQLModel, table=True):
    __table_args__ = (Index("ix_contract_end", "end"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=60, unique=True, index=True)
    party_id: int = Field(foreign_key="party.id", index=True)
    kind: str = Field(max_length=20)
    start: dt.date
    end: dt.date
    value_fen: int | None = Field(default=None, sa_type=BigInteger)
    # Used by the party's invoices while the contract is in force (services/terms.py).
    payment_term_id: int | None = Field(default=None, foreign_key="payment_term.id")
    renewal_mode: str = Field(default="manual", max_length=10)
    notice_days: int = Field(default=0)
    renewal_months: int = Field(default=0)
    predecessor_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    renewed_on: dt.date | None = None
    terminated_on: dt.date | None = None
    termination_reason: str | None = Field(default=None, max_length=300)
    # Set once, by signing: from then on the contract's PDF is the archived one.
    signed_on: dt.date | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class ContractLine(SQLModel, table=True):
    """The product and price schedule of a contract."""

    __tablename__ = "contract_line"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    product_id: int = Field(foreign_key="product.id")
    unit_price_fen: int = Field(sa_type=BigInteger)


class ContractDocument(SQLModel, table=True):
    """The archived PDF of a signed contract in one language, exactly as signed."""

    __tablename__ = "contract_document"
    __table_args__ = (UniqueConstraint("contract_id", "lang"),)

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    lang: str = Field(max_length=5)
    pdf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    size: int
    created_at: dt.datetime = Field(default_factory=utcnow)
