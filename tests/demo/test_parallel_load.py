"""The demo's forked loading processes build the same registry as one process: the same
statements, current view, rating states, list entries and notices, and an intact audit chain.
The reference is always a one-process build on SQLite, so on PostgreSQL this also checks that
both databases agree."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from credo.audit import service as audit
from credo.clock import FixedClock
from credo.context import AppContext, build_context
from credo.db.connect import make_engine
from credo.demo.build import (
    SilentProgress,
    build_demo,
    derive_state,
    load_statements,
    register_subjects,
)
from credo.demo.population import DemoSize, generate_population
from credo.demo.records import city_statements
from credo.lists.tables import list_entries
from credo.notices.tables import notices
from credo.ratings.tables import rating_state
from credo.records.tables import change_feed, record_current, record_statements
from credo.settings import Settings
from harness import sqlite as sqlite_harness
from harness.audited import AUDITED

SIZE = DemoSize(persons=300, organisations=60, public_bodies=3)
SEED = 23
NOW = datetime(2026, 6, 30, 12, 0)


def _build(database_url: str, engine: Engine, workers: int) -> AppContext:
    ctx = build_context(Settings(database_url=database_url), FixedClock(NOW), engine)
    summary = build_demo(ctx, SIZE, seed=SEED, workers=workers, batch_size=700)
    assert summary.counts.rejected == {}
    assert set(summary.counts.outcomes) == {"accepted"}
    return ctx


def _content(engine: Engine) -> dict[str, Any]:
    """What must not depend on how the load was split (row order and timestamps of the
    writes aside): statements in every column but the time of receipt (the last)."""
    with engine.connect() as conn:
        return {
            "statements": sorted(
                (r.record_id, json.dumps(tuple(r)[:-1], sort_keys=True, default=str))
                for r in conn.execute(select(record_statements)).all()
            ),
            "current": sorted(
                conn.execute(
                    select(
                        record_current.c.chain_id,
                        record_current.c.record_id,
                        record_current.c.state,
                        record_current.c.subject_id,
                    )
                ).all()
            ),
            "ratings": sorted(
                (r.rating_key, r.subject_id, r.band, r.total)
                for r in conn.execute(select(rating_state)).all()
            ),
            "entries": sorted(
                (r.list_id, r.subject_id, r.status, r.starts_on, r.ends_on)
                for r in conn.execute(select(list_entries)).all()
            ),
            "feed_subjects": sorted(
                r[0] for r in conn.execute(select(change_feed.c.subject_id)).all()
            ),
        }


@pytest.fixture
def second_sqlite(database_templates: Any, migrate: Any, tmp_path: Path) -> str:
    """Another fresh, migrated SQLite database beside the test's own."""
    return sqlite_harness.clone(database_templates.sqlite(migrate), tmp_path / "second.db")


def test_forked_loaders_build_the_same_registry_as_one_process(
    database_url: str, engine: Engine, second_sqlite: str
) -> None:
    _build(database_url, engine, workers=2)
    reference_url = second_sqlite
    reference = make_engine(reference_url)
    try:
        _build(reference_url, reference, workers=1)
        parallel, single = _content(engine), _content(reference)
        assert len(parallel["statements"]) > 3000
        assert parallel["ratings"] and parallel["entries"]
        for part in single:
            assert parallel[part] == single[part], part
    finally:
        reference.dispose()
    with engine.connect() as conn:
        verification = audit.verify(conn, AUDITED)
    assert verification.ok, verification.broken
    assert verification.checked > len(parallel["statements"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_failing_loader_fails_the_build(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from credo.demo import build

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("generator bug")

    monkeypatch.setattr(build, "subject_statements", broken)
    ctx = build_context(Settings(database_url=database_url), FixedClock(NOW), engine)
    with pytest.raises(RuntimeError, match="generator bug"):
        build_demo(ctx, SIZE, seed=SEED, workers=2)


def test_deferred_hooks_derive_the_same_state_as_hooks_run_per_batch(
    database_url: str, engine: Engine, second_sqlite: str
) -> None:
    """A bulk load that defers the hooks to one pass (on SQLite) ends where per-batch hooks
    end (on the parametrized database)."""
    deferred_url = second_sqlite
    deferred_engine = make_engine(deferred_url)
    try:
        states = []
        for url, target, defer in (
            (database_url, engine, False),
            (deferred_url, deferred_engine, True),
        ):
            ctx = build_context(Settings(database_url=url), FixedClock(NOW), target)
            city = generate_population(SIZE, SEED, ctx.clock.today())
            register_subjects(target, ctx.catalogue, city, ctx, SilentProgress())
            write = ctx.write_context().deferring() if defer else ctx.write_context()
            statements = city_statements(city, ctx.clock.today(), SEED)
            load_statements(target, write, ctx.clock.today(), statements, SilentProgress(), 0, 500)
            if defer:
                assert write.deferred, "the load noted the subjects whose records changed"
                with target.connect() as conn:
                    assert conn.execute(select(rating_state)).first() is None
                derive_state(target, write, SilentProgress(), chunk=100)
            states.append({**_content(target), "notices": _notices(target)})
        immediate, deferred = states
        assert immediate["ratings"] and immediate["entries"] and immediate["notices"]
        for part in immediate:
            assert deferred[part] == immediate[part], part
    finally:
        deferred_engine.dispose()


def _notices(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return sorted(
            (r.subject_id, r.kind, r.dedupe_key) for r in conn.execute(select(notices)).all()
        )
