"""Issuing and checking API keys. Keys are random; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import Connection, RowMapping

from credo.access import repository
from credo.access.model import Principal, Role
from credo.audit import service as audit
from credo.catalog.catalogue import Catalogue
from credo.errors import Conflict, NotAuthenticated, ValidationFailed


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_principal(
    conn: Connection,
    catalogue: Catalogue,
    *,
    principal_id: str,
    role: Role,
    display_name: str,
    now: datetime,
    furnisher_id: str | None = None,
    relying_party_id: str | None = None,
    subject_id: int | None = None,
    key: str | None = None,
) -> str:
    """Create a principal and return its API key (shown once, stored only as a hash)."""
    _check_scope(catalogue, role, furnisher_id, relying_party_id, subject_id)
    if repository.get(conn, principal_id) is not None:
        raise Conflict(f"principal {principal_id!r} already exists")
    key = key or f"credo_{role.value}_{secrets.token_urlsafe(24)}"
    repository.insert_principal(
        conn,
        {
            "id": principal_id,
            "role": role.value,
            "display_name": display_name,
            "furnisher_id": furnisher_id,
            "relying_party_id": relying_party_id,
            "subject_id": subject_id,
            "key_hash": hash_key(key),
            "key_prefix": key[:12],
            "created_at": now,
        },
    )
    logged = {"principal_id": principal_id, "role": role.value, "key_prefix": key[:12]}
    audit.append(conn, "admin", "principal.create", subject_id, logged, now)  # G-47, G-50
    return key


def _check_scope(
    catalogue: Catalogue,
    role: Role,
    furnisher_id: str | None,
    relying_party_id: str | None,
    subject_id: int | None,
) -> None:
    """Least privilege: each role is bound to exactly the scope it acts for."""
    if role is Role.FURNISHER and furnisher_id not in catalogue.furnishers:
        raise ValidationFailed(
            f"a furnisher principal needs a registered furnisher, not {furnisher_id!r}"
        )
    if role is Role.RELYING_PARTY and relying_party_id not in catalogue.relying_parties:
        raise ValidationFailed(
            f"a relying-party principal needs a registered relying party, not {relying_party_id!r}"
        )
    if role is Role.SUBJECT and subject_id is None:
        raise ValidationFailed("a subject principal needs a subject id")
    if role is Role.PUBLIC:
        raise ValidationFailed("the public needs no key")


def authenticate(conn: Connection, key: str | None) -> Principal:
    if not key:
        raise NotAuthenticated("send your API key as 'Authorization: Bearer <key>'")
    row = repository.by_key_hash(conn, hash_key(key))
    if row is None:
        raise NotAuthenticated("the API key is not valid (unknown or disabled)")
    return principal_from_row(row)


def principal_from_row(row: RowMapping) -> Principal:
    return Principal(
        id=row["id"],
        role=Role(row["role"]),
        display_name=row["display_name"],
        furnisher_id=row["furnisher_id"],
        relying_party_id=row["relying_party_id"],
        subject_id=row["subject_id"],
    )


def enabled_principal(conn: Connection, principal_id: str) -> Principal | None:
    """The principal with this id; None when there is none, or it is disabled."""
    row = repository.get(conn, principal_id)
    if row is None or row.get("disabled_at") is not None:
        return None
    return principal_from_row(row)


def find_principal(conn: Connection, principal_id: str) -> Principal | None:
    """The principal with this id, enabled or not; None when there is none."""
    row = repository.get(conn, principal_id)
    return None if row is None else principal_from_row(row)
