"""Benchmark of file ingestion: the real `credo ingest` path against a plain bulk insert.

    .venv/bin/python bench/ingest.py              # 5,000,000 synthetic records
    .venv/bin/python bench/ingest.py --quick      # 20,000 records (< 1 minute)
    .venv/bin/python bench/ingest.py --rows 200000

One synthetic CSV of NYC-shaped food-safety inspections (one record per row, 1 subject per
20 rows) is written once. Then, for SQLite and for PostgreSQL (a throwaway cluster started
the way tests/harness/postgres.py does):

- ours: `ingest_file` (mapping, validation, identity resolution, idempotent append, current
  view, change feed, audit log and the real-time rating/list hooks, one transaction per
  chunk) into a fresh migrated database, timed from reading the file to the last commit;
- plain: the same rows, already converted to `record_statements` tuples (not timed), with
  sqlite3 `executemany` in one transaction / psycopg `COPY` (text format), into the same table of a
  fresh migrated database (subjects inserted beforehand, untimed, for the foreign key).

Each leg runs ``--repeat`` times (3 with ``--quick``), alternating ours and plain, and the
median of each is used: on these shared machines one run of either can be off by a third.

Prints both rates, their ratio and the peak memory (ru_maxrss, the process's high-water mark
so far). The last line is `RESULT sqlite_ratio=... postgres_ratio=... sqlite_rows_per_s=...
postgres_rows_per_s=...`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

ROWS_PER_SUBJECT = 20
MAPPING = """
furnisher: nyc_dohmh
record_type: food_safety_inspection
subject: {kind: organisation, identifiers: [{column: camis, scheme: nyc_camis}]}
source_ref: {template: "{camis}:{inspection_date}:{violation_code}"}
occurred_on: inspection_date
payload:
  programme: {column: inspection_type, split: {separator: " / ", part: 0}}
  inspection_kind: {column: inspection_type, split: {separator: " / ", part: 1}}
  score: {column: score}
  grade: {column: grade}
  violation_code: {column: violation_code}
evidence:
  kind: inspection_report
  document_id: "{camis}:{inspection_date}"
  issuer: "NYC DOHMH"
  issued_on: inspection_date
