"""Furnisher quality (G-49): each furnisher's dispute, correction, overturn and late-response
rates over the catalogue's rolling window, the hold when one is above its threshold, and the
operator's release. The rates are defined in docs/due-process.md ("Furnisher quality").

``evaluate`` runs in the jobs runner (``credo jobs run``) and stores one row per furnisher
(``furnisher_quality``): requests read the stored rows and never recompute a rate. A hold
starts there and ends only by an operator's ``release``; both are in the audit log, and both
tell the check workers (change-feed rows), whose decisions then carry or drop the
data-quality flag on the furnisher's records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Connection, RowMapping

from credo.audit import service as audit
from credo.catalog.catalogue import Catalogue
from credo.catalog.models import FurnisherQuality
from credo.clock import Clock
from credo.errors import Conflict, NotFound, ValidationFailed
from credo.jsonvalue import utc
from credo.quality import repository
from credo.records import queries as records_queries
from credo.records.service import announce_subjects_of_furnisher

ACTOR = "scheduler"
# rate -> (numerator, denominator) in the window's counts
RATES: dict[str, tuple[str, str]] = {
    "dispute_rate": ("disputes", "records"),
    "correction_rate": ("corrections", "records"),
    "overturn_rate": ("overturns", "records"),
    "late_response_rate": ("late_responses", "disputes_due"),
}
MIN_RELEASE_REASONS = 10
COUNTS = ("records", "corrections", "disputes", "overturns", "disputes_due", "late_responses")
FEED_KIND = "data_quality"  # the change-feed rows that tell the check workers of a hold


class DisputeCounts(NamedTuple):
    """A furnisher's disputes in a window, as credo.disputes counts them: lodged against its
    records, ended against it (corrected, deleted, "not me" confirmed, unverified), due (the
    deadline fell in the window) and, of those, answered late or not at all."""

    disputes: int
    overturns: int
    disputes_due: int
    late_responses: int


class DisputeCounter(Protocol):
    """Counts each furnisher's disputes within [start, end]; a furnisher in ``not_before``
    only from its moment there (credo.disputes, which sits above quality, passes one in)."""

    def __call__(
        self,
        conn: Connection,
        start: datetime,
        end: datetime,
        not_before: Mapping[str, datetime],
    ) -> dict[str, DisputeCounts]: ...


@dataclass
class Evaluation:
    evaluated: int = 0
    newly_held: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)


def rates_of(counts: dict[str, int]) -> dict[str, float | None]:
    """Each rate as a share; None without a denominator (nothing furnished, nothing due)."""
    return {
        rate: (counts[top] / counts[bottom] if counts[bottom] else None)
        for rate, (top, bottom) in RATES.items()
    }


def breaches(
    policy: FurnisherQuality, counts: dict[str, int], rates: dict[str, float | None]
) -> list[str]:
    """The rates above their thresholds, in words; a rate counts only once its denominator
    reaches the catalogue's minimum (a furnisher with three records is not judged by one)."""
    enough = {
        "records": counts["records"] >= policy.min_records,
        "disputes_due": counts["disputes_due"] >= policy.min_disputes_due,
    }
    found = []
    for rate, (top, bottom) in RATES.items():
        value, limit = rates[rate], getattr(policy.thresholds, rate)
        if value is not None and enough[bottom] and value > limit:
            found.append(
                f"{rate.replace('_', ' ')} {percent(value)} ({counts[top]} of {counts[bottom]}) "
                f"above {percent(limit)}"
            )
    return found


def percent(share: float) -> str:
    return f"{share * 100:.1f} %"


def window_counts(
    conn: Connection, start: datetime, end: datetime, dispute_counts: DisputeCounter
) -> dict[str, dict[str, int]]:
    """Per furnisher: the records it furnished in the window (distinct chains with a
    statement received), those it corrected, and its dispute counts. What happened up to the
    evaluation itself counts, and nothing before the furnisher's last release: a release is a
    decision on the evidence before it, so a new hold needs new evidence."""
    not_before = repository.releases(conn)
    counts: dict[str, dict[str, int]] = {}
    furnished = records_queries.furnished_counts(conn, start, end, not_before)
    for furnisher_id, (records, corrections) in furnished.items():
        found = counts.setdefault(furnisher_id, dict.fromkeys(COUNTS, 0))
        found.update(records=records, corrections=corrections)
    for furnisher_id, disputed in dispute_counts(conn, start, end, not_before).items():
        counts.setdefault(furnisher_id, dict.fromkeys(COUNTS, 0)).update(disputed._asdict())
    return counts


