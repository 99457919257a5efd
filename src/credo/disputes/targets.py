"""What a case is about: the current views of the record chains behind its target, only if
they are the subject's (another subject's record is "not found", never "forbidden")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from credo.disputes import peers, repository
from credo.errors import NotFound


def chain_of(conn: Connection, subject_id: int, record_ref: str) -> RowMapping:
    """The chain a record id (of any revision) or chain id names in the subject's file."""
    chain = repository.chain_of_subject(conn, subject_id, record_ref)
    if chain is None:
        raise NotFound(f"no record {record_ref!r} in your file")
    return chain


def target_chains(
    conn: Connection, subject_id: int, target_kind: str, target_ref: str
) -> list[RowMapping]:
    """The chains behind a repair target: one record, or the records of a list entry."""
    if target_kind == "record":
        chain_ids = [target_ref]
    else:
        found = peers.chains_of_list_entry(conn, target_ref, subject_id)
        if not found:
            raise NotFound(f"no list entry {target_ref!r} in your file")
        chain_ids = found
    chains = [repository.chain_of_subject(conn, subject_id, ref) for ref in chain_ids]
    present = [c for c in chains if c is not None]
    if not present:
        raise NotFound(f"no record {target_ref!r} in your file")
    return present


def application_chains(conn: Connection, application: Mapping[Any, Any]) -> list[RowMapping]:
    return target_chains(
        conn, application["subject_id"], application["target_kind"], application["target_ref"]
    )


def chains_named(conn: Connection, application: Mapping[Any, Any]) -> list[RowMapping]:
    """The records an application is about, to name them in its notices (none if gone)."""
    try:
        return application_chains(conn, application)
    except NotFound:
        return []
