"""Full-list (snapshot) deliveries (credo.ingest.snapshot) on both databases: daily lists with
additions and early delistings, idempotent re-deliveries, held deliveries applied or rejected
by an operator, all or nothing under kill -9, and decided terms read from a mapping."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner, Result

from credo.audit import service as audit
from credo.audit.tables import audit_log
from credo.catalog.catalogue import Catalogue
from credo.cli.main import app as cli_app
from credo.clock import FixedClock
from credo.db.connect import make_engine
from credo.errors import Conflict, ValidationFailed
from credo.ingest.mapping import load_mapping, parse_mapping
from credo.ingest.snapshot import (
    SnapshotResult,
    decide,
    deliver,
    read_file_delivery,
)
from credo.ingest.tables import ingest_runs, quarantine, snapshot_deliveries
from credo.notices.tables import notices
from credo.records.service import WriteContext, nothing_held
from credo.records.tables import record_current, record_statements
from credo.subjects import repository as subjects_repo
from harness.audited import AUDITED
from tests.lists.builders import org_id

HERE = Path(__file__).resolve().parent
MAPPING = HERE / "debarment_list.yaml"
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
DAY1 = date(2026, 5, 1)
COLUMNS = [
    "decision_number",
    "uscc",
    "firm",
    "decided_on",
    "ineligible_to",
    "ground",
    "period_months",
]
CLI = "from credo.cli.main import app; app()"


def make_suppliers(engine: Engine, count: int) -> None:
    """Known organisations: a debarment never registers a new subject."""
    now = NOW
    with engine.begin() as conn:
        ids = subjects_repo.create_subjects(
            conn,
            [
                {"kind": "organisation", "display_name": f"Supplier {i}", "created_at": now}
                for i in range(count)
            ],
        )
        subjects_repo.add_identifiers(
            conn,
            [
                {
                    "scheme": "cn_uscc",
                    "value": org_id(i),
                    "subject_id": subject_id,
                    "check_ok": True,
                    "created_at": now,
                }
                for i, subject_id in enumerate(ids)
            ],
        )


def entry(i: int, **overrides: str) -> dict[str, str]:
    """Supplier ``i``'s debarment: 24 months from 2026-01-01 + i days, or as overridden."""
    decided = date(2026, 1, 1) + timedelta(days=i % 90)
    row = {
        "decision_number": f"DEB-{i:05d}",
        "uscc": org_id(i),
        "firm": f"Supplier {i}",
        "decided_on": decided.isoformat(),
        "ineligible_to": date(decided.year + 2, decided.month, decided.day).isoformat(),
        "ground": "collusion",
        "period_months": "24",
    }
    row.update(overrides)
    return row


