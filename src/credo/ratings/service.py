"""Rating services: evaluate (any engine, any date, today's knowledge or what was known then),
explain, and keep the real-time state and the batch snapshots."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import orjson
import polars as pl
from sqlalchemy import Connection, Engine

from credo.catalog.catalogue import Catalogue
from credo.catalog.ratings import NOT_RATED, PENDING, RatingDef, feature_grids
from credo.errors import NotFound, ValidationFailed
from credo.ratings import banding, explain, polars_lowering
from credo.ratings import repository as repo
from credo.ratings.compiler import (
    Probe,
    Source,
    compile_contributions,
    compile_inputs,
    compile_rating,
    output_columns,
)
from credo.ratings.runners import DatabaseRunner, DuckDBRunner, Runner, SparkRunner
from credo.records import queries as records_queries
from credo.records.effect import EffectRule, pending_appeal_types
from credo.subjects.service import id_range

ENGINES = ("sqlite", "postgres", "duckdb", "polars", "spark")
# Records per partition of a batch evaluation: the batch engines read and rate the registry
# this many input records at a time (by subject-id range), so memory stays bounded.
PARTITION_RECORDS = 500_000


@dataclass(frozen=True)
class RatingResult:
    subject_id: int
    as_of: date
    features: dict[str, Any]
    points: list[float | None]
    total: float | None
    band: str
    reason: str | None = None  # why a pending or not-rated result is so (banding.REASONS)


def find_rating(catalogue: Catalogue, ref: str) -> RatingDef:
    """A rating by ``id`` or ``id@version``."""
    rating_id, _, version = ref.partition("@")
    rating = catalogue.ratings.get(rating_id)
    if rating is None or (version and version != str(rating.version)):
        raise NotFound(f"no rating {ref!r}", code="unknown_rating")
    return rating


def source_for(catalogue: Catalogue, known_at: datetime | None = None) -> Source:
    return Source(
        known_at=known_at,
        pending_appeal_types=pending_appeal_types(catalogue),
        assessment_types=assessment_types(catalogue),
        field_types=tuple(
            (record_type.id, name, spec.type)
            for record_type in catalogue.record_types.values()
            for name, spec in record_type.payload.items()
        ),
    )


def assessment_types(catalogue: Catalogue) -> tuple[str, ...]:
    """The record types that are assessments (an inspection grade, an annual tax grade): a
    rating whose assessments have all passed their validity is not rated, stale_assessment."""
    return tuple(sorted(t.id for t in catalogue.record_types.values() if t.assessment))


def evaluate(
    runner: Runner, rating: RatingDef, probe: Probe, source: Source = Source()
) -> list[RatingResult]:
    """Run the compiled rating on ``runner`` for the probe's (subject, date) pairs."""
    rows = runner.rows(compile_rating(rating, runner.dialect, probe, source))
    return sorted((to_result(rating, row) for row in rows), key=lambda r: r.subject_id)


def evaluate_polars(
    rating: RatingDef, records: Any, probe: Probe, source: Source = Source()
) -> list[RatingResult]:
    """The same rating on the embedded Polars engine (lowered from the same definition)."""
    frame = polars_lowering.evaluate_frame(rating, records, probe, source)
    return sorted((to_result(rating, row) for row in frame.to_dicts()), key=lambda r: r.subject_id)


def to_result(rating: RatingDef, row: dict[str, Any]) -> RatingResult:
    score_tables = rating.score.tables if rating.score else []
    as_of = row["as_of"]
    return RatingResult(
        subject_id=int(row["subject_id"]),
        as_of=as_of if isinstance(as_of, date) else date.fromisoformat(str(as_of)[:10]),
        features={f.id: _plain(row[f"f_{f.id}"]) for f in rating.features},
        points=[_plain(row[f"p_{i}"]) for i in range(len(score_tables))],
        total=_plain(row["total"]),
        band=str(row["band"]),
        reason=None if row.get("reason") is None else str(row["reason"]),
    )


def _plain(value: Any) -> Any:
    """Engines return floats, Decimals or strings: keep numbers as floats, text as text."""
    if value is None or isinstance(value, str):
        return value
    return float(value)


