"""Benchmark of `credo simulate` against `credo rescore` on the same demo registry.

    .venv/bin/python bench/simulate.py                # the small demo city (about 0.2 M records)
    .venv/bin/python bench/simulate.py --size full    # the full city (about 2 M records)
    .venv/bin/python bench/simulate.py --quick        # 1,000 persons, 200 organisations (< 1 min)

Builds the demo city once into a SQLite file (reused by later runs with the same size and
seed: `--db PATH`), then, alternating, `repeat` times each:

- rescore: `credo.ratings.service.rescore` on the Polars engine, every rating, snapshots
  written and switched (what `credo rescore` runs);
- simulate: `credo.governance.simulate.simulate` of a proposed catalogue that raises the tax
  credit grade's A threshold (90 -> 96, a new rating version) and adds a measure (closer
  examination of judgment defaulters' licence applications), beside the live catalogue, on
  the same engine, plus writing the HTML report and the JSON (what `credo simulate` runs).

The best time of each is kept. The last line is `RESULT vs_rescore=... simulate_s=...
rescore_s=... records=... subjects=...`; vs_rescore is simulate_s / rescore_s (goal: at
most 3).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import orjson  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from credo.catalog.loader import load_catalogue  # noqa: E402
from credo.clock import FixedClock  # noqa: E402
from credo.context import build_context  # noqa: E402
from credo.db.migrate import upgrade  # noqa: E402
from credo.demo.build import build_demo  # noqa: E402
from credo.demo.population import SIZES, DemoSize  # noqa: E402
from credo.governance.report_html import render_report  # noqa: E402
from credo.governance.simulate import Options, simulate  # noqa: E402
from credo.ratings.service import rescore  # noqa: E402
from credo.records.tables import record_current, record_statements  # noqa: E402
from credo.settings import DEMO_CATALOG, Settings  # noqa: E402

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
QUICK = DemoSize(persons=1_000, organisations=200, public_bodies=5)
OLD_BINS = "{from: 70, to: 90, band: B}, {from: 90, band: A}]"
NEW_BINS = "{from: 70, to: 96, band: B}, {from: 96, band: A}]"
NEW_MEASURE = """
  - id: licensing_review_defaulter
    name: {en: "Closer examination of a defaulter's licence", zh: "失信被执行人许可重点审查"}
    kind: review
    domain: market_regulation
    severity: general
    triggered_by: [judgment_defaulters]
    purposes: [business_licensing]
    max_duration: 1y
    effect: {en: "Examine the application in person.", zh: "实行重点审查。"}
    legal_basis:
      instrument: "MoU on Joint Punishment of Dishonest Judgment Defaulters (Fa [2016] No. 141)"
      article: "Part II, item 1"
      jurisdiction: CN
      text: "Licensing bodies examine applications of dishonest judgment defaulters closely."
    subject_kinds: [organisation, person]
    cross_domain:
      kind: policy
      instrument: "MoU on Joint Punishment of Dishonest Judgment Defaulters (Fa [2016] No. 141)"
      article: "Part II, item 1"
      names_lists: [judgment_defaulters]
"""


def proposed_catalogue(folder: Path) -> Path:
    shutil.copytree(DEMO_CATALOG, folder)
    ratings = folder / "ratings.yaml"
    text = ratings.read_text(encoding="utf-8")
    assert OLD_BINS in text, "the demo's tax credit grade bands changed: update the benchmark"
    old, new = (f"  - id: tax_credit_grade\n    version: {v}" for v in (1, 2))
    ratings.write_text(text.replace(OLD_BINS, NEW_BINS).replace(old, new), encoding="utf-8")
    measures = folder / "measures.yaml"
    measures.write_text(measures.read_text(encoding="utf-8").rstrip("\n") + NEW_MEASURE)
    return folder


def registry(db: Path, size: DemoSize, seed: int, workers: int) -> str:
    """The demo city in ``db``, built unless a complete build is already there."""
    url = f"sqlite:///{db}"
    done = db.with_suffix(".built")
    if db.exists() and done.exists():
        print(f"reusing {db}")
        return url
    db.unlink(missing_ok=True)
    upgrade(url)
    ctx = build_context(Settings(database_url=url), clock=FixedClock(NOW))
    started = time.perf_counter()
    build_demo(ctx, size, seed=seed, workers=workers)
    ctx.engine.dispose()
    done.write_text("built\n")
    print(f"built the demo city in {time.perf_counter() - started:.1f} s")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--quick", action="store_true", help="1,000 persons (< 1 minute)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=2, help="loading processes")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--engine", default="polars")
    parser.add_argument("--db", type=Path, help="the registry file (default: in the temp dir)")
    args = parser.parse_args()
    size = QUICK if args.quick else SIZES[args.size]
    name = f"{size.persons}-{size.organisations}-{size.public_bodies}-{args.seed}"
    db = args.db or Path(tempfile.gettempdir()) / f"credo-bench-simulate-{name}.db"
    url = registry(db, size, args.seed, args.workers)
    ctx = build_context(Settings(database_url=url), clock=FixedClock(NOW))
    with ctx.engine.connect() as conn:
        records = conn.execute(select(func.count()).select_from(record_statements)).scalar_one()
        subjects = conn.execute(
            select(func.count(func.distinct(record_current.c.subject_id)))
        ).scalar_one()
    print(f"registry: {records:,} statements, {subjects:,} subjects with records")
    with tempfile.TemporaryDirectory() as tmp:
        proposed = load_catalogue(proposed_catalogue(Path(tmp) / "proposed"))
        rescores, simulations = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            rescore(ctx.engine, ctx.catalogue, engine_name=args.engine, as_of=NOW.date(), now=NOW)
            rescores.append(time.perf_counter() - started)
            started = time.perf_counter()
            options = Options(as_of=NOW.date(), engine_name=args.engine, min_cell=10)
            document = simulate(ctx.engine, ctx.catalogue, proposed, options, now=NOW)
            (Path(tmp) / "simulation.json").write_bytes(orjson.dumps(document))
            (Path(tmp) / "simulation.html").write_text(render_report(document), encoding="utf-8")
            simulations.append(time.perf_counter() - started)
            print(f"rescore {rescores[-1]:.2f} s, simulate {simulations[-1]:.2f} s")
    summary = document["summary"]
    print(
        f"simulated: {summary['subjects_whose_band_moves']} bands move, "
        f"{summary['list_entries_starting']} entries start, "
        f"{summary['decisions_flipping']} decisions flip, "
        f"{summary['disproportionate_groups']} groups flagged"
    )
    rescore_s, simulate_s = min(rescores), min(simulations)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak_mb:,.0f} MB")
    print(
        f"RESULT vs_rescore={simulate_s / rescore_s:.2f} simulate_s={simulate_s:.2f} "
        f"rescore_s={rescore_s:.2f} records={records} subjects={subjects}"
    )


if __name__ == "__main__":
    main()
