"""The real NYC restaurant inspections (480,621 rows) through the shipped mapping: every row
accounted for. The data lives outside the repository (../shared/data in CI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from credo.catalog.catalogue import Catalogue
from credo.clock import FixedClock
from credo.context import subject_hooks
from credo.ingest.mapping import load_mapping
from credo.ingest.service import IngestRequest, ingest_file
from credo.records.service import WriteContext
from credo.records.tables import record_current
from credo.subjects.tables import subjects
from harness.data import NYC_FILE

from .conftest import NOW, NYC_MAPPING

NYC = NYC_FILE
ROWS = 480_621


@pytest.mark.slow
@pytest.mark.skipif(not NYC.exists(), reason=f"the NYC extract is not at {NYC.resolve()}")
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_nyc_row_is_accounted_for(engine: Engine, catalogue: Catalogue) -> None:
    clock = FixedClock(NOW)
    ctx = WriteContext(catalogue, clock, tuple(subject_hooks(catalogue, clock)))
    mapping, content = load_mapping(NYC_MAPPING)
    request = IngestRequest(Path(NYC), mapping, content, NYC_MAPPING.name, chunk_size=10_000)
    result = ingest_file(engine, ctx, request)

    print(f"\nNYC: {dict(result.counts)}; quarantine reasons: {dict(result.reasons)}")
    assert result.rows_read == ROWS
    outcomes = result.counts["accepted"] + result.counts["duplicate"]
    assert outcomes + result.counts["quarantined"] == ROWS
    # Establishments never inspected have no inspection to record; negative scores break
    # the record type's rule (score >= 0). Nothing else is refused.
    assert set(result.reasons) == {"not_inspected", "payload_invalid"}
    assert result.reasons["not_inspected"] == 1054
    with engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(record_current)).scalar()
            == (result.counts["accepted"])
        )
        establishments = conn.execute(select(func.count()).select_from(subjects)).scalar()
    assert establishments == 25_860 - 1054  # the never-inspected ones have no record
