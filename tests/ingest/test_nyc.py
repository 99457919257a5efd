"""The real NYC restaurant inspections through the shipped mapping: every row accounted for.
The data lives outside the repository (../shared/data in CI).

The suite ingests the file's first ``HEAD`` rows (a minute of CPU less than the whole file on
two cores); ``CREDO_FULL_DATA=1`` ingests all 480,621 rows and checks the file's known counts
(``bench/ingest.py`` times the same)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from credo.catalog.catalogue import Catalogue
from credo.clock import FixedClock
from credo.context import subject_hooks
from credo.ingest.mapping import load_mapping
from credo.ingest.service import IngestRequest, ingest_file
from credo.records.service import WriteContext, nothing_held
from credo.records.tables import record_current
from credo.subjects.tables import subjects
from harness.data import NYC_FILE

from .conftest import NOW, NYC_MAPPING

NYC = NYC_FILE
ROWS = 480_621
HEAD = 10_000
FULL = os.environ.get("CREDO_FULL_DATA") == "1"


def head_of(source: Path, rows: int, target: Path) -> Path:
    """The header and the first ``rows`` lines of a gzipped CSV whose records are one line
    each (the NYC extract quotes no line breaks)."""
    with gzip.open(source, "rt", newline="") as lines, gzip.open(target, "wt", newline="") as out:
        for number, line in enumerate(lines):
            if number > rows:
                break
            out.write(line)
    return target


@pytest.mark.slow
@pytest.mark.skipif(not NYC.exists(), reason=f"the NYC extract is not at {NYC.resolve()}")
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_nyc_row_is_accounted_for(
    engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    path = NYC if FULL else head_of(NYC, HEAD, tmp_path / NYC.name)
    clock = FixedClock(NOW)
    ctx = WriteContext(catalogue, clock, tuple(subject_hooks(catalogue, clock)), holds=nothing_held)
    mapping, content = load_mapping(NYC_MAPPING)
    request = IngestRequest(path, mapping, content, NYC_MAPPING.name, chunk_size=10_000)
    result = ingest_file(engine, ctx, request)

    print(f"\nNYC: {dict(result.counts)}; quarantine reasons: {dict(result.reasons)}")
    rows = ROWS if FULL else HEAD
    assert result.rows_read == rows
    outcomes = result.counts["accepted"] + result.counts["duplicate"]
    assert outcomes + result.counts["quarantined"] == rows
    # Establishments never inspected have no inspection to record; negative scores break
    # the record type's rule (score >= 0). Nothing else is refused.
    assert set(result.reasons) <= {"not_inspected", "payload_invalid"}
    with engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(record_current)).scalar()
            == (result.counts["accepted"])
        )
        establishments = conn.execute(select(func.count()).select_from(subjects)).scalar()
    if FULL:
        assert result.reasons["not_inspected"] == 1054
        assert establishments == 25_860 - 1054  # the never-inspected ones have no record
    else:
        assert result.counts["accepted"] > HEAD // 2 and establishments > 300
