"""Benchmark of `credo demo`: how long until the portal answers, and the record load rate
through the real write path against a plain bulk insert of the same rows.

    .venv/bin/python bench/demo.py                 # the default demo size (small)
    .venv/bin/python bench/demo.py --size full     # 100,000 persons, 20,000 organisations
    .venv/bin/python bench/demo.py --quick         # 2,000 persons, 400 organisations (< 1 min)

In one run, on fresh SQLite files in a temporary folder:

- ours: `credo.demo.build.build_demo` (subject register, validation, identity resolution,
  idempotent append, current view, change feed, the real-time rating and list hooks, the
  demo's disputes and repair applications), then the app is created and `/` answered;
- plain: the same statements (generated and flattened to tuples beforehand, untimed) with
  sqlite3 `executemany` in one transaction into a table shaped like `record_statements`.

Prints each stage, both rates, their ratio and the peak memory (ru_maxrss). The last line
is `RESULT build_s=... time_to_portal_s=... records=... records_per_s=... plain_rows_per_s=...
ratio=...`.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from fastapi.testclient import TestClient  # noqa: E402

from credo.api.app import create_app  # noqa: E402
from credo.clock import FixedClock  # noqa: E402
from credo.context import build_context  # noqa: E402
from credo.db.migrate import upgrade  # noqa: E402
from credo.demo.build import build_demo  # noqa: E402
from credo.demo.population import SIZES, DemoSize, generate_population  # noqa: E402
from credo.demo.records import city_statements  # noqa: E402
from credo.settings import Settings  # noqa: E402

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
QUICK = DemoSize(persons=2_000, organisations=400, public_bodies=10)


class StageTimer:
    """Prints each build stage with its duration (the build's progress protocol)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.current: str | None = None
        self.stage_started = self.started

    def stage(self, description: str, total: int) -> None:
        self._close()
        self.current, self.stage_started = description, time.perf_counter()

    def advance(self, amount: int) -> None:
        return None

    def _close(self) -> None:
        if self.current is not None:
            print(f"  {self.current}: {time.perf_counter() - self.stage_started:.1f} s")

    def finish(self) -> float:
        self._close()
        return time.perf_counter() - self.started


def ours(folder: Path, size: DemoSize, seed: int, workers: int) -> tuple[float, float, int]:
    url = f"sqlite:///{folder / 'demo.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url), clock=FixedClock(NOW))
    timer = StageTimer()
    summary = build_demo(ctx, size, seed=seed, progress=timer, workers=workers)
    build_s = timer.finish()
    assert not summary.counts.rejected, summary.counts.rejected
    started = time.perf_counter()
    with TestClient(create_app(ctx)) as client:
        assert client.get("/").status_code == 200
        assert client.get("/register/defaulters").status_code == 200
    serve_s = time.perf_counter() - started
    ctx.engine.dispose()
    return build_s, build_s + serve_s, summary.counts.outcomes["accepted"]


def plain_rows(size: DemoSize, seed: int) -> list[tuple[Any, ...]]:
    today: date = NOW.date()
    city = generate_population(size, seed, today)
    rows = []
    for statements in city_statements(city, today, seed):
        for furnisher, raw in statements:
            rows.append(
                (
                    f"{furnisher}:{raw['source_ref']}:{raw['revision']}",
                    f"{furnisher}:{raw['source_ref']}",
                    raw["revision"],
                    raw["action"],
                    furnisher,
                    raw["source_ref"],
                    raw["record_type"],
                    raw["identifiers"][0][1],
                    raw["occurred_on"].isoformat(),
                    json.dumps(raw["payload"], default=str),
                    json.dumps(raw.get("evidence"), default=str),
                    NOW.isoformat(),
                )
            )
    return rows


def plain(folder: Path, rows: list[tuple[Any, ...]]) -> float:
    conn = sqlite3.connect(folder / "plain.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE plain (record_id TEXT PRIMARY KEY, chain_id TEXT, revision INT, "
        "action TEXT, furnisher_id TEXT, source_ref TEXT, record_type TEXT, subject TEXT, "
        "occurred_on TEXT, payload TEXT, evidence TEXT, received_at TEXT)"
    )
    started = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO plain VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--quick", action="store_true", help="2,000 persons (< 1 minute)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=2, help="loading processes (as credo demo)")
    args = parser.parse_args()
    size = QUICK if args.quick else SIZES[args.size]
    print(
        f"demo city: {size.persons:,} persons, {size.organisations:,} organisations; "
        f"{args.workers} loading process(es)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_s, portal_s, records = ours(folder, size, args.seed, args.workers)
        rows = plain_rows(size, args.seed)
        plain_s = plain(folder, rows)
    ours_rate = records / build_s
    plain_rate = len(rows) / plain_s
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"ours:  {records:,} records in {build_s:.1f} s ({ours_rate:,.0f} records/s, whole build)"
    )
    print(f"plain: {len(rows):,} rows in {plain_s:.2f} s ({plain_rate:,.0f} rows/s)")
    print(
        f"ratio ours/plain: {ours_rate / plain_rate:.3f}; portal answering after {portal_s:.1f} s"
    )
    print(f"peak memory: {peak_mb:,.0f} MB")
    print(
        f"RESULT build_s={build_s:.1f} time_to_portal_s={portal_s:.1f} records={records} "
        f"records_per_s={ours_rate:.0f} plain_rows_per_s={plain_rate:.0f} "
        f"ratio={ours_rate / plain_rate:.4f}"
    )


if __name__ == "__main__":
    main()
