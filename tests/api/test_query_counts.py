"""A list costs the same number of queries for 5 rows as for 40: no query per row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlmodel import Session

from tests.factories import api_token, make_hospital, make_user
from vbptrack.db import get_engine


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def test_hospital_list_queries_do_not_grow_with_rows(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    headers = api_token(db, make_user(db, "mgr", "manager"))
    make_user(db, "li.na", "rep")
    for index in range(40):
        make_hospital(db, f"H{index:03d}", rep="li.na", payment_term="NET90")
    # The first call also records when the token was last used (at most once a minute).
    assert client.get("/api/v1/hospitals", headers=headers).status_code == 200
    costs = {}
    for per_page in (5, 40):
        with counted(app) as statements:
            response = client.get(f"/api/v1/hospitals?per_page={per_page}", headers=headers)
        assert response.status_code == 200
        assert len(response.json["items"]) == per_page
        assert {i["rep"] for i in response.json["items"]} == {"li.na"}
        assert {i["payment_term"] for i in response.json["items"]} == {"NET90"}
        costs[per_page] = len(statements)
    assert costs[40] == costs[5], costs
