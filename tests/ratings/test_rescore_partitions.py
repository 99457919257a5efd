"""Rescoring end to end (issue 14): ``credo rescore`` reads the registry's tables into Arrow
through ADBC, rates them partition by partition (subject-id ranges) and writes the snapshot
in bulk. A tiny partition size must give exactly the unpartitioned snapshot, the snapshot of
the database's own engine and the results of the old row-by-row extract (G-37: one rating,
the same answer on every engine)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from credo.catalog.catalogue import Catalogue
from credo.clock import FixedClock
from credo.ratings import repository
from credo.ratings.compiler import Probe
from credo.ratings.polars_lowering import records_frame
from credo.ratings.service import (
    BatchRun,
    evaluate_polars,
    rescore,
    source_for,
    subject_spans,
)
from credo.records.queries import extract_tables
from tests.ratings.conftest import Writer
from tests.ratings.golden import load_golden

ON = date(2026, 3, 1)


def _snapshots(engine: Engine, summaries: list[Any]) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            s.rating: [
                (r["subject_id"], r["band"], r["total"], r["features"], r["reason"])
                for r in repository.snapshot_results(conn, s.snapshot_id)
            ]
            for s in summaries
        }


def test_partitioned_rescore_equals_the_whole_and_every_engine(
    writer: Writer, engine: Engine, catalogue: Catalogue, clock: FixedClock
) -> None:
    load_golden(writer, engine)
    own = "postgres" if engine.dialect.name == "postgresql" else "sqlite"
    tax = catalogue.ratings["tax_credit_grade"]
    tiny = BatchRun(engine, "polars", ON, source_for(catalogue), partition_records=2)
    assert len(subject_spans(tiny, tax)) > 1  # the tiny size does split the registry

    def run(name: str, size: int | None) -> dict[str, list[tuple[Any, ...]]]:
        summaries = rescore(
            engine, catalogue, engine_name=name, as_of=ON, now=clock.now(), partition_records=size
        )
        assert all(s.status == "valid" for s in summaries)
        return _snapshots(engine, summaries)

    whole = run("polars", None)
    assert run("polars", 2) == whole
    assert run("duckdb", 3) == whole
    assert run(own, None) == whole
    # The old path: every row extracted through SQLAlchemy, rated by the Polars engine.
    with engine.connect() as conn:
        tables = extract_tables(conn, tax.inputs)
    old = evaluate_polars(tax, records_frame(tables), Probe(as_of=ON), source_for(catalogue))
    assert [(r.subject_id, r.band, r.total, r.features, r.reason) for r in old] == whole[tax.key]
    assert whole[tax.key]
