"""Products: drugs, consumables and reagents, counted in their smallest unit."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from pydantic import Field as InputField
from sqlmodel import Field, SQLModel

from vbptrack.models.base import utcnow
from vbptrack.models.fields import Code, optional_text, text

PRODUCT_CATEGORIES = (
    "drug",
    "high_value_consumable",
    "low_value_consumable",
    "ivd_reagent",
)


class Product(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    generic_name: str = Field(max_length=200, index=True)
    brand: str | None = Field(default=None, max_length=100)
    dosage_form: str | None = Field(default=None, max_length=50)
    specification: str | None = Field(default=None, max_length=100)
    # The smallest unit quantities are counted in (片, 支, 个 …) and how many make a pack.
    unit: str = Field(max_length=20)
    pack_size: int = Field(default=1)
    category: str = Field(default="drug", max_length=30)
    approval_number: str | None = Field(default=None, max_length=60)
    manufacturer: str | None = Field(default=None, max_length=200)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# --- input shape shared by the API, the form and the import ---

Category = Literal["drug", "high_value_consumable", "low_value_consumable", "ivd_reagent"]


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    generic_name: text(200)  # type: ignore[valid-type]
    brand: optional_text(100) = None  # type: ignore[valid-type]
    dosage_form: optional_text(50) = None  # type: ignore[valid-type]
    specification: optional_text(100) = None  # type: ignore[valid-type]
    unit: text(20)  # type: ignore[valid-type]
    pack_size: int = InputField(default=1, ge=1, le=100_000)
    category: Category = "drug"
    approval_number: optional_text(60) = None  # type: ignore[valid-type]
    manufacturer: optional_text(200) = None  # type: ignore[valid-type]
    active: bool = True
