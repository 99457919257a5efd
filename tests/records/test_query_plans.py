"""The write path's look-ups use indexes on SQLite, whatever the table size: a plan that
scans a table costs nothing in a small test and seconds per batch in a large registry.
Each test captures the SQL a function really runs and asks SQLite for its plan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event

from credo.catalog.catalogue import Catalogue
from credo.catalog.loader import load_catalogue
from credo.lists.evaluate import list_record_types
from credo.ratings.compiler import bind_probe, compile_template
from credo.ratings.service import source_for
from credo.records.effect import EffectRule
from credo.records.queries import standing_records
from credo.settings import Settings
from credo.subjects import repository as subjects_repo

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@contextmanager
def captured(conn: Connection) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def remember(_c: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))

    event.listen(conn, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(conn, "before_cursor_execute", remember)


def plans(conn: Connection, run: Callable[[Connection], Any]) -> list[str]:
    with captured(conn) as statements:
        run(conn)
    assert statements, "the function ran no query"
    found = []
    for sql, params in statements:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
        found += [str(row[3]) for row in rows]
    return found


def full_scans(found: list[str], table: str) -> list[str]:
    return [p for p in found if p.startswith(f"SCAN {table}") and "USING" not in p]


@pytest.fixture
def catalogue() -> Catalogue:
    settings = Settings()
    return load_catalogue(settings.catalog_path, settings.profile)


def test_identity_look_up_uses_the_identifier_key(engine: Engine) -> None:
    keys = {("cn_ric", f"11010519900101{n:04d}") for n in range(50)}
    keys |= {("cn_uscc", f"91110000MA00000{n:03d}") for n in range(50)}
    with engine.connect() as conn:
        found = plans(conn, lambda c: subjects_repo.find_subject_ids(c, keys))
    assert not full_scans(found, "subject_identifiers"), found


def test_list_trigger_records_use_the_subject_and_type_index(
    engine: Engine, catalogue: Catalogue
) -> None:
    types = sorted(list_record_types(catalogue))
    with engine.connect() as conn:
        found = plans(
            conn,
            lambda c: standing_records(c, list(range(1, 50)), types, EffectRule()),
        )
    current = [p for p in found if "record_current" in p]
    assert any("ix_record_current_subject_type" in p for p in current), current
    assert not any("ix_record_current_type " in p for p in current), current


def test_rating_queries_for_some_subjects_use_the_subject_and_type_index(
    engine: Engine, catalogue: Catalogue
) -> None:
    source = source_for(catalogue)
    with engine.connect() as conn:
        for rating in catalogue.ratings.values():
            sql = bind_probe(
                compile_template(rating, "sqlite", source), (1, 2, 3), date(2026, 6, 30)
            )
            found = [str(r[3]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
            on_records = [p for p in found if "record_current" in p or " r " in f" {p} "]
            assert any("ix_record_current_subject_type" in p for p in found), (rating.key, found)
            assert not any("ix_record_current_type " in p for p in on_records), rating.key
