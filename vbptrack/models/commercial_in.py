"""Input shapes for tenders, awards, agreed volumes and purchases: the API bodies, the
forms and the import rows all validate here."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as InputField
from pydantic_core import PydanticCustomError

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

Quantity = Annotated[int, InputField(ge=0, le=10**12)]
TenderKind = Literal["national_vbp", "alliance", "provincial", "hospital"]
TenderStatus = Literal[
    "planned",
    "registered",
    "documents_submitted",
    "bid_submitted",
    "result_published",
    "appeal",
    "won",
    "lost",
    "withdrawn",
    "cancelled",
]
Outcome = Literal["pending", "won", "lost", "withdrawn"]


class AwardYearIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = InputField(ge=1, le=10)
    start: Day
    end: Day

    @model_validator(mode="after")
    def _ordered(self) -> AwardYearIn:
        if self.end < self.start:
            raise PydanticCustomError("year_ends_before_start", "ends before it starts")
        return self


class AwardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    batch: text(100)  # type: ignore[valid-type]
    product_code: Code
    price: PositiveMoney
    winners_count: int = InputField(ge=1, le=100)
    rank: int | None = InputField(default=None, ge=1, le=100)
    supply_provinces: list[ProvinceCode] = InputField(min_length=1, max_length=40)
    backup_provinces: list[ProvinceCode] = InputField(default_factory=list, max_length=40)
    years: list[AwardYearIn] = InputField(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _consistent(self) -> AwardIn:
        numbers = [y.year for y in self.years]
        if len(set(numbers)) != len(numbers):
            raise PydanticCustomError("years_repeated", "an agreement year is given twice")
        if self.rank is not None and self.rank > self.winners_count:
            raise PydanticCustomError("rank_above_winners", "the rank exceeds the winners")
        return self


class AgreedVolumeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hospital_code: Code
    year: int = InputField(ge=1, le=10)
    quantity: Quantity | None = None
    # Reported demand (报量): when no quantity is given, agreed = reported × share.
    reported_quantity: Quantity | None = None

    @model_validator(mode="after")
    def _one_quantity(self) -> AgreedVolumeIn:
        if self.quantity is None and self.reported_quantity is None:
            raise PydanticCustomError("quantity_or_reported", "give a quantity or reported demand")
        return self


class PurchaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hospital_code: Code
    product_code: Code
    date: Day
    quantity: Quantity
    amount: PositiveMoney | None = None
    distributor_code: OptionalCode = None
    # The platform's order-line number; re-sending the same reference counts once.
    reference: Reference | None = None


class TenderDatesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    announcement: OptionalDay = None
    registration: OptionalDay = None
    documents: OptionalDay = None
    bid: OptionalDay = None
    opening: OptionalDay = None
    result: OptionalDay = None


class TenderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    title: text(200)  # type: ignore[valid-type]
    kind: TenderKind
    platform: optional_text(100) = None  # type: ignore[valid-type]
    province_codes: list[ProvinceCode] = InputField(default_factory=list, max_length=40)
    status: TenderStatus = "planned"
    dates: TenderDatesIn = InputField(default_factory=TenderDatesIn)


class TenderStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TenderStatus
    date: Day
    note: optional_text(500) = None  # type: ignore[valid-type]


class BidLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_code: Code
    price_per_unit: PositiveMoney
    # Per pack defaults to the unit price × the product's pack size.
    price_per_pack: PositiveMoney | None = None
    reported_quantity: Quantity | None = None
    outcome: Outcome = "pending"


class TenderDocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: text(120)  # type: ignore[valid-type]
    expires: OptionalDay = None
    ready: bool = False


class AwardFromLineIn(BaseModel):
    """Turn a won bid line into an award: what the line does not already say."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    batch: optional_text(100) = None  # type: ignore[valid-type]
    winners_count: int = InputField(ge=1, le=100)
    rank: int | None = InputField(default=None, ge=1, le=100)
    supply_provinces: list[ProvinceCode] = InputField(default_factory=list, max_length=40)
    backup_provinces: list[ProvinceCode] = InputField(default_factory=list, max_length=40)
    years: list[AwardYearIn] = InputField(min_length=1, max_length=10)


def first_day(years: list[AwardYearIn]) -> date:
    return min(y.start for y in years)
