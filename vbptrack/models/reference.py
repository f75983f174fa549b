"""Reference data seeded by migrations."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Province(SQLModel, table=True):
    """A provincial-level division by its GB/T 2260 two-digit code."""

    code: str = Field(primary_key=True, max_length=2)
    name: str = Field(max_length=20)
    short_name: str = Field(max_length=10)
    name_en: str = Field(max_length=40)
    # The province's VBP settlement term; empty means the national default
    # (end of the month after delivery acceptance).
    vbp_term_id: int | None = Field(default=None, foreign_key="payment_term.id")
