"""Run one rating over one set of records on every engine: the system of record (SQLite or
PostgreSQL) in batch and through the real-time template, DuckDB, Polars (and Spark when
given), and the Python banding of explanations over the features. Records are written straight
into ``record_current`` (no validation), so edge values that ingestion refuses today can still
be put in front of the engines."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml
from sqlalchemy import Engine

from credo.catalog.catalogue import Catalogue
from credo.catalog.loader import load_catalogue
from credo.catalog.ratings import RatingDef
from credo.ratings import explain
from credo.ratings.compiler import Probe, bind_probe, compile_template
from credo.ratings.polars_lowering import records_frame
from credo.ratings.runners import DatabaseRunner, DuckDBRunner, SparkRunner
from credo.ratings.service import RatingResult, evaluate, evaluate_polars, source_for, to_result
from credo.records.tables import record_current
from credo.settings import DEMO_CATALOG
from credo.subjects.tables import subjects

NOW = datetime(2026, 3, 1, tzinfo=UTC)
TEXT = {"en": "test", "zh": "测试"}


def catalogue_with(tmp: Path, *ratings: dict[str, Any]) -> Catalogue:
    """The demo catalogue plus ``ratings``, loaded (and so checked) by the real loader."""
    folder = tmp / "catalogue"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(DEMO_CATALOG, folder)
    path = folder / "ratings.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["ratings"] += list(ratings)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return load_catalogue(folder)


def rating(rating_id: str, domain: str, inputs: list[str], **parts: Any) -> dict[str, Any]:
    """A rating document with the boilerplate filled in."""
    return {
        "id": rating_id,
        "version": 1,
        "name": TEXT,
        "purpose": "An edge case of the engines' agreement.",
        "domain": domain,
        "subject_kinds": ["organisation", "person"],
        "inputs": inputs,
        **parts,
    }


def reason(code: str = "EDGE") -> dict[str, Any]:
    return {"code": code, "text": TEXT}


def record(
    index: int,
    record_type: str,
    payload: dict[str, Any],
    *,
    subject: int = 1,
    occurred: date,
    days: int = 365,
) -> dict[str, Any]:
    """A ``record_current`` row in effect from ``occurred`` for ``days``."""
    return {
        "chain_id": f"c{index:04d}",
        "record_id": f"r{index:04d}",
        "revision": 0,
        "state": "active",
        "furnisher_id": "test",
        "source_ref": f"ref-{index}",
        "record_type": record_type,
        "subject_id": subject,
        "occurred_on": occurred,
        "effective_from": occurred,
        "effect_until": occurred + timedelta(days=days),
        "expires_on": occurred + timedelta(days=5 * 365),
        "finality": "final",
        "end_reason": "period_ended",
        "payload": payload,
        "first_received_at": NOW,
        "updated_at": NOW,
    }


def load_database(engine: Engine, rows: list[dict[str, Any]]) -> None:
    ids = sorted({r["subject_id"] for r in rows})
    with engine.begin() as conn:
        conn.execute(
            subjects.insert(), [{"id": i, "kind": "organisation", "created_at": NOW} for i in ids]
        )
        conn.execute(record_current.insert(), rows)


def arrow_tables(rows: list[dict[str, Any]]) -> dict[str, pa.Table]:
    """The rows as the extracts DuckDB, Polars and Spark read (payload as JSON text)."""
    current = [
        {**{k: v for k, v in r.items() if k != "suppressed"}, "payload": _json(r["payload"])}
        for r in rows
    ]
    open_ = [{"chain_id": r["chain_id"], "closed_at": None} for r in rows if r.get("suppressed")]
    schema = pa.schema([("chain_id", pa.string()), ("closed_at", pa.timestamp("us", tz="UTC"))])
    return {
        "record_current": pa.Table.from_pylist(current),
        "record_suppressions": pa.Table.from_pylist(open_, schema=schema),
    }


def _json(payload: dict[str, Any]) -> str:
    from credo.records.queries import json_text

    return json_text(payload)


def everywhere(
    engine: Engine,
    catalogue: Catalogue,
    rating_def: RatingDef,
    rows: list[dict[str, Any]],
    on: date,
    spark: Any = None,
) -> dict[str, list[RatingResult]]:
    """The rating's results on ``on`` per engine (``rows`` already in the database)."""
    source = source_for(catalogue)
    probe = Probe(as_of=on)
    subject_ids = tuple(sorted({r["subject_id"] for r in rows}))
    tables = arrow_tables(rows)
    found: dict[str, list[RatingResult]] = {}
    with engine.connect() as conn:
        runner = DatabaseRunner(conn)
        found[runner.dialect] = evaluate(runner, rating_def, probe, source)
        template = compile_template(rating_def, runner.dialect, source)
        realtime = runner.rows(bind_probe(template, subject_ids, on))
        found["realtime"] = sorted(
            (to_result(rating_def, row) for row in realtime), key=lambda r: r.subject_id
        )
    duck = DuckDBRunner()
    duck.load(tables)
    found["duckdb"] = evaluate(duck, rating_def, probe, source)
    found["polars"] = evaluate_polars(rating_def, records_frame(tables), probe, source)
    if spark is not None:
        runner_spark = SparkRunner(spark)
        runner_spark.load(tables)
        found["spark"] = evaluate(runner_spark, rating_def, probe, source)
    found["explain"] = [_explained(rating_def, r, source.assessment_types) for r in found["duckdb"]]
    return found


def _explained(
    rating_def: RatingDef, result: RatingResult, assessment_types: tuple[str, ...]
) -> RatingResult:
    """Points, total, band and reason re-derived in Python from the features (the evidence
    of the records as the result says: a reason about the inputs is kept as it is)."""
    evidence = explain.Evidence(any_live=result.reason != "no_inputs")
    outcome = explain.band_of(rating_def, result.features, evidence, assessment_types)
    if result.reason in ("no_inputs", "stale_assessment"):
        return result
    return replace(  # computed features re-derived in Python too (credo.ratings.arithmetic)
        result,
        features=outcome.features,
        points=outcome.points,
        total=outcome.total,
        band=outcome.band,
        reason=outcome.reason,
    )


def assert_agree(found: dict[str, list[RatingResult]]) -> list[RatingResult]:
    """Every engine gave the same results; returns them."""
    reference_name, reference = next(iter(found.items()))
    for name, results in found.items():
        assert results == reference, f"{name} differs from {reference_name}"
    return reference
