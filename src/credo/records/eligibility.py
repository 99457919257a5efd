"""The first day a record may be repaired (G-42): a rule about a record and its type, read by
the notices' shared "what you can do" lines (credo.notices.rights), the repair workflow and its
notices (credo.disputes) and the decisions' ``repair_possible_from`` (credo.checks.decide), which
all sit above records."""

from __future__ import annotations

from datetime import date

from credo.catalog.models import RecordType


def eligible_from(record_type: RecordType, effective_from: date) -> date:
    """The first day an application may be made (G-42)."""
    dates = [record_type.min_publicity.add_to(effective_from)]
    if record_type.repairable.earliest_after is not None:
        dates.append(record_type.repairable.earliest_after.add_to(effective_from))
    return max(dates)
