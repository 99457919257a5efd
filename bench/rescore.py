"""Benchmark of batch rescoring: the compiled rating (the engine `credo rescore` uses) against
hand-written Polars and DuckDB, row-by-row Python and Spark local mode, in one run.

    .venv/bin/python bench/rescore.py            # 50 M records, 5 M subjects
    .venv/bin/python bench/rescore.py --quick    # 2 M records, 200 k subjects (< 1 minute)

Synthetic records (40 record types over 10 years, some revoked, appealed or disputed) are
written once to Parquet in the layout of the rescore extract; each implementation then runs
in its own process (so peak memory is its own), reads the Parquet, rates every subject as of
one date and writes (subject_id, band). All results are checked to be identical. The rating
has five features (decayed points, counts, a window, a maximum) and five bands.

Timed: reading the extract plus rating (not the database extract or the snapshot write,
which are the same for every engine); the best of two runs for the four fast ones. Python
and Spark run on a subset of subjects (Spark on about 5 M records); records per second make
the figures comparable.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

AS_OF = date(2026, 1, 1)
TYPES = [f"t{i:02d}" for i in range(40)]
DECAY_TYPES = TYPES[:20]
WINDOW_TYPES = TYPES[20:]
IMPLEMENTATIONS = ("compiled", "compiled_duckdb", "hand_polars", "hand_duckdb", "python", "spark")


def bench_source() -> Any:
    """The extract's flat payload columns, typed as a catalogue would type them (what
    ``credo rescore`` passes: ``ratings.service.source_for``)."""
    from credo.ratings.compiler import Source

    fields = (("points", "number"), ("severity", "integer"), ("amount", "number"))
    typed = tuple((t, name, kind) for t in TYPES for name, kind in fields)
    return Source(payload="columns", field_types=typed)


@functools.cache
def bench_rating() -> Any:
    from credo.catalog.ratings import RatingDef

    def bins(edges: list[float], points: list[float]) -> list[dict[str, float]]:
        bounds: list[float | None] = [None, *edges, None]
        return [
            {k: v for k, v in (("from", a), ("to", b), ("points", p)) if v is not None}
            for a, b, p in zip(bounds, bounds[1:], points, strict=False)
        ]

    def table(feature: str, edges: list[float], points: list[float]) -> dict[str, Any]:
        reason = {"code": feature.upper(), "text": {"en": feature, "zh": feature}}
        return {
            "feature": feature,
            "monotonic": "decreasing",
            "bins": bins(edges, points),
            "reason": reason,
        }

    return RatingDef.model_validate(
        {
            "id": "bench_rating",
            "name": {"en": "benchmark rating", "zh": "基准评级"},
            "purpose": "benchmark: five features, five bands",
            "domain": "tax",
            "subject_kinds": ["organisation"],
            "inputs": TYPES,
            "features": [
                {
                    "id": "decayed_points",
                    "op": "sum",
                    "field": "points",
                    "record_types": DECAY_TYPES,
                    "half_life": "365d",
                    "missing": 0,
                },
                {
                    "id": "severe",
                    "op": "count",
                    "record_types": TYPES,
                    "where": [{"field": "severity", "gte": 3}],
                },
                {"id": "recent", "op": "count", "record_types": WINDOW_TYPES, "window": "365d"},
                {"id": "records", "op": "count", "record_types": TYPES},
                {
                    "id": "max_amount",
                    "op": "max",
                    "field": "amount",
                    "record_types": TYPES,
                    "missing": 0,
                },
            ],
            "score": {
                "base": 100,
                "min": 0,
                "max": 100,
                "tables": [
                    table("decayed_points", [5, 15, 30], [0, -10, -20, -35]),
                    table("severe", [1, 3], [0, -10, -25]),
                    table("recent", [1, 2, 4], [0, -5, -10, -20]),
                    table("records", [10, 20], [0, -5, -10]),
                    table("max_amount", [50000, 200000], [0, -5, -15]),
                ],
            },
            "bands": {
                "labels": ["A", "B", "C", "D", "E"],
                "rules": [
                    {
                        "over": "total",
                        "monotonic": "increasing",
                        "bins": [
                            {"to": 40, "band": "E"},
                            {"from": 40, "to": 60, "band": "D"},
                            {"from": 60, "to": 75, "band": "C"},
                            {"from": 75, "to": 90, "band": "B"},
                            {"from": 90, "band": "A"},
                        ],
                    }
                ],
            },
        }
    )


# -- data -----------------------------------------------------------------------------------


def generate(folder: Path, records: int, subjects: int, seed: int = 7) -> None:
    """Parquet extract written by DuckDB from a deterministic hash of the row number (no
    NumPy needed; the same size always gives the same data)."""
    import duckdb

    span = AS_OF.toordinal() - date(2016, 1, 1).toordinal()
    types = ", ".join(f"'{t}'" for t in TYPES)

    def uniform(salt: int) -> str:  # in [0, 1)
        return f"(hash(i * 7919 + {seed * 1000 + salt}) % 1000000007) / 1000000007.0"

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(
        f"""
        COPY (
          SELECT CAST(floor({uniform(1)} * {subjects}) AS BIGINT) AS subject_id,
                 i AS record_id, i AS chain_id,
                 ([{types}])[CAST(floor({uniform(2)} * 40) AS INTEGER) + 1] AS record_type,
                 CASE WHEN {uniform(3)} < 0.96 THEN 'active'
                      WHEN {uniform(3)} < 0.99 THEN 'revoked' ELSE 'performed' END AS state,
                 occurred_on, occurred_on AS effective_from,
                 CAST(occurred_on + INTERVAL 3 YEAR AS DATE) AS effect_until,
                 CAST(occurred_on + INTERVAL 5 YEAR AS DATE) AS expires_on,
                 CASE WHEN {uniform(4)} < 0.98 THEN 'final' ELSE 'appealed' END AS finality,
                 round(-ln(1 - {uniform(5)}) * 4.0, 2) AS payload_points,
                 CAST(floor({uniform(6)} * 4) AS BIGINT) + 1 AS payload_severity,
                 round(-ln(1 - {uniform(7)}) * 20000.0, 2) AS payload_amount
          FROM (SELECT range AS i, DATE '2016-01-01'
                  + CAST(floor({uniform(8)} * {span}) AS INTEGER) AS occurred_on
                FROM range({records}))
        ) TO '{folder}/records.parquet' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
        """
    )
    con.execute(
        f"COPY (SELECT chain_id, CAST(NULL AS TIMESTAMP) AS closed_at FROM "
        f"read_parquet('{folder}/records.parquet') WHERE {uniform(9).replace('i *', 'chain_id *')}"
        f" < 0.005) TO '{folder}/suppressions.parquet' (FORMAT parquet)"
    )


# -- implementations (each runs in its own process) -----------------------------------------


def run_compiled(folder: Path, subjects: int | None) -> Any:
    """The credo engine: the Polars plan lowered from the rating definition."""
    import polars as pl

    from credo.ratings.compiler import Probe
    from credo.ratings.polars_lowering import evaluate_frame

    records = _polars_records(folder, subjects)
    frame = evaluate_frame(bench_rating(), records, Probe(as_of=AS_OF), bench_source())
    return frame.select("subject_id", "band").with_columns(pl.col("subject_id").cast(pl.Int64))


def _polars_records(folder: Path, subjects: int | None) -> Any:
    import polars as pl

    records = pl.scan_parquet(folder / "records.parquet")
    if subjects is not None:
        records = records.filter(pl.col("subject_id") < subjects)
    open_now = pl.scan_parquet(folder / "suppressions.parquet").select(
        "chain_id", pl.lit(True).alias("suppressed")
    )
    return records.join(open_now, on="chain_id", how="left").with_columns(
        pl.col("suppressed").fill_null(False)
    )


def _duckdb(folder: Path, subjects: int | None) -> Any:
    import duckdb

    con = duckdb.connect()
    where = f"WHERE subject_id < {subjects}" if subjects is not None else ""
    con.execute(
        f"CREATE VIEW record_current AS SELECT * FROM read_parquet('{folder}/records.parquet') "
        f"{where}"
    )
    con.execute(
        "CREATE VIEW record_suppressions AS SELECT * FROM "
        f"read_parquet('{folder}/suppressions.parquet')"
    )
    return con


def run_compiled_duckdb(folder: Path, subjects: int | None) -> Any:
    """The compiled SQL (the SQL engines' path) on DuckDB."""
    from credo.ratings.compiler import Probe, compile_rating

    sql = compile_rating(bench_rating(), "duckdb", Probe(as_of=AS_OF), bench_source())
    con = _duckdb(folder, subjects)
    return con.sql(f"SELECT subject_id, band FROM ({sql})").pl()


POINTS = {
    "decayed_points": ([5, 15, 30], [0, -10, -20, -35]),
    "severe": ([1, 3], [0, -10, -25]),
    "recent": ([1, 2, 4], [0, -5, -10, -20]),
    "records": ([10, 20], [0, -5, -10]),
    "max_amount": ([50000, 200000], [0, -5, -15]),
}
BANDS = ([40, 60, 75, 90], ["E", "D", "C", "B", "A"])


def run_hand_polars(folder: Path, subjects: int | None) -> Any:
    """Hand-written Polars for exactly this rating."""
    import polars as pl

    as_of = pl.lit(AS_OF)
    records = _polars_records(folder, subjects)
    age = (as_of - pl.col("occurred_on")).dt.total_days()
    live = (
        (pl.col("state") != "revoked")
        & (pl.col("effective_from") <= as_of)
        & (pl.col("effect_until") > as_of)
        & (pl.col("expires_on") > as_of)
        & (pl.col("finality") == "final")
        & ~pl.col("suppressed")
    )
    per_row = records.with_columns(live.alias("live"), age.alias("age")).select(
        "subject_id",
        pl.when(pl.col("live") & pl.col("record_type").is_in(DECAY_TYPES))
        .then(pl.col("payload_points") * 0.5 ** (pl.col("age") / 365.0))
        .otherwise(0.0)
        .alias("decayed_points"),
        (pl.col("live") & (pl.col("payload_severity") >= 3)).cast(pl.Float64).alias("severe"),
        (pl.col("live") & pl.col("record_type").is_in(WINDOW_TYPES) & (pl.col("age") < 365))
        .cast(pl.Float64)
        .alias("recent"),
        pl.col("live").cast(pl.Float64).alias("records"),
        pl.when(pl.col("live")).then(pl.col("payload_amount")).alias("max_amount"),
    )
    features = per_row.group_by("subject_id").agg(
        pl.col("decayed_points").sum().round(6),
        pl.col("severe").sum(),
        pl.col("recent").sum(),
        pl.col("records").sum(),
        pl.col("max_amount").max().fill_null(0.0).round(6),
    )
    total = pl.lit(100.0)
    for name, (edges, points) in POINTS.items():
        total = total + _cut(pl.col(name), edges, points)
    total = pl.min_horizontal(pl.max_horizontal(total, 0.0), 100.0)
    return features.select(pl.col("subject_id"), _cut(total, *BANDS).alias("band")).collect()


def _cut(column: Any, edges: list[float], values: list[Any]) -> Any:
    import polars as pl

    expr: Any = pl.when(column < edges[0]).then(pl.lit(values[0]))
    for edge, value in zip(edges[1:], values[1:-1], strict=True):
        expr = expr.when(column < edge).then(pl.lit(value))
    return expr.otherwise(pl.lit(values[-1]))


def run_hand_duckdb(folder: Path, subjects: int | None) -> Any:
    """Hand-written DuckDB SQL for exactly this rating."""
    con = _duckdb(folder, subjects)
    hand = _hand_sql("SELECT * FROM record_current", "record_suppressions")
    return con.sql(f"SELECT subject_id, band FROM ({hand})").pl()


def _hand_sql(records: str, suppressions: str) -> str:
    """The rating by hand in DuckDB SQL over ``records`` (flat payload columns) and the open
    ``suppressions`` (chain_id): subject_id, the five features, total and band."""
    decay = ", ".join(f"'{t}'" for t in DECAY_TYPES)
    window = ", ".join(f"'{t}'" for t in WINDOW_TYPES)
    return f"""
    WITH r AS (
      SELECT subject_id, record_type, payload_points, payload_severity, payload_amount,
             date_diff('day', occurred_on, DATE '{AS_OF}') AS age,
             state <> 'revoked' AND effective_from <= DATE '{AS_OF}'
               AND effect_until > DATE '{AS_OF}' AND expires_on > DATE '{AS_OF}'
               AND finality = 'final' AND s.chain_id IS NULL AS live
      FROM ({records}) LEFT JOIN {suppressions} s USING (chain_id)),
    f AS (
      SELECT subject_id,
        round(coalesce(sum(CASE WHEN live AND record_type IN ({decay})
              THEN payload_points * pow(0.5, age / 365.0) END), 0), 6) AS decayed_points,
        count(*) FILTER (live AND payload_severity >= 3) AS severe,
        count(*) FILTER (live AND record_type IN ({window}) AND age < 365) AS recent,
        count(*) FILTER (live) AS records,
        coalesce(max(payload_amount) FILTER (live), 0) AS max_amount
      FROM r GROUP BY subject_id),
    t AS (
      SELECT *, least(greatest(100
        + CASE WHEN decayed_points < 5 THEN 0 WHEN decayed_points < 15 THEN -10
               WHEN decayed_points < 30 THEN -20 ELSE -35 END
        + CASE WHEN severe < 1 THEN 0 WHEN severe < 3 THEN -10 ELSE -25 END
        + CASE WHEN recent < 1 THEN 0 WHEN recent < 2 THEN -5 WHEN recent < 4 THEN -10
               ELSE -20 END
        + CASE WHEN records < 10 THEN 0 WHEN records < 20 THEN -5 ELSE -10 END
        + CASE WHEN max_amount < 50000 THEN 0 WHEN max_amount < 200000 THEN -5 ELSE -15 END,
        0), 100) AS total FROM f)
    SELECT *, CASE WHEN total < 40 THEN 'E' WHEN total < 60 THEN 'D'
      WHEN total < 75 THEN 'C' WHEN total < 90 THEN 'B' ELSE 'A' END AS band FROM t
    """


def run_python(folder: Path, subjects: int | None) -> Any:
    """Row-by-row Python: a dict per subject, one loop over the records."""
    import polars as pl
    import pyarrow.parquet as pq

    suppressed = set(pq.read_table(folder / "suppressions.parquet")["chain_id"].to_pylist())
    table = pq.read_table(
        folder / "records.parquet", filters=[("subject_id", "<", subjects)] if subjects else None
    )
    columns = {name: table[name].to_pylist() for name in table.column_names}
    decay, window = set(DECAY_TYPES), set(WINDOW_TYPES)
    acc: dict[int, list[float]] = {}
    for i, subject in enumerate(columns["subject_id"]):
        row = acc.setdefault(subject, [0.0, 0.0, 0.0, 0.0, -1.0])
        if (
            columns["state"][i] == "revoked"
            or columns["finality"][i] != "final"
            or columns["chain_id"][i] in suppressed
            or not columns["effective_from"][i] <= AS_OF < columns["effect_until"][i]
            or not columns["expires_on"][i] > AS_OF
        ):
            continue
        age = (AS_OF - columns["occurred_on"][i]).days
        kind = columns["record_type"][i]
        if kind in decay:
            row[0] += columns["payload_points"][i] * 0.5 ** (age / 365.0)
        row[1] += columns["payload_severity"][i] >= 3
        row[2] += kind in window and age < 365
        row[3] += 1
        row[4] = max(row[4], columns["payload_amount"][i])
    out = []
    for subject, (points, severe, recent, count, amount) in acc.items():
        values = {
            "decayed_points": round(points, 6),
            "severe": severe,
            "recent": recent,
            "records": count,
            "max_amount": max(amount, 0.0),
        }
        total = 100.0 + sum(_python_cut(values[k], *POINTS[k]) for k in POINTS)
        out.append((subject, _python_cut(min(max(total, 0.0), 100.0), *BANDS)))
    return pl.DataFrame(out, schema=["subject_id", "band"], orient="row")


def _python_cut(value: float, edges: list[float], values: list[Any]) -> Any:
    for edge, result in zip(edges, values, strict=False):
        if value < edge:
            return result
    return values[-1]


def run_spark(folder: Path, subjects: int | None) -> Any:
    """The compiled SQL on Spark local mode (start-up timed apart)."""
    import polars as pl

    from credo.ratings.compiler import Probe, compile_rating
    from credo.ratings.runners import local_spark

    started = time.perf_counter()
    spark = local_spark(cores=2)
    spark.sparkContext.setLogLevel("ERROR")
    print(json.dumps({"startup_s": time.perf_counter() - started}), file=sys.stderr)
    where = f"subject_id < {subjects}" if subjects is not None else "TRUE"
    spark.read.parquet(str(folder / "records.parquet")).where(where).createOrReplaceTempView(
        "record_current"
    )
    spark.read.parquet(str(folder / "suppressions.parquet")).createOrReplaceTempView(
        "record_suppressions"
    )
    sql = compile_rating(bench_rating(), "spark", Probe(as_of=AS_OF), bench_source())
    rows = spark.sql(f"SELECT subject_id, band FROM ({sql})").collect()
    spark.stop()
    return pl.DataFrame([(r[0], r[1]) for r in rows], schema=["subject_id", "band"], orient="row")


def child(name: str, folder: Path, subjects: int | None) -> None:
    import polars as pl

    if name.startswith("e2e_"):
        return e2e_child(name, folder)

    runner = globals()[f"run_{name}"]
    # Imports and the rating definition are not part of the work timed (same for everyone).
    import duckdb  # noqa: F401

    from credo.ratings import compiler, polars_lowering  # noqa: F401

    bench_rating()
    started = time.perf_counter()
    result = runner(folder, subjects)
    seconds = time.perf_counter() - started
    result = result.with_columns(pl.col("subject_id").cast(pl.Int64)).sort("subject_id")
    result.write_parquet(folder / f"result_{name}.parquet")
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_mb()}))