# -- one subject: point in time and explanation ---------------------------------------------


def evaluate_subject(
    conn: Connection,
    catalogue: Catalogue,
    rating: RatingDef,
    subject_id: int,
    as_of: date,
    known_at: datetime | None = None,
) -> dict[str, Any]:
    """The rating of one subject on ``as_of``, with today's knowledge or as known at
    ``known_at``, with its reasons, contributing records and counterfactual. A pending or
    not-rated result says why (``reason``), and the explanation lists every input record
    looked at, in effect or not, with why not (``looked_at``)."""
    runner = DatabaseRunner(conn)
    probe = Probe(as_of=as_of, subject_ids=(subject_id,))
    source = source_for(catalogue, known_at)
    results = evaluate(runner, rating, probe, source)
    records = runner.rows(compile_contributions(rating, runner.dialect, probe, source))
    inputs = runner.rows(compile_inputs(rating, runner.dialect, probe, source))
    suppressed = [str(r["chain_id"]) for r in inputs if r["suppressed"]]
    suppressions = records_queries.suppression_reasons(conn, suppressed, known_at)
    rule = EffectRule(source.pending_appeal_types)
    looked_at, evidence = explain.looked_at(rating, inputs, as_of, rule, suppressions)
    if results:
        result = results[0]
    else:  # no input record at all: not rated, no_inputs
        empty = explain.band_of(rating, {}, evidence, source.assessment_types)
        result = RatingResult(subject_id, as_of, {}, empty.points, None, empty.band, empty.reason)
    return {
        "rating": rating.key,
        "subject_id": subject_id,
        "as_of": as_of.isoformat(),
        "knowledge": "as_known_then" if known_at else "today",
        "known_at": known_at.isoformat() if known_at else None,
        "band": result.band,
        "reason": result.reason,
        "reason_text": banding.reason_text(result.reason),
        "total": result.total,
        "features": result.features,
        "reasons": explain.reasons(rating, result.features, result.band, result.reason),
        "counterfactual": explain.counterfactual(
            rating, result.features, result.band, feature_grids(catalogue.record_types, rating)
        ),
        "records": [r["record_id"] for r in records],
        "looked_at": looked_at,
    }


def history(
    conn: Connection,
    catalogue: Catalogue,
    rating: RatingDef,
    subject_id: int,
    today: date | None = None,
) -> dict[str, Any]:
    """For each day the subject's rating could change in the world (an input record took
    effect or ended; event dates, not load dates), up to ``today``: the rating on that day as
    the registry knew it at the end of that day, and with today's knowledge (``revised`` when
    something learnt later, such as a late report, a correction or a dispute, changed it).
    Plus every valid snapshot."""
    days = records_queries.effect_dates(conn, subject_id, rating.inputs)
    entries = []
    for day in (d for d in days if today is None or d <= today):
        at = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
        then = evaluate_subject(conn, catalogue, rating, subject_id, day, known_at=at)
        now = evaluate_subject(conn, catalogue, rating, subject_id, day)
        entries.append(
            {
                "as_of": day.isoformat(),
                "known_at": at.isoformat(),
                "band_as_known_then": then["band"],
                "band_with_todays_knowledge": now["band"],
                "reason_as_known_then": then["reason"],
                "reason_with_todays_knowledge": now["reason"],
                "revised": then["band"] != now["band"] or then["total"] != now["total"],
            }
        )
    snapshots = [
        {
            "snapshot_id": row["id"],
            "as_of": row["as_of"].isoformat(),
            "band": row["band"],
            "total": row["total"],
            "reason": row["reason"],
        }
        for row in repo.subject_snapshot_history(conn, rating.key, subject_id)
    ]
    return {
        "rating": rating.key,
        "subject_id": subject_id,
        "entries": entries,
        "snapshots": snapshots,
    }


