"""G-24 under load: SIGKILL the server while concurrent checks are in flight; every decision
the client received must have its inquiry in the database."""

from __future__ import annotations

import asyncio
import signal
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import Engine

from credo.checks import repository
from harness.aio import run_async
from tests.checks.server import free_port, start_server
from tests.lists.builders import create_principals, defaulter, make_context, person_id, submit

LISTED = person_id(date(1980, 5, 6))
KILL_AFTER = 300
CONCURRENCY = 32


async def hammer(url: str, key: str, received: list[str], kill: asyncio.Event) -> None:
    idents = [LISTED, person_id(date(1990, 1, 1), 5)]
    async with httpx.AsyncClient(base_url=url, timeout=10.0) as client:

        async def worker(n: int) -> None:
            i = 0
            while True:
                body = {
                    "identifiers": [{"scheme": "cn_ric", "value": idents[(n + i) % 2]}],
                    "purpose": "air_ticket_sale",
                    "transaction_ref": f"T-{n}-{i}",
                }
                i += 1
                try:
                    response = await client.post(
                        "/v1/checks", json=body, headers={"Authorization": f"Bearer {key}"}
                    )
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 200:
                    received.append(response.json()["id"])
                    if len(received) >= KILL_AFTER:
                        kill.set()

        await asyncio.gather(*(worker(n) for n in range(CONCURRENCY)))


def test_no_decision_without_its_inquiry(database_url: str, engine: Engine, tmp_path: Path) -> None:
    ctx = make_context(database_url, engine)
    keys = create_principals(ctx)
    submit(ctx, "city_court", defaulter(LISTED))
    port = free_port()
    server = start_server(database_url, port, tmp_path / "server.log")
    received: list[str] = []

    async def run() -> None:
        kill = asyncio.Event()
        load = asyncio.create_task(
            hammer(f"http://127.0.0.1:{port}", keys["airline"], received, kill)
        )
        await kill.wait()
        server.send_signal(signal.SIGKILL)  # mid-load: requests are in flight
        await load

    try:
        run_async(run)
    finally:
        server.kill()
        server.wait()
    assert len(received) >= KILL_AFTER
    with engine.connect() as conn:
        stored = repository.inquiry_ids(conn, received)
    missing = set(received) - stored
    assert not missing, f"{len(missing)} decisions left the server without an inquiry"
