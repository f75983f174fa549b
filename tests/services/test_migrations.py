"""Alembic is the only way the schema changes: models and migrations agree, and the
migrations go down and up again on both databases."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from vbptrack import migrate
from vbptrack.domain.provinces import PROVINCES


def test_models_and_migrations_agree(database_url: str) -> None:
    assert migrate.check(database_url) is None


def test_provinces_are_seeded(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("select code, name from province order by code")).all()
    engine.dispose()
    assert [(r.code, r.name) for r in rows] == [(p.code, p.name) for p in PROVINCES]


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    migrate.downgrade(database_url, "base")
    engine = create_engine(database_url)
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert tables == set()
    migrate.upgrade(database_url)
    assert migrate.check(database_url) is None
    assert "(head)" in migrate.current(database_url)
