"""Prior notice of a list entry (G-22): when the subject hooks materialise a new entry, the
subject gets a notice with the reasons, the legal basis, the rights, the objection channel
and the date the entry would take effect. Registered after the lists hook, so it sees the
entries that hook just stored; each entry is noticed once (``dedupe_key``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping

from credo.catalog.catalogue import Catalogue
from credo.clock import Clock
from credo.notices import repository
from credo.notices.service import Notice, enqueue
from credo.records.service import SubjectHook


def make_hook(catalogue: Catalogue, clock: Clock) -> SubjectHook:
    def hook(
        conn: Connection, subject_ids: set[int], record_types: frozenset[str] | None = None
    ) -> None:
        entries = repository.unnoticed_list_entries(conn, sorted(subject_ids))
        if entries:
            enqueue(conn, [_notice(catalogue, e) for e in entries], clock.now())

    return hook


def _notice(catalogue: Catalogue, entry: RowMapping) -> Notice:
    list_def = catalogue.lists.get(entry["list_id"])
    name = list_def.name.en if list_def else entry["list_id"]
    basis = (
        f"{list_def.legal_basis.instrument}, {list_def.legal_basis.article}"
        if list_def
        else "the list's legal basis"
    )
    window = catalogue.profile.objection_window_days
    payload: dict[str, Any] = {
        "entry_id": entry["id"],
        "list_id": entry["list_id"],
        "record_ids": list(entry["record_ids"] or []),
        "effective_on": entry["effective_on"].isoformat(),
        "ends_on": entry["ends_on"].isoformat(),
    }
    return Notice(
        "subject",
        str(entry["subject_id"]),
        "list_entry_notice",
        f"Notice: you are to be entered on the {name}",
        f"Because of the records {', '.join(payload['record_ids'])}, you are to be entered on "
        f"the {name} under {basis}. The entry takes effect on {payload['effective_on']} "
        f"and ends at the latest on {payload['ends_on']}. You may object within {window} "
        "days, dispute any of the records (a disputed record has no effect), or file a "
        "'not me' claim; you may apply for credit repair where the record type allows it.",
        subject_id=entry["subject_id"],
        payload=payload,
        dedupe_key=f"list_entry:{entry['id']}",
    )
