"""Input shapes for receivables: API bodies, form posts and import rows validate here."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from vbptrack.models.fields import (
    Code,
    Day,
    Money,
    OptionalCode,
    OptionalDay,
    PositiveMoney,
    Reference,
    optional_text,
    text,
)

RuleName = Literal[
    "days_after_base",
    "days_after_base_month_end",
    "months_after_base",
    "end_of_month_after_months",
]
BaseName = Literal["invoice_date", "acceptance_date"]


class TermInstalmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    portion: Decimal = Field(gt=0, le=100, max_digits=9, decimal_places=4)
    rule: RuleName
    n: int = Field(ge=0, le=3650)
    base: BaseName = "invoice_date"


class PaymentTermIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: text(100)  # type: ignore[valid-type]
    instalments: list[TermInstalmentIn] = Field(min_length=1, max_length=12)

    @model_validator(mode="after")
    def portions_sum_to_100(self) -> PaymentTermIn:
        total = sum((item.portion for item in self.instalments), Decimal(0))
        if total != 100:
            raise PydanticCustomError(
                "portions_total",
                "portions must sum to exactly 100, not {total}",
                {"total": str(total)},
            )
        return self


class InvoiceLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_code: Code
    quantity: int = Field(ge=1, le=10**9)
    unit_price: PositiveMoney


class InvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Reference
    customer_code: Code
    invoice_date: Day
    acceptance_date: OptionalDay = None
    amount: PositiveMoney
    tax: Money | None = None
    payment_term: OptionalCode = None
    due_date: OptionalDay = None
    distributor_code: OptionalCode = None
    lines: list[InvoiceLineIn] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def one_way_to_the_due_date(self) -> InvoiceIn:
        if self.payment_term is not None and self.due_date is not None:
            raise PydanticCustomError(
                "term_and_due_date", "give a payment term or a due date, not both"
            )
        if self.due_date is not None and self.due_date < self.invoice_date:
            raise PydanticCustomError(
                "due_before_invoice", "the due date is before the invoice date"
            )
        return self


class AllocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invoice_number: Reference
    amount: PositiveMoney


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: Reference
    customer_code: Code
    date: Day
    amount: PositiveMoney
    allocations: list[AllocationIn] = Field(default_factory=list, max_length=1000)
    note: optional_text(300) = None  # type: ignore[valid-type]


class CreditNoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Reference
    customer_code: Code
    date: Day
    amount: PositiveMoney
    invoice_number: Reference | None = None
    reason: optional_text(300) = None  # type: ignore[valid-type]


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: text(300)  # type: ignore[valid-type]


class WriteOffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: Day
    amount: PositiveMoney
    reason: text(300)  # type: ignore[valid-type]
