"""Alembic environment: runs migrations over the URL set by credo.db.migrate."""

from __future__ import annotations

from alembic import context

from credo.db.connect import make_engine
from credo.db.metadata import import_all_tables

config = context.config
target_metadata = import_all_tables()


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