def e2e_child(name: str, database: Path) -> None:
    """One end-to-end side in its own process; its peak is its own plus its largest child's
    (``credo rescore`` reads SQLite in a child process, at the same time as it rates)."""
    import duckdb  # noqa: F401
    import polars  # noqa: F401

    from credo.ratings import service  # noqa: F401

    bench_rating()
    started = time.perf_counter()
    snapshot_id = globals()[name](database)
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures = {"seconds": seconds, "peak_mb": peak_rss_mb() + children, "snapshot": snapshot_id}
    print(json.dumps({**figures, "child_peak_mb": children}))


def peak_rss_mb() -> float:
    """This process's own high-water mark (VmHWM; ru_maxrss would include the parent's,
    which survives fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- end to end: registry tables to snapshot (--e2e) ----------------------------------------

E2E_NOW = "2026-01-01 00:00:00.000000"


def e2e_source() -> Any:
    """What ``credo rescore`` reads from the registry: payloads as JSON, typed fields."""
    from dataclasses import replace

    return replace(bench_source(), payload="json")


def registry_path(records: int) -> Path:
    """The registry database, built once per size and reused (cache keyed by size)."""
    return Path(tempfile.gettempdir()) / f"credo-bench-rescore-e2e-{records}.sqlite"


def build_registry(path: Path, records: int, subjects: int) -> None:
    """A migrated registry whose record_current and record_suppressions hold the synthetic
    records (the same generator as the engine benchmark), bulk-loaded through ADBC (Arrow
    batches into prepared inserts): the fastest load available here. Helper B's set-based
    ingestion path had not landed when this was written, so the rows do not go through
    ``credo ingest``'s validation; they are shaped as the write path stores them."""
    import adbc_driver_sqlite.dbapi
    import duckdb

    from credo.db.migrate import upgrade

    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    upgrade(f"sqlite:///{partial}")
    with tempfile.TemporaryDirectory(prefix="credo-bench-") as tmp:
        generate(Path(tmp), records, subjects)
        con = duckdb.connect()
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        parquet = f"{tmp}/records.parquet"
        day = "strftime({}, '%Y-%m-%d')"
        tables = {
            "subjects": f"SELECT range + 1 AS id, 'organisation' AS kind, "
            f"'{E2E_NOW}' AS created_at FROM range({subjects})",
            "record_current": f"""
              SELECT 'c' || chain_id AS chain_id, 'r' || record_id AS record_id, 1 AS revision,
                     state, 'bench' AS furnisher_id, 'r' || record_id AS source_ref,
                     record_type, subject_id + 1 AS subject_id,
                     {day.format("occurred_on")} AS occurred_on,
                     {day.format("effective_from")} AS effective_from,
                     {day.format("effect_until")} AS effect_until,
                     {day.format("expires_on")} AS expires_on, finality,
                     CAST(json_object('points', payload_points, 'severity', payload_severity,
                                      'amount', payload_amount) AS VARCHAR) AS payload,
                     '{E2E_NOW}' AS first_received_at, '{E2E_NOW}' AS updated_at
              FROM read_parquet('{parquet}')""",
            "record_suppressions": f"""
              SELECT 'c' || s.chain_id AS chain_id, r.subject_id + 1 AS subject_id,
                     'dispute' AS reason, '{E2E_NOW}' AS opened_at
              FROM read_parquet('{tmp}/suppressions.parquet') s
              JOIN read_parquet('{parquet}') r USING (chain_id)""",
        }
        with adbc_driver_sqlite.dbapi.connect(str(partial)) as adbc, adbc.cursor() as cursor:
            # Secondary indexes are built once after the load: much faster than kept up to
            # date row by row in random order.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                " AND tbl_name IN ('record_current', 'record_suppressions')"
            )
            indexes = cursor.fetchall()
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            for name, sql in tables.items():
                reader = con.sql(sql).to_arrow_reader(batch_size=200_000)
                cursor.adbc_ingest(name, reader, mode="append")
            for _, ddl in indexes:
                cursor.execute(ddl)
            adbc.commit()
    partial.rename(path)


