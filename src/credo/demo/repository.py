"""The few queries the demo build needs besides the domain repositories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, RowMapping, func, select

from credo.records.effect import EffectRule
from credo.records.repository import in_effect
from credo.records.tables import record_current
from credo.subjects.tables import subject_identifiers, subjects


def subject_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(subjects)).scalar_one())


def person_with_effective_record(conn: Connection, record_type: str, on: date) -> int | None:
    """A person with a record of ``record_type`` in effect on ``on`` (the demo subject, who
    has something worth disputing)."""
    query = (
        select(record_current.c.subject_id)
        .join(subjects, subjects.c.id == record_current.c.subject_id)
        .where(
            subjects.c.kind == "person",
            record_current.c.record_type == record_type,
            in_effect(EffectRule(), on),
        )
        # The oldest determination still in force: its list entry is past its notice period.
        .order_by(record_current.c.effective_from, record_current.c.subject_id)
        .limit(1)
    )
    found = conn.execute(query).scalar()
    return int(found) if found is not None else None


def records_in_effect(
    conn: Connection, record_types: Sequence[str], on: date, limit: int
) -> list[RowMapping]:
    """Records of ``record_types`` in effect on ``on``, in a stable order (dispute and repair
    candidates for the demo)."""
    query = (
        select(
            record_current.c.subject_id,
            record_current.c.record_id,
            record_current.c.record_type,
            record_current.c.effective_from,
        )
        .where(
            record_current.c.record_type.in_(list(record_types)),
            in_effect(EffectRule(), on),
        )
        .order_by(record_current.c.chain_id)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def entries_in_effect(conn: Connection, record_type: str, on: date) -> list[RowMapping]:
    """Records of ``record_type`` in effect on ``on`` with their subject's first identifier
    (a furnisher's current list on that day)."""
    first = (
        select(
            subject_identifiers.c.subject_id,
            func.min(subject_identifiers.c.scheme).label("scheme"),
        )
        .group_by(subject_identifiers.c.subject_id)
        .subquery()
    )
    query = (
        select(
            record_current.c.source_ref,
            record_current.c.occurred_on,
            record_current.c.term_ends_on,
            record_current.c.payload,
            subjects.c.kind,
            subjects.c.display_name,
            subject_identifiers.c.scheme,
            subject_identifiers.c.value,
        )
        .join(subjects, subjects.c.id == record_current.c.subject_id)
        .join(first, first.c.subject_id == record_current.c.subject_id)
        .join(
            subject_identifiers,
            (subject_identifiers.c.subject_id == first.c.subject_id)
            & (subject_identifiers.c.scheme == first.c.scheme),
        )
        .where(record_current.c.record_type == record_type, in_effect(EffectRule(), on))
        .order_by(record_current.c.source_ref)
    )
    return list(conn.execute(query).mappings())