def write_list(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def ctx_at(catalogue: Catalogue, moment: datetime = NOW) -> WriteContext:
    return WriteContext(catalogue, FixedClock(moment), holds=nothing_held)


def deliver_file(
    engine: Engine,
    ctx: WriteContext,
    path: Path,
    on: date,
    mapping: Path = MAPPING,
    share: float = 0.1,
) -> SnapshotResult:
    parsed, content = load_mapping(mapping)
    delivery = read_file_delivery(
        ctx,
        path,
        parsed,
        content,
        "procurement_office",
        ("procurement_debarment",),
        on,
        created_by="test",
        max_delist_share=share,
    )
    result = deliver(engine, ctx, delivery)
    assert result.add_up(), result.summary()
    return result


def states(engine: Engine) -> dict[str, tuple[str, str | None, date]]:
    """source_ref -> (state, end_reason, effect_until)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                record_current.c.source_ref,
                record_current.c.state,
                record_current.c.end_reason,
                record_current.c.effect_until,
            )
        )
        return {ref: (state, reason, until) for ref, state, reason, until in rows}


def statement_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(record_statements)).scalar_one())


def counts(result: SnapshotResult, *keys: str) -> dict[str, int]:
    return {k: result.counts[k] for k in keys}


def test_three_daily_lists_with_additions_and_early_delistings(
    engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    make_suppliers(engine, 40)
    ctx = ctx_at(catalogue)
    day1 = [entry(i) for i in range(30)]
    first = deliver_file(engine, ctx, write_list(tmp_path / "d1.csv", day1), DAY1)
    assert first.status == "applied"
    assert counts(first, "rows_read", "accepted", "new", "confirmed", "delisted") == {
        "rows_read": 30,
        "accepted": 30,
        "new": 30,
        "confirmed": 0,
        "delisted": 0,
    }
    # Day 2: two more suppliers, supplier 3 delisted early, supplier 5's term now open-ended.
    day2 = [entry(i) for i in range(32) if i != 3]
    day2[4] = entry(5, ineligible_to="Ongoing")
    second = deliver_file(engine, ctx, write_list(tmp_path / "d2.csv", day2), DAY1 + timedelta(1))
    assert second.status == "applied"
    assert counts(second, "accepted", "new", "confirmed", "delisted", "in_effect") == {
        "accepted": 31,
        "new": 2,
        "confirmed": 29,
        "delisted": 1,
        "in_effect": 30,
    }
    # Day 3: suppliers 7 and 8 delisted; supplier 3 does not come back by itself.
    day3 = [entry(i, ineligible_to="Ongoing") if i == 5 else entry(i) for i in range(32)]
    day3 = [r for r in day3 if r["decision_number"] not in ("DEB-00003", "DEB-00007", "DEB-00008")]
    third = deliver_file(engine, ctx, write_list(tmp_path / "d3.csv", day3), DAY1 + timedelta(2))
    assert counts(third, "new", "confirmed", "delisted", "in_effect") == {
        "new": 0,
        "confirmed": 29,
        "delisted": 2,
        "in_effect": 31,
    }
    now = states(engine)
    assert now["DEB-00003"] == ("delisted", "delisted", DAY1 + timedelta(1))
    assert now["DEB-00007"] == ("delisted", "delisted", DAY1 + timedelta(2))
    assert now["DEB-00008"][:2] == ("delisted", "delisted")
    assert now["DEB-00031"][0] == "active"
    # supplier 5: open-ended until a conditional release, bounded by the 3-year ceiling
    # counted from its latest confirmation (day 3)
    assert now["DEB-00005"] == ("active", "lapsed_unconfirmed", date(2029, 5, 3))
    # supplier 0: its decided term (24 months), confirmed daily
    assert now["DEB-00000"] == ("active", "period_ended", date(2028, 1, 1))
    with engine.connect() as conn:
        chain = conn.execute(
            select(record_statements.c.action, record_statements.c.revision)
            .where(record_statements.c.source_ref == "DEB-00007")
            .order_by(record_statements.c.revision)
        ).all()
        # confirmed on first sight (it started before day 1), on day 2, delisted on day 3
        assert [tuple(r) for r in chain] == [
            ("assert", 0),
            ("confirm", 1),
            ("confirm", 2),
            ("delist", 3),
        ]
        # every delivery is recorded, applied, and in the audit log
        statuses = conn.execute(
            select(snapshot_deliveries.c.status).order_by(snapshot_deliveries.c.id)
        ).scalars()
        assert list(statuses) == ["applied"] * 3
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
        assert actions.count("ingest.snapshot_applied") == 3
        # 58 confirmations on days 2 and 3, and 32 of new entries decided before their day
        assert actions.count("record.delist") == 3 and actions.count("record.confirm") == 90
        assert audit.verify(conn, AUDITED).ok
        # the delisted subjects are told
        kinds = conn.execute(select(notices.c.kind, notices.c.payload)).all()
        delisted = sorted(p["source_ref"] for k, p in kinds if k == "record_delisted")
        assert delisted == ["DEB-00003", "DEB-00007", "DEB-00008"]
    # Day 4: supplier 3 listed again: an ended entry does not come back by itself
    day4 = write_list(tmp_path / "d4.csv", [*day3, entry(3)])
    fourth = deliver_file(engine, ctx, day4, DAY1 + timedelta(3))
    assert counts(fourth, "confirmed", "delisted", "quarantined") == {
        "confirmed": 29,
        "delisted": 0,
        "quarantined": 1,
    }
    assert [r["reason"] for r in fourth.quarantined_rows] == ["record_ended"]
    assert states(engine)["DEB-00003"][0] == "delisted"


def test_redelivering_the_same_file_changes_nothing(
    engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    make_suppliers(engine, 12)
    ctx = ctx_at(catalogue)
    deliver_file(engine, ctx, write_list(tmp_path / "d1.csv", [entry(i) for i in range(10)]), DAY1)
    rows = [entry(i) for i in range(12) if i != 2]
    rows.append(entry(99, uscc="not-a-code"))  # quarantined, every time, once in quarantine
    path = write_list(tmp_path / "d2.csv", rows)
    day2 = DAY1 + timedelta(1)
    first = deliver_file(engine, ctx, path, day2)
    assert counts(first, "new", "confirmed", "delisted", "quarantined") == {
        "new": 2,
        "confirmed": 9,
        "delisted": 1,
        "quarantined": 1,
    }
    before, view = statement_count(engine), states(engine)
    again = deliver_file(engine, ctx, path, day2)
    assert counts(again, "accepted", "duplicate", "quarantined", "delisted") == {
        "accepted": 0,
        "duplicate": 11,
        "quarantined": 1,
        "delisted": 0,
    }
    assert statement_count(engine) == before and states(engine) == view
    # the same list saved again (another file, same content, same day): still nothing new
    copy = write_list(tmp_path / "d2-copy.csv", list(reversed(rows)))
    assert deliver_file(engine, ctx, copy, day2).counts["accepted"] == 0
    assert statement_count(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(quarantine)).scalar_one() == 2
    # the next day, the same file re-confirms every entry
    next_day = deliver_file(engine, ctx, path, day2 + timedelta(1))
    assert counts(next_day, "confirmed", "delisted", "new") == {
        "confirmed": 11,
        "delisted": 0,
        "new": 0,
    }


def test_a_changed_term_on_the_same_day_is_taken(
    engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    make_suppliers(engine, 3)
    ctx = ctx_at(catalogue)
    deliver_file(engine, ctx, write_list(tmp_path / "a.csv", [entry(i) for i in range(3)]), DAY1)
    corrected = [entry(0, ineligible_to="2026-12-01"), entry(1), entry(2)]
    result = deliver_file(engine, ctx, write_list(tmp_path / "b.csv", corrected), DAY1)
    assert counts(result, "confirmed", "duplicate") == {"confirmed": 1, "duplicate": 2}
    assert states(engine)["DEB-00000"] == ("active", "period_ended", date(2026, 12, 1))


def test_a_truncated_delivery_is_held_then_applied(
    engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    make_suppliers(engine, 20)
    ctx = ctx_at(catalogue)
    deliver_file(engine, ctx, write_list(tmp_path / "d1.csv", [entry(i) for i in range(20)]), DAY1)
    before, view = statement_count(engine), states(engine)
    half = write_list(tmp_path / "half.csv", [entry(i) for i in range(10)])
    day2 = DAY1 + timedelta(1)
    held = deliver_file(engine, ctx, half, day2)
    assert held.status == "held"
    assert counts(held, "delisted", "in_effect", "confirmed") == {
        "delisted": 10,
        "in_effect": 20,
        "confirmed": 10,
    }
    assert statement_count(engine) == before and states(engine) == view
    # delivered again: the same held delivery, not a second one
    assert deliver_file(engine, ctx, half, day2).delivery_id == held.delivery_id
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(snapshot_deliveries).where(snapshot_deliveries.c.id == held.delivery_id)
            )
            .mappings()
            .one()
        )
        assert row["status"] == "held" and len(row["rows"]) == 10
        run = conn.execute(select(ingest_runs).where(ingest_runs.c.id == row["run_id"]))
        assert run.mappings().one()["status"] == "held"
    half.unlink()  # applying re-reads nothing: the rows were stored with the delivery
    applied = decide(engine, ctx, held.delivery_id, "apply", "operator:alice")
    assert applied.status == "applied"
    assert counts(applied, "delisted", "confirmed", "new") == {
        "delisted": 10,
        "confirmed": 10,
        "new": 0,
    }
    after = states(engine)
    assert sum(s == "delisted" for s, _, _ in after.values()) == 10
    assert after["DEB-00015"] == ("delisted", "delisted", day2)
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(snapshot_deliveries).where(snapshot_deliveries.c.id == held.delivery_id)
            )
            .mappings()
            .one()
        )
        assert (row["status"], row["decided_by"], row["rows"]) == (
            "applied",
            "operator:alice",
            None,
        )
        actions = conn.execute(select(audit_log.c.actor, audit_log.c.action)).all()
        assert ("test", "ingest.snapshot_held") in actions
        assert ("operator:alice", "ingest.snapshot_applied") in actions
    with pytest.raises(Conflict):
        decide(engine, ctx, held.delivery_id, "reject", "operator:bob")


def test_a_rejected_delivery_changes_nothing(
    engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    make_suppliers(engine, 10)
    ctx = ctx_at(catalogue)
    deliver_file(engine, ctx, write_list(tmp_path / "d1.csv", [entry(i) for i in range(10)]), DAY1)
    before, view = statement_count(engine), states(engine)
    empty = write_list(tmp_path / "empty.csv", [])
    held = deliver_file(engine, ctx, empty, DAY1 + timedelta(1))
    assert held.status == "held" and held.counts["delisted"] == 10
    rejected = decide(engine, ctx, held.delivery_id, "reject", "operator:alice")
    assert rejected.status == "rejected"
    assert statement_count(engine) == before and states(engine) == view
    again = deliver_file(engine, ctx, empty, DAY1 + timedelta(1))
    assert (again.status, again.delivery_id) == ("rejected", held.delivery_id)
    with pytest.raises(Conflict):
        decide(engine, ctx, held.delivery_id, "apply", "operator:alice")
    with engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
    assert "ingest.snapshot_rejected" in actions


def test_a_held_delivery_is_not_applied_over_a_newer_list(
    engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    make_suppliers(engine, 10)
    ctx = ctx_at(catalogue)
    full = [entry(i) for i in range(10)]
    deliver_file(engine, ctx, write_list(tmp_path / "d1.csv", full), DAY1)
    held = deliver_file(engine, ctx, write_list(tmp_path / "d2.csv", full[:2]), DAY1 + timedelta(1))
    assert held.status == "held"
    deliver_file(engine, ctx, write_list(tmp_path / "d3.csv", full), DAY1 + timedelta(2))
    with pytest.raises(Conflict, match="newer list"):
        decide(engine, ctx, held.delivery_id, "apply", "operator:alice")


def term_mapping(tmp_path: Path, **term: Any) -> Path:
    data = yaml.safe_load(MAPPING.read_text())
    data["term"] = term
    data["ignore_columns"] = ["review"]
    path = tmp_path / "term.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_term_columns_are_honoured_and_bad_values_quarantined(
    engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    make_suppliers(engine, 6)
    ctx = ctx_at(catalogue)
    mapping = term_mapping(
        tmp_path,
        ends_on="ineligible_to",
        last_day=True,
        open_ended_values=["Ongoing", ""],
        until="conditional_release",
    )
    rows = [
        entry(0, ineligible_to="2026-12-31"),  # last day: the term ends 2027-01-01
        entry(1, ineligible_to="ongoing"),  # open-ended (case-insensitive)
        entry(2, ineligible_to=""),  # blank listed as open-ended
        entry(3, ineligible_to="soon"),
        entry(4, ineligible_to="2025-02-30"),
        entry(5, ineligible_to="2025-06-01"),  # before the decision
    ]
    result = deliver_file(engine, ctx, write_list(tmp_path / "t.csv", rows), DAY1, mapping)
    assert counts(result, "accepted", "quarantined") == {"accepted": 3, "quarantined": 3}
    with engine.connect() as conn:
        terms = {
            ref: (ends, until)
            for ref, ends, until in conn.execute(
                select(
                    record_current.c.source_ref,
                    record_current.c.term_ends_on,
                    record_current.c.term_until,
                )
            )
        }
        details = dict(conn.execute(select(quarantine.c.row_number, quarantine.c.detail)).all())
    assert terms == {
        "DEB-00000": (date(2027, 1, 1), None),
        "DEB-00001": (None, "conditional_release"),
        "DEB-00002": (None, "conditional_release"),
    }
    assert set(details) == {5, 6, 7}  # lines: the header is line 1
    assert "row 5: column 'ineligible_to'" in details[5] and "'soon'" in details[5]
    assert "row 6: column 'ineligible_to'" in details[6] and "'2025-02-30'" in details[6]
    assert details[7].startswith("row 7: term.ends_on") and "column 'ineligible_to'" in details[7]
    assert {r["reason"] for r in result.quarantined_rows} == {"invalid_term"}
    # a quarantined row still names its entry: a later list that lists it badly never
    # delists it
    later = [entry(0, ineligible_to="2026-12-31"), entry(1, ineligible_to="later?"), entry(2)]
    second = deliver_file(
        engine, ctx, write_list(tmp_path / "t2.csv", later), DAY1 + timedelta(1), mapping
    )
    assert counts(second, "confirmed", "quarantined", "delisted") == {
        "confirmed": 2,
        "quarantined": 1,
        "delisted": 0,
    }


def test_term_mapping_keys_are_checked() -> None:
    data = yaml.safe_load(MAPPING.read_text())
    for term, message in [
        ({}, "give 'ends_on'"),
        ({"ends_on": "x", "open_ended_values": ["Ongoing"]}, "open_ended_values"),
        ({"until": "forever"}, "term.until"),
        ({"ends_on": "x", "review_on": "r"}, "review_on"),
    ]:
        with pytest.raises(ValidationFailed, match=message):
            parse_mapping({**data, "term": term})


def test_normal_ingestion_reads_the_term_too(
    engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    from credo.ingest.service import IngestRequest, ingest_file

    make_suppliers(engine, 2)
    parsed, content = load_mapping(MAPPING)
    path = write_list(
        tmp_path / "n.csv", [entry(0, ineligible_to="Ongoing"), entry(1, ineligible_to="x")]
    )
    result = ingest_file(engine, ctx_at(catalogue), IngestRequest(path, parsed, content, "m"))
    assert (result.counts["accepted"], result.counts["quarantined"]) == (1, 1)
    assert result.quarantined_rows[0]["detail"].startswith("row 3: column 'ineligible_to'")


def test_a_snapshot_mapping_has_no_action_column(catalogue: Catalogue, tmp_path: Path) -> None:
    data = yaml.safe_load(MAPPING.read_text())
    data["action_column"] = "decision_number"
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump(data))
    parsed, content = load_mapping(path)
    with pytest.raises(ValidationFailed, match="action_column"):
        read_file_delivery(
            ctx_at(catalogue),
            write_list(tmp_path / "x.csv", []),
            parsed,
            content,
            "procurement_office",
            ("procurement_debarment",),
            DAY1,
            created_by="test",
        )


# -- the command line and kill -9 ---------------------------------------------------------------


def cli(url: str, *args: str) -> subprocess.Popen[bytes]:
    """``credo ingest ARGS`` as a process of its own, to be killed."""
    env = {**os.environ, "CREDO_DATABASE_URL": url, "COLUMNS": "120"}
    return subprocess.Popen(
        [sys.executable, "-c", CLI, "ingest", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def run_cli(url: str, *args: str) -> Result:
    """``credo ingest ARGS`` run to its end in this process (a new process costs seconds)."""
    env = {"CREDO_DATABASE_URL": url, "COLUMNS": "120"}
    return CliRunner().invoke(cli_app, ["ingest", *args], env=env)


def snapshot_args(path: Path, on: date, tmp_path: Path) -> list[str]:
    return [
        str(path),
        "--mapping",
        str(MAPPING),
        "--snapshot",
        "--as-of",
        on.isoformat(),
        "--report",
        str(tmp_path / f"{path.stem}.report.json"),
    ]


def test_the_command_line_reports_holds_and_applies(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    make_suppliers(engine, 10)
    rows = [entry(i) for i in range(10)]
    first = run_cli(
        database_url, *snapshot_args(write_list(tmp_path / "d1.csv", rows), DAY1, tmp_path)
    )
    assert first.exit_code == 0, first.stderr
    assert "applied" in first.stdout and "delisted" in first.stdout
    report = orjson.loads((tmp_path / "d1.report.json").read_bytes())
    assert report["status"] == "applied" and report["counts"]["new"] == 10
    assert report["counts_add_up"] is True
    half = write_list(tmp_path / "d2.csv", rows[:5])
    held = run_cli(database_url, *snapshot_args(half, DAY1 + timedelta(1), tmp_path))
    assert held.exit_code == 3, held.stderr
    assert "snapshot-apply 2" in held.stdout
    listing = run_cli(database_url, "snapshots", "--status", "held", "--json")
    assert listing.exit_code == 0, listing.stderr
    assert [r["id"] for r in orjson.loads(listing.stdout)] == [2], listing.stderr
    apply = run_cli(database_url, "snapshot-apply", "2", "--by", "operator:alice")
    assert apply.exit_code == 0, apply.stderr
    assert sum(s == "delisted" for s, _, _ in states(engine).values()) == 5


LARGE = 1500


def compared(url: str) -> dict[str, Any]:
    queries = {
        "record_statements": "select record_id, revision, action, effect_until, end_reason, "
        "content_hash from record_statements",
        "record_current": "select chain_id, record_id, state, effect_until, end_reason "
        "from record_current",
        "quarantine": "select row_number, reason_code, detail from quarantine",
        "snapshot_deliveries": "select status, new, confirmed, delisted from snapshot_deliveries",
    }
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: sorted(tuple(map(repr, row)) for row in conn.execute(text(query)))
                for name, query in queries.items()
            }
    finally:
        engine.dispose()


def run_status(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(ingest_runs.c.status).order_by(ingest_runs.c.id.desc())).scalar()


def test_kill_during_a_large_delivery_leaves_all_or_none(
    database_url: str,
    other_database_url: str,
    engine: Engine,
    catalogue: Catalogue,
    tmp_path: Path,
) -> None:
    other = make_engine(other_database_url)
    day1 = [entry(i) for i in range(LARGE)]
    for i in range(0, LARGE, 101):
        day1[i] = entry(i, uscc="bad")
    day2 = [r for i, r in enumerate(day1) if i % 20 != 7] + [entry(LARGE + i) for i in range(50)]
    path1 = write_list(tmp_path / "day1.csv", day1)
    path2 = write_list(tmp_path / "day2.csv", day2)
    try:
        for target in (engine, other):
            make_suppliers(target, LARGE + 50)
            deliver_file(target, ctx_at(catalogue), path1, DAY1)
        # the uninterrupted delivery, timed from its run row to the end
        clean = cli(other_database_url, *snapshot_args(path2, DAY1 + timedelta(1), tmp_path))
        while run_status(other) is None and clean.poll() is None:
            time.sleep(0.01)
        started = time.monotonic()
        _, err = clean.communicate(timeout=300)
        assert clean.returncode == 0, err.decode()
        work = time.monotonic() - started
        before = compared(database_url)
        killed = cli(database_url, *snapshot_args(path2, DAY1 + timedelta(1), tmp_path))
        while run_status(engine) != "running" and killed.poll() is None:
            time.sleep(0.01)
        # A quarter of the clean run's time in: inside the delivery's transaction on a quiet
        # machine. On a loaded one the process may be done already; then it must be all of it.
        time.sleep(work / 4)
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        after = compared(database_url)
        if run_status(engine) == "running":
            assert after == before  # none of it
        else:
            assert after == compared(other_database_url)  # all of it
        rerun = run_cli(database_url, *snapshot_args(path2, DAY1 + timedelta(1), tmp_path))
        assert rerun.exit_code == 0, rerun.stderr
        final, clean_state = compared(database_url), compared(other_database_url)
        for table in ("record_statements", "record_current", "quarantine"):
            assert final[table] == clean_state[table], table
    finally:
        other.dispose()


def test_0009_matches_the_declared_table_and_round_trips(database_url: str, engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect

    from credo.db.metadata import import_all_tables
    from credo.db.migrate import downgrade, upgrade

    metadata = import_all_tables()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if "snapshot_deliveries" in str(d)] == []
    engine.dispose()
    downgrade(database_url, "0008")
    assert "snapshot_deliveries" not in inspect(engine).get_table_names()
    engine.dispose()
    upgrade(database_url)
    assert "snapshot_deliveries" in inspect(engine).get_table_names()


# -- the API ------------------------------------------------------------------------------------


def api_entry(i: int, term: dict[str, str] | None = None) -> dict[str, Any]:
    row = entry(i)
    return {
        "record_type": "procurement_debarment",
        "source_ref": row["decision_number"],
        "subject": {
            "kind": "organisation",
            "identifiers": [{"scheme": "cn_uscc", "value": row["uscc"]}],
        },
        "occurred_on": row["decided_on"],
        "term": term or {"ends_on": row["ineligible_to"]},
        "payload": {
            "decision_number": row["decision_number"],
            "ground": "collusion",
            "period_months": 24,
        },
        "evidence": {
            "kind": "debarment_decision",
            "document_id": row["decision_number"],
            "issuer": "Demo City Public Procurement Office",
            "issued_on": row["decided_on"],
        },
        "provenance": {"kind": "official_decision"},
    }


def test_the_api_delivers_holds_and_lets_an_operator_apply(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from credo.access.model import Role
    from credo.access.service import create_principal
    from credo.context import build_context
    from credo.settings import Settings
    from credo.web.api.app import create_app

    make_suppliers(engine, 6)
    ctx = build_context(Settings(database_url=database_url), clock=FixedClock(NOW), engine=engine)
    keys = {}
    principals: list[tuple[str, Role, dict[str, Any]]] = [
        ("office", Role.FURNISHER, {"furnisher_id": "procurement_office"}),
        ("operator", Role.OPERATOR, {}),
    ]
    with engine.begin() as conn:
        for principal_id, role, extra in principals:
            keys[principal_id] = {
                "Authorization": "Bearer "
                + create_principal(
                    conn,
                    ctx.catalogue,
                    principal_id=principal_id,
                    role=role,
                    display_name=principal_id,
                    now=NOW,
                    **extra,
                )
            }
    body: dict[str, Any] = {
        "record_types": ["procurement_debarment"],
        "delivered_on": DAY1.isoformat(),
        "records": [api_entry(i) for i in range(4)] + [api_entry(5, {"until": "forever"})],
    }
    with TestClient(create_app(ctx)) as client:
        first = client.post("/v1/records/snapshot", json=body, headers=keys["office"])
        assert first.status_code == 422  # the term's event is checked by the schema
        body["records"][-1] = api_entry(4, {"until": "conditional_release"})
        first = client.post("/v1/records/snapshot", json=body, headers=keys["office"])
        assert first.status_code == 200, first.text
        data = first.json()
        assert (data["status"], data["counts"]["new"], data["counts_add_up"]) == (
            "applied",
            5,
            True,
        )
        assert [o["index"] for o in data["outcomes"]] == [0, 1, 2, 3, 4]
        again = client.post("/v1/records/snapshot", json=body, headers=keys["office"]).json()
        assert again["counts"]["duplicate"] == 5 and again["counts"]["accepted"] == 0
        short = {**body, "delivered_on": (DAY1 + timedelta(1)).isoformat()}
        short["records"] = body["records"][:2]
        held = client.post("/v1/records/snapshot", json=short, headers=keys["office"])
        assert held.status_code == 202, held.text
        assert held.json()["counts"]["delisted"] == 3
        raised = client.post(
            "/v1/records/snapshot", json={**short, "max_delist_share": 0.9}, headers=keys["office"]
        )
        assert raised.status_code == 422  # a furnisher may not raise the limit
        listed = client.get("/v1/records/snapshots?status=held", headers=keys["operator"]).json()
        delivery_id = held.json()["delivery_id"]
        assert [r["id"] for r in listed] == [delivery_id]
        path = f"/v1/records/snapshots/{delivery_id}/apply"
        assert client.post(path, headers=keys["office"]).status_code == 403
        applied = client.post(path, headers=keys["operator"])
        assert applied.status_code == 200, applied.text
        assert applied.json()["counts"]["delisted"] == 3
        assert client.post(path, headers=keys["operator"]).status_code == 409
        schema = client.get("/openapi.json").json()
        assert "/v1/records/snapshot" in schema["paths"]
        assert "/v1/records/snapshots/{delivery_id}/{decision}" in schema["paths"]
    assert sum(s == "delisted" for s, _, _ in states(engine).values()) == 3


def test_a_confirmation_beyond_the_ceiling_is_noticed_once(
    engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    make_suppliers(engine, 2)
    ctx = ctx_at(catalogue)
    rows = [entry(0, decided_on="2023-06-01", ineligible_to="Ongoing"), entry(1)]
    path = write_list(tmp_path / "l.csv", rows)
    for day in range(3):
        deliver_file(engine, ctx, path, DAY1 + timedelta(day))
    assert states(engine)["DEB-00000"] == ("active", "lapsed_unconfirmed", date(2029, 5, 3))
    with engine.connect() as conn:
        sent = conn.execute(select(notices.c.kind, notices.c.payload, notices.c.body)).all()
    assert [(k, p["source_ref"]) for k, p, _ in sent] == [("record_confirmed", "DEB-00000")]
    _, payload, body = sent[0]
    assert payload["ceiling"] == "2026-06-01" and payload["confirmed_on"] == "2026-05-02"
    assert "3 years" in body and "2 May 2029" in body