provenance: {kind: public_dataset}
"""
COLUMNS = ["camis", "inspection_date", "inspection_type", "violation_code", "score", "grade"]


def synthetic_row(i: int) -> list[str]:
    day = date(2012, 1, 1) + timedelta(days=(i // ROWS_PER_SUBJECT) % 1400 + i % 7)
    score = (i * 7) % 40
    return [
        f"{40_000_000 + i // ROWS_PER_SUBJECT:08d}",
        day.isoformat(),
        "Cycle Inspection / Initial Inspection" if i % 3 else "Cycle Inspection / Re-inspection",
        f"{i % ROWS_PER_SUBJECT:02d}{'ABCDEFGH'[i % 8]}",
        str(score),
        "A" if score < 14 else "B",
    ]


def write_file(path: Path, rows: int) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(synthetic_row(i) for i in range(rows))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(
    url: str, data: Path, mapping_path: Path, chunk_size: int, ahead: bool = False
) -> tuple[float, int]:
    from credo.catalog.loader import load_catalogue
    from credo.clock import SystemClock
    from credo.context import subject_hooks
    from credo.db.connect import make_engine
    from credo.ingest.mapping import load_mapping
    from credo.ingest.service import IngestRequest, ingest_file
    from credo.quality.hold import held_rejections
    from credo.records.service import WriteContext
    from credo.settings import DEMO_CATALOG

    catalogue = load_catalogue(DEMO_CATALOG)
    clock = SystemClock()
    hooks = tuple(subject_hooks(catalogue, clock))
    ctx = WriteContext(catalogue, clock, hooks, holds=held_rejections)  # as credo ingest
    mapping, content = load_mapping(mapping_path)
    engine = make_engine(url)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        result = ingest_file(
            engine,
            ctx,
            IngestRequest(data, mapping, content, "bench", chunk_size=chunk_size, ahead=ahead),
        )
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        engine.dispose()
    assert result.add_up() and result.counts["accepted"] == result.rows_read, dict(result.counts)
    # CPU seconds of this process (SQLite works in-process; PostgreSQL's server does not count)
    print(f"  ours: {cpu:.1f} CPU s in this process for {elapsed:.1f} s wall", flush=True)
    return elapsed, result.rows_read


def statement_tuples(rows: int) -> list[tuple[Any, ...]]:
    """The rows as record_statements tuples (what our path stores, built without it)."""
    import orjson

    now = datetime.now(UTC)
    out = []
    for i in range(rows):
        camis, day, kind, code, score, grade = synthetic_row(i)
        ref = f"{camis}:{day}:{code}"
        occurred = date.fromisoformat(day)
        payload = {"programme": "Cycle Inspection", "inspection_kind": kind.split(" / ")[1],
                   "score": int(score), "grade": grade, "violation_code": code}  # fmt: skip
        evidence = {"kind": "inspection_report", "document_id": f"{camis}:{day}",
                    "issuer": "NYC DOHMH", "issued_on": day}  # fmt: skip
        digest = hashlib.blake2b(ref.encode(), digest_size=16).hexdigest()
        out.append(
            (digest, digest, 0, "assert", "nyc_dohmh", ref, "food_safety_inspection",
             1 + i // ROWS_PER_SUBJECT, occurred, occurred, occurred + timedelta(days=91),
             occurred + timedelta(days=5 * 365), "final", orjson.dumps(payload).decode(),
             orjson.dumps(evidence).decode(), '{"kind": "public_dataset"}', digest, now,
             # migration 0007's columns (appended): term, ceiling, end reason
             None, None, None, occurred + timedelta(days=91), "period_ended")
        )  # fmt: skip
    return out


def subjects_rows(rows: int) -> list[tuple[Any, ...]]:
    count = (rows + ROWS_PER_SUBJECT - 1) // ROWS_PER_SUBJECT
    now = datetime.now(UTC)
    return [(i, "organisation", None, None, now) for i in range(1, count + 1)]


def plain_sqlite(path: Path, values: list[tuple[Any, ...]], subjects: list[Any]) -> float:
    from credo.ingest.repository import BULK_CACHE_KIB

    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")  # the same settings as our path
    with db:
        db.executemany("INSERT INTO subjects VALUES (?, ?, ?, ?, ?)", subjects)
    marks = ", ".join("?" * len(values[0]))
    started = time.perf_counter()
    with db:
        db.executemany(f"INSERT INTO record_statements VALUES ({marks})", values)
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def plain_postgres(conninfo: str, values: list[tuple[Any, ...]], subjects: list[Any]) -> float:
    import psycopg

    with psycopg.connect(conninfo) as conn:
        with conn.cursor() as cur, cur.copy("COPY subjects FROM STDIN") as copy:
            for row in subjects:
                copy.write_row(row)
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy("COPY record_statements FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - started


def measure(
    name: str,
    fresh: Callable[[str], str],
    plain: Callable[[str], float],
    data: Path,
    mapping: Path,
    chunk_size: int,
    repeat: int,
    ahead: bool = False,
) -> tuple[float, float]:
    ours_times, plain_times = [], []
    for attempt in range(repeat):
        ours_s, rows = ours(fresh(f"ours{attempt}"), data, mapping, chunk_size, ahead)
        print(f"{name}: ours  {rows:,} rows in {ours_s:.1f} s = {rows / ours_s:,.0f} rows/s; "
              f"peak {peak_mb():,.0f} MB", flush=True)  # fmt: skip
        plain_s = plain(fresh(f"plain{attempt}"))
        print(f"{name}: plain {rows:,} rows in {plain_s:.2f} s = {rows / plain_s:,.0f} rows/s",
              flush=True)  # fmt: skip
        ours_times.append(ours_s)
        plain_times.append(plain_s)
    ours_s, plain_s = statistics.median(ours_times), statistics.median(plain_times)
    ratio = plain_s / ours_s
    print(f"{name}: medians of {repeat}: ours {rows / ours_s:,.0f} rows/s, plain "
          f"{rows / plain_s:,.0f} rows/s, ratio ours/plain = {ratio:.3f}", flush=True)  # fmt: skip
    return ratio, rows / ours_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 rows (under a minute)")
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument("--repeat", type=int, help="runs per leg (default 3 quick, else 1)")
    parser.add_argument(
        "--ahead",
        action="store_true",
        help="prepare chunks in a forked worker process (IngestRequest.ahead; off by default)",
    )
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    args = parser.parse_args()
    rows = 20_000 if args.quick else args.rows
    repeat = args.repeat or (3 if args.quick else 1)

    from credo.db.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="credo-bench-ingest-") as tmp:
        work = Path(tmp)
        data, mapping = work / "inspections.csv", work / "mapping.yaml"
        mapping.write_text(MAPPING)
        write_file(data, rows)
        values, subjects = statement_tuples(rows), subjects_rows(rows)
        print(f"{rows:,} synthetic rows, {len(subjects):,} subjects; chunk {args.chunk_size}")

        def fresh_sqlite(tag: str) -> str:
            url = f"sqlite:///{work / tag}.db"
            upgrade(url)
            return url

        ahead = args.ahead
        sqlite_ratio = sqlite_rate = postgres_ratio = postgres_rate = float("nan")
        if args.only in (None, "sqlite"):
            sqlite_ratio, sqlite_rate = measure(
                "sqlite", fresh_sqlite,
                lambda url: plain_sqlite(Path(url.removeprefix("sqlite:///")), values, subjects),
                data, mapping, args.chunk_size, repeat, ahead,
            )  # fmt: skip
        if args.only in (None, "postgres"):
            postgres_ratio, postgres_rate = postgres_leg(args, data, mapping, values, subjects)
    print(
        f"RESULT sqlite_ratio={sqlite_ratio:.3f} postgres_ratio={postgres_ratio:.3f} "
        f"sqlite_rows_per_s={sqlite_rate:.0f} postgres_rows_per_s={postgres_rate:.0f}"
    )


def postgres_leg(
    args: argparse.Namespace, data: Path, mapping: Path, values: list[Any], subjects: list[Any]
) -> tuple[float, float]:
    from credo.db.migrate import upgrade
    from harness.postgres import PostgresServer

    server = PostgresServer.start()
    try:

        def fresh_postgres(tag: str) -> str:
            url = server.create_database(f"bench_{tag}")
            upgrade(url)
            return url

        return measure(
            "postgres", fresh_postgres,
            lambda url: plain_postgres(server.conninfo(url.rsplit("/", 1)[1]), values, subjects),
            data, mapping, args.chunk_size, args.repeat or (3 if args.quick else 1),
            args.ahead,
        )  # fmt: skip
    finally:
        server.stop()


if __name__ == "__main__":
    main()
