"""VBPTRACK_DATE_MIN / VBPTRACK_DATE_MAX: the dates users may give, on every surface —
API bodies, imports, query strings and pages — from the running app's settings."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.factories import api_token, make_hospital, make_user
from vbptrack import config as app_config
from vbptrack import create_app
from vbptrack.db import get_engine, session_scope
from vbptrack.imports.kinds import KINDS
from vbptrack.imports.runner import run_import
from vbptrack.services.access import SYSTEM

NARROW = {"DATE_MIN": "2020-01-01", "DATE_MAX": "2030-12-31"}
BETWEEN = "Enter a date between 2020-01-01 and 2030-12-31."


@pytest.fixture
def narrow_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(app_config.test_config(database_url, INSTANCE_PATH=str(tmp_path), **NARROW))
    yield app
    get_engine(app).dispose()


def test_a_narrower_range_holds_for_the_api_imports_and_query_strings(narrow_app: Flask) -> None:
    with session_scope(narrow_app) as db:
        make_hospital(db, "H1")
        headers = api_token(db, make_user(db, "qian", "finance"))
    client = narrow_app.test_client()
    body = {"number": "I-1", "customer_code": "H1", "invoice_date": "2024-01-05",
            "amount": "10", "due_date": "2031-01-01"}  # fmt: skip
    refused = client.post("/api/v1/invoices", json=body, headers=headers)
    assert refused.status_code == 422
    assert refused.json["error"]["fields"] == {"due_date": BETWEEN}
    accepted = client.post(
        "/api/v1/invoices", json={**body, "due_date": "2030-12-31"}, headers=headers
    )
    assert accepted.status_code == 201, accepted.json
    # The default range's first days are outside this one.
    ageing = client.get("/api/v1/receivables/collections?as_of=2019-12-31", headers=headers)
    assert ageing.status_code == 422 and ageing.json["error"]["fields"] == {"as_of": BETWEEN}
    with narrow_app.app_context(), session_scope(narrow_app) as db:
        result = run_import(
            db,
            actor=SYSTEM,
            kind=KINDS["invoices"],
            source=io.BytesIO(
                b"number,customer_code,invoice_date,amount,due_date\nI-2,H1,2019-12-31,10,2024-01-31\n"
            ),
            filename="invoices.csv",
        )
    assert [str(p) for p in result.problems] == [f"row 2, column invoice_date: {BETWEEN}"]


@pytest.mark.parametrize(
    "settings",
    [
        {"DATE_MIN": "2020/01/01"},
        {"DATE_MAX": "9999-12-31"},
        {"DATE_MIN": "2031-01-01", "DATE_MAX": "2030-12-31"},
    ],
)
def test_a_range_that_cannot_be_used_stops_the_start(
    database_url: str, tmp_path: Path, settings: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match="VBPTRACK_DATE_MIN / VBPTRACK_DATE_MAX"):
        create_app(app_config.test_config(database_url, INSTANCE_PATH=str(tmp_path), **settings))


def test_the_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VBPTRACK_DATE_MIN", "2010-01-01")
    monkeypatch.setenv("VBPTRACK_DATE_MAX", "2040-12-31")
    settings = app_config.from_environment(tmp_path)
    assert (settings["DATE_MIN"], settings["DATE_MAX"]) == ("2010-01-01", "2040-12-31")
