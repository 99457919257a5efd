"""Several workers, each with its own in-memory index, converge from the change feed: a
record accepted by POST /v1/records is soon reflected by every worker."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import Engine

from tests.checks.server import free_port, start_server
from tests.lists.builders import create_principals, defaulter, make_context, person_id

NEWCOMER = person_id(date(1985, 7, 8), 3)
IN_A_ROW = 30


def test_every_worker_reflects_an_accepted_record(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    keys = create_principals(make_context(database_url, engine))
    port = free_port()
    server = start_server(database_url, port, tmp_path / "server.log", workers=2)
    url = f"http://127.0.0.1:{port}"
    check = {
        "identifiers": [{"scheme": "cn_ric", "value": NEWCOMER}],
        "purpose": "air_ticket_sale",
        "transaction_ref": "W-1",
    }
    record = defaulter(NEWCOMER, "(2026)京执555号")
    try:
        with httpx.Client(base_url=url) as client:
            accepted = client.post(
                "/v1/records", json=record, headers={"Authorization": f"Bearer {keys['court']}"}
            )
            assert accepted.status_code == 201, accepted.text
            in_a_row, deadline = 0, time.monotonic() + 30
            while in_a_row < IN_A_ROW:
                assert time.monotonic() < deadline, "a worker never reflected the record"
                # a new connection each time, so the kernel spreads them over both workers
                outcome = client.post(
                    "/v1/checks",
                    json=check,
                    headers={"Authorization": f"Bearer {keys['airline']}", "Connection": "close"},
                ).json()["outcome"]
                in_a_row = in_a_row + 1 if outcome == "restricted" else 0
    finally:
        server.terminate()
        server.wait()
