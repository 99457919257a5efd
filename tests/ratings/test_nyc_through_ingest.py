"""The NYC letter grade on real inspections that went through the registry core: a sample of
establishments is ingested with `credo ingest`'s pipeline and the shipped mapping (real-time
hooks included), then rated in the database on every inspection date. The results equal the
DuckDB evaluation over the extract that test_nyc_grades.py uses for the whole file, and the
real-time state after ingestion equals a batch evaluation."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine

from credo.catalog.catalogue import Catalogue
from credo.clock import FixedClock
from credo.context import subject_hooks
from credo.ingest.mapping import load_mapping
from credo.ingest.service import IngestRequest, ingest_file
from credo.ratings import repository
from credo.ratings.compiler import Probe
from credo.ratings.runners import DatabaseRunner, DuckDBRunner
from credo.ratings.service import evaluate, source_for
from credo.records.service import WriteContext, nothing_held
from credo.subjects.repository import find_subject_ids
from tests.ratings.test_nyc_grades import DATA, records_sql

MAPPING = Path(__file__).resolve().parents[2] / "mappings" / "nyc_restaurant_inspections.yaml"
ESTABLISHMENTS = 40
EXTRACT_DAY = datetime(2016, 1, 6, 12, tzinfo=UTC)


def sample_csv(folder: Path) -> Path:
    """Every row of the first establishments (by permit number) that have graded rows."""
    target = folder / "nyc_sample.csv"
    duckdb.connect().execute(
        f"""COPY (SELECT * FROM read_csv('{DATA}', all_varchar = true)
            WHERE camis IN (SELECT DISTINCT camis FROM read_csv('{DATA}', all_varchar = true)
                            WHERE grade IN ('A', 'B', 'C') ORDER BY camis LIMIT {ESTABLISHMENTS}))
            TO '{target}' (HEADER, DELIMITER ',')"""
    )
    return target


@pytest.mark.slow
def test_ingested_inspections_rate_like_the_extract(
    engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    if not DATA.exists():
        pytest.skip(f"{DATA} is not on this machine")
    sample = sample_csv(tmp_path)
    clock = FixedClock(EXTRACT_DAY)
    context = WriteContext(
        catalogue, clock, tuple(subject_hooks(catalogue, clock)), holds=nothing_held
    )
    mapping, content = load_mapping(MAPPING)
    result = ingest_file(engine, context, IngestRequest(sample, mapping, content, MAPPING.name))
    assert result.add_up() and result.counts["accepted"] > 0

    extract = DuckDBRunner()
    extract.con.execute(records_sql(catalogue, sample))
    rating = catalogue.ratings["nyc_restaurant_grade"]
    expected = {
        (r.subject_id, r.as_of): (r.band, r.reason)
        for r in evaluate(extract, rating, Probe(table="probe"), source_for(catalogue))
    }
    dates: dict[date, list[int]] = defaultdict(list)
    for camis, on in expected:
        dates[on].append(camis)

    with engine.connect() as conn:
        ids = find_subject_ids(conn, [("nyc_camis", f"{c:08d}") for c, _ in expected])
        camis_of = {subject: int(value) for (_, value), subject in ids.items()}
        runner = DatabaseRunner(conn)
        got = {}
        for on, establishments in dates.items():
            probe = Probe(
                as_of=on, subject_ids=tuple(ids[("nyc_camis", f"{c:08d}")] for c in establishments)
            )
            for r in evaluate(runner, rating, probe, source_for(catalogue)):
                got[(camis_of[r.subject_id], on)] = (r.band, r.reason)
        batch_today = evaluate(runner, rating, Probe(as_of=clock.today()), source_for(catalogue))
        state = repository.state_rows(conn, rating.key)
    assert got == expected
    assert {s["subject_id"]: (s["band"], s["reason"]) for s in state} == {
        r.subject_id: (r.band, r.reason) for r in batch_today
    }
