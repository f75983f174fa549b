"""Alembic environment: target the SQLModel metadata, URL from the app's config."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import context
from sqlalchemy import pool
from sqlmodel import SQLModel, create_engine

import vbptrack.models  # noqa: F401  registers every table on the metadata

config = context.config
target_metadata = SQLModel.metadata


def database_url() -> str:
    url = config.attributes.get("database_url") or os.environ.get("VBPTRACK_DATABASE_URL")
    if url:
        return str(url)
    return f"sqlite:///{Path.cwd() / 'instance' / 'vbptrack.db'}"


def run_migrations_offline() -> None:
    url = database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = database_url()
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            # SQLite cannot ALTER most things; batch mode copies the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