def refresh_state(
    conn: Connection,
    catalogue: Catalogue,
    subject_ids: set[int],
    as_of: date,
    now: datetime,
    compile_for: Callable[[RatingDef, Probe], str] | None = None,
    ratings: Sequence[RatingDef] | None = None,
) -> None:
    """Re-evaluate ``ratings`` (default: every rating) of ``subject_ids`` with the same
    compiled query, restricted to them, in the caller's transaction."""
    runner = DatabaseRunner(conn)
    source = source_for(catalogue)
    probe = Probe(as_of=as_of, subject_ids=tuple(sorted(subject_ids)))
    for rating in catalogue.ratings.values() if ratings is None else ratings:
        sql = (
            compile_for(rating, probe)
            if compile_for
            else compile_rating(rating, runner.dialect, probe, source)
        )
        results = [to_result(rating, row) for row in runner.rows(sql)]
        repo.replace_state(
            conn, rating.key, subject_ids, [_state_row(rating, r, now) for r in results]
        )


def _state_row(rating: RatingDef, result: RatingResult, now: datetime) -> dict[str, Any]:
    return {
        "rating_key": rating.key,
        "subject_id": result.subject_id,
        "as_of": result.as_of,
        "band": result.band,
        "total": result.total,
        "features": result.features,
        "evaluated_at": now,
        "reason": result.reason,
    }


# -- batch: snapshots -----------------------------------------------------------------------


@dataclass
class RescoreSummary:
    rating: str
    snapshot_id: int
    status: str
    subjects: int
    before: dict[str, int]
    after: dict[str, int]
    problems: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)  # pending and not rated, by reason


Progress = Callable[[str, int, int], None]


def rescore(
    engine: Engine,
    catalogue: Catalogue,
    *,
    engine_name: str,
    as_of: date,
    now: datetime,
    progress: Progress | None = None,
    spark: Any = None,
    partition_records: int | None = PARTITION_RECORDS,
) -> list[RescoreSummary]:
    """Evaluate every subject with input records on ``engine_name``, write a new snapshot per
    rating, validate it and switch the pointer to it in one transaction."""
    check_engine(engine_name)
    summaries = []
    source = source_for(catalogue)
    ratings = list(catalogue.ratings.values())
    for index, rating in enumerate(ratings):
        batch = BatchRun(engine, engine_name, as_of, source, spark, partition_records)
        summaries.append(rescore_rating(batch, rating, now))
        if progress:
            progress(rating.key, index + 1, len(ratings))
    return summaries


def check_engine(engine_name: str) -> None:
    if engine_name not in ENGINES:
        raise ValidationFailed(f"unknown engine {engine_name!r}; choose one of {ENGINES}")


@dataclass
class BatchRun:
    """One batch evaluation: where (the registry's engine), on what (``engine_name``), the
    date, the catalogue's source facts and the partition size (None: the whole registry at
    once). ``extracts`` keeps the inputs read, by record types and subject range, for the next
    rating that reads the same ones (a simulation evaluates two versions of a rating)."""

    engine: Engine
    engine_name: str
    as_of: date
    source: Source
    spark: Any = None
    partition_records: int | None = PARTITION_RECORDS
    extracts: dict[tuple[Any, ...], Any] | None = None


def rescore_rating(batch: BatchRun, rating: RatingDef, now: datetime) -> RescoreSummary:
    """``credo rescore`` for one rating: read the registry's tables into Arrow partition by
    partition, rate them on the batch engine, and write, validate and switch to the snapshot
    in bulk in one transaction."""
    frame = snapshot_frame(batch, rating)
    with batch.engine.begin() as conn:
        return _write_snapshot(conn, rating, batch.engine_name, batch.as_of, now, frame)


def snapshot_frame(batch: BatchRun, rating: RatingDef) -> pl.DataFrame:
    """Every subject's result as a snapshot's rows: subject_id, band, total, features (JSON
    text) and reason, by subject id. Only these compact rows outlive a partition."""
    if batch.engine_name in ("sqlite", "postgres"):
        return results_frame(rating, _database_results(batch, rating))
    parts = [compact_frame(rating, part) for part in output_frames(batch, rating)]
    return pl.concat(parts, how="vertical_relaxed").sort("subject_id")


