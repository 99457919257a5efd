"""Real-time re-evaluation of ratings when a subject's records change.

The hook runs inside the write transaction (records.service.append_statements), so a
subject's rating state is current before the write is acknowledged. It runs the same compiled
query as batch rescoring, restricted to the changed subjects: one implementation, no drift.
When the write names the record types it changed, the ratings that read none of them are left
alone (their inputs, and so their results, are as they were).
"""

from __future__ import annotations

from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.catalog.ratings import RatingDef
from credo.clock import Clock
from credo.ratings.compiler import Dialect, Probe, Template, bind_probe, compile_template
from credo.ratings.repository import dialect_of
from credo.ratings.service import refresh_state, source_for
from credo.records.service import SubjectHook


def make_hook(catalogue: Catalogue, clock: Clock) -> SubjectHook:
    # Compiled queries per (rating, dialect), filled in per write (a template compiles twice,
    # 50-100 ms in all: once per process, never per write).
    templates: dict[tuple[str, Dialect], Template] = {}
    source = source_for(catalogue)

    def hook(
        conn: Connection, subject_ids: set[int], record_types: frozenset[str] | None = None
    ) -> None:
        dialect = dialect_of(conn)

        def compiled(rating: RatingDef, probe: Probe) -> str:
            key = (rating.key, dialect)
            if key not in templates:
                templates[key] = compile_template(rating, dialect, source)
            assert probe.as_of is not None and probe.subject_ids is not None
            return bind_probe(templates[key], probe.subject_ids, probe.as_of)

        ratings = [
            rating
            for rating in catalogue.ratings.values()
            if record_types is None or not record_types.isdisjoint(rating.inputs)
        ]
        refresh_state(conn, catalogue, subject_ids, clock.today(), clock.now(), compiled, ratings)

    return hook
