"""Notices to the subject when a furnisher ends or prolongs a record without a new decision:
a delisting (the authority ended it early, e.g. absent from a full-list delivery) and a
confirmation that keeps it in effect beyond the record type's maximum counted from the
decision's start (credo.records.effect: a confirmation restarts the ceiling). Each chain is
noticed once per kind (``dedupe_key``). ``make_hook`` is the subject hook form, for
``context.subject_hooks``; full-list deliveries call ``queue_record_notices`` directly."""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping

from credo.catalog.catalogue import Catalogue
from credo.clock import Clock
from credo.notices import repository
from credo.notices.service import Notice, enqueue
from credo.records import effect
from credo.records.service import SubjectHook


def make_hook(catalogue: Catalogue, clock: Clock) -> SubjectHook:
    def hook(
        conn: Connection, subject_ids: set[int], record_types: frozenset[str] | None = None
    ) -> None:
        queue_record_notices(conn, catalogue, subject_ids, clock)

    return hook


def queue_record_notices(
    conn: Connection, catalogue: Catalogue, subject_ids: set[int], clock: Clock
) -> int:
    """Queue the notices owed for these subjects' records; returns how many were new."""
    notices = []
    for row in repository.unnoticed_record_ends(conn, sorted(subject_ids)):
        notice = _notice(catalogue, row)
        if notice is not None:
            notices.append(notice)
    if notices:
        enqueue(conn, notices, clock.now())
    return len(notices)


def _notice(catalogue: Catalogue, row: RowMapping) -> Notice | None:
    record_type = catalogue.record_types.get(row["record_type"])
    furnisher = catalogue.furnishers.get(row["furnisher_id"])
    what = record_type.name.en if record_type else row["record_type"]
    who = furnisher.name.en if furnisher else row["furnisher_id"]
    payload = {
        "chain_id": row["chain_id"],
        "record_id": row["record_id"],
        "record_type": row["record_type"],
        "source_ref": row["source_ref"],
        "effect_until": row["effect_until"].isoformat(),
        "end_reason": row["end_reason"],
    }
    if row["state"] == "delisted":
        payload["delisted_on"] = row["ended_on"].isoformat()
        return Notice(
            "subject",
            str(row["subject_id"]),
            "record_delisted",
            f"Your record was delisted: {what}",
            f"{who} ended the record {row['source_ref']} ({what}) on {payload['delisted_on']}: "
            "it has no effect from that day. The history stays in your report; you may ask "
            "for a correction if anything in it is wrong.",
            subject_id=row["subject_id"],
            payload=payload,
            dedupe_key=f"record_delisted:{row['chain_id']}",
        )
    if record_type is None or row["state"] != "active":
        return None
    ceiling = effect.ceiling_end(record_type.max_effect, row["effective_from"])
    if row["effect_until"] <= ceiling:
        return None  # within the type's maximum from the start: nothing beyond the decision
    payload |= {"confirmed_on": row["confirmed_on"].isoformat(), "ceiling": ceiling.isoformat()}
    return Notice(
        "subject",
        str(row["subject_id"]),
        "record_confirmed",
        f"Your record was confirmed beyond its usual period: {what}",
        f"{who} confirmed on {payload['confirmed_on']} that the record {row['source_ref']} "
        f"({what}) is still in effect. Its maximum of {record_type.max_effect} from the "
        f"decision would have ended it on {payload['ceiling']}; the confirmation keeps it in "
        f"effect until {payload['effect_until']} at the latest, unless confirmed again. You "
        "may dispute the record or the confirmation, or apply for credit repair where the "
        "record type allows it.",
        subject_id=row["subject_id"],
        payload=payload,
        dedupe_key=f"record_confirmed:{row['chain_id']}",
    )
