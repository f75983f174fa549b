"""The upload page's templates: every column of every import kind has its example, and
each template, imported as downloaded, is accepted (one row written)."""

from __future__ import annotations

import io

import pytest
from sqlmodel import Session

from vbptrack.imports.kinds import KINDS
from vbptrack.imports.runner import run_import
from vbptrack.imports.templates import header, missing_examples, template_xlsx
from vbptrack.services import awards
from vbptrack.services.access import SYSTEM

# The order a new team fills vbptrack in: each example names the records of the ones before.
ORDER = ["hospitals", "distributors", "products", "invoices", "payments", "purchases",
         "agreed-volumes", "filings", "listings"]  # fmt: skip


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_column_has_an_example(name: str) -> None:
    assert missing_examples(KINDS[name]) == []


def test_headers_are_the_chinese_names_platforms_use() -> None:
    assert [header(c) for c in KINDS["purchases"].columns][:4] == [
        "医院编码", "产品编码", "采购日期", "采购数量",
    ]  # fmt: skip


def test_every_template_imports_as_it_is(db: Session) -> None:
    assert sorted(ORDER) == sorted(KINDS)
    for name in ORDER:
        if name == "agreed-volumes":
            awards.create(
                db,
                actor=SYSTEM,
                data={"code": "VBP10-P0001", "batch": "第十批", "product_code": "P0001",
                      "price": "0.32", "winners_count": 3, "supply_provinces": ["31"],
                      "years": [{"year": 1, "start": "2026-01-01", "end": "2026-12-31"}]},
            )  # fmt: skip
        result = run_import(
            db,
            actor=SYSTEM,
            kind=KINDS[name],
            source=io.BytesIO(template_xlsx(KINDS[name])),
            filename=f"{name}.xlsx",
        )
        assert result.problems == [], name
        assert (result.rows, result.written) == (1, 1), name
