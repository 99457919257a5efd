"""The console's maintained record counts (credo.summary) equal a full recount of the tables
after appends, supersessions, retractions, resends, retention erasure and a change-feed gap,
on SQLite and PostgreSQL; and the console page draws exactly the charts a recount gives."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from credo.access.model import Role
from credo.access.service import create_principal
from credo.catalog.loader import load_catalogue
from credo.clock import FixedClock
from credo.context import build_context
from credo.disputes import jobs
from credo.records.service import WriteContext, nothing_held
from credo.records.tables import change_feed, record_current, record_statements
from credo.settings import DEMO_CATALOG, Settings
from credo.summary import service as summary
from credo.web.api.app import create_app
from credo.web.portal.charts import aggregate_chart
from credo.web.portal.i18n import Translator
from tests.portal.conftest import sign_in
from tests.records.conftest import Writer, defaulter, licence, penalty

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _recount(engine: Engine) -> tuple[list[tuple[int, int]], dict[str, int]]:
    """Statements by year and current chains by type, counted from the tables themselves."""
    with engine.connect() as conn:
        years = Counter(
            d.year for d in conn.execute(select(record_statements.c.occurred_on)).scalars()
        )
        types = Counter(conn.execute(select(record_current.c.record_type)).scalars())
    return sorted(years.items()), dict(types)


def _maintained(engine: Engine) -> tuple[list[tuple[int, int]], dict[str, int]]:
    summary.refresh(engine, NOW)
    with engine.connect() as conn:
        return summary.statements_by_year(conn), dict(summary.chains_by_type(conn))


def _assert_exact(engine: Engine) -> None:
    assert _maintained(engine) == _recount(engine)


def _write(
    writer: Writer, furnisher: str, *rows: dict[str, Any], outcome: str = "accepted"
) -> None:
    outcomes = writer.write(furnisher, *rows)
    assert [o.outcome for o in outcomes] == [outcome] * len(rows), outcomes


def _penalties(prefix: str, n: int, on: str) -> list[dict[str, Any]]:
    return [penalty(f"{prefix}-{i}", occurred_on=on) for i in range(n)]


def test_maintained_counts_equal_a_recount_through_every_kind_of_change(engine: Engine) -> None:
    """Each refresh adds only what the change feed says is new since its watermark; after
    every step the counts are those of a full recount (the console's figures, G-50 aside)."""
    clock = FixedClock(datetime(2025, 6, 1, 9, 0, tzinfo=UTC))
    catalogue = load_catalogue(DEMO_CATALOG)
    writer = Writer(engine, catalogue, clock)
    _assert_exact(engine)  # empty
    _write(writer, "city_court", defaulter("(2020)京0105执001号", occurred_on="2020-03-01"))
    _write(writer, "market_regulator", licence("LIC-1"))  # registers Acme
    _write(writer, "market_regulator", *_penalties("MR", 3, "2024-05-01"))
    _assert_exact(engine)  # the first refresh: a recount
    corrected = penalty("MR-0", occurred_on="2023-05-01", revision=2, action="correct")
    _write(writer, "market_regulator", corrected, licence("LIC-2"))  # supersession, a new chain
    _write(writer, "market_regulator", penalty("MR-1", revision=2, action="revoke"))  # retraction
    _write(writer, "market_regulator", *_penalties("MR", 3, "2024-05-01"), outcome="duplicate")
    _assert_exact(engine)
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # the 2020 record's retention has ended
    report = jobs.run_until_done(engine, WriteContext(catalogue, clock, holds=nothing_held))
    assert report.retention.chains_erased == 1  # the tombstones keep their dates and types
    _write(writer, "city_court", defaulter("(2025)京0105执123号"))
    _assert_exact(engine)


def test_a_feed_row_committed_late_is_counted_when_it_appears(engine: Engine) -> None:
    """PostgreSQL commits sequence numbers out of order: a number missing under the head is
    a gap, counted once when it appears (here: two rows taken out, then put back)."""
    writer = Writer(engine, load_catalogue(DEMO_CATALOG), FixedClock(NOW))
    _write(writer, "market_regulator", licence("LIC-1"))
    _write(writer, "market_regulator", *_penalties("A", 1, "2024-05-01"))
    _assert_exact(engine)
    _write(writer, "market_regulator", *_penalties("B", 2, "2023-05-01"))
    _write(writer, "market_regulator", *_penalties("C", 2, "2022-05-01"))
    with engine.begin() as conn:
        head = conn.execute(select(func.max(change_feed.c.seq))).scalar_one()
        late = list(
            conn.execute(
                select(change_feed).where(
                    change_feed.c.seq <= head - 2, change_feed.c.seq > head - 4
                )
            ).mappings()
        )
        conn.execute(change_feed.delete().where(change_feed.c.seq.in_([r["seq"] for r in late])))
    years, _ = _maintained(engine)
    assert dict(years) == {2025: 1, 2024: 1, 2022: 2}  # B's statements are not in the feed yet
    with engine.begin() as conn:
        conn.execute(change_feed.insert(), [dict(r) for r in late])
    _assert_exact(engine)
    _assert_exact(engine)  # and only once


def test_console_draws_the_charts_of_a_recount(database_url: str, engine: Engine) -> None:
    """The page shows the same numbers as the scan it replaces: the records-by-year and
    records-by-type charts are those drawn from a recount of the tables."""
    catalogue = load_catalogue(DEMO_CATALOG)
    writer = Writer(engine, catalogue, FixedClock(NOW))
    _write(writer, "market_regulator", *[licence(f"LIC-{i}") for i in range(10)])
    _write(writer, "market_regulator", *_penalties("MR", 12, "2024-05-01"))
    _write(writer, "market_regulator", *_penalties("NR", 11, "2025-02-01"))
    ctx = build_context(Settings(database_url=database_url), clock=FixedClock(NOW), engine=engine)
    with engine.begin() as conn:
        key = create_principal(
            conn, catalogue, principal_id="op", role=Role.OPERATOR, display_name="Op", now=NOW
        )
    years, types = _recount(engine)
    t = Translator("en")
    by_type = sorted(types.items(), key=lambda item: (-item[1], item[0]))
    expected = [
        aggregate_chart(
            t("console.records_by_year"),
            [(str(y), n) for y, n in years],
            catalogue.registry.min_cell_size,
            t.number,
        ),
        aggregate_chart(
            t("console.records_by_type"),
            [(t.pick(catalogue.record_types[k].name), n) for k, n in by_type],
            10,
            t.number,
        ),
    ]
    with TestClient(create_app(ctx)) as client:
        sign_in(client, key)
        page = client.get("/console")
    assert page.status_code == 200
    for chart in expected:
        assert str(chart) in page.text
