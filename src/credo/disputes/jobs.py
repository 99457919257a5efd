"""The scheduled half of every deadline and term (``credo jobs run``). Each step is also
enforced at query time, so a job that did not run extends no harm:

- overdue disputes and claims end as unverified (G-27); until then the open suppression
  already keeps the record without effect, and late restoring outcomes are refused;
- repair applications past their decision deadline are flagged to operators and the subject;
- records past their effect period or retention are marked, and the subject hooks re-derive
  ratings and list entries (``effective_records`` already ignores them, G-41);
- stored list entries past their maximum term are refreshed by the same hooks (decisions
  derive entries from records and never read the stored ones, G-44);
- adverse decisions in the inquiry log get their notice to the subject (G-38)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from credo.audit.service import AuditEntry, append_many
from credo.disputes import repair, repository, service
from credo.disputes.effects import effect_changed
from credo.notices.adverse_notices import queue_adverse_decision_notices
from credo.records.service import WriteContext


@dataclass
class JobReport:
    disputes_unverified: int = 0
    repairs_flagged: int = 0
    records_ended: int = 0
    subjects_refreshed: int = 0
    adverse_notices: int = 0


def run_due(conn: Connection, ctx: WriteContext, batch: int = 5000) -> JobReport:
    report = JobReport()
    report.disputes_unverified = service.expire_overdue(conn, ctx)
    report.repairs_flagged = repair.flag_overdue(conn, ctx)
    now, today = ctx.clock.now(), ctx.clock.today()
    ended = _end_records(conn, ctx, today, now, batch)
    lapsed = set(repository.subjects_with_lapsed_list_entries(conn, today, batch)) - ended.subjects
    if lapsed:
        effect_changed(conn, ctx, lapsed, "term_end", today.isoformat(), now)
    report.records_ended = ended.count
    report.subjects_refreshed = len(ended.subjects | lapsed)
    report.adverse_notices = queue_adverse_decision_notices(conn, ctx.catalogue, now, batch)
    return report


@dataclass
class _Ended:
    count: int
    subjects: set[int]


def _end_records(
    conn: Connection, ctx: WriteContext, today: date, now: datetime, batch: int
) -> _Ended:
    rows = repository.newly_ended(conn, today, batch)
    if not rows:
        return _Ended(0, set())
    repository.mark_ended(
        conn,
        [{"chain_id": c, "kind": kind, "on": on, "processed_at": now} for c, _, kind, on in rows],
    )
    subjects = {subject_id for _, subject_id, _, _ in rows}
    effect_changed(conn, ctx, subjects, "expiry", today.isoformat(), now)
    append_many(
        conn,
        [
            AuditEntry("scheduler", f"record.{kind}", s, {"chain_id": c, "on": on}, now)
            for c, s, kind, on in rows
        ],
    )
    return _Ended(len(rows), subjects)
