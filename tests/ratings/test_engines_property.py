"""Property: for random records (any state, finality, dates, payloads and suppressions), the
compiled SQL on DuckDB and the Polars lowering of the same definition give identical results
for every demo rating."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import orjson
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from credo.catalog.catalogue import Catalogue
from credo.ratings.compiler import Probe
from credo.ratings.polars_lowering import records_frame
from credo.ratings.runners import DuckDBRunner
from credo.ratings.service import evaluate, evaluate_polars, source_for

AS_OF = date(2026, 3, 1)
KINDS = ["Initial Inspection", "Re-inspection", "Reopening Inspection", "Compliance Inspection"]

payloads = {
    "tax_arrears": st.fixed_dictionaries(
        {
            "amount": st.sampled_from([100, 9999.99, 50000, 250000]),
            "days_overdue": st.sampled_from([0, 89, 90, 400]),
        }
    ),
    "tax_credit_grade": st.fixed_dictionaries({"grade": st.sampled_from(["A", "B", "D"])}),
    "food_safety_inspection": st.fixed_dictionaries(
        {
            "programme": st.sampled_from(["Cycle Inspection", "Smoke-Free Air Act"]),
            "inspection_kind": st.sampled_from(KINDS),
            "score": st.one_of(st.none(), st.integers(min_value=0, max_value=40)),
        }
    ),
    "procurement_debarment": st.fixed_dictionaries(
        {
            "ground": st.sampled_from(["collusion", "non_performance"]),
            "period_months": st.integers(min_value=1, max_value=36),
        }
    ),
}


@st.composite
def record(draw: Any, index: int) -> dict[str, Any]:
    record_type = draw(st.sampled_from(sorted(payloads)))
    occurred = AS_OF - timedelta(days=draw(st.integers(min_value=-5, max_value=1200)))
    payload = {k: v for k, v in draw(payloads[record_type]).items() if v is not None}
    return {
        "chain_id": f"c{index:04d}",
        "record_id": f"r{draw(st.integers(min_value=0, max_value=99)):02d}{index:04d}",
        "subject_id": draw(st.integers(min_value=1, max_value=4)),
        "record_type": record_type,
        "state": draw(st.sampled_from(["active", "active", "revoked", "performed"])),
        "occurred_on": occurred,
        "effective_from": occurred + timedelta(days=draw(st.sampled_from([0, 10]))),
        "effect_until": occurred + timedelta(days=draw(st.sampled_from([90, 365, 1095]))),
        "expires_on": occurred + timedelta(days=draw(st.sampled_from([365, 1825]))),
        "finality": draw(st.sampled_from(["final", "final", "appealed"])),
        "payload": orjson.dumps(payload).decode(),
        "suppressed": draw(st.booleans()) and draw(st.booleans()),
    }


@st.composite
def record_sets(draw: Any) -> list[dict[str, Any]]:
    size = draw(st.integers(min_value=1, max_value=25))
    return [draw(record(i)) for i in range(size)]


def tables_of(rows: list[dict[str, Any]]) -> dict[str, pa.Table]:
    current = [{k: v for k, v in r.items() if k != "suppressed"} for r in rows]
    suppressions = [{"chain_id": r["chain_id"], "closed_at": None} for r in rows if r["suppressed"]]
    schema = pa.schema([("chain_id", pa.string()), ("closed_at", pa.timestamp("us", tz="UTC"))])
    return {
        "record_current": pa.Table.from_pylist(current),
        "record_suppressions": pa.Table.from_pylist(suppressions, schema=schema),
    }


@settings(max_examples=30, deadline=None)
@given(record_sets(), st.sampled_from([AS_OF, AS_OF - timedelta(days=200)]))
def test_polars_lowering_equals_compiled_sql(
    catalogue: Catalogue, rows: list[dict[str, Any]], as_of: date
) -> None:
    tables = tables_of(rows)
    duck = DuckDBRunner()
    duck.load(tables)
    frame = records_frame(tables)
    for rating in catalogue.ratings.values():
        probe, source = Probe(as_of=as_of), source_for(catalogue)
        assert evaluate_polars(rating, frame, probe, source) == evaluate(
            duck, rating, probe, source
        ), rating.id
