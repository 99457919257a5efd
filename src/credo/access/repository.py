"""All SQL about principals and API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, or_, select

from credo.access.tables import portal_sessions, principals


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


def insert_session(
    conn: Connection, id_hash: str, principal_id: str, now: datetime, expires_at: datetime
) -> None:
    conn.execute(
        portal_sessions.insert().values(
            id_hash=id_hash, principal_id=principal_id, created_at=now, expires_at=expires_at
        )
    )


def principal_of_session(conn: Connection, id_hash: str, now: datetime) -> RowMapping | None:
    """The enabled principal of a live session (not expired, not revoked), or None."""
    query = (
        select(principals)
        .join(portal_sessions, portal_sessions.c.principal_id == principals.c.id)
        .where(
            portal_sessions.c.id_hash == id_hash,
            portal_sessions.c.revoked_at.is_(None),
            portal_sessions.c.expires_at > now,
            principals.c.disabled_at.is_(None),
        )
    )
    return conn.execute(query).mappings().first()


def revoke_session(conn: Connection, id_hash: str, now: datetime) -> None:
    conn.execute(
        portal_sessions.update()
        .where(portal_sessions.c.id_hash == id_hash, portal_sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def delete_sessions_ended_before(conn: Connection, moment: datetime) -> None:
    """Forget sessions that expired or were revoked before ``moment``."""
    conn.execute(
        portal_sessions.delete().where(
            or_(portal_sessions.c.expires_at < moment, portal_sessions.c.revoked_at < moment)
        )
    )
