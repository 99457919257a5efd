"""The demo's procurement office publishes its debarment list in full every day: the last
days of the demo timeline are delivered as full-list deliveries (credo.ingest.snapshot), so the
city has confirmations and early delistings made the way a real furnisher makes them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine

from credo.demo import reads as demo_reads
from credo.demo.reads import ListedRecord
from credo.ingest.snapshot import api_delivery, deliver
from credo.records.service import WriteContext

FURNISHER = "procurement_office"
RECORD_TYPE = "procurement_debarment"
DAYS = 3
RELEASED_SHARE = 0.03  # released early on each later day (well under the 10 % hold limit)


@dataclass
class DeliveryCounts:
    deliveries: int = 0
    confirmed: int = 0
    delisted: int = 0


def deliver_daily_lists(
    engine: Engine, write: WriteContext, today: date, seed: int, days: int = DAYS
) -> DeliveryCounts:
    """The office's complete list on each of the ``days`` days before ``today``: the
    debarments in effect that day, less a few released early since the first day."""
    rng = random.Random(seed)
    counts = DeliveryCounts()
    released: set[str] = set()
    for offset in range(days, 0, -1):
        day = today - timedelta(days=offset)
        with engine.connect() as conn:
            listed = demo_reads.entries_in_effect(conn, RECORD_TYPE, day)
        if offset < days:
            candidates = sorted(r.source_ref for r in listed if r.source_ref not in released)
            # At least one release once the list is long enough for it to stay under the hold
            # limit (a delivery that delists more than 10 % is held for an operator).
            count = max(1, round(len(candidates) * RELEASED_SHARE)) if len(candidates) >= 20 else 0
            released |= set(rng.sample(candidates, count))
        raws = [_raw(row, day) for row in listed if row.source_ref not in released]
        delivery = api_delivery(write, FURNISHER, [RECORD_TYPE], day, raws, created_by="demo build")
        result = deliver(engine, write, delivery)
        counts.deliveries += 1
        counts.confirmed += result.counts["confirmed"]
        counts.delisted += result.counts["delisted"]
    return counts


def _raw(row: ListedRecord, day: date) -> dict[str, Any]:
    """The list's line for one debarment: the decision as the office published it."""
    return {
        "record_type": RECORD_TYPE,
        "source_ref": row.source_ref,
        "subject_kind": row.kind,
        "identifiers": [(row.scheme, row.value)],
        "subject_name": row.display_name,
        "occurred_on": row.occurred_on,
        "term_ends_on": row.term_ends_on,
        "finality": "final",
        "payload": row.payload,
        "evidence": {
            "kind": "debarment_decision",
            "document_id": row.source_ref,
            "issuer": "Procurement Office",
            "issued_on": row.occurred_on,
        },
        "provenance": {"kind": "official_decision", "channel": "daily debarment list"},
    }
