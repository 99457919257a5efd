"""All SQL about principals and API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from credo.access.tables import principals


def insert_principal(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(principals.insert().values(**row))


def by_key_hash(conn: Connection, key_hash: str) -> RowMapping | None:
    return (
        conn.execute(
            select(principals).where(
                principals.c.key_hash == key_hash, principals.c.disabled_at.is_(None)
            )
        )
        .mappings()
        .first()
    )


def get(conn: Connection, principal_id: str) -> RowMapping | None:
    return (
        conn.execute(select(principals).where(principals.c.id == principal_id)).mappings().first()
    )


def replace_key(conn: Connection, principal_id: str, key_hash: str, prefix: str) -> None:
    conn.execute(
        principals.update()
        .where(principals.c.id == principal_id)
        .values(key_hash=key_hash, key_prefix=prefix)
    )


def disable(conn: Connection, principal_id: str, at: datetime) -> None:
    conn.execute(principals.update().where(principals.c.id == principal_id).values(disabled_at=at))


def all_principals(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(select(principals).order_by(principals.c.id)).mappings())
