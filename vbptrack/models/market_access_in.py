"""Input shapes for filings, listings and contracts: API bodies, form posts, import rows."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vbptrack.models.fields import (
    Code,
    Day,
    OptionalCode,
    OptionalDay,
    PositiveMoney,
    ProvinceCode,
    Reference,
    optional_text,
    text,
)

FilingKind = Literal["price", "insurance"]
FilingStatus = Literal[
    "draft",
    "submitted",
    "under_review",
    "approved",
    "suspended",
    "expired",
    "rejected",
    "withdrawn",
]
ListingStatus = Literal[
    "not_started",
    "applied",
    "pharmacy_review",
    "committee_scheduled",
    "approved_trial",
    "listed",
    "temporary_purchase",
    "rejected",
    "delisted",
]
ContractKind = Literal["supply", "distribution", "vbp_purchase", "service"]


class FilingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: FilingKind
    product_code: Code
    province_code: ProvinceCode
    status: FilingStatus
    # The day of this status; today (Asia/Shanghai) when not given.
    date: OptionalDay = None
    effective: OptionalDay = None
    expires: OptionalDay = None
    price: PositiveMoney | None = None
    reference: optional_text(60) = None  # type: ignore[valid-type]
    note: optional_text(500) = None  # type: ignore[valid-type]
    # Names of the documents filed (the files themselves stay on the platform).
    attachments: list[text(200)] = Field(default_factory=list, max_length=20)  # type: ignore[valid-type]


class ListingChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ListingStatus
    date: Day
    note: optional_text(500) = None  # type: ignore[valid-type]
    next_step: optional_text(300) = None  # type: ignore[valid-type]


class RenewalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["manual", "auto"] = "manual"
    notice_days: int = Field(default=0, ge=0, le=3650)
    months: int = Field(default=0, ge=0, le=120)


class ContractLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_code: Code
    price: PositiveMoney


class ContractIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Reference
    party_code: Code
    kind: ContractKind
    start: Day
    end: Day
    value: PositiveMoney | None = None
    payment_term: OptionalCode = None
    renewal: RenewalIn = Field(default_factory=RenewalIn)
    lines: list[ContractLineIn] = Field(default_factory=list, max_length=500)


class RenewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Reference
    start: OptionalDay = None
    end: Day


class TerminateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: Day
    reason: text(300)  # type: ignore[valid-type]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: Day
