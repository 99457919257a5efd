"""Tamper evidence over the data, not only the log: every record statement and every inquiry
(decision) row must match the digest its log entry holds, and no such row may exist without
its entry.

``DataVerifier`` is fed the log page by page while ``audit.verify`` walks the chain, looks the
rows of each page up in bulk, and keeps only counters, so memory stays flat on a large log.
The log sits below the domains that own those rows: the caller passes their public read
functions in (``AuditedData``: ``credo.records.queries.audited_statements`` and
``credo.checks.service.audited_inquiries``).

What the log allows to differ from what was written:

- a statement erased at its retention end (a tombstone, ``credo.records.retention``): its kept
  columns and the digest in its marker must still give the logged ``row_hash``, and the
  tombstones of each ``retention.erase`` entry must be exactly the statements that entry counts
  (an order-independent digest of their ids);
- an inquiry purged after ``inquiry_retention_days``: its row may be missing when its entry
  is older than the cut-off of a logged ``retention.inquiries`` purge.

Entries written before ``row_hash`` existed are compared on the fields they carry (ids, type,
content hash; the inquiry's purpose, key, outcome and measures)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import orjson
from sqlalchemy import Connection, RowMapping

from credo.audit import repository, rows

ERASE_ACTION = "retention.erase"
PURGE_ACTION = "retention.inquiries"
DECISION_ACTION = "decision"


class KeyedRows(Protocol):
    """How the log's data check reads a table by its primary key (``db.sql.KeyedTable``)."""

    def by_id(
        self, conn: Connection, keys: Sequence[str], /
    ) -> Mapping[str, Mapping[str, Any]]: ...
    def count(self, conn: Connection, /) -> int: ...
    def ids_after(self, conn: Connection, after: str, limit: int, /) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class AuditedRows:
    """One table whose rows the log vouches for, read through its owner's reader."""

    what: str  # how a problem names a row: "record statement", "inquiry"
    rows: KeyedRows


@dataclass(frozen=True, slots=True)
class AuditedData:
    statements: AuditedRows  # record statements
    inquiries: AuditedRows  # inquiries: the decisions returned to relying parties


Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class DataProblem:
    seq: int  # the log entry concerned; 0 for a row that has none
    # row_altered | row_missing | row_without_entry | erasure_unlogged | erasure_mismatch
    problem: str
    detail: str


@dataclass
class DataCounts:
    statements: int = 0
    tombstones: int = 0
    inquiries: int = 0
    inquiries_purged: int = 0


@dataclass
class _Batch:
    expected_count: int
    expected_digest: str
    count: int = 0
    total: int = 0


