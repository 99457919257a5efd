"""G-24 under load, on SQLite and PostgreSQL: ``credo serve`` with two workers is hammered
with concurrent checks, and one worker, with the inquiry writer it holds (its own thread and
connection, ``credo.checks.inquiries``), is killed with SIGKILL, then the other (the kernel
may have given every connection to one of them). Every decision a client received must have
its inquiry and its audit entry (G-47) in the database, and the server must come back (its
supervisor starts new workers, which answer).

The writer waits ``CREDO_INQUIRY_COMMIT_WAIT_MS`` for each group commit; at 100 ms, a build
that released a decision before its commit has many released, uncommitted decisions at the
kills, on SQLite as on PostgreSQL (without the wait, SQLite commits so fast that such a build
slipped through: issue 12)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import Engine

from credo.audit import repository as audit_repo
from credo.checks import repository
from harness.aio import run_async
from tests.checks.server import answering, free_port
from tests.lists.builders import create_principals, defaulter, make_context, person_id, submit

LISTED = person_id(date(1980, 5, 6))
KILL_AT = (100, 200)  # decisions received before each kill: one worker, then the other
CONCURRENCY = 24
COMMIT_WAIT_MS = "100"


def serve(database_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    """``credo serve --workers 2``, the production setup, once it answers."""
    env = {
        **os.environ,
        "CREDO_DATABASE_URL": database_url,
        "CREDO_INQUIRY_COMMIT_WAIT_MS": COMMIT_WAIT_MS,
    }
    credo = str(Path(sys.executable).parent / "credo")
    command = [credo, "serve", "--workers", "2", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    if not answering(port, process, log):
        process.kill()
        raise RuntimeError(f"server did not start: {log.read_text()}")
    return process


def workers_of(server: subprocess.Popen[bytes]) -> list[int]:
    """The supervisor's live worker processes (uvicorn spawns them as its children)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [int(pid) for pid in children if _live_worker(pid)]


def _live_worker(pid: str) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    return state != "Z" and b"resource_tracker" not in command


def replaced(server: subprocess.Popen[bytes], killed: list[int]) -> bool:
    """Two live workers again, none of them a killed one."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        workers = workers_of(server)
        if len(workers) == 2 and not set(killed) & set(workers):
            return True
        time.sleep(0.1)
    return False


def body(n: int, i: int) -> dict[str, object]:
    idents = [LISTED, person_id(date(1990, 1, 1), 5)]
    return {
        "identifiers": [{"scheme": "cn_ric", "value": idents[(n + i) % 2]}],
        "purpose": "air_ticket_sale",
        "transaction_ref": f"T-{n}-{i}",
    }


async def hammer(url: str, key: str, received: list[str], stop: asyncio.Event) -> None:
    """Concurrent checks until ``stop``; a failed request (a killed worker) is not counted."""
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, timeout=10.0, headers=headers) as client:

        async def worker(n: int) -> None:
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    response = await client.post("/v1/checks", json=body(n, i))
                except httpx.HTTPError:
                    await asyncio.sleep(0.05)  # the worker died: try another connection
                    continue
                if response.status_code == 200:
                    received.append(response.json()["id"])

        await asyncio.gather(*(worker(n) for n in range(CONCURRENCY)))


async def kill_under_load(
    url: str, key: str, server: subprocess.Popen[bytes], received: list[str]
) -> list[int]:
    stop = asyncio.Event()
    load = asyncio.create_task(hammer(url, key, received, stop))
    killed = []
    for count in KILL_AT:
        while len(received) < count:
            await asyncio.sleep(0.005)
        victim = next(pid for pid in workers_of(server) if pid not in killed)
        os.kill(victim, signal.SIGKILL)  # mid-load: checks are in flight, commits pending
        killed.append(victim)
    await asyncio.sleep(0.2)  # the survivors' clients see their connections fail
    stop.set()
    await load
    return killed


def test_g24_every_answered_check_survives_kill_9_of_its_worker(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    ctx = make_context(database_url, engine)
    keys = create_principals(ctx)
    submit(ctx, "city_court", defaulter(LISTED))
    port, log = free_port(), tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    server = serve(database_url, port, log)
    received: list[str] = []
    try:
        killed = run_async(lambda: kill_under_load(url, keys["airline"], server, received))
        assert replaced(server, killed), "the killed worker was not replaced"
        assert answering(port, server, log), "the server did not come back"
        after = httpx.post(
            f"{url}/v1/checks",
            json=body(0, 0),
            headers={"Authorization": f"Bearer {keys['airline']}"},
        )
        assert after.status_code == 200, after.text
        received.append(after.json()["id"])
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert len(received) >= KILL_AT[-1]
    with engine.connect() as conn:
        stored = repository.inquiry_ids(conn, received)
        logged = {
            json.loads(entry["payload"])["decision_id"]
            for entry in audit_repo.entries_with_actions(conn, ["decision"])
        }
    missing = set(received) - stored
    assert not missing, f"{len(missing)} of {len(received)} decisions have no inquiry"
    unlogged = set(received) - logged
    assert not unlogged, f"{len(unlogged)} of {len(received)} decisions have no audit entry"
