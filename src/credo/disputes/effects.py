"""What every due-process step does after it changes a record's effect: a change-feed row and
the subject hooks in the same transaction (ratings and list entries follow at once,
``credo.records.service.effect_changed``), and correction notices to every relying party that
relied on the record (G-30)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from credo.audit import service as audit
from credo.disputes import peers
from credo.notices.service import Notice, enqueue
from credo.records.queries import current_of_chains, statements_of_chain
from credo.records.service import WriteContext


def log(
    conn: Connection,
    actor: str,
    action: str,
    subject_id: int | None,
    payload: Mapping[str, Any],
    now: datetime,
) -> None:
    audit.append(conn, actor, action, subject_id, payload, now)


def send_corrections(
    conn: Connection,
    ctx: WriteContext,
    subject_id: int,
    chain_ids: list[str],
    change: str,
    now: datetime,
) -> int:
    """Queue a correction notice to each relying party whose decision, within the profile's
    look-back, relied on one of these records (G-30). Returns how many were queued."""
    lookback = ctx.catalogue.profile.correction_lookback_days
    since = None if lookback is None else now - timedelta(days=lookback)
    notices = []
    for chain_id, chain in sorted(current_of_chains(conn, chain_ids).items()):
        record_ids = [s.record_id for s in statements_of_chain(conn, chain_id)]
        for recipient in peers.recipients_of_records(
            conn, ctx.catalogue, subject_id, chain.record_type, record_ids, since
        ):
            notices.append(_correction(recipient, subject_id, chain_id, change))
    enqueue(conn, notices, now)
    return len(notices)


def _correction(recipient: peers.Recipient, subject_id: int, chain_id: str, change: str) -> Notice:
    return Notice(
        "relying_party",
        recipient.relying_party_id,
        "correction",
        f"Correction: a record your decision {recipient.decision_id} relied on was {change}",
        f"Decision {recipient.decision_id} ({recipient.purpose}, {recipient.decided_at}) relied "
        f"on record {chain_id}, which has since been {change}. Do not rely on that decision any "
        "longer; check again if you still need a decision (G-30, G-39).",
        subject_id=subject_id,
        payload={"decision_id": recipient.decision_id, "chain_id": chain_id, "change": change},
        dedupe_key=f"correction:{change}:{chain_id}:{recipient.decision_id}",
    )