def batch_results(
    engine: Engine,
    catalogue: Catalogue,
    rating: RatingDef,
    engine_name: str,
    as_of: date,
    spark: Any = None,
    extracts: dict[tuple[Any, ...], Any] | None = None,
    partition_records: int | None = PARTITION_RECORDS,
) -> list[RatingResult]:
    """Every subject's result of ``rating`` (under ``catalogue``) on ``as_of``, on one batch
    engine: what ``rescore`` writes, and what a policy simulation (``credo.governance``)
    compares, so that a simulated catalogue and the same catalogue activated agree."""
    batch = BatchRun(
        engine, engine_name, as_of, source_for(catalogue), spark, partition_records, extracts
    )
    if engine_name in ("sqlite", "postgres"):
        return _database_results(batch, rating)
    frames = list(output_frames(batch, rating))
    rows = pl.concat(frames, how="vertical_relaxed").to_dicts()
    return sorted((to_result(rating, row) for row in rows), key=lambda r: r.subject_id)


def _database_results(batch: BatchRun, rating: RatingDef) -> list[RatingResult]:
    """The compiled query run by the system of record itself, in one statement."""
    with batch.engine.connect() as conn:
        runner = DatabaseRunner(conn)
        if runner.dialect != batch.engine_name:
            raise ValidationFailed(
                f"the database is {runner.dialect}; --engine {batch.engine_name} cannot run on it"
            )
        return evaluate(runner, rating, Probe(as_of=batch.as_of), batch.source)


def output_frames(batch: BatchRun, rating: RatingDef) -> Iterator[pl.DataFrame]:
    """The compiled rating's output columns, one frame per subject partition, read through
    ADBC into Arrow (no Python row per record) and rated on the batch engine."""
    probe = Probe(as_of=batch.as_of)
    runner = _batch_runner(batch)
    sql = None if runner is None else compile_rating(rating, runner.dialect, probe, batch.source)
    spans = subject_spans(batch, rating)
    for tables in _inputs(batch, rating, spans):
        # The engine keeps its own copy of the records: the Arrow tables go at once.
        if runner is None or sql is None:
            records = polars_lowering.records_frame(tables)
            del tables
            frame = polars_lowering.evaluate_frame(rating, records, probe, batch.source)
        else:
            runner.load(tables)
            del tables
            frame = runner.frame(sql)
        yield frame.select(output_columns(rating))


def _batch_runner(batch: BatchRun) -> DuckDBRunner | SparkRunner | None:
    if batch.engine_name == "polars":
        return None
    if batch.engine_name == "duckdb":
        return DuckDBRunner()
    from credo.ratings.runners import local_spark

    return SparkRunner(batch.spark or local_spark())


def subject_spans(batch: BatchRun, rating: RatingDef) -> list[repo.Span]:
    """Subject-id ranges ``[low, high)`` holding about ``partition_records`` input records
    each (ids are dense, so equal ranges hold about equal numbers of records)."""
    if batch.partition_records is None:
        return [None]
    with batch.engine.connect() as conn:
        (low, high), count = id_range(conn), records_queries.current_count(conn, rating.inputs)
    parts = max(1, math.ceil(count / max(1, batch.partition_records)))
    if parts == 1:  # a plain scan, no range
        return [None]
    step = max(1, math.ceil((high + 1 - low) / parts))
    return [(start, start + step) for start in range(low, high + 1, step)]


def _inputs(batch: BatchRun, rating: RatingDef, spans: list[repo.Span]) -> Iterator[dict[str, Any]]:
    if batch.extracts is None:
        yield from repo.read_partitions(batch.engine, rating.inputs, spans)
        return
    key = (tuple(sorted(rating.inputs)), tuple(spans))
    if key not in batch.extracts:
        batch.extracts[key] = list(repo.read_partitions(batch.engine, rating.inputs, spans))
    yield from batch.extracts[key]


# -- snapshot rows as columns ---------------------------------------------------------------

SNAPSHOT_SCHEMA = {
    "subject_id": pl.Int64,
    "band": pl.String,
    "total": pl.Float64,
    "features": pl.String,
    "reason": pl.String,
}


