"""The in-memory check index of one worker: the subjects that have a record some list reads,
their identifiers and their derived list entries (all dates). Built at start-up, then kept
current from the change feed (``refresh``), so every worker converges on the same state.

Only subjects with list-relevant records are held; every other identifier is "no records".
Outbox sequence numbers can commit out of order on PostgreSQL, so a gap seen in the feed is
re-read for a while instead of being skipped."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.lists.evaluate import Entry, SubjectFacts
from credo.lists.service import entries_for, subject_facts
from credo.quality import hold as quality_hold
from credo.records import queries as records_queries
from credo.subjects.service import identifier_keys

GAP_PATIENCE_S = 10.0  # a sequence number still missing after this was rolled back
_NO_PAYLOAD: dict[str, object] = {}


@dataclass(slots=True)
class IndexedSubject:
    facts: SubjectFacts
    entries: tuple[Entry, ...]
    keys: tuple[str, ...]
    # The subject's own statements on the records behind its entries (G-32), by chain id.
    statements: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The data-quality flag of each furnisher behind its entries held for review (G-49).
    data_quality: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Changes:
    feed_rows: list[tuple[int, int]]
    subjects: list[IndexedSubject]
    reloaded: list[int] = field(default_factory=list)


@dataclass
class CheckIndex:
    catalogue: Catalogue
    subjects: dict[int, IndexedSubject] = field(default_factory=dict)
    by_key: dict[str, int] = field(default_factory=dict)
    last_seq: int = 0
    gaps: dict[int, float] = field(default_factory=dict)

    def lookup(self, key: str) -> IndexedSubject | None:
        subject_id = self.by_key.get(key)
        return None if subject_id is None else self.subjects.get(subject_id)

    def build(self, conn: Connection) -> None:
        """Load every subject with list-relevant records (start-up)."""
        self.last_seq = records_queries.feed_head(conn)
        self.apply(Changes([], self._read_subjects(conn, None)))

    def read_changes(self, conn: Connection, limit: int = 5000) -> Changes:
        """Read (in any thread) what the change feed says since the last applied change."""
        rows = records_queries.feed_subjects_after(conn, self.last_seq, limit)
        if self.gaps:
            rows += records_queries.feed_subjects_at(conn, list(self.gaps))
        changed = sorted({subject_id for _, subject_id in rows})
        fresh = self._read_subjects(conn, changed) if changed else []
        return Changes(rows, fresh, changed)

    def apply(self, changes: Changes) -> None:
        """Swap the changed subjects in, in one step on the serving thread, so a check never
        sees a subject half-updated."""
        self._track_gaps(changes.feed_rows)
        for subject_id in changes.reloaded:
            self._forget(subject_id)
        for subject in changes.subjects:
            self._put(subject)

    def refresh(self, conn: Connection) -> set[int]:
        changes = self.read_changes(conn)
        self.apply(changes)
        return set(changes.reloaded)

    def _track_gaps(self, rows: list[tuple[int, int]]) -> None:
        now = time.monotonic()
        for seq, _ in rows:
            self.gaps.pop(seq, None)
        fresh = sorted(seq for seq, _ in rows if seq > self.last_seq)
        for seq in fresh:
            for missing in range(self.last_seq + 1, seq):
                self.gaps.setdefault(missing, now)
            self.last_seq = seq
        for seq, seen in list(self.gaps.items()):
            if now - seen > GAP_PATIENCE_S:
                del self.gaps[seq]

    def _read_subjects(
        self, conn: Connection, subject_ids: list[int] | None
    ) -> list[IndexedSubject]:
        derived = entries_for(conn, self.catalogue, subject_ids)
        listed = [s for s, entries in derived.items() if entries]
        facts = subject_facts(conn, listed)
        keys = identifier_keys(conn, listed)
        chains = [r.chain_id for s in listed for e in derived[s] for r in e.records]
        said = records_queries.statement_texts(conn, chains)
        held = quality_hold.flags(conn)  # the furnishers held for review: a handful at most
        return [
            IndexedSubject(
                facts[s],
                tuple(_without_payloads(e) for e in derived[s]),
                tuple(keys.get(s, ())),
                {
                    r.chain_id: said[r.chain_id]
                    for e in derived[s]
                    for r in e.records
                    if r.chain_id in said
                },
                _flags(derived[s], held) if held else {},
            )
            for s in listed
        ]

    def _put(self, subject: IndexedSubject) -> None:
        self.subjects[subject.facts.subject_id] = subject
        for key in subject.keys:
            self.by_key[key] = subject.facts.subject_id

    def _forget(self, subject_id: int) -> None:
        old = self.subjects.pop(subject_id, None)
        if old is not None:
            for key in old.keys:
                if self.by_key.get(key) == subject_id:
                    del self.by_key[key]


def _flags(entries: list[Entry], held: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The data-quality flags of the held furnishers behind ``entries`` (G-49)."""
    return {
        r.furnisher_id: held[r.furnisher_id]
        for e in entries
        for r in e.records
        if r.furnisher_id in held
    }


def _without_payloads(entry: Entry) -> Entry:
    """Payloads were needed for the entry rule only; the index keeps no copy of them."""
    records = tuple(dataclasses.replace(r, payload=_NO_PAYLOAD) for r in entry.records)
    return dataclasses.replace(entry, records=records)
