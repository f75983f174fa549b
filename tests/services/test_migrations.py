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


def test_purchases_keep_their_rows_through_0008_down_and_up(database_url: str) -> None:
    """0008 makes `purchase` a fact table (no foreign keys, source_key the key); stored
    rows survive it both ways, and going down numbers them again."""
    migrate.downgrade(database_url, "0007")
    engine = create_engine(database_url)
    stamp = "2024-01-01 00:00:00"
    with engine.begin() as connection:
        connection.execute(
            text(
                "insert into party (code, kind, name, active, created_at, updated_at) "
                "values ('H1', 'hospital', 'H1', true, :t, :t)"
            ),
            {"t": stamp},
        )
        connection.execute(
            text(
                "insert into product (code, generic_name, unit, pack_size, category, active, "
                "created_at, updated_at) values ('P1', 'p', 'box', 1, 'drug', true, :t, :t)"
            ),
            {"t": stamp},
        )
        for key in ("ref:A", "ref:B"):
            connection.execute(
                text(
                    "insert into purchase (source_key, hospital_id, product_id, date, "
                    "quantity, created_at) select :key, party.id, product.id, '2024-01-05', "
                    "3, :t from party, product"
                ),
                {"key": key, "t": stamp},
            )
    engine.dispose()
    migrate.upgrade(database_url)
    engine = create_engine(database_url)
    columns = {c["name"] for c in inspect(engine).get_columns("purchase")}
    assert "id" not in columns
    assert inspect(engine).get_pk_constraint("purchase")["constrained_columns"] == ["source_key"]
    assert inspect(engine).get_foreign_keys("purchase") == []
    with engine.connect() as connection:
        keys = connection.execute(text("select source_key from purchase order by 1")).scalars()
        assert list(keys) == ["ref:A", "ref:B"]
    engine.dispose()
    migrate.downgrade(database_url, "0007")
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("select id, source_key from purchase order by 2")).all()
    assert len({r.id for r in rows}) == 2 and all(r.id for r in rows)
    assert len(inspect(engine).get_foreign_keys("purchase")) == 3
    engine.dispose()
    migrate.upgrade(database_url)
    assert migrate.check(database_url) is None


def test_0011_splits_the_standard_term_names_and_joins_them_going_down(database_url: str) -> None:
    """The seeded terms held both languages in one name; 0011 splits those still as seeded
    and leaves a name someone changed alone."""
    engine = create_engine(database_url)

    def names() -> dict[str, tuple[str, ...]]:
        with engine.connect() as connection:
            rows = connection.execute(text("select code, name, name_en from payment_term"))
            return {row.code: tuple(row[1:]) for row in rows}

    assert names()["NET90"] == ("开票后90天", "90 days after invoice")
    assert names()["VBP"] == ("集采结算：验收次月底", "VBP: end of the month after acceptance")
    with engine.begin() as connection:
        connection.execute(text("update payment_term set name = '自定义' where code = 'NET120'"))
    migrate.downgrade(database_url, "0010")
    with engine.connect() as connection:
        rows = connection.execute(text("select code, name from payment_term")).all()
    assert dict(rows)["NET90"] == "开票后90天 / 90 days after invoice"
    assert dict(rows)["NET120"] == "自定义"
    migrate.upgrade(database_url)
    assert names()["NET90"] == ("开票后90天", "90 days after invoice")
    assert names()["NET120"] == ("自定义", "")
    engine.dispose()
