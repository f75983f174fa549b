"""Hospitals and distributors: the parties we sell to.

Both live in one `party` table because their codes share one namespace (a customer code
names exactly one of them), and invoices, contracts and payments point at "the customer"
without caring which kind it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from vbptrack.models.base import utcnow
from vbptrack.models.fields import (
    Code,
    Email,
    InsuranceCode,
    OptionalCode,
    OptionalProvinceCode,
    ProvinceCode,
    optional_text,
    text,
)

HOSPITAL = "hospital"
DISTRIBUTOR = "distributor"
PARTY_KINDS = (HOSPITAL, DISTRIBUTOR)

HOSPITAL_GRADES = ("三甲", "三乙", "三丙", "二甲", "二乙", "二丙", "一级", "未定级")
HOSPITAL_TYPES = ("综合医院", "专科医院", "中医医院", "妇幼保健院", "基层医疗机构", "民营医院")


class Party(SQLModel, table=True):
    __table_args__ = (
        # Backs the list order (province, name) and the province filter.
        Index("ix_party_kind_province_name", "kind", "province_code", "name"),
        Index("ix_party_kind_name", "kind", "name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    kind: str = Field(max_length=12)
    name: str = Field(max_length=200)
    legal_name: str | None = Field(default=None, max_length=200)
    province_code: str | None = Field(default=None, foreign_key="province.code", max_length=2)
    city: str | None = Field(default=None, max_length=50)
    address: str | None = Field(default=None, max_length=300)
    # Hospital-only attributes; empty for distributors.
    grade: str | None = Field(default=None, max_length=10)
    hospital_type: str | None = Field(default=None, max_length=20)
    insurance_code: str | None = Field(default=None, max_length=20)
    rep_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    # The customer's default payment term; a contract or an invoice may override it.
    payment_term_id: int | None = Field(default=None, foreign_key="payment_term.id")
    contact_name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=120)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def is_hospital(self) -> bool:
        return self.kind == HOSPITAL


# --- input shapes: the API body, the form post and the import row all validate here ---

Grade = Literal["三甲", "三乙", "三丙", "二甲", "二乙", "二丙", "一级", "未定级"]


class HospitalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: text(200)  # type: ignore[valid-type]
    province_code: ProvinceCode
    city: optional_text(50) = None  # type: ignore[valid-type]
    grade: Grade | None = None
    hospital_type: optional_text(20) = None  # type: ignore[valid-type]
    insurance_code: InsuranceCode = None
    rep: optional_text(60) = None  # type: ignore[valid-type]
    legal_name: optional_text(200) = None  # type: ignore[valid-type]
    address: optional_text(300) = None  # type: ignore[valid-type]
    contact_name: optional_text(50) = None  # type: ignore[valid-type]
    phone: optional_text(30) = None  # type: ignore[valid-type]
    email: Email = None
    # The customer's default payment term code (NET90, VBP …); invoices may override it.
    payment_term: OptionalCode = None
    active: bool = True


class DistributorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: text(200)  # type: ignore[valid-type]
    province_code: OptionalProvinceCode = None
    city: optional_text(50) = None  # type: ignore[valid-type]
    legal_name: optional_text(200) = None  # type: ignore[valid-type]
    address: optional_text(300) = None  # type: ignore[valid-type]
    contact_name: optional_text(50) = None  # type: ignore[valid-type]
    phone: optional_text(30) = None  # type: ignore[valid-type]
    email: Email = None
    # The customer's default payment term code (NET90, VBP …); invoices may override it.
    payment_term: OptionalCode = None
    active: bool = True
