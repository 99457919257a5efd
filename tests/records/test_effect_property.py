"""Every form of the one effect rule (credo.records.effect) agrees, on random histories.

Each example draws a batch of chains: an assert with a decided term (an end date, open-ended
until an event, or none), followed by corrections, confirmations, performance, delisting or
annulment, each received at its own moment; plus finality, disputes opened and closed, and
dates to ask about. The chains are folded by the write path's own fold and stored in the real
tables. Then, for each date, the records in effect are asked of:

- the SQLAlchemy clause on the database (SQLite or PostgreSQL: the ``database_url`` fixture),
- the rating compiler's SQL on that database, today and as known at several moments,
- the same compiled SQL on DuckDB over an Arrow extract,
- the Polars expression over the same extract,
- the interval form the list engine reads,
- and the Python predicate, which must agree with all of them.

Over ``max_examples`` x at least 20 chains, more than 1,000 histories per database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert, select

from credo.catalog.models import Duration
from credo.catalog.ratings import RatingDef
from credo.ratings import polars_lowering
from credo.ratings.compiler import Probe, Source, compile_contributions
from credo.ratings.queries import dialect_of
from credo.ratings.runners import DatabaseRunner
from credo.records import effect
from credo.records import repository as records_repo
from credo.records.effect import EffectRule
from credo.records.queries import extract_tables
from credo.records.service import chain_id_of, fold_and_stamp, record_id_of
from credo.records.tables import record_current, record_statements, record_suppressions
from credo.subjects.tables import subjects

TYPES = ("tax_arrears", "tax_credit_grade")
APPEAL = ("tax_arrears",)  # treated as enforceable pending appeal in these examples
RULE = EffectRule(APPEAL)
DAY0 = date(2020, 1, 1)
T0 = datetime(2020, 1, 1, tzinfo=UTC)
CEILING = Duration.model_validate("2y")
RETENTION = Duration.model_validate("5y")

EVERY_INPUT = RatingDef.model_validate(
    {
        "id": "every_input",
        "name": {"en": "every input", "zh": "全部输入"},
        "purpose": "test: which records the compiled rule keeps",
        "domain": "tax",
        "subject_kinds": ["organisation"],
        "inputs": list(TYPES),
        "features": [{"id": "n", "op": "count", "record_types": list(TYPES)}],
        "bands": {
            "labels": ["x"],
            "rules": [{"over": "n", "monotonic": "none", "bins": [{"band": "x"}]}],
        },
    }
)


@dataclass
class Chain:
    statements: list[dict[str, Any]]
    suppressions: list[tuple[int, int | None]]  # opened, closed (day offsets from DAY0)


days = st.integers(min_value=0, max_value=2500)


@st.composite
def chains(draw: st.DrawFn, n: int) -> Chain:
    ref = f"r{n}"
    start = DAY0 + timedelta(days=draw(days))
    record_type = draw(st.sampled_from(TYPES))
    finality = draw(st.sampled_from(["final", "final", "under_appeal"]))
    statements = [_statement(ref, 0, "assert", record_type, start, finality, draw(_terms(start)))]
    received = draw(st.integers(0, 30))
    statements[0]["received_at"] = T0 + timedelta(days=(start - DAY0).days + received)
    state = "active"
    for revision in range(1, draw(st.integers(0, 3)) + 1):
        action = draw(st.sampled_from(_allowed(state)))
        state = "active" if action == "correct" else effect.STATE_OF_ACTION[action]
        on = start if action == "correct" else start + timedelta(days=draw(st.integers(0, 1500)))
        term = draw(_terms(on)) if action in ("correct", "confirm") else effect.Term()
        row = _statement(ref, revision, action, record_type, on, finality, term)
        received += draw(st.integers(1, 400))
        row["received_at"] = T0 + timedelta(days=(start - DAY0).days + received)
        statements.append(row)
    suppressions = []
    if draw(st.booleans()):
        opened = draw(days)
        closed = draw(st.one_of(st.none(), st.integers(opened + 1, opened + 300)))
        suppressions.append((opened, closed))
    return Chain(statements, suppressions)


def _allowed(state: str) -> list[str]:
    """What the write path accepts after a chain's state (``records.service._ended_for``)."""
    if state == "revoked":
        return ["correct"]
    if state != "active":
        return ["correct", "perform", "revoke"]
    return ["correct", "confirm", "perform", "delist", "revoke"]


def _terms(start: date) -> st.SearchStrategy[effect.Term]:
    ends = st.integers(1, 1500).map(lambda d: effect.Term(ends_on=start + timedelta(days=d)))
    until = st.sampled_from(effect.UNTIL_EVENTS).map(lambda u: effect.Term(until=u))
    return st.one_of(st.just(effect.Term()), ends, until)


