"""Benchmark of the hash-chained audit log (issue 5).

    .venv/bin/python bench/audit.py [--quick]

Writes N judgment-defaulter statements for N new persons through the one write path
(``records.service.append_statements``, batches of 1000) into a fresh database twice: once
as shipped (every statement appended to the audit chain, one executemany per batch) and
once with the audit call switched off (the baseline, measured in the same run). Then it
verifies the whole chain. On SQLite always; on PostgreSQL too when the server binaries are
on the machine (a throwaway cluster, as the tests use).

N = 100 000 (``--quick``: 5 000); each variant three times, alternating, medians. Last line:
RESULT sqlite_write_overhead=... sqlite_append_share=... sqlite_verify_per_s=...
pg_write_overhead=... pg_append_share=... pg_verify_per_s=..."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from stdnum.cn import ric

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from credo.audit import service as audit  # noqa: E402
from credo.catalog.loader import load_catalogue  # noqa: E402
from credo.clock import FixedClock  # noqa: E402
from credo.db.connect import make_engine  # noqa: E402
from credo.db.migrate import upgrade  # noqa: E402
from credo.records import service as records_service  # noqa: E402
from credo.records.model import Statement  # noqa: E402
from credo.records.validate import StatementValidator  # noqa: E402
from credo.settings import DEMO_CATALOG  # noqa: E402
from harness.audited import AUDITED  # noqa: E402

BATCH = 1000
CATALOGUE = load_catalogue(DEMO_CATALOG)
CLOCK = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def person_id(n: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=n % 18000)
    body = f"{110101 + (n // 18000) % 800:06d}{born:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def statements(count: int) -> list[tuple[int, Statement]]:
    validator = StatementValidator(CATALOGUE, "city_court", CLOCK.today())
    made: list[tuple[int, Statement]] = []
    seen: set[str] = set()
    n = 0
    while len(made) < count:
        identifier = person_id(n)
        n += 1
        if identifier in seen:
            continue
        seen.add(identifier)
        ref = f"(2025)京0105执{n}号"
        checked = validator.validate(
            {
                "record_type": "judgment_defaulter",
                "source_ref": ref,
                "subject_kind": "person",
                "identifiers": [("cn_ric", identifier)],
                "occurred_on": "2025-09-01",
                "payload": {
                    "case_number": ref,
                    "court": "Chaoyang District Court",
                    "obligation": "pay_money",
                    "amount": 1000 + n,
                    "circumstance": "refusing_with_ability",
                },
                "evidence": {
                    "kind": "defaulter_determination",
                    "document_id": ref,
                    "issuer": "Chaoyang District Court",
                    "issued_on": "2025-09-01",
                },
                "provenance": {"kind": "official_decision"},
            }
        )
        assert isinstance(checked, Statement), checked
        made.append((len(made), checked))
    return made


@contextmanager
def audit_switched_off() -> Iterator[None]:
    shipped = records_service.audit
    records_service.audit = types.SimpleNamespace(record_statements=lambda *a, **k: None)  # type: ignore[assignment]
    try:
        yield
    finally:
        records_service.audit = shipped


def write_all(url: str, items: list[tuple[int, Statement]]) -> float:
    engine = make_engine(url)
    ctx = records_service.WriteContext(CATALOGUE, CLOCK, holds=records_service.nothing_held)
    started = time.perf_counter()
    for i in range(0, len(items), BATCH):
        with engine.begin() as conn:
            records_service.append_statements(conn, ctx, "city_court", items[i : i + BATCH])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def verify(url: str) -> tuple[float, int]:
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.connect() as conn:
        result = audit.verify(conn, AUDITED)
    elapsed = time.perf_counter() - started
    engine.dispose()
    assert result.ok, result.broken
    return elapsed, result.checked


def measure(name: str, fresh_url: Callable[[str], str], items: list[Any]) -> dict[str, float]:
    """Median of three rounds; the order of the two variants alternates between rounds."""
    plain: list[float] = []
    audited: list[float] = []
    last_url = ""
    for round_ in range(3):
        order = ("plain", "audited") if round_ % 2 == 0 else ("audited", "plain")
        for variant in order:
            url = fresh_url(f"{variant}{round_}")
            if variant == "plain":
                with audit_switched_off():
                    plain.append(write_all(url, items))
            else:
                audited.append(write_all(url, items))
                last_url = url
    verify_s, checked = verify(last_url)
    assert checked == len(items)
    append_s = append_alone(fresh_url("append"), len(items))
    n, p, a = len(items), statistics.median(plain), statistics.median(audited)
    print(
        f"{name}: {n} statements, median of 3; without audit {p:.2f} s ({n / p:,.0f}/s), with "
        f"audit {a:.2f} s ({n / a:,.0f}/s), ratio x{a / p:.3f}; the audit appends alone "
        f"{append_s:.2f} s ({n / append_s:,.0f} entries/s, {append_s / p:.1%} of the plain "
        f"write time); verify {verify_s:.2f} s ({checked / verify_s:,.0f} entries/s)"
    )
    return {
        "write_overhead": a / p,
        "append_share": append_s / p,
        "verify_per_s": checked / verify_s,
    }


def append_alone(url: str, count: int) -> float:
    """Just the audit appends the write path makes for ``count`` statements, in its batches:
    steadier than the difference of two full runs on a shared machine."""
    engine = make_engine(url)
    at = CLOCK.now()
    rows = [
        {
            "action": "assert",
            "subject_id": i,
            "record_id": f"{i:032x}",
            "chain_id": f"{i:032x}",
            "revision": 0,
            "record_type": "judgment_defaulter",
            "content_hash": f"{i:032x}",
        }
        for i in range(count)
    ]
    started = time.perf_counter()
    for i in range(0, count, BATCH):
        with engine.begin() as conn:
            audit.record_statements(conn, "city_court", rows[i : i + BATCH], at)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def sqlite_urls(directory: Path) -> Callable[[str], str]:
    def fresh(tag: str) -> str:
        url = f"sqlite:///{directory / (tag + '.db')}"
        upgrade(url)
        return url

    return fresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 000 statements")
    args = parser.parse_args()
    items = statements(5_000 if args.quick else 100_000)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for key, value in measure("sqlite", sqlite_urls(Path(tmp)), items).items():
            results[f"sqlite_{key}"] = value
    results.update(postgres(items))
    print(
        "RESULT "
        + " ".join(f"{k}={v:.3f}" if v < 100 else f"{k}={v:.0f}" for k, v in results.items())
    )


def postgres(items: list[Any]) -> dict[str, float]:
    from harness.postgres import PostgresServer, PostgresUnavailable

    try:
        server = PostgresServer.start()
    except PostgresUnavailable as exc:
        print(f"postgresql: skipped ({exc})")
        return {}
    try:

        def fresh(tag: str) -> str:
            url: str = server.create_database(f"bench_{tag}")
            upgrade(url)
            return url

        return {f"pg_{k}": v for k, v in measure("postgresql", fresh, items).items()}
    finally:
        server.stop()


if __name__ == "__main__":
    main()
