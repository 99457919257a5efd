"""Benchmark of `credo rating export` and `credo lists export` at scale, with bounded memory.

    .venv/bin/python bench/export.py                  # 1,000,000 rows per export, SQLite
    .venv/bin/python bench/export.py --quick          # 50,000 rows (< 1 min)
    .venv/bin/python bench/export.py --database-url postgresql://... [--rows N]

Fills an empty database (a SQLite file in a temporary folder unless --database-url names
one; it is migrated here, and reused as it is when it already holds N subjects from an
earlier run) with N subjects (one in ten a person), each with its identifier, a
`tax_credit_grade` rating state and a `judgment_defaulters` entry backed by a record
statement with a payload. Then, alternating, `--repeat` times, each variant in a child
process of its own (its peak resident memory, VmHWM, read from its own /proc/self/status):

- `rating_baseline`: a plain `SELECT` of the rating state's columns, fetched in chunks with
  the database driver's cursor and written to the same format by the same writer;
- `rating_export`: `credo.exports.service.export` of the rating's state (what `credo rating
  export tax_credit_grade --format F --out FILE` runs): the join with the subjects, their
  identifiers, the G-50 split (organisations as rows, persons counted and suppressed), the
  audit entry;
- `list_baseline` and `list_export`: the same for the list (its entries, the register's
  masking, the payload of each entry's record).

Best time of each. Prints per variant the time, rows per second, peak RSS and the file size;
the ratios export / baseline (time). The last line is
`RESULT rows=... rating_vs_baseline=... list_vs_baseline=... rating_rss_mb=... list_rss_mb=...
baseline_rss_mb=... rating_rows_per_s=... list_rows_per_s=...`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import orjson  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402

from credo.clock import FixedClock  # noqa: E402
from credo.context import build_context  # noqa: E402
from credo.db.connect import make_engine  # noqa: E402
from credo.db.migrate import upgrade  # noqa: E402
from credo.exports import service  # noqa: E402
from credo.exports.writers import FORMATS, open_writer  # noqa: E402
from credo.lists.tables import list_entries  # noqa: E402
from credo.ratings.tables import rating_state  # noqa: E402
from credo.records.tables import record_statements  # noqa: E402
from credo.settings import Settings  # noqa: E402
from credo.subjects.tables import subject_identifiers, subjects  # noqa: E402

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
RATING_KEY = "tax_credit_grade@1"
LIST_ID = "judgment_defaulters"
BATCH = 20_000
VARIANTS = ("rating_baseline", "rating_export", "list_baseline", "list_export")
BANDS = ("A", "B", "M", "C", "D")


# -- the registry --------------------------------------------------------------------------


def _rows(start: int, end: int) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in ("s", "i", "r", "l", "st")}
    for n in range(start, end):
        person = n % 10 == 0
        record_id = f"{n:032x}"
        out["s"].append(
            {"id": n, "kind": "person" if person else "organisation",
             "display_name": f"Subject {n}", "birth_date": None, "created_at": NOW}
        )  # fmt: skip
        out["i"].append(
            {"scheme": "cn_ric" if person else "cn_uscc",
             "value": f"{110105197001010000 + n:018d}" if person else f"91{n:016d}",
             "subject_id": n, "check_ok": True, "created_at": NOW}
        )  # fmt: skip
        out["r"].append(
            {"rating_key": RATING_KEY, "subject_id": n, "as_of": NOW.date(),
             "band": BANDS[n % 5], "total": float(n % 101), "features": {"arrears_count": n % 3},
             "evaluated_at": NOW, "reason": None}
        )  # fmt: skip
        out["st"].append(
            {"record_id": record_id, "chain_id": record_id, "revision": 0, "action": "assert",
             "furnisher_id": "city_court", "source_ref": f"REF-{n}",
             "record_type": "judgment_defaulter", "subject_id": n,
             "occurred_on": date(2026, 1, 10), "effective_from": date(2026, 1, 10),
             "effect_until": date(2029, 1, 10), "expires_on": date(2031, 1, 10),
             "finality": "final", "payload": {"case_number": f"(2026)京0105执{n}号",
                                              "amount": 1000 + n, "court": "Chaoyang"},
             "content_hash": record_id, "received_at": NOW}
        )  # fmt: skip
        out["l"].append(
            {"id": record_id, "list_id": LIST_ID, "list_version": 1, "subject_id": n,
             "record_ids": [record_id], "status": "effective", "starts_on": date(2026, 1, 10),
             "effective_on": date(2026, 1, 25), "ends_on": date(2029, 1, 10),
             "ended_reason": None, "proposed_at": NOW, "notified_at": NOW, "updated_at": NOW}
        )  # fmt: skip
    return out


def _driver_value(value: Any, sqlite: bool) -> Any:
    """What the driver takes without SQLAlchemy's per-value processing (fast bulk fill)."""
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    if sqlite and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if sqlite and isinstance(value, date):
        return value.isoformat()
    return value