def _statement(
    ref: str,
    revision: int,
    action: str,
    record_type: str,
    on: date,
    finality: str,
    term: effect.Term,
) -> dict[str, Any]:
    """A statement row as ``records.service.prepare_statements`` builds it."""
    ceiling = CEILING.add_to(on) if action in ("assert", "correct", "confirm") else None
    until, reason = effect.term_end(term, ceiling or on)
    return {
        "record_id": record_id_of("f", ref, revision),
        "chain_id": chain_id_of("f", ref),
        "revision": revision,
        "action": action,
        "furnisher_id": "f",
        "source_ref": ref,
        "record_type": record_type,
        "subject_id": 1,
        "occurred_on": on,
        "effective_from": on,
        "effect_until": until,
        "expires_on": RETENTION.add_to(on),
        "finality": finality,
        "term_ends_on": term.ends_on,
        "term_until": term.until,
        "review_on": None,
        "ceiling_until": ceiling,
        "end_reason": reason,
        "payload": {},
        "evidence": None,
        "provenance": None,
        "content_hash": "h",
        "received_at": None,
    }


def _fold(statements: list[dict[str, Any]]) -> dict[str, Any]:
    """The write path's fold; each statement is stamped with the chain's effect after it."""
    folded: dict[str, Any] | None = None
    for row in statements:
        folded = fold_and_stamp(folded, row, row["received_at"])
    assert folded is not None
    return folded


histories = st.integers(20, 30).flatmap(
    lambda n: st.tuples(*[chains(i) for i in range(n)]).map(list)
)


@pytest.fixture
def clean(engine: Engine) -> Iterator[Engine]:
    with engine.begin() as conn:
        conn.execute(insert(subjects).values(id=1, kind="organisation", created_at=T0))
    yield engine


def _store(engine: Engine, batch: list[Chain]) -> list[dict[str, Any]]:
    current = [_fold(chain.statements) for chain in batch]
    with engine.begin() as conn:
        for table in (record_suppressions, record_current, record_statements):
            conn.execute(delete(table))
        records_repo.insert_statements(conn, [s for c in batch for s in c.statements])
        records_repo.upsert_current(conn, current)
        rows = [
            {
                "chain_id": chain.statements[0]["chain_id"],
                "subject_id": 1,
                "reason": "dispute",
                "opened_at": T0 + timedelta(days=opened),
                "closed_at": None if closed is None else T0 + timedelta(days=closed),
            }
            for chain in batch
            for opened, closed in chain.suppressions
        ]
        if rows:
            conn.execute(insert(record_suppressions), rows)
    return current


def _python(batch: list[Chain], on: date, known_at: datetime | None) -> set[str]:
    """The Python predicate over each chain folded from the statements received by
    ``known_at`` (None: all of them, the current view)."""
    found = set()
    moment = known_at or datetime.max.replace(tzinfo=UTC)
    for chain in batch:
        known = [dict(s) for s in chain.statements if s["received_at"] <= moment]
        if not known:
            continue
        view = _fold(known)
        view["suppressed"] = any(
            T0 + timedelta(days=o) <= moment
            and (c is None or T0 + timedelta(days=c) > moment if known_at else c is None)
            for o, c in chain.suppressions
        )
        if RULE.holds(view, on):
            found.add(view["record_id"])
    return found


def _compiled(runner: Any, dialect: Any, on: date, known_at: datetime | None) -> set[str]:
    source = Source(known_at=known_at, pending_appeal_types=APPEAL)
    sql = compile_contributions(EVERY_INPUT, dialect, Probe(as_of=on), source)
    return {r["record_id"] for r in runner.rows(sql)}


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    batch=histories,
    asked=st.lists(days, min_size=4, max_size=6),
    moments=st.lists(days, max_size=2),
)
def test_every_form_of_the_effect_rule_agrees(
    clean: Engine, batch: list[Chain], asked: list[int], moments: list[int]
) -> None:
    current = _store(clean, batch)
    dates = [DAY0 + timedelta(days=d) for d in asked]
    with clean.connect() as conn:
        runner = DatabaseRunner(conn)
        dialect = dialect_of(conn)
        tables = extract_tables(conn, TYPES)
        frame = polars_lowering.records_frame(tables).collect()
        duck = duckdb.connect()
        for name, table in tables.items():
            duck.register(name, table)
        suppressed = {
            c.statements[0]["chain_id"] for c in batch if any(x is None for _, x in c.suppressions)
        }
        for on in dates:
            expected = _python(batch, on, None)
            by_sqlalchemy = {
                r["record_id"]
                for r in conn.execute(
                    select(record_current.c.record_id).where(records_repo.in_effect(RULE, on))
                ).mappings()
            }
            duck_sql = compile_contributions(
                EVERY_INPUT, "duckdb", Probe(as_of=on), Source(pending_appeal_types=APPEAL)
            )
            by_duckdb = {r[2] for r in duck.execute(duck_sql).fetchall()}
            by_polars = set(frame.filter(RULE.polars(on))["record_id"].to_list())
            by_interval = {
                row["record_id"]
                for row in current
                if RULE.why_not({**row, "suppressed": row["chain_id"] in suppressed}, None) is None
                and effect.interval(row)[0] <= on < effect.interval(row)[1]
            }
            assert by_sqlalchemy == expected, ("sqlalchemy", on)
            assert _compiled(runner, dialect, on, None) == expected, ("compiled", on)
            assert by_duckdb == expected, ("duckdb", on)
            assert by_polars == expected, ("polars", on)
            assert by_interval == expected, ("interval", on)
            for moment in moments:
                known_at = T0 + timedelta(days=moment, hours=12)
                assert _compiled(runner, dialect, on, known_at) == _python(batch, on, known_at), (
                    "known_at",
                    on,
                    known_at,
                )