def e2e_credo(database: Path) -> int:
    """``credo rescore``'s own code for the benchmark rating (ratings.service.rescore_rating:
    ADBC reads by subject partition, the Polars engine, the bulk snapshot write)."""
    from datetime import UTC, datetime

    from credo.db.connect import make_engine
    from credo.ratings.service import BatchRun, rescore_rating

    engine = make_engine(f"sqlite:///{database}")
    batch = BatchRun(engine, "polars", AS_OF, e2e_source())
    summary = rescore_rating(batch, bench_rating(), datetime(2026, 1, 1, tzinfo=UTC))
    if summary.status != "valid":
        raise SystemExit(f"the snapshot was rejected: {summary.problems}")
    return summary.snapshot_id


def e2e_handwritten(database: Path) -> int:
    """The fastest end to end written by hand for this rating: ADBC reads the two tables into
    Arrow, DuckDB rates them (hand-written SQL over the JSON payloads) and builds the
    snapshot rows, ADBC appends them and switches the pointer in one transaction."""
    import adbc_driver_sqlite.dbapi
    import duckdb

    types = ", ".join(f"'{t}'" for t in TYPES)
    with adbc_driver_sqlite.dbapi.connect(str(database)) as adbc:
        with adbc.cursor() as cursor:
            cursor.execute(
                "SELECT subject_id, chain_id, record_type, state, occurred_on, effective_from,"
                " effect_until, expires_on, finality, payload FROM record_current"
                f" WHERE record_type IN ({types})"
            )
            records = cursor.fetch_arrow_table()
            cursor.execute(
                "SELECT DISTINCT chain_id FROM record_suppressions WHERE closed_at IS NULL"
            )
            suppressed = cursor.fetch_arrow_table()
        con = duckdb.connect()
        con.register("records_arrow", records)
        con.register("suppressed_arrow", suppressed)
        hand = _hand_sql(
            "SELECT subject_id, record_type, CAST(occurred_on AS DATE) AS occurred_on,"
            " CAST(effective_from AS DATE) AS effective_from,"
            " CAST(effect_until AS DATE) AS effect_until, CAST(expires_on AS DATE) AS expires_on,"
            " state, finality, chain_id,"
            " CAST(json_extract_string(payload, '$.points') AS DOUBLE) AS payload_points,"
            " CAST(json_extract_string(payload, '$.severity') AS DOUBLE) AS payload_severity,"
            " CAST(json_extract_string(payload, '$.amount') AS DOUBLE) AS payload_amount"
            " FROM records_arrow",
            "suppressed_arrow",
        )
        rows = con.sql(
            f"SELECT subject_id, band, total, to_json(struct_pack(decayed_points, severe,"
            f" recent, records, max_amount)) AS features, NULL::VARCHAR AS reason FROM ({hand})"
        ).to_arrow_table()
        del records
        with adbc.cursor() as cursor:
            cursor.execute(
                "INSERT INTO rating_snapshots (rating_key, as_of, engine, status, subjects,"
                f" summary, created_at) VALUES ('hand@1', '{AS_OF}', 'hand', 'valid',"
                f" {rows.num_rows}, '{{}}', '{E2E_NOW}')"
            )
            cursor.execute("SELECT last_insert_rowid()")
            snapshot_id = int(cursor.fetchone()[0])
            import pyarrow as pa

            ids = pa.array([snapshot_id] * rows.num_rows, pa.int64())
            cursor.adbc_ingest(
                "rating_snapshot_results", rows.add_column(0, "snapshot_id", ids), mode="append"
            )
            cursor.execute(
                "INSERT OR REPLACE INTO rating_pointers (rating_key, snapshot_id, switched_at)"
                f" VALUES ('hand@1', {snapshot_id}, '{E2E_NOW}')"
            )
        adbc.commit()
    return snapshot_id