def fill(engine: Engine, n: int) -> float:
    started = time.perf_counter()
    tables = {
        "s": subjects,
        "i": subject_identifiers,
        "r": rating_state,
        "st": record_statements,
        "l": list_entries,
    }
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    for start in range(1, n + 1, BATCH):
        rows = _rows(start, min(start + BATCH, n + 1))
        with engine.begin() as conn:
            for key, table in tables.items():
                names = list(rows[key][0])
                sql = (
                    f"INSERT INTO {table.name} ({', '.join(names)}) "
                    f"VALUES ({', '.join([mark] * len(names))})"
                )
                values = [tuple(_driver_value(r[c], sqlite) for c in names) for r in rows[key]]
                conn.exec_driver_sql(sql, values)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


# -- one variant, in a child process ---------------------------------------------------------


def _baseline(url: str, fmt: str, out: Path, what: str) -> int:
    """A plain SELECT of the table's own columns, through the driver's cursor, in chunks."""
    engine = make_engine(url)
    if what == "rating":
        sql = (
            "SELECT rating_key, subject_id, as_of, band, total, reason FROM rating_state "
            f"WHERE rating_key = '{RATING_KEY}'"
        )
        columns = service.RATING_COLUMNS
        names = ("rating", "subject_id", "as_of", "band", "total", "reason")
    else:
        sql = (
            "SELECT id, subject_id, effective_on, ends_on FROM list_entries "
            f"WHERE list_id = '{LIST_ID}'"
        )
        columns = service.LIST_COLUMNS
        names = ("id", "organisation_id", "date", "until")
    blank = {c.name: None for c in columns}
    rows = 0
    with engine.connect() as conn, out.open("wb") as handle:
        writer = open_writer(fmt, handle, columns)  # type: ignore[arg-type]
        driver: Any = conn.connection.driver_connection
        # a server-side cursor on PostgreSQL (psycopg's client cursor would fetch it all)
        cursor = (
            driver.cursor(name="baseline")
            if engine.dialect.name == "postgresql"
            else (driver.cursor())
        )
        cursor.execute(sql)
        while chunk := cursor.fetchmany(5000):
            lines = [{**blank, **dict(zip(names, row, strict=True))} for row in chunk]
            if what == "rating":
                for line in lines:
                    line["as_of"] = _day(line["as_of"])
            else:
                for line in lines:
                    line["date"], line["until"] = _day(line["date"]), _day(line["until"])
                    line["id"] = str(line["id"])
            writer.write(lines)
            rows += len(lines)
        writer.close()
    return rows


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _export(url: str, fmt: str, out: Path, what: str) -> int:
    engine = make_engine(url)
    ctx = CONTEXT.get("ctx") or build_context(
        Settings(database_url=url), clock=FixedClock(NOW), engine=engine
    )
    today = ctx.clock.today()
    plan = (
        service.rating_plan(ctx.catalogue, RATING_KEY, None, today)
        if what == "rating"
        else service.list_plan(ctx.catalogue, LIST_ID, None, today)
    )
    with out.open("wb") as handle:
        summary = service.export(ctx, "bench", plan, fmt, handle)  # type: ignore[arg-type]
    return summary.rows


