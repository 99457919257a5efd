"""kill -9 at any moment, then re-run: the same final state as one uninterrupted run
(the bulk path of issue 14: chunks prepared by a worker process, written set-wise).

``credo ingest`` runs as a real subprocess; it is killed with SIGKILL once some chunks are
committed (read from its own ``ingest_runs`` progress), re-run to the end, and the content of
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

from credo.db.connect import make_engine
from credo.ingest.tables import ingest_runs

from .conftest import NYC_MAPPING, inspection_row, write_csv

ROWS = 1500
CHUNK = 100
CLI = "from credo.cli.main import app; app()"


def start(url: str, path: Path, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CREDO_DATABASE_URL": url}
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            CLI,
            "ingest",
            str(path),
            "--mapping",
            str(NYC_MAPPING),
            "--chunk-size",
            str(CHUNK),
            "--report",
            str(tmp_path / "report.json"),
        ],
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
        workers = children_of(process.pid)  # the worker preparing chunks ahead of the writer
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert workers, "a file of several chunks is prepared in a worker process"
        wait_until_gone(workers)
        return rows_committed(engine)
    finally:
        engine.dispose()


def children_of(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def wait_until_gone(pids: list[int]) -> None:
    """The worker of a killed ingest exits on its own (its next send finds the pipe closed):
    none is left running, and nothing of it is ever written."""
    deadline = time.monotonic() + 60
    while any(running(pid) for pid in pids):
        assert time.monotonic() < deadline, f"the worker {pids} outlived its killed parent"
        time.sleep(0.05)


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # an unreaped zombie has exited


def finish(url: str, path: Path, tmp_path: Path) -> None:
    process = start(url, path, tmp_path)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 2, err.decode()  # finished, with some rows quarantined


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
