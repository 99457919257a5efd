"""All SQL of governance: the registry state a simulation ran on, the groups subjects fall in
(kind, region, furnisher, record type), the stored simulations and the activated versions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, case, func, select

from credo.audit import repository as audit_repo
from credo.audit.tables import catalogue_changes
from credo.db.sql import chunks
from credo.governance.tables import (
    catalogue_rule_versions,
    catalogue_simulations,
    catalogue_versions,
)
from credo.records.tables import change_feed, record_current
from credo.subjects.tables import subject_identifiers, subjects

# The schemes whose values name an administrative division (GB/T 2260): a resident id's first
# six digits, and the six after the USCC's registering-authority code (characters 3-8).
REGION_OF_SCHEME = {"cn_ric": 1, "cn_uscc": 3}  # 1-based start of the six-digit code


# -- the registry state ---------------------------------------------------------------------


def registry_state(conn: Connection) -> tuple[int, str, int]:
    """(audit head seq, its hash, change-feed head): what a simulation ran on."""
    head = audit_repo.head(conn)
    feed = conn.execute(select(func.coalesce(func.max(change_feed.c.seq), 0))).scalar_one()
    seq, digest = head if head else (0, "0" * 64)
    return int(seq), str(digest), int(feed)


def audit_hash_at(conn: Connection, seq: int) -> str | None:
    """The hash of this registry's audit entry ``seq`` (None: no such entry)."""
    if seq == 0:
        return "0" * 64
    row = audit_repo.entry_at(conn, seq)
    return None if row is None else str(row["hash"])


def feed_head(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(change_feed.c.seq), 0))).scalar_one())


# -- rating-band list entries ---------------------------------------------------------------


# -- groups ---------------------------------------------------------------------------------


def _region_expression() -> Any:
    ident = subject_identifiers.c
    return case(
        *[
            (ident.scheme == scheme, func.substr(ident.value, start, 6))
            for scheme, start in REGION_OF_SCHEME.items()
        ],
        else_=None,
    )


def subject_groups(conn: Connection, subject_ids: Sequence[int]) -> Iterator[tuple[int, str, str]]:
    """(subject id, dimension, group) rows for these subjects: ``kind``, ``region`` (the
    administrative division of a resident id or USCC; absent for other schemes), and every
    ``furnisher`` and ``record_type`` of their current records."""
    ident = subject_identifiers.c
    rc = record_current.c
    for part in chunks(sorted(set(subject_ids)), 900):
        kinds = select(subjects.c.id, subjects.c.kind).where(subjects.c.id.in_(part))
        yield from ((s, "kind", k) for s, k in conn.execute(kinds))
        regions = select(ident.subject_id, _region_expression()).where(
            ident.subject_id.in_(part), ident.scheme.in_(list(REGION_OF_SCHEME))
        )
        yield from ((s, "region", r) for s, r in conn.execute(regions) if r)
        held = (
            select(rc.subject_id, rc.furnisher_id, rc.record_type)
            .where(rc.subject_id.in_(part))
            .distinct()
        )
        for s, furnisher, record_type in conn.execute(held):
            yield s, "furnisher", furnisher
            yield s, "record_type", record_type


def population(conn: Connection) -> dict[str, dict[str, int]]:
    """dimension -> group -> subjects with at least one current record, in the same groups
    as ``subject_groups`` (the denominators of adverse rates)."""
    rc = record_current.c
    ident = subject_identifiers.c
    held = select(rc.subject_id).distinct().subquery()
    out: dict[str, dict[str, int]] = {}
    kinds = (
        select(subjects.c.kind, func.count())
        .where(subjects.c.id.in_(select(held.c.subject_id)))
        .group_by(subjects.c.kind)
    )
    out["kind"] = {k: int(n) for k, n in conn.execute(kinds)}
    region = _region_expression().label("region")
    regions = (
        select(region, func.count(func.distinct(ident.subject_id)))
        .where(
            ident.scheme.in_(list(REGION_OF_SCHEME)),
            ident.subject_id.in_(select(held.c.subject_id)),
        )
        .group_by(region)
    )
    out["region"] = {r: int(n) for r, n in conn.execute(regions) if r}
    for dimension, column in (("furnisher", rc.furnisher_id), ("record_type", rc.record_type)):
        query = select(column, func.count(func.distinct(rc.subject_id))).group_by(column)
        out[dimension] = {g: int(n) for g, n in conn.execute(query)}
    return out


def subject_ids_with_records(conn: Connection) -> list[int]:
    query = select(record_current.c.subject_id).distinct().order_by(record_current.c.subject_id)
    return [int(row[0]) for row in conn.execute(query)]


def subjects_with_records(conn: Connection) -> int:
    query = select(func.count(func.distinct(record_current.c.subject_id)))
    return int(conn.execute(query).scalar_one())


# -- simulations attached to changes --------------------------------------------------------


def insert_simulation(conn: Connection, row: dict[str, Any]) -> int:
    result = conn.execute(catalogue_simulations.insert().returning(catalogue_simulations.c.id), row)
    return int(result.scalar_one())


def simulation_of_change(conn: Connection, change_id: int) -> RowMapping | None:
    query = select(catalogue_simulations).where(catalogue_simulations.c.change_id == change_id)
    return conn.execute(query).mappings().first()


def changes_with_simulations(conn: Connection, limit: int = 100) -> list[RowMapping]:
    """The newest catalogue changes, each with its simulation's summary (or none)."""
    s = catalogue_simulations.c
    query = (
        select(
            catalogue_changes,
            s.id.label("simulation_id"),
            s.catalogue_hash,
            s.as_of,
            s.ran_at,
            s.sha256,
            s.summary,
        )
        .select_from(
            catalogue_changes.outerjoin(
                catalogue_simulations, and_(s.change_id == catalogue_changes.c.id)
            )
        )
        .order_by(catalogue_changes.c.id.desc())
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


# -- activated versions ---------------------------------------------------------------------


def insert_version(conn: Connection, row: dict[str, Any]) -> int:
    result = conn.execute(catalogue_versions.insert().returning(catalogue_versions.c.id), row)
    return int(result.scalar_one())


def insert_rule_versions(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(catalogue_rule_versions.insert(), list(rows))


def latest_version(conn: Connection) -> RowMapping | None:
    query = select(catalogue_versions).order_by(catalogue_versions.c.id.desc()).limit(1)
    return conn.execute(query).mappings().first()


def rule_history(conn: Connection) -> list[RowMapping]:
    """Every recorded rule version, oldest first (the public catalogue page's history)."""
    r = catalogue_rule_versions.c
    query = select(catalogue_rule_versions).order_by(r.section, r.rule_id, r.id)
    return list(conn.execute(query).mappings())
