"""kill -9 at any moment, then re-run: the same final state as one uninterrupted run
(the bulk path of issue 14: chunks written set-wise, one transaction each).

``credo ingest`` runs as a real subprocess; it is killed with SIGKILL once some chunks are
committed (read from its own ``ingest_runs`` progress), re-run to the end (the same command, in
this process, as the uninterrupted run), and the content of
record_statements, record_current, subjects, subject_identifiers and quarantine is compared
with an uninterrupted run into another fresh database. Surrogate keys (subject ids,
PostgreSQL sequences are not rolled back by a killed transaction) and arrival timestamps
differ by nature, so subjects are compared by their identifiers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from credo.cli.main import app
from credo.db.connect import make_engine
from credo.ingest.tables import ingest_runs

from .conftest import NYC_MAPPING, inspection_row, write_csv

ROWS = 1500
CHUNK = 100
CLI = "from credo.cli.main import app; app()"


def ingest_args(path: Path, tmp_path: Path) -> list[str]:
    report = str(tmp_path / "report.json")
    return ["ingest", str(path), "--mapping", str(NYC_MAPPING), "--chunk-size", str(CHUNK),
            "--report", report]  # fmt: skip


def start(url: str, path: Path, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CREDO_DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-c", CLI, *ingest_args(path, tmp_path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def rows_committed(engine: Engine) -> int:
    with engine.connect() as conn:
        value = conn.execute(select(ingest_runs.c.rows_read).order_by(ingest_runs.c.id)).scalar()
    return int(value or 0)


def kill_after_some_chunks(url: str, path: Path, tmp_path: Path) -> int:
    engine = make_engine(url)
    process = start(url, path, tmp_path)
    try:
        while process.poll() is None and rows_committed(engine) < 4 * CHUNK:
            time.sleep(0.01)  # poll gently: the writer shares the two cores
        process.send_signal(signal.SIGKILL)
        process.wait()
        return rows_committed(engine)
    finally:
        engine.dispose()


def finish(url: str, path: Path, tmp_path: Path) -> None:
    """The same command run to its end, in this process: only a killed run needs its own."""
    result = CliRunner().invoke(app, ingest_args(path, tmp_path), env={"CREDO_DATABASE_URL": url})
    assert result.exit_code == 2, result.output  # finished, with some rows quarantined


def snapshot(url: str) -> dict[str, Any]:
    """Every compared table as a sorted list of rows, subjects named by identifier."""
    owner = (
        "(select min(scheme || ':' || value) from subject_identifiers i where i.subject_id = {})"
    )
    queries = {
        "record_statements": "select record_id, chain_id, revision, action, furnisher_id, "
        "source_ref, record_type, occurred_on, effective_from, effect_until, expires_on, "
        "finality, payload, evidence, provenance, content_hash, "
        + owner.format("s.subject_id")
        + " from record_statements s",
        "record_current": "select chain_id, record_id, revision, state, furnisher_id, source_ref,"
        " record_type, occurred_on, effective_from, effect_until, expires_on, performed_on, "
        "finality, payload, " + owner.format("c.subject_id") + " from record_current c",
        "subjects": "select kind, display_name, birth_date, "
        + owner.format("s.id")
        + " from subjects s",
        "subject_identifiers": "select scheme, value, check_ok, "
        + owner.format("x.subject_id")
        + " from subject_identifiers x",
        "quarantine": "select source_key, row_number, furnisher_id, reason_code, detail, raw "
        "from quarantine",
        "change_feed": "select count(*) from change_feed",
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


def test_kill_and_rerun_equals_an_uninterrupted_run(
    database_url: str, other_database_url: str, tmp_path: Path
) -> None:
    rows = [inspection_row(i) for i in range(ROWS)]
    for i in range(0, ROWS, 97):
        rows[i] = inspection_row(i, camis="bad")  # some quarantined rows in every stretch
    for i in range(41, ROWS, 61):
        rows[i] = dict(rows[i - 1])  # identical rows: numbered references ("#2")
    bad = sum(row["camis"] == "bad" for row in rows)
    path = write_csv(tmp_path / "inspections.csv", rows)

    committed = kill_after_some_chunks(database_url, path, tmp_path)
    assert 0 < committed < ROWS, "the kill must land mid-file"
    assert committed % CHUNK == 0, "only whole chunks are ever committed"
    finish(database_url, path, tmp_path)
    finish(other_database_url, path, tmp_path)

    interrupted, clean = snapshot(database_url), snapshot(other_database_url)
    assert len(clean["record_statements"]) == ROWS - bad
    assert len(clean["quarantine"]) == bad
    repeats = sum(rows[i]["camis"] != "bad" for i in range(41, ROWS, 61))
    assert sum("#2" in repr(row) for row in clean["record_current"]) == repeats
    for table in clean:
        assert interrupted[table] == clean[table], table
