"""Property (issue 14): the bulk write path (a whole chunk prepared outside the transaction,
its rows converted for the database, appended set-wise in one transaction, as ``credo
ingest`` and the demo load do) leaves the same tables as the single write path (each
statement validated and appended in its own transaction, as the API does), row for row:
statements, current view, change feed, subjects and identifiers, review items and the audit
log (hash chain included), and the same outcome with the same reason for every row (what the
ingest quarantines). Random streams with duplicates, corrections, revocations, performance,
late revisions, revision conflicts, other subjects' identifiers and invalid rows.

Each example writes into two fresh clones of the migrated database (same subject ids and
audit sequence from the start), on a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, MetaData, select

from credo.catalog.catalogue import Catalogue
from credo.clock import FixedClock
from credo.db.connect import make_engine
from credo.records.model import Rejection, RowOutcome, Statement
from credo.records.service import (
    WriteContext,
    append_prepared,
    append_statements,
    nothing_held,
    prepare_statements,
)
from credo.records.validate import StatementValidator
from harness import sqlite as sqlite_harness
from tests.records.conftest import ACME, licence

OTHER = ("cn_uscc", "91310115MA1K3BTP2B")
FURNISHER = "market_regulator"
TABLES = (
    "record_statements",
    "record_current",
    "change_feed",
    "subjects",
    "subject_identifiers",
    "review_items",
    "audit_log",
)

statement = st.tuples(
    st.sampled_from(["L-1", "L-2"]),
    st.integers(min_value=0, max_value=2),
    st.sampled_from(["correct", "revoke", "perform", "confirm"]),
    st.integers(min_value=1, max_value=3),  # few days: repeats are duplicates, others conflicts
    st.sampled_from([ACME, ACME, OTHER]),
    st.sampled_from([True, True, True, False]),  # valid, mostly
)


def asserts_first(stream: list[Any]) -> list[Any]:
    """Each chain's first assert moved to where the chain first appears. A batch is a set:
    it accepts a correction that comes before its chain's assert in the same batch (the
    assert registers the chain), which the single path, one statement at a time, cannot."""
    order = list(stream)
    for source in dict.fromkeys(s[0] for s in stream):
        assert_at = next(
            (i for i, s in enumerate(order) if s[0] == source and s[1] == 0 and s[5]), None
        )  # the first assert the validator passes (an invalid one registers nothing)
        first_at = next(i for i, s in enumerate(order) if s[0] == source)
        if assert_at is not None and assert_at > first_at:
            order.insert(first_at, order.pop(assert_at))
    return order


def without_late_revisions(stream: list[Any]) -> list[Any]:
    """The stream without a revision older than one already sent for its chain. A late
    revision is refolded by arrival one at a time but by revision within a batch, which
    stamps the statements' effect differently (issue 14, open: the closing note)."""
    newest: dict[str, int] = {}
    kept = []
    for s in stream:
        if s[1] >= newest.get(s[0], 0):
            newest[s[0]] = s[1]
            kept.append(s)
    return kept


def as_row(source: str, revision: int, action: str, day: int, who: Any, valid: bool) -> dict:
    on = f"2025-02-{day:02d}"
    if revision == 0:
        row = licence(source, identifiers=[who], occurred_on=on)
    else:
        payload = {"licence_number": f"{source}-{day}"} if action == "correct" else {}
        if action == "correct":
            payload["licence_kind"] = "food_business"
        row = licence(
            source, [who], revision=revision, action=action, occurred_on=on, payload=payload
        )
    if not valid:
        row["occurred_on"] = "2031-01-01"  # in the future: the validator quarantines it
    return row


def validated(
    catalogue: Catalogue, clock: FixedClock, rows: list[dict]
) -> tuple[list[tuple[int, Statement]], dict[int, RowOutcome]]:
    validator = StatementValidator(catalogue, FURNISHER, clock.today())
    valid, rejected = [], {}
    for index, row in enumerate(rows):
        checked = validator.validate(row)
        if isinstance(checked, Rejection):
            rejected[index] = RowOutcome(index, "quarantined", reason=checked)
        else:
            valid.append((index, checked))
    return valid, rejected


def single_path(engine: Engine, ctx: WriteContext, rows: list[dict]) -> list[RowOutcome]:
    valid, outcomes = validated(ctx.catalogue, ctx.clock, rows)  # type: ignore[arg-type]
    for item in valid:
        with engine.begin() as conn:
            (outcomes[item[0]],) = append_statements(conn, ctx, FURNISHER, [item])
    return [outcomes[i] for i in range(len(rows))]


def bulk_path(engine: Engine, ctx: WriteContext, rows: list[dict]) -> list[RowOutcome]:
    valid, outcomes = validated(ctx.catalogue, ctx.clock, rows)  # type: ignore[arg-type]
    batch = prepare_statements(ctx.catalogue, FURNISHER, valid, engine.dialect)
    with engine.begin() as conn:
        outcomes.update((o.row, o) for o in append_prepared(conn, ctx, batch))
    return [outcomes[i] for i in range(len(rows))]


def tables(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    meta = MetaData()
    meta.reflect(engine, only=TABLES)
    with engine.connect() as conn:
        return {
            name: [
                dict(r)
                for r in conn.execute(
                    select(meta.tables[name]).order_by(*meta.tables[name].primary_key.columns)
                ).mappings()
            ]
            for name in TABLES
        }


def outcome_of(outcome: RowOutcome) -> tuple[Any, ...]:
    reason = outcome.reason.code if outcome.reason else None
    return outcome.outcome, reason, outcome.record_id, outcome.subject_id


@pytest.fixture
def fresh_engines(
    database_url: str, database_templates: Any, migrate: Any, tmp_path: Path, request: Any
) -> Iterator[Any]:
    """Makes a pair of fresh migrated databases per call (both back ends)."""
    made: list[tuple[Engine, str | None]] = []
    server = request.getfixturevalue("postgres_server") if "postgresql" in database_url else None

    def release() -> None:  # the previous example's pair: PostgreSQL's clients are few
        for engine, name in made:
            engine.dispose()
            if name is not None:
                server.drop_database(name)
        made.clear()

    def pair() -> tuple[Engine, Engine]:
        release()
        engines = []
        for _ in range(2):
            if server is None:
                path = tmp_path / f"twin{len(made)}.db"
                path.unlink(missing_ok=True)
                url, name = sqlite_harness.clone(database_templates.sqlite(migrate), path), None
            else:
                name, url = server.clone(database_templates.postgres(server, migrate))
            made.append((make_engine(url), name))
            engines.append(made[-1][0])
        return engines[0], engines[1]

    yield pair
    release()


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(statement, min_size=1, max_size=8))
def test_bulk_path_equals_single_path_row_for_row(
    fresh_engines: Any, catalogue: Catalogue, clock: FixedClock, stream: list[Any]
) -> None:
    ordered = without_late_revisions(asserts_first(stream))
    note(f"stream in order: {ordered}")
    rows = [as_row(*s) for s in ordered]
    ctx = WriteContext(catalogue, clock, holds=nothing_held)
    one_by_one, in_bulk = fresh_engines()
    single = single_path(one_by_one, ctx, rows)
    bulk = bulk_path(in_bulk, ctx, rows)
    assert [outcome_of(o) for o in bulk] == [outcome_of(o) for o in single]
    assert tables(in_bulk) == tables(one_by_one)
