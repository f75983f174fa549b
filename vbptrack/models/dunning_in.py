"""Input shapes for dunning: the policy (API body and form), a run, a delivery record."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from vbptrack.models.fields import Day, Email, Money, OptionalDay, optional_text, text


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise PydanticCustomError("money_float", "send a rate as a decimal string")
    if isinstance(value, str):
        return value.strip().removesuffix("%").strip()
    return value


Rate = Annotated[
    Decimal, BeforeValidator(_no_float), Field(ge=0, le=100, max_digits=9, decimal_places=4)
]


def _wording(value: Any) -> Any:
    if isinstance(value, str):
        from vbptrack.documents.wording import check_wording

        problem = check_wording(value)  # its length, constructs, output, syntax
        if problem is not None:
            raise PydanticCustomError(problem.kind, problem.text, problem.context)
    return value


# check_wording refuses more than documents.wording.MAX_TEMPLATE_CHARS before parsing;
# Field states the same bound for the API's schema (that module imports WeasyPrint, which
# a model must not pull in).
Wording = Annotated[str | None, BeforeValidator(_wording), Field(max_length=5000)]


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: int = Field(ge=1, le=9)
    name: text(60)  # type: ignore[valid-type]
    min_days_past_due: int = Field(ge=1, le=3650)
    annual_interest_rate: Rate = Decimal(0)
    fee: Money = Decimal(0)
    # None keeps what the level says now (or the default wording for a new level).
    title_zh: optional_text(60) = None  # type: ignore[valid-type]
    title_en: optional_text(60) = None  # type: ignore[valid-type]
    wording_zh: Wording = None
    wording_en: Wording = None


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_interval_days: int = Field(ge=0, le=365)
    payment_deadline_days: int = Field(ge=1, le=365)
    levels: list[LevelIn] = Field(min_length=1, max_length=9)
    # Who we are on the letter; None keeps what the policy says now.
    company_name_zh: optional_text(200) = None  # type: ignore[valid-type]
    company_name_en: optional_text(200) = None  # type: ignore[valid-type]
    address_zh: optional_text(300) = None  # type: ignore[valid-type]
    address_en: optional_text(300) = None  # type: ignore[valid-type]
    bank_name: optional_text(200) = None  # type: ignore[valid-type]
    bank_name_en: optional_text(200) = None  # type: ignore[valid-type]
    bank_account: optional_text(60) = None  # type: ignore[valid-type]
    contact_name: optional_text(60) = None  # type: ignore[valid-type]
    contact_name_en: optional_text(60) = None  # type: ignore[valid-type]
    contact_phone: optional_text(60) = None  # type: ignore[valid-type]
    contact_email: Email = None

    @model_validator(mode="after")
    def levels_escalate(self) -> PolicyIn:
        from vbptrack.domain.dunning import Level, check_levels

        problem = check_levels([Level(item.level, item.min_days_past_due) for item in self.levels])
        if problem is not None:
            raise PydanticCustomError("levels_order", problem)
        return self


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: Day
    dry_run: bool = False
    background: bool = False  # issue as a job: 202 {"job"} at once (API.md "Long work")


class DeliveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sent_via: Literal["post", "email", "hand"]
    sent_on: Day
    delivered_on: OptionalDay = None

    @model_validator(mode="after")
    def delivered_after_sent(self) -> DeliveryIn:
        if self.delivered_on is not None and self.delivered_on < self.sent_on:
            raise PydanticCustomError("delivered_before_sent", "delivered before it was sent")
        return self


class EmailIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Email = None
    lang: Literal["zh", "en"] = "zh"
