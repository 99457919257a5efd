"""What a furnisher's hold means where records are written and read (G-49): the write path's
hold check and the reason it gives, and the data-quality flag its records carry. Kept apart from
``credo.quality.service`` so ingestion and ``credo.context`` import it without a cycle."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping

from credo.quality import repository
from credo.records.model import Rejection

HELD = "furnisher_held"
FLAG_NOTE = (
    "The furnisher of this record is held for review because its data were often found wrong "
    "(G-49); its new records are not applied until an operator releases it."
)


def hold_of(conn: Connection, furnisher_id: str) -> RowMapping | None:
    return repository.holds(conn, [furnisher_id]).get(furnisher_id)


def held_detail(hold: RowMapping) -> str:
    """One line: who is held, since when, why, and what happens to what it sends."""
    return (
        f"furnisher {hold['furnisher_id']!r} is held for review since "
        f"{_day(hold['held_since'])} ({hold['hold_reason']}, G-49): its new, corrected and "
        "confirmed records are held until an operator releases it; nothing of this was applied, "
        "send it again after the release"
    )


def rejection(hold: RowMapping) -> Rejection:
    return Rejection(HELD, held_detail(hold))


def flags(
    conn: Connection, furnisher_ids: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """The data-quality flag of each held furnisher (among ``furnisher_ids``), by id."""
    return {f: flag(row) for f, row in repository.holds(conn, furnisher_ids).items()}


def flag(hold: RowMapping) -> dict[str, Any]:
    return {
        "flag": HELD,
        "furnisher": hold["furnisher_id"],
        "held_since": _day(hold["held_since"]),
        "reason": hold["hold_reason"],
        "note": FLAG_NOTE,
    }


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment is not None else "-"


def held_rejections(conn: Connection, furnisher_ids: set[str]) -> dict[str, Rejection]:
    """The write path's hold check (``records.service.HeldFurnishers``, passed in by
    ``credo.context``): the held furnishers among ``furnisher_ids`` and the reason their
    statements that give or keep effect (``records.service.HELD_ACTIONS``) are held."""
    return {f: rejection(hold) for f, hold in repository.holds(conn, furnisher_ids).items()}
