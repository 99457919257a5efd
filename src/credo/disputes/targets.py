"""What a case is about: the current views of the record chains behind its target, only if
they are the subject's (another subject's record is "not found", never "forbidden")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from credo.errors import NotFound
from credo.lists.service import records_of_entry
from credo.records.queries import (
    CurrentRecord,
    chains_of_records,
    current_record,
    statements_of_record,
)


def chain_of_subject(conn: Connection, subject_id: int, record_ref: str) -> CurrentRecord | None:
    """The current view of the chain that ``record_ref`` (a record id of any revision, or a
    chain id) names, only if it belongs to ``subject_id``."""
    statements = statements_of_record(conn, record_ref)
    chain = current_record(conn, statements[0].chain_id if statements else record_ref)
    return chain if chain is not None and chain.subject_id == subject_id else None


def chain_of(conn: Connection, subject_id: int, record_ref: str) -> CurrentRecord:
    """The chain a record id (of any revision) or chain id names in the subject's file."""
    chain = chain_of_subject(conn, subject_id, record_ref)
    if chain is None:
        raise NotFound(f"no record {record_ref!r} in your file")
    return chain


def target_chains(
    conn: Connection, subject_id: int, target_kind: str, target_ref: str
) -> list[CurrentRecord]:
    """The chains behind a repair target: one record, or the records of a list entry. Ending
    their effect ends the entry and its measures, because entries and measures are derived
    from records at check time (G-16)."""
    if target_kind == "record":
        chain_ids = [target_ref]
    else:
        record_ids = records_of_entry(conn, target_ref, subject_id)
        chain_ids = chains_of_records(conn, record_ids) if record_ids is not None else []
        if not chain_ids:
            raise NotFound(f"no list entry {target_ref!r} in your file")
    chains = [chain_of_subject(conn, subject_id, ref) for ref in chain_ids]
    present = [c for c in chains if c is not None]
    if not present:
        raise NotFound(f"no record {target_ref!r} in your file")
    return present


def application_chains(conn: Connection, application: Mapping[Any, Any]) -> list[CurrentRecord]:
    return target_chains(
        conn, application["subject_id"], application["target_kind"], application["target_ref"]
    )


def chains_named(conn: Connection, application: Mapping[Any, Any]) -> list[CurrentRecord]:
    """The records an application is about, to name them in its notices (none if gone)."""
    try:
        return application_chains(conn, application)
    except NotFound:
        return []