# -- driver ---------------------------------------------------------------------------------


def measure(name: str, folder: Path, subjects: int | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", name, "--data", str(folder)]
    if subjects is not None:
        command += ["--subset", str(subjects)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    for line in done.stderr.splitlines():
        if line.startswith('{"startup_s"'):
            figures.update(json.loads(line))
    return figures


def count_records(folder: Path, subjects: int | None) -> int:
    import polars as pl

    frame = pl.scan_parquet(folder / "records.parquet")
    if subjects is not None:
        frame = frame.filter(pl.col("subject_id") < subjects)
    return int(frame.select(pl.len()).collect().item())


def same_results(folder: Path, name: str, subjects: int | None) -> bool:
    import polars as pl

    reference = pl.read_parquet(folder / "result_compiled.parquet")
    if subjects is not None:
        reference = reference.filter(pl.col("subject_id") < subjects)
    other = pl.read_parquet(folder / f"result_{name}.parquet")
    return reference.equals(other)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 M records, 200 k subjects")
    parser.add_argument("--records", type=int)
    parser.add_argument("--subjects", type=int)
    parser.add_argument(
        "--e2e",
        action="store_true",
        help="also end to end from a registry database (5 M records; 250 k with --quick, to stay "
        "under a minute): "
        "credo rescore's code against a hand-written ADBC + DuckDB baseline",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--subset", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data, args.subset)
        return
    records = args.records or (2_000_000 if args.quick else 50_000_000)
    subjects = args.subjects or records // 10
    with tempfile.TemporaryDirectory(prefix="credo-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        generate(folder, records, subjects)
        print(
            f"generated {records:,} records over {subjects:,} subjects, 40 types, 10 years "
            f"in {time.perf_counter() - started:.1f} s"
        )
        keys = report(folder, records, subjects, args.quick)
    if args.e2e:
        keys += " " + end_to_end(250_000 if args.quick else 5_000_000)
    print(f"RESULT {keys}")


def end_to_end(records: int) -> str:
    """Registry tables to a switched snapshot, both sides on the same database, alternating,
    best of two; the two snapshots must give every subject the same band."""
    import sqlite3

    subjects = records // 10
    path = registry_path(records)
    if not path.exists():
        started = time.perf_counter()
        build_registry(path, records, subjects)
        print(f"built the registry {path} in {time.perf_counter() - started:.1f} s")
    with sqlite3.connect(path) as db:  # earlier runs' snapshots: keep the file from growing
        for table in ("rating_pointers", "rating_snapshot_results", "rating_snapshots"):
            db.execute(f"DELETE FROM {table}")
    runs: dict[str, list[dict[str, Any]]] = {"e2e_credo": [], "e2e_handwritten": []}
    for _ in range(2):
        for name, done in runs.items():
            done.append(measure(name, path, None))
    best = {name: min(done, key=lambda f: f["seconds"]) for name, done in runs.items()}
    same = _same_bands(path, [f["snapshot"] for f in best.values()])
    print(f"end to end, {records:,} records over {subjects:,} subjects (SQLite {path}):")
    print(f"{'side':<18}{'seconds':>10}{'records/s':>14}{'peak MB':>10}  identical")
    for name, figures in best.items():
        print(
            f"{name:<18}{figures['seconds']:>10.2f}{records / figures['seconds']:>14,.0f}"
            f"{figures['peak_mb']:>10,.0f}  {same}"
        )
    if not same:
        raise SystemExit("the end-to-end snapshots disagree")
    credo, hand = best["e2e_credo"], best["e2e_handwritten"]
    return (
        f"e2e_vs_handwritten={hand['seconds'] / credo['seconds']:.2f} "
        f"e2e_records_per_s={records / credo['seconds']:.0f} "
        f"e2e_peak_mb={credo['peak_mb']:.0f} e2e_handwritten_peak_mb={hand['peak_mb']:.0f}"
    )


def _same_bands(path: Path, snapshots: list[int]) -> bool:
    import sqlite3

    with sqlite3.connect(path) as db:
        found = [
            db.execute(
                "SELECT subject_id, band FROM rating_snapshot_results WHERE snapshot_id = ?"
                " ORDER BY subject_id",
                (snapshot,),
            ).fetchall()
            for snapshot in snapshots
        ]
    return bool(found[0]) and all(f == found[0] for f in found)


def report(folder: Path, records: int, subjects: int, quick: bool) -> str:
    python_subjects = subjects // 10  # row-by-row Python is slow: a tenth of the subjects
    spark_subjects = subjects // 20 if quick else min(subjects, 500_000)  # ~5 M records at full
    subsets = {"python": python_subjects, "spark": spark_subjects}
    rates: dict[str, float] = {}
    print(
        f"{'implementation':<18}{'records':>12}{'seconds':>10}{'records/s':>14}"
        f"{'peak MB':>10}  identical"
    )
    for name in IMPLEMENTATIONS:
        subset = subsets.get(name)
        # Best of two for the fast ones: the machine is shared, a pause hits one run.
        runs = [measure(name, folder, subset) for _ in range(1 if name in subsets else 2)]
        figures = min(runs, key=lambda f: f["seconds"])
        rows = records if subset is None or subset >= subjects else count_records(folder, subset)
        seconds = figures["seconds"] - figures.get("startup_s", 0.0)
        rates[name] = rows / seconds
        same = "reference" if name == "compiled" else same_results(folder, name, subset)
        extra = f"  (start-up {figures['startup_s']:.1f} s apart)" if "startup_s" in figures else ""
        print(
            f"{name:<18}{rows:>12,}{figures['seconds']:>10.2f}{rates[name]:>14,.0f}"
            f"{figures['peak_mb']:>10,.0f}  {same}{extra}"
        )
        if same is False:
            raise SystemExit(f"{name} disagrees with the compiled rating")
    best = max(rates["hand_polars"], rates["hand_duckdb"])
    print(
        f"compiled vs hand-written Polars {rates['compiled'] / rates['hand_polars']:.2f}, "
        f"vs hand-written DuckDB {rates['compiled'] / rates['hand_duckdb']:.2f}, "
        f"compiled SQL on DuckDB vs hand-written DuckDB "
        f"{rates['compiled_duckdb'] / rates['hand_duckdb']:.2f}"
    )
    return (
        f"vs_best_handwritten={rates['compiled'] / best:.2f} "
        f"vs_python={rates['compiled'] / rates['python']:.1f} "
        f"vs_spark={rates['compiled'] / rates['spark']:.1f} "
        f"records_per_s={rates['compiled']:.0f}"
    )


if __name__ == "__main__":
    main()