@dataclass
class DataVerifier:
    conn: Connection
    data: AuditedData
    counts: DataCounts = field(default_factory=DataCounts)
    batches: dict[int, _Batch] = field(default_factory=dict)
    purged_before: datetime | None = None

    @classmethod
    def start(cls, conn: Connection, data: AuditedData) -> DataVerifier:
        """Read the retention entries first: they vouch for rows erased or purged later."""
        verifier = cls(conn, data)
        for entry in repository.entries_with_actions(conn, [ERASE_ACTION, PURGE_ACTION]):
            payload = orjson.loads(entry["payload"])
            if entry["action"] == ERASE_ACTION:
                verifier.batches[int(entry["seq"])] = _Batch(
                    int(payload["statements"]), str(payload["statements_digest"])
                )
            else:
                before = datetime.fromisoformat(payload["before"])
                if verifier.purged_before is None or before > verifier.purged_before:
                    verifier.purged_before = before
        return verifier

    def feed(self, entries: Sequence[RowMapping]) -> DataProblem | None:
        """Check the rows of one page of log entries; the first problem, if any."""
        statements: list[tuple[RowMapping, dict[str, Any]]] = []
        decisions: list[tuple[RowMapping, dict[str, Any]]] = []
        for entry in entries:
            action = str(entry["action"])
            if action.startswith("record.") or action == DECISION_ACTION:
                payload = orjson.loads(entry["payload"])
                if "record_id" in payload:
                    statements.append((entry, payload))
                elif "decision_id" in payload:
                    decisions.append((entry, payload))
        return self._statements(statements) or self._decisions(decisions)

    def finish(self) -> DataProblem | None:
        """After the whole log: rows without entries, and each erasure batch complete."""
        return (
            self._orphans(self.data.statements, self.counts.statements, "record.")
            or self._orphans(self.data.inquiries, self.counts.inquiries, DECISION_ACTION)
            or self._batches_complete()
        )

    # -- record statements ------------------------------------------------------------------

    def _statements(self, logged: list[tuple[RowMapping, dict[str, Any]]]) -> DataProblem | None:
        return self._rows(logged, self.data.statements, "record_id", self._statement)

    def _rows(
        self,
        logged: list[tuple[RowMapping, dict[str, Any]]],
        rows: AuditedRows,
        key: str,
        check: Callable[[RowMapping, dict[str, Any], Row | None], DataProblem | None],
    ) -> DataProblem | None:
        """Look the logged rows up in one read and check each against its entry."""
        found = (
            rows.rows.by_id(self.conn, [payload[key] for _, payload in logged]) if logged else {}
        )
        for entry, payload in logged:
            problem = check(entry, payload, found.get(payload[key]))
            if problem is not None:
                return problem
        return None

    def _statement(
        self, entry: RowMapping, payload: dict[str, Any], row: Row | None
    ) -> DataProblem | None:
        seq, record_id = int(entry["seq"]), payload["record_id"]
        if row is None:
            return DataProblem(seq, "row_missing", f"record statement {record_id} was deleted")
        self.counts.statements += 1
        marker = rows.tombstone_of(row["payload"])
        if marker is not None:
            problem = self._tombstone(seq, record_id, marker)
            if problem is not None:
                return problem
            digest = rows.tombstone_hash(row)
        else:
            digest = rows.statement_hash(row)
        if "row_hash" in payload:
            same = digest == payload["row_hash"]
        else:  # an entry from before row digests: the fields it carries
            same = _same_fields(row, payload, ("chain_id", "revision", "record_type"))
            same = same and row["content_hash"] == payload["content_hash"]
            same = same and row["subject_id"] == entry["subject_id"]
        if not same:
            return DataProblem(
                seq,
                "row_altered",
                f"record statement {record_id} does not match entry {seq} (changed in the table)",
            )
        return None

    def _tombstone(self, seq: int, record_id: str, marker: Mapping[str, Any]) -> DataProblem | None:
        batch = self.batches.get(int(marker.get("batch") or 0))
        if batch is None:
            return DataProblem(
                seq,
                "erasure_unlogged",
                f"record statement {record_id} was erased, but no logged retention batch "
                f"{marker.get('batch')} erased it",
            )
        self.counts.tombstones += 1
        batch.count += 1
        batch.total = rows.sum_ids(batch.total, [record_id])
        return None

    def _batches_complete(self) -> DataProblem | None:
        for seq, batch in sorted(self.batches.items()):
            digest = format(batch.total, "064x")
            if batch.count != batch.expected_count or digest != batch.expected_digest:
                return DataProblem(
                    seq,
                    "erasure_mismatch",
                    f"retention batch {seq} erased {batch.expected_count} statements; the table "
                    f"holds {batch.count} tombstones of it, or others",
                )
        return None

    # -- inquiries (decisions) --------------------------------------------------------------

    def _decisions(self, logged: list[tuple[RowMapping, dict[str, Any]]]) -> DataProblem | None:
        return self._rows(logged, self.data.inquiries, "decision_id", self._decision)

    def _decision(
        self, entry: RowMapping, payload: dict[str, Any], row: Row | None
    ) -> DataProblem | None:
        seq, decision_id = int(entry["seq"]), payload["decision_id"]
        if row is None:
            if self.purged_before and datetime.fromisoformat(entry["at"]) < self.purged_before:
                self.counts.inquiries_purged += 1
                return None
            return DataProblem(seq, "row_missing", f"inquiry {decision_id} was deleted")
        self.counts.inquiries += 1
        if "row_hash" in payload:
            same = rows.inquiry_hash(row) == payload["row_hash"]
        else:
            fields = ("principal_id", "purpose", "subject_key", "outcome", "measures")
            same = _same_fields(row, payload, fields) and row["subject_id"] == entry["subject_id"]
        if not same:
            return DataProblem(
                seq,
                "row_altered",
                f"inquiry {decision_id} does not match entry {seq} (changed in the table)",
            )
        return None

    # -- rows without entries ---------------------------------------------------------------

    def _orphans(self, rows: AuditedRows, matched: int, action: str) -> DataProblem | None:
        """More rows than entries matched: name the first row that has none (a second pass
        over the log, only in that case)."""
        if rows.rows.count(self.conn) <= matched:
            return None
        logged = _logged_ids(self.conn, action)
        after = ""
        while keys := rows.rows.ids_after(self.conn, after, 5000):
            for key in keys:
                if key not in logged:
                    return DataProblem(
                        0, "row_without_entry", f"{rows.what} {key} has no entry in the audit log"
                    )
            after = keys[-1]
        return None


def _same_fields(row: Row, payload: Mapping[str, Any], fields: Sequence[str]) -> bool:
    return all(row[f] == payload.get(f) for f in fields)


def _logged_ids(conn: Connection, action: str) -> set[str]:
    ids: set[str] = set()
    for entry in repository.entries_in_order(conn):
        if str(entry["action"]).startswith(action):
            payload = orjson.loads(entry["payload"])
            ids.add(str(payload.get("record_id") or payload.get("decision_id") or ""))
    return ids
