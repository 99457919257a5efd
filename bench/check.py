"""Benchmark of the real-time check (issues 4 and 12).

    .venv/bin/python bench/check.py [--quick] [--workers N]

Builds a SQLite registry (1 M subjects, 100 k of them on the judgment-defaulter list;
``--quick``: 20 k / 2 k), serves Credo as a user starts it (``credo serve``: N workers,
default one per core; inquiry logging on: every decision waits for its committed inquiry and
audit entry), and drives POST /v1/checks with 64 keep-alive connections on 127.0.0.1 for 20 s
(``--quick``: 4 s). The mix: 90 % subjects with no list entry, 10 % listed, 1 % of all
requests for identifiers nobody registered; four relying parties with a purpose each (air,
rail, hotel: restricted; consumer loan: review). In the same run it serves a minimal raw ASGI
app that looks the same identifiers up in a Python dict, with the same worker count, client
and requests. Then freshness: a record accepted by POST /v1/records until checks reflect it
on every worker. Memory: the check index's retained allocation per listed subject
(tracemalloc) and each worker's resident set after the load.

Last line: RESULT vs_raw=... rps=... p99_ms=... freshness_p99_ms=... rss_mb_per_worker=...
bytes_per_listed=..."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from stdnum.cn import ric

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from credo.access.model import Role  # noqa: E402
from credo.access.service import create_principal  # noqa: E402
from credo.catalog.loader import load_catalogue  # noqa: E402
from credo.checks.index import CheckIndex  # noqa: E402
from credo.db.connect import make_engine  # noqa: E402
from credo.db.migrate import upgrade  # noqa: E402
from credo.settings import DEMO_CATALOG  # noqa: E402

CONCURRENCY = 64


def person_id(n: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=n % 18000)
    body = f"110105{born:%Y%m%d}{(n // 18000) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def unique_ids(count: int) -> list[str]:
    seen: dict[str, None] = {}
    n = 0
    while len(seen) < count:
        seen.setdefault(person_id(n), None)
        n += 1
    return list(seen)


def build_registry(path: Path, subjects: int, listed: int) -> list[str]:
    """Subjects, identifiers and listed subjects' defaulter records, written in bulk."""
    upgrade(f"sqlite:///{path}")
    ids = unique_ids(subjects)
    now = datetime.now(UTC).replace(tzinfo=None)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    start = (now.date() - timedelta(days=100)).isoformat()
    until = (now.date() + timedelta(days=900)).isoformat()
    keep = (now.date() + timedelta(days=1500)).isoformat()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    with db:
        db.executemany(
            "INSERT INTO subjects (id, kind, birth_date, created_at) VALUES (?, 'person', ?, ?)",
            (
                (i + 1, f"{ids[i][6:10]}-{ids[i][10:12]}-{ids[i][12:14]}", stamp)
                for i in range(subjects)
            ),
        )
        db.executemany(
            "INSERT INTO subject_identifiers (scheme, value, subject_id, check_ok, created_at)"
            " VALUES ('cn_ric', ?, ?, 1, ?)",
            ((ids[i], i + 1, stamp) for i in range(subjects)),
        )
        payload = json.dumps(
            {"case_number": "c", "court": "Chaoyang District Court", "obligation": "pay_money",
             "circumstance": "refusing_with_ability"}
        )  # fmt: skip
        db.executemany(
            "INSERT INTO record_current (chain_id, record_id, revision, state, furnisher_id,"
            " source_ref, record_type, subject_id, occurred_on, effective_from, effect_until,"
            " expires_on, finality, payload, first_received_at, updated_at) VALUES"
            " (?, ?, 0, 'active', 'city_court', ?, 'judgment_defaulter', ?, ?, ?, ?, ?, 'final',"
            " ?, ?, ?)",
            (
                (f"c{i:031d}", f"r{i:031d}", f"B-{i}", i + 1, start, start, until, keep, payload,
                 stamp, stamp)
                for i in range(listed)
            ),
        )  # fmt: skip
    db.close()
    return ids


# (principal, relying party, purpose): several purposes, as relying parties ask them
PARTIES = [
    ("airline", "demo_airline", "air_ticket_sale"),
    ("rail", "demo_rail", "rail_first_class_sale"),
    ("hotels", "demo_hotels", "star_hotel_booking"),
    ("bank", "demo_bank", "consumer_loan"),
]