CONTEXT: dict[str, Any] = {}  # the child's context, built before the clock starts


def child(variant: str, url: str, fmt: str, out: Path) -> None:
    what, kind = variant.split("_")
    if kind == "export":  # start-up (the catalogue) is not the export's work
        CONTEXT["ctx"] = build_context(
            Settings(database_url=url), clock=FixedClock(NOW), engine=make_engine(url)
        )
    started = time.perf_counter()
    rows = (_baseline if kind == "baseline" else _export)(url, fmt, out, what)
    seconds = time.perf_counter() - started
    peak = _peak_rss_mb()
    print(json.dumps({"rows": rows, "seconds": seconds, "bytes": out.stat().st_size, "rss": peak}))


def _peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM). Not ru_maxrss: on Linux a child's
    ru_maxrss keeps the high-water mark of the parent it was forked from, across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(variant: str, url: str, fmt: str, folder: Path) -> dict[str, Any]:
    out = folder / f"{variant}.{fmt}"
    command = [sys.executable, __file__, "--child", variant, "--database-url", url,
               "--format", fmt, "--out", str(out)]  # fmt: skip
    process = subprocess.run(command, stdout=subprocess.PIPE, check=False)
    if process.returncode != 0:
        raise SystemExit(f"{variant} failed ({process.returncode})")
    result: dict[str, Any] = json.loads(process.stdout.decode().strip().splitlines()[-1])
    result["rss_mb"] = result.pop("rss")
    out.unlink()
    return result


# -- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50,000 rows")
    parser.add_argument("--rows", type=int, default=None, help="rows per export")
    parser.add_argument("--database-url", default=None, help="an empty database to fill")
    parser.add_argument("--format", default="parquet", choices=FORMATS)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.database_url, args.format, args.out)
        return
    n = args.rows or (50_000 if args.quick else 1_000_000)
    folder = Path(tempfile.mkdtemp(prefix="credo-export-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        present = conn.execute(text("SELECT count(*) FROM subjects")).scalar_one()
    if present == 0:
        print(f"filling {url.split('@')[-1]} with {n:,} subjects ...", flush=True)
        print(f"  filled in {fill(engine, n):.1f} s", flush=True)
    elif present != n:
        raise SystemExit(f"the database holds {present:,} subjects, not {n:,}: give an empty one")
    else:
        print(f"reusing {url.split('@')[-1]}: {n:,} subjects", flush=True)
    engine.dispose()
    best: dict[str, dict[str, Any]] = {}
    for round_ in range(args.repeat):
        for variant in VARIANTS:
            result = run_child(variant, url, args.format, folder)
            print(
                f"  round {round_ + 1} {variant:16s} {result['seconds']:7.2f} s  "
                f"{result['rows']:>9,} rows  {result['rows'] / result['seconds']:>9,.0f} rows/s  "
                f"peak RSS {result['rss_mb']:6.0f} MB  {result['bytes'] / 1e6:6.1f} MB file",
                flush=True,
            )
            if variant not in best or result["seconds"] < best[variant]["seconds"]:
                best[variant] = result
    rating = best["rating_export"]["seconds"] / best["rating_baseline"]["seconds"]
    listing = best["list_export"]["seconds"] / best["list_baseline"]["seconds"]
    baseline_rss = max(best[v]["rss_mb"] for v in ("rating_baseline", "list_baseline"))
    print(
        f"RESULT rows={n} format={args.format} rating_vs_baseline={rating:.2f} "
        f"list_vs_baseline={listing:.2f} rating_rss_mb={best['rating_export']['rss_mb']:.0f} "
        f"list_rss_mb={best['list_export']['rss_mb']:.0f} baseline_rss_mb={baseline_rss:.0f} "
        f"rating_rows_per_s={best['rating_export']['rows'] / best['rating_export']['seconds']:.0f} "
        f"list_rows_per_s={best['list_export']['rows'] / best['list_export']['seconds']:.0f}"
    )


if __name__ == "__main__":
    main()