def evaluate(
    conn: Connection, catalogue: Catalogue, clock: Clock, dispute_counts: DisputeCounter
) -> Evaluation:
    """Compute every furnisher's rates over the window ending now, store them, and hold each
    furnisher newly above a threshold (audited, check workers told). A held furnisher stays
    held until an operator releases it, whatever its rates do meanwhile."""
    policy = catalogue.furnisher_quality
    now = clock.now()
    start = now - timedelta(days=policy.window_days)
    counts = window_counts(conn, start, now, dispute_counts)
    before = repository.all_rows(conn)
    result = Evaluation()
    rows = []
    for furnisher_id in sorted(set(catalogue.furnishers) | set(counts) | set(before)):
        found = counts.get(furnisher_id) or dict.fromkeys(COUNTS, 0)
        previous = before.get(furnisher_id)
        row = _row(policy, furnisher_id, found, previous, start, now)
        if row["held"] and not (previous is not None and previous["held"]):
            _hold(conn, row, now)
            result.newly_held.append(furnisher_id)
        if row["held"]:
            result.held.append(furnisher_id)
        rows.append(row)
    repository.save_rows(conn, rows)
    result.evaluated = len(rows)
    return result


def _row(
    policy: FurnisherQuality,
    furnisher_id: str,
    counts: dict[str, int],
    before: RowMapping | None,
    start: datetime,
    now: datetime,
) -> dict[str, Any]:
    rates = rates_of(counts)
    released = _aware(before["released_at"]) if before is not None else None
    row: dict[str, Any] = {
        "furnisher_id": furnisher_id,
        "evaluated_at": now,
        "window_start": max(start, released) if released else start,
        "window_end": now,
        **counts,
        **rates,
        "held": False,
        "held_since": before["held_since"] if before is not None else None,
        "hold_reason": before["hold_reason"] if before is not None else None,
    }
    if before is not None and before["held"]:
        row["held"] = True
        return row
    found = breaches(policy, counts, rates)
    if found:
        row.update(held=True, held_since=now, hold_reason="; ".join(found))
    return row


def _hold(conn: Connection, row: dict[str, Any], now: datetime) -> None:
    audit.append(conn, ACTOR, "furnisher.hold", None, _logged(row), now)
    _tell_check_workers(conn, row["furnisher_id"], now)


def _tell_check_workers(conn: Connection, furnisher_id: str, now: datetime) -> None:
    """One change-feed row per subject with a record of the furnisher, so every worker's check
    index reloads them and its decisions carry (or drop) the data-quality flag."""
    announce_subjects_of_furnisher(conn, furnisher_id, FEED_KIND, now)


def _logged(row: dict[str, Any] | RowMapping) -> dict[str, Any]:
    keep = (
        "furnisher_id",
        "window_start",
        "window_end",
        *COUNTS,
        *RATES,
        "hold_reason",
    )
    return {k: (row[k].isoformat() if isinstance(row[k], datetime) else row[k]) for k in keep}


def release(
    conn: Connection, clock: Clock, furnisher_id: str, actor: str, reasons: str
) -> RowMapping:
    """An operator lifts a hold, with written reasons (audited). The next evaluation counts
    from the release: the evidence before it was weighed in this decision."""
    row = repository.get_row(conn, furnisher_id)
    if row is None:
        raise NotFound(f"no quality evaluation of furnisher {furnisher_id!r}")
    if not row["held"]:
        raise Conflict(f"furnisher {furnisher_id!r} is not held", code="furnisher_not_held")
    if len(reasons.strip()) < MIN_RELEASE_REASONS:
        raise ValidationFailed(
            f"releasing furnisher {furnisher_id!r} needs written reasons (at least "
            f"{MIN_RELEASE_REASONS} characters): what the review found",
            code="reasons_required",
        )
    now = clock.now()
    values = {
        "held": False,
        "released_at": now,
        "released_by": actor,
        "release_reason": reasons.strip(),
    }
    repository.release_row(conn, furnisher_id, values)
    audit.append(
        conn,
        actor,
        "furnisher.release",
        None,
        {**_logged(row), "held_since": row["held_since"].isoformat(), "reasons": reasons.strip()},
        now,
    )
    _tell_check_workers(conn, furnisher_id, now)
    released = repository.get_row(conn, furnisher_id)
    assert released is not None
    return released


def quality_rows(conn: Connection) -> list[RowMapping]:
    """The stored evaluation of every furnisher (as of the last jobs run)."""
    return list(repository.all_rows(conn).values())


def quality_of(conn: Connection, furnisher_id: str) -> RowMapping:
    row = repository.get_row(conn, furnisher_id)
    if row is None:
        raise NotFound(
            f"no quality evaluation of furnisher {furnisher_id!r} yet (run `credo jobs run`)"
        )
    return row


def jsonable(row: RowMapping, catalogue: Catalogue) -> dict[str, Any]:
    """A stored row for the API and the CLI, with the thresholds it was judged against."""
    body = {str(k): (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
    body["thresholds"] = catalogue.furnisher_quality.thresholds.model_dump()
    return body


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)