def make_keys(path: Path) -> dict[str, str]:
    engine = make_engine(f"sqlite:///{path}")
    catalogue = load_catalogue(DEMO_CATALOG)
    keys = {}
    principals: list[tuple[str, Role, dict[str, str]]] = [
        (pid, Role.RELYING_PARTY, {"relying_party_id": party}) for pid, party, _ in PARTIES
    ]
    with engine.begin() as conn:
        for pid, role, extra in [
            *principals,
            ("court", Role.FURNISHER, {"furnisher_id": "city_court"}),
        ]:
            keys[pid] = create_principal(
                conn, catalogue, principal_id=pid, role=role, display_name=pid,
                now=datetime.now(UTC), **extra,
            )  # fmt: skip
    engine.dispose()
    return keys


def index_bytes_per_listed(path: Path, listed: int) -> float:
    engine = make_engine(f"sqlite:///{path}")
    index = CheckIndex(load_catalogue(DEMO_CATALOG))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    with engine.connect() as conn:
        index.build(conn)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(index.subjects) == listed, (len(index.subjects), listed)
    engine.dispose()
    return (after - before) / listed


def serve(
    app: str, env: dict[str, str], port: int, log: Path, workers: int
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--log-level", "warning", "--no-access-log",
        "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
    ]  # fmt: skip
    if app == "credo":  # as a user starts it
        credo = str(Path(sys.executable).parent / "credo")
        command = [credo, "serve", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(
        command, env={**os.environ, **env, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'bench'}"},
        stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=ROOT,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{app} exited:\n{log.read_text()}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{app} did not start:\n{log.read_text()}")


def request_bytes(port: int, key: str, purpose: str, ident: str, n: int) -> bytes:
    body = json.dumps(
        {"identifiers": [{"scheme": "cn_ric", "value": ident}], "purpose": purpose,
         "transaction_ref": f"B{n}"}
    ).encode()  # fmt: skip
    head = (
        f"POST /v1/checks HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _connection(
    port: int, requests: list[bytes], stop_at: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = random.randrange(len(requests))
    while time.perf_counter() < stop_at:
        started = time.perf_counter()
        writer.write(requests[i % len(requests)])
        i += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await reader.readexactly(length)
        if head[9:12] != b"200":
            errors.append(int(head[9:12]))
        latencies.append(time.perf_counter() - started)
    writer.close()


def drive(port: int, requests: list[bytes], seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[int] = []

    async def run() -> float:
        began = time.perf_counter()
        stop_at = began + seconds
        await asyncio.gather(
            *(_connection(port, requests, stop_at, latencies, errors) for _ in range(CONCURRENCY))
        )
        return time.perf_counter() - began

    elapsed = asyncio.run(run())
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
        "errors": len(errors),
        "requests": len(latencies),
    }


def freshness(port: int, keys: dict[str, str], samples: int, workers: int) -> list[float]:
    """Record accepted (POST /v1/records returned) -> a check shows the restriction. With
    several workers, each check opens a new connection and the record counts as reflected
    once 3 checks per worker in a row say so (the kernel spreads connections over workers)."""
    in_a_row = 1 if workers == 1 else 3 * workers
    check_headers = {"Authorization": f"Bearer {keys['airline']}"}
    if workers > 1:
        check_headers["Connection"] = "close"
    out = []
    today = datetime.now(UTC).date()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        for n in range(samples):
            ident = person_id(10_000_000 + n * 7919)
            occurred = (today - timedelta(days=40)).isoformat()
            record = {
                "record_type": "judgment_defaulter", "source_ref": f"FRESH-{n}-{time.time_ns()}",
                "subject": {"kind": "person",
                            "identifiers": [{"scheme": "cn_ric", "value": ident}]},
                "occurred_on": occurred,
                "payload": {"case_number": "f", "court": "Chaoyang District Court",
                            "obligation": "pay_money", "circumstance": "refusing_with_ability"},
                "evidence": {"kind": "defaulter_determination", "document_id": f"F{n}",
                             "issuer": "Chaoyang District Court", "issued_on": occurred},
                "provenance": {"kind": "official_decision", "channel": "bench"},
            }  # fmt: skip
            check = {
                "identifiers": [{"scheme": "cn_ric", "value": ident}],
                "purpose": "air_ticket_sale", "transaction_ref": f"F{n}",
            }  # fmt: skip
            accepted = client.post(
                "/v1/records", json=record, headers={"Authorization": f"Bearer {keys['court']}"}
            )
            assert accepted.status_code == 201, accepted.text
            t0 = time.perf_counter()
            seen = 0
            while True:
                decision = client.post("/v1/checks", json=check, headers=check_headers).json()
                seen = seen + 1 if decision["outcome"] == "restricted" else 0
                if seen == in_a_row:
                    out.append(1000 * (time.perf_counter() - t0))
                    break
                if time.perf_counter() - t0 > 10:
                    raise SystemExit("a record was not reflected within 10 s")
    return out


def mix(ids: list[str], listed: int, count: int) -> list[tuple[int, str]]:
    """(party index, identifier): 10 % listed, 90 % not, 1 % of all nobody registered."""
    rng = random.Random(7)
    out = []
    for n in range(count):
        if n % 100 == 99:
            ident = person_id(20_000_000 + n)  # valid, never registered
        elif n % 10 == 0:
            ident = ids[rng.randrange(listed)]
        else:
            ident = ids[listed + rng.randrange(len(ids) - listed)]
        out.append((n % len(PARTIES), ident))
    return out


def rss_mb_per_worker(server: subprocess.Popen[bytes]) -> float:
    """The mean resident set of the server's worker processes (children of its supervisor)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        if "resource_tracker" in Path(f"/proc/{pid}/cmdline").read_text():
            continue
        kb = next(int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:")
        sizes.append(kb / 1024)
    return sum(sizes) / max(1, len(sizes))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small registry, short runs")
    parser.add_argument(
        "--workers", type=int, default=max(2, len(os.sched_getaffinity(0))),
        help="workers for both apps (default: one per core, at least 2, as credo serve)",
    )  # fmt: skip
    args = parser.parse_args()
    subjects, listed, seconds, samples = (
        (20_000, 2_000, 4.0, 20) if args.quick else (1_000_000, 100_000, 20.0, 50)
    )
    work = Path(tempfile.mkdtemp(prefix="credo-bench-"))
    db = work / "registry.db"
    t0 = time.perf_counter()
    ids = build_registry(db, subjects, listed)
    keys = make_keys(db)
    print(f"workers: {args.workers} per app; machine: {os.cpu_count()} CPUs")
    print(
        f"registry: {subjects} subjects, {listed} listed, built in {time.perf_counter() - t0:.1f}s"
    )
    per_listed = index_bytes_per_listed(db, listed)
    print(f"check index: {per_listed:.0f} bytes per listed subject (tracemalloc)")

    sample = mix(ids, listed, 4000)
    (work / "listed.txt").write_text("\n".join(ids[:listed]))
    results = {}
    rss = 0.0
    for name, app, env in [
        ("raw", "raw_check_app:app", {"BENCH_LISTED": str(work / "listed.txt")}),
        ("credo", "credo", {"CREDO_DATABASE_URL": f"sqlite:///{db}"}),
    ]:
        port = 18000 + random.randrange(1000)
        t1 = time.perf_counter()
        server = serve(app, env, port, work / f"{name}.log", args.workers)
        print(f"{name}: serving after {time.perf_counter() - t1:.1f}s")
        try:
            requests = [
                request_bytes(port, keys[PARTIES[p][0]], PARTIES[p][2], ident, n)
                for n, (p, ident) in enumerate(sample)
            ]
            drive(port, requests, 1.0)  # warm-up
            results[name] = drive(port, requests, seconds)
            print(f"{name}: " + " ".join(f"{k}={v:.1f}" for k, v in results[name].items()))
            if name == "credo":
                rss = rss_mb_per_worker(server)
                fresh = freshness(port, keys, samples, args.workers)
        finally:
            server.terminate()
            server.wait()
    raw, credo = results["raw"], results["credo"]
    vs_raw = credo["rps"] / raw["rps"]
    f50, f99 = percentile(fresh, 0.5), percentile(fresh, 0.99)
    print(
        f"credo/raw rps ratio: {vs_raw:.2f}; p99 {credo['p99_ms']:.1f} ms vs {raw['p99_ms']:.1f} ms"
    )
    print(f"freshness over {samples} records (every worker): p50 {f50:.1f} ms, p99 {f99:.1f} ms")
    print(f"load average after the run: {os.getloadavg()}")
    print(
        f"RESULT vs_raw={vs_raw:.2f} rps={credo['rps']:.0f} p99_ms={credo['p99_ms']:.1f} "
        f"freshness_p99_ms={f99:.1f} rss_mb_per_worker={rss:.0f} "
        f"bytes_per_listed={per_listed:.0f}"
    )


if __name__ == "__main__":
    main()