def compact_frame(rating: RatingDef, frame: pl.DataFrame) -> pl.DataFrame:
    """An engine's output columns as snapshot rows, vectorised: what ``to_result`` makes of
    each row (numbers as floats, text as text), the features as one JSON object."""
    values = [
        (
            pl.col(f"f_{f.id}")
            if frame.schema[f"f_{f.id}"] == pl.String
            else pl.col(f"f_{f.id}").cast(pl.Float64)
        ).alias(f.id)
        for f in rating.features
    ]
    features = pl.struct(values).struct.json_encode() if values else pl.lit("{}")
    return frame.select(
        pl.col("subject_id").cast(pl.Int64),
        pl.col("band").cast(pl.String),
        pl.col("total").cast(pl.Float64),
        features.alias("features"),
        pl.col("reason").cast(pl.String),
    )


def results_frame(rating: RatingDef, results: Sequence[RatingResult]) -> pl.DataFrame:
    """Results evaluated row by row (the databases' own engines) as snapshot rows."""
    rows = [
        (r.subject_id, r.band, r.total, orjson.dumps(r.features).decode(), r.reason)
        for r in results
    ]
    return pl.DataFrame(rows, schema=SNAPSHOT_SCHEMA, orient="row")


def _write_snapshot(
    conn: Connection,
    rating: RatingDef,
    engine_name: str,
    as_of: date,
    now: datetime,
    frame: pl.DataFrame,
) -> RescoreSummary:
    previous = repo.current_snapshot_id(conn, rating.key)
    before = repo.band_counts(conn, previous) if previous else {}
    snapshot_id = repo.create_snapshot(conn, rating.key, as_of, engine_name, now)
    repo.insert_result_frame(conn, snapshot_id, frame)
    after = repo.band_counts(conn, snapshot_id)
    problems = validate_frame(rating, frame, after)
    status = "rejected" if problems else "valid"
    repo.finish_snapshot(
        conn, snapshot_id, status, frame.height, {"bands": after, "problems": problems}
    )
    if not problems:
        repo.switch_pointer(conn, rating.key, snapshot_id, now)
    reasons = frame.drop_nulls("reason").group_by("reason").len().sort("reason")
    return RescoreSummary(
        rating.key,
        snapshot_id,
        status,
        frame.height,
        before,
        after,
        problems,
        {str(row[0]): int(row[1]) for row in reasons.iter_rows()},
    )


def validate_snapshot(
    rating: RatingDef, results: Sequence[RatingResult], counts: dict[str, int]
) -> list[str]:
    """``validate_frame`` over results evaluated row by row."""
    return validate_frame(rating, results_frame(rating, results), counts)


def validate_frame(rating: RatingDef, frame: pl.DataFrame, counts: dict[str, int]) -> list[str]:
    """A snapshot is switched to only if it is complete and every result is well formed."""
    assert rating.bands is not None
    problems = []
    allowed = {*rating.bands.labels, PENDING, NOT_RATED}
    unknown = set(counts) - allowed
    if unknown:
        problems.append(f"unknown bands {sorted(unknown)}")
    if sum(counts.values()) != frame.height:
        problems.append("stored results do not match the evaluated subjects")
    if frame["subject_id"].n_unique() != frame.height:
        problems.append("a subject was rated twice")
    withheld = pl.col("band").is_in([PENDING, NOT_RATED])
    explained = pl.col("reason").fill_null("") != ""
    unexplained = frame.filter(withheld != explained).height
    if unexplained:
        problems.append(
            f"{unexplained} results where a pending or not-rated band lacks a reason "
            "(or a band has one)"
        )
    score = rating.score
    if score is not None:
        low = score.min if score.min is not None else float("-inf")
        high = score.max if score.max is not None else float("inf")
        if frame.filter((pl.col("total") < low) | (pl.col("total") > high)).height:
            problems.append("a total lies outside the score's clamp")
    return problems


def definition_of(rating: RatingDef) -> dict[str, Any]:
    """The published form of a rating: its rules, in full."""
    body = rating.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {"key": rating.key, **body}
