"""The scheduled half of every deadline and term (``credo jobs run``). Each step is also
enforced at query time, so a job that did not run extends no harm:

- overdue disputes and claims end as unverified (G-27); until then the open suppression
  already keeps the record without effect, and late restoring outcomes are refused;
- repair applications past their decision deadline are flagged to operators and the subject;
- records past their effect period or retention are marked, and the subject hooks re-derive
  ratings and list entries (``effective_records`` already ignores them, G-41);
- stored list entries past their maximum term are refreshed by the same hooks (decisions
  derive entries from records and never read the stored ones, G-44);
- adverse decisions in the inquiry log get their notice to the subject (G-38);
- each furnisher's quality rates are stored and one above a threshold is held (G-49,
  ``credo.quality``; the write path reads the stored hold);
- retention deletes (``credo.records.retention``): statements past retention become
  tombstones (with what subjects said about them), subjects with nothing left lose their
  identifiers, old inquiries go (``credo jobs run`` then purges old quarantined input rows,
  ``credo.ingest.service.purge_quarantine``: ingestion sits above this runner).

The work has no cap per run: it goes in batches of ``batch`` until nothing is left, and each
batch writes one audit entry per kind of work, never one per record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Connection, Engine

from credo.audit.rows import set_digest
from credo.audit.service import append
from credo.checks.adverse import notify_adverse_decisions
from credo.checks.service import purge_inquiries, subjects_with_inquiries
from credo.disputes import repair, repository, service
from credo.lists.service import subjects_with_lapsed_entries
from credo.quality.service import evaluate as evaluate_quality
from credo.records import retention
from credo.records.queries import newly_ended
from credo.records.service import WriteContext, effect_changed, mark_ended

BATCH = 5000
# What retention erases and purges beyond records (credo.records.retention).
RETENTION_PEERS = retention.Peers(
    repository.erase_about_chains, subjects_with_inquiries, purge_inquiries
)


@dataclass
class JobReport:
    disputes_unverified: int = 0
    repairs_flagged: int = 0
    records_ended: int = 0
    subjects_refreshed: int = 0
    adverse_notices: int = 0
    furnishers_evaluated: int = 0  # G-49: quality rates stored
    furnishers_held: list[str] = field(default_factory=list)  # held now, newly or still
    retention: retention.RetentionReport = field(default_factory=retention.RetentionReport)
    batches: int = 0
    _refreshed: set[int] = field(default_factory=set, repr=False)


def run_due(conn: Connection, ctx: WriteContext, batch: int = BATCH) -> JobReport:
    """Everything due on ``ctx``'s clock, in ``conn``'s transaction, until done."""
    report = JobReport()
    while _one_batch(conn, ctx, batch, report):
        pass
    return report


def run_until_done(engine: Engine, ctx: WriteContext, batch: int = BATCH) -> JobReport:
    """As ``run_due``, committing after each batch: a large backlog (a first run, a catch-up)
    never holds the database's write lock for long, and an interrupted run keeps its work."""
    report = JobReport()
    more = True
    while more:
        with engine.begin() as conn:
            more = _one_batch(conn, ctx, batch, report)
    return report


def _one_batch(conn: Connection, ctx: WriteContext, batch: int, report: JobReport) -> bool:
    """One batch of each step; True while a step may have more left."""
    report.batches += 1
    if report.batches == 1:  # unbounded by nature, but few: once per run
        report.disputes_unverified += service.expire_overdue(conn, ctx)
        report.repairs_flagged += repair.flag_overdue(conn, ctx)
        # after the overdue disputes are recorded: they count as late responses
        quality = evaluate_quality(conn, ctx.catalogue, ctx.clock, service.quality_counts)
        report.furnishers_evaluated, report.furnishers_held = quality.evaluated, quality.held
    now, today = ctx.clock.now(), ctx.clock.today()
    ended = _end_records(conn, ctx, today, now, batch)
    lapsed = set(subjects_with_lapsed_entries(conn, today, batch))
    lapsed -= ended.subjects | report._refreshed  # a hook that leaves them as they were
    if lapsed:
        effect_changed(conn, ctx, lapsed, "term_end", today.isoformat(), now)
    report.records_ended += ended.count
    report._refreshed |= ended.subjects | lapsed
    report.subjects_refreshed = len(report._refreshed)
    notices = notify_adverse_decisions(conn, ctx.catalogue, now, batch)
    report.adverse_notices += notices
    more = retention.run_batch(
        conn, ctx.catalogue.profile, today, now, batch, report.retention, RETENTION_PEERS
    )
    return more or ended.full or len(lapsed) >= batch or notices >= batch


@dataclass
class _Ended:
    count: int
    subjects: set[int]
    full: bool = False


def _end_records(
    conn: Connection, ctx: WriteContext, today: date, now: datetime, batch: int
) -> _Ended:
    rows = newly_ended(conn, today, batch)
    if not rows:
        return _Ended(0, set())
    mark_ended(conn, rows, now)
    subjects = {subject_id for _, subject_id, _, _ in rows}
    effect_changed(conn, ctx, subjects, "expiry", today.isoformat(), now)
    kinds = [kind for _, _, kind, _ in rows]
    append(  # one entry for the batch; the chains are named by an order-free digest
        conn,
        "scheduler",
        "records.ended",
        None,
        {
            "as_of": today.isoformat(),
            "effect_end": kinds.count("effect_end"),
            "retention_end": kinds.count("retention_end"),
            "chains_digest": set_digest([f"{kind}:{c}" for c, _, kind, _ in rows]),
        },
        now,
    )
    # newly_ended takes up to ``batch`` of each kind: either full means more may be left.
    full = max(kinds.count("effect_end"), kinds.count("retention_end")) >= batch
    return _Ended(len(rows), subjects, full)
