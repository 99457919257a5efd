"""Property: for any stream of statements, in any arrival order, the incrementally
maintained current view equals the view derived from the append-only history."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from credo.records.rebuild import derive_current
from credo.records.tables import record_current
from tests.records.conftest import Writer, licence

COMPARED = (
    "record_id",
    "revision",
    "state",
    "occurred_on",
    "effect_until",
    "payload",
    "performed_on",
    "subject_id",
)

statement = st.tuples(
    st.sampled_from(["L-1", "L-2", "L-3"]),
    st.integers(min_value=0, max_value=4),
    st.sampled_from(["correct", "revoke", "perform"]),
    st.integers(min_value=1, max_value=28),
)


def as_row(source: str, revision: int, action: str, day: int) -> dict[str, Any]:
    if revision == 0:
        return licence(source, occurred_on=f"2025-02-{day:02d}")
    payload = (
        {}
        if action != "correct"
        else {"licence_number": f"{source}-{day}", "licence_kind": "food_business"}
    )
    return licence(
        source, revision=revision, action=action, occurred_on=f"2025-02-{day:02d}", payload=payload
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(statement, min_size=1, max_size=4), min_size=1, max_size=5))
def test_incremental_view_equals_derived_view(
    writer: Writer, engine: Any, batches: list[list[Any]]
) -> None:
    with engine.begin() as conn:
        conn.execute(record_current.delete())
        from credo.records.tables import change_feed, record_statements

        conn.execute(change_feed.delete())
        conn.execute(record_statements.delete())
    for batch in batches:
        writer.write("market_regulator", *(as_row(*s) for s in batch))
    with engine.connect() as conn:
        stored = {r["chain_id"]: r for r in conn.execute(select(record_current)).mappings()}
        derived = derive_current(conn, writer.clock.now())
    assert set(stored) == set(derived)
    for chain_id, row in derived.items():
        assert {k: stored[chain_id][k] for k in COMPARED} == {k: row[k] for k in COMPARED}
