"""Cost curves for docs/scale.md: how ingestion, rescoring end to end and the check index grow
with the registry, measured here at a few sizes and extrapolated with their slopes.

    .venv/bin/python bench/scale.py --quick            # 5 k and 20 k records (< 1 minute)
    .venv/bin/python bench/scale.py                    # 100 k and 1 M records
    .venv/bin/python bench/scale.py --sizes 1000000,10000000

For each size N, on fresh SQLite files in a temporary folder, each stage in its own process
(so its peak memory is its own), through the existing benches' code paths:

- ingest: `credo ingest`'s `ingest_file` over N synthetic NYC-shaped inspection rows (one
  subject per 20 rows; bench/ingest.py's file, mapping and `ours`), and in the same process a
  plain sqlite3 `executemany` of the same rows (bench/ingest.py's `plain_sqlite`): the ratio;
- rescore: `credo rescore`'s own `credo.ratings.service.rescore` (Polars) over that
  database, from its tables to the new snapshots;
- check index: N / 10 persons, N / 20 of them with a judgment-defaulter record (the
  registry of bench/check.py), `CheckIndex.build` timed, then its retained memory
  (tracemalloc) per listed subject.

Prints each measurement, the per-record (per-listed) slopes between the two largest sizes,
and their extrapolation to a national registry (10 billion records, 140 million listed, a
million checks a minute) in core-hours. The slopes are of CPU seconds (this process's, all
its threads; SQLite works in-process), which a shared machine disturbs far less than wall
time; rates are wall time. Everything extrapolated is an estimate; the load average is
printed with each size. Last line: `RESULT sizes=... ingest_rows_per_s=...
ingest_ratio=... rescore_records_per_s=... index_build_s=... index_bytes_per_listed=...`
(each for the largest size).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

NATIONAL_RECORDS = 10_000_000_000
NATIONAL_LISTED = 140_000_000  # one person in ten on some list: a generous bound
PEAK_CHECKS_PER_S = 1_000_000 / 60


def _bench(name: str) -> ModuleType:
    """One of the other benches, imported by path (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_ingest(folder: Path, size: int) -> dict[str, Any]:
    from credo.db.migrate import upgrade

    ingest = _bench("ingest")
    data, mapping = folder / "rows.csv", folder / "mapping.yaml"
    ingest.write_file(data, size)
    mapping.write_text(ingest.MAPPING)
    url = f"sqlite:///{folder / 'registry.db'}"
    upgrade(url)
    cpu = time.process_time()
    seconds, rows = ingest.ours(url, data, mapping, 5000)
    cpu = time.process_time() - cpu
    plain_db = folder / "plain.db"
    upgrade(f"sqlite:///{plain_db}")
    plain_s = ingest.plain_sqlite(
        plain_db, ingest.statement_tuples(size), ingest.subjects_rows(size)
    )
    return {"seconds": seconds, "cpu": cpu, "rows": rows, "plain_s": plain_s, "peak_mb": peak_mb()}


def stage_rescore(folder: Path, size: int) -> dict[str, Any]:
    from credo.catalog.loader import load_catalogue
    from credo.db.connect import make_engine
    from credo.ratings.service import rescore
    from credo.settings import DEMO_CATALOG

    engine = make_engine(f"sqlite:///{folder / 'registry.db'}")
    catalogue = load_catalogue(DEMO_CATALOG)
    started, cpu = time.perf_counter(), time.process_time()
    summaries = rescore(
        engine, catalogue, engine_name="polars", as_of=date(2026, 1, 1), now=datetime.now(UTC)
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    assert all(s.status == "valid" for s in summaries), summaries
    return {"seconds": seconds, "cpu": cpu, "records": size, "peak_mb": peak_mb()}


def stage_index(folder: Path, size: int) -> dict[str, Any]:
    from credo.catalog.loader import load_catalogue
    from credo.checks.index import CheckIndex
    from credo.db.connect import make_engine
    from credo.settings import DEMO_CATALOG

    check = _bench("check")
    path, listed = folder / "checks.db", max(1, size // 20)
    check.build_registry(path, max(listed, size // 10), listed)
    engine = make_engine(f"sqlite:///{path}")
    catalogue = load_catalogue(DEMO_CATALOG)
    started, cpu = time.perf_counter(), time.process_time()
    with engine.connect() as conn:
        CheckIndex(catalogue).build(conn)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    index = CheckIndex(catalogue)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    with engine.connect() as conn:
        index.build(conn)
    gc.collect()
    retained = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    engine.dispose()
    assert len(index.subjects) == listed, (len(index.subjects), listed)
    return {"seconds": seconds, "cpu": cpu, "listed": listed, "bytes_per_listed": retained / listed,
            "peak_mb": peak_mb()}  # fmt: skip


STAGES = {"ingest": stage_ingest, "rescore": stage_rescore, "index": stage_index}


def run_stage(name: str, folder: Path, size: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", name, "--folder", str(folder),
               "--sizes", str(size)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"stage {name} at {size:,} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure(size: int) -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        found = {name: run_stage(name, folder, size) for name in STAGES}
    ingest, rescore, index = found["ingest"], found["rescore"], found["index"]
    print(f"{size:>12,} records (load {os.getloadavg()[0]:.1f}): "
          f"ingest {ingest['rows'] / ingest['seconds']:,.0f} rows/s, {ingest['cpu']:.1f} CPU s "
          f"(plain {ingest['rows'] / ingest['plain_s']:,.0f}, ratio "
          f"{ingest['plain_s'] / ingest['seconds']:.3f}, peak {ingest['peak_mb']:,.0f} MB); "
          f"rescore {rescore['records'] / rescore['seconds']:,.0f} records/s, "
          f"{rescore['cpu']:.1f} CPU s "
          f"(peak {rescore['peak_mb']:,.0f} MB); check index {index['listed']:,} listed in "
          f"{index['seconds']:.2f} s, {index['bytes_per_listed']:,.0f} B each",
          flush=True)  # fmt: skip
    return found


def extrapolate(sizes: list[int], runs: list[dict[str, dict[str, Any]]]) -> None:
    """Per-record slopes between the two largest sizes (the fixed costs drop out), scaled to
    the national registry: estimates, not measurements."""
    (small, large), (a, b) = sizes[-2:], runs[-2:]
    ingest_slope = (b["ingest"]["cpu"] - a["ingest"]["cpu"]) / (large - small)
    rescore_slope = (b["rescore"]["cpu"] - a["rescore"]["cpu"]) / (large - small)
    listed_small, listed_large = a["index"]["listed"], b["index"]["listed"]
    index_slope = (b["index"]["cpu"] - a["index"]["cpu"]) / (listed_large - listed_small)
    memory = b["index"]["bytes_per_listed"] * NATIONAL_LISTED
    print(f"CPU slopes ({small:,} -> {large:,}): ingest {ingest_slope * 1e6:.1f} us/record, "
          f"rescore {rescore_slope * 1e6:.2f} us/record, index build "
          f"{index_slope * 1e6:.1f} us/listed subject")  # fmt: skip
    print(f"estimated for {NATIONAL_RECORDS:,} records: ingest "
          f"{ingest_slope * NATIONAL_RECORDS / 3600:,.0f} core-hours, rescore "
          f"{rescore_slope * NATIONAL_RECORDS / 3600:,.0f} core-hours; check index of "
          f"{NATIONAL_LISTED:,} listed: {memory / 2**30:,.0f} GiB, built in "
          f"{index_slope * NATIONAL_LISTED / 3600:,.1f} core-hours; peak checks "
          f"{PEAK_CHECKS_PER_S:,.0f}/s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 k and 20 k records")
    parser.add_argument("--sizes", help="comma-separated record counts (default 100 k, 1 M)")
    parser.add_argument("--child", choices=sorted(STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(STAGES[args.child](args.folder, int(args.sizes))))
        return
    default = "5000,20000" if args.quick else "100000,1000000"
    sizes = sorted(int(s) for s in (args.sizes or default).split(","))
    print(f"sizes {sizes}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
    runs = [measure(size) for size in sizes]
    if len(sizes) >= 2:
        extrapolate(sizes, runs)
    last = runs[-1]
    print(f"RESULT sizes={','.join(map(str, sizes))} "
          f"ingest_rows_per_s={last['ingest']['rows'] / last['ingest']['seconds']:.0f} "
          f"ingest_ratio={last['ingest']['plain_s'] / last['ingest']['seconds']:.4f} "
          f"rescore_records_per_s={last['rescore']['records'] / last['rescore']['seconds']:.0f} "
          f"index_build_s={last['index']['seconds']:.2f} "
          f"index_bytes_per_listed={last['index']['bytes_per_listed']:.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
