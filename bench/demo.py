"""Benchmark of `credo demo`: how long until the portal answers, the record load rate of the
demo's own build against a plain bulk insert of the same rows, and the operator console's
dashboard at that size.

    .venv/bin/python bench/demo.py                 # the default demo size (small)
    .venv/bin/python bench/demo.py --size full     # 100,000 persons, 20,000 organisations
    .venv/bin/python bench/demo.py --quick         # 2,000 persons, 400 organisations (< 1 min)

In one run, in a temporary folder:

- ours: `credo demo --json` itself, as a user starts it (a fresh SQLite file, its own
  migrations, build and portal): the time until `/` answers (time_to_portal_s, from the
  start of the command; the portal serves while the city is built, saying so), the time
  until the build's summary is printed (build_s: whatever `credo demo` builds with), then
  the operator signs in and `/console` is requested several times (console_first_ms: the
  first, which brings the maintained counts up to the change feed; console_ms: the median
  of the rest);
- plain: the same statements (generated and flattened to tuples beforehand, untimed) with
  sqlite3 `executemany` in one transaction into a table shaped like `record_statements`.

The last line is `RESULT build_s=... time_to_portal_s=... records=... records_per_s=...
plain_rows_per_s=... ratio=... console_first_ms=... console_ms=...`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from credo.demo.population import SIZES, DemoSize, generate_population  # noqa: E402
from credo.demo.records import city_statements  # noqa: E402

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
QUICK = DemoSize(persons=2_000, organisations=400, public_bodies=10)
CREDO = ROOT / ".venv" / "bin" / "credo"
CONSOLE_REQUESTS = 6  # the first, then the median of the rest
TOKEN = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Demo:
    """`credo demo` in a subprocess, timed from its start."""

    def __init__(self, folder: Path, size: DemoSize, seed: int, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "CREDO_DATABASE_URL": f"sqlite:///{folder / 'credo.db'}",
            "CREDO_AUDIT_KEY": str(folder / "audit-key.pem"),
            "COLUMNS": "200",
        }
        command = [str(CREDO), "demo", "--json", "--port", str(self.port), "--seed", str(seed),
                   "--workers", str(workers), "--persons", str(size.persons),
                   "--organisations", str(size.organisations),
                   "--public-bodies", str(size.public_bodies)]  # fmt: skip
        self.log = (folder / "demo.log").open("w")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=self.log, text=True
        )

    def time_to_portal(self) -> tuple[float, bool]:
        """Seconds until `/` answers 200, and whether it said it was still building."""
        while self.process.poll() is None:
            try:
                page = httpx.get(self.base + "/", timeout=5)
                if page.status_code == 200:
                    return time.perf_counter() - self.started, 'class="building"' in page.text
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"credo demo stopped (exit {self.process.returncode}): see its log")

    def summary(self) -> tuple[float, dict[str, Any]]:
        """Seconds until the build's JSON summary is printed, and the summary."""
        assert self.process.stdout is not None
        text = _read_json(self.process.stdout)
        return time.perf_counter() - self.started, json.loads(text)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _read_json(stream: IO[str]) -> str:
    lines = []
    for line in stream:
        lines.append(line)
        if line.rstrip() == "}":
            return "".join(lines)
    raise SystemExit("credo demo printed no summary: see its log")


def console_times(base: str, operator_key: str) -> list[float]:
    """Milliseconds of each `/console` request, signed in as the demo operator."""
    with httpx.Client(base_url=base, timeout=120) as client:
        token = TOKEN.search(client.get("/signin").text)
        assert token, "the sign-in page carries a form token"
        signed = client.post(
            "/signin", data={"csrf": token.group(1), "key": operator_key},
            headers={"Origin": base},
        )  # fmt: skip
        assert signed.status_code in (200, 303), signed.status_code
        times = []
        for _ in range(CONSOLE_REQUESTS):
            started = time.perf_counter()
            page = client.get("/console")
            times.append((time.perf_counter() - started) * 1000)
            assert page.status_code == 200 and "<svg" in page.text, page.status_code
    return times


def ours(folder: Path, size: DemoSize, seed: int, workers: int) -> dict[str, Any]:
    demo = Demo(folder, size, seed, workers)
    try:
        portal_s, building = demo.time_to_portal()
        print(f"  portal answering after {portal_s:.1f} s (building notice shown: {building})")
        build_s, summary = demo.summary()
        print(f"  build done (summary printed) after {build_s:.1f} s")
        assert not summary["rejected"], summary["rejected"]
        operator = next(c for c in summary["credentials"] if c["role"] == "operator")
        times = console_times(demo.base, operator["api_key"])
    finally:
        demo.stop()
    return {
        "build_s": build_s,
        "portal_s": portal_s,
        "building": building,
        "records": summary["statements"]["accepted"],
        "console_first_ms": times[0],
        "console_ms": statistics.median(times[1:]),
    }


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
        f"{args.workers} loading process(es); load average {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = ours(folder, size, args.seed, args.workers)
        rows = plain_rows(size, args.seed)
        plain_s = plain(folder, rows)
    records, build_s = result["records"], result["build_s"]
    ours_rate = records / build_s
    plain_rate = len(rows) / plain_s
    print(f"ours:  {records:,} records in {build_s:.1f} s ({ours_rate:,.0f} records/s, credo demo)")
    print(f"plain: {len(rows):,} rows in {plain_s:.2f} s ({plain_rate:,.0f} rows/s)")
    print(
        f"ratio ours/plain: {ours_rate / plain_rate:.3f}; portal answering after "
        f"{result['portal_s']:.1f} s; console {result['console_first_ms']:.0f} ms first, "
        f"{result['console_ms']:.0f} ms median after"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (other work on the machine)")
    print(
        f"RESULT build_s={build_s:.1f} time_to_portal_s={result['portal_s']:.1f} "
        f"records={records} records_per_s={ours_rate:.0f} plain_rows_per_s={plain_rate:.0f} "
        f"ratio={ours_rate / plain_rate:.4f} console_first_ms={result['console_first_ms']:.0f} "
        f"console_ms={result['console_ms']:.0f}"
    )


if __name__ == "__main__":
    main()
