"""Subscriptions against a real local HTTP receiver: signed events with ids, retries with
back-off after failures, per-subscription order, and replay from a sequence number."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from credo.checks.service import CheckService
from credo.context import build_context
from credo.settings import Settings
from credo.web.api.app import create_app
from tests.lists.builders import change, create_principals, defaulter, person_id, submit

ADULT = person_id(date(1980, 5, 6))


class Receiver:
    """Answers 500 to the first ``failures`` requests, then 200; keeps every request."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                status = 500 if len(receiver.requests) < receiver.failures else 200
                receiver.requests.append(
                    ({k.lower(): v for k, v in self.headers.items()}, body, status)
                )
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self) -> list[dict[str, Any]]:
        return [orjson.loads(body) for _, body, status in self.requests if status == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(failures=2)
    yield receiver
    receiver.server.shutdown()


def wait_for(condition: Any, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "webhook not delivered in time"
        time.sleep(0.05)


def subscribe(client: TestClient, auth: dict[str, str], url: str) -> dict[str, Any]:
    """The bank watches ADULT for a consumer loan at ``url``; the created subscription."""
    created = client.post(
        "/v1/subscriptions",
        json={
            "identifier": {"scheme": "cn_ric", "value": ADULT},
            "purpose": "consumer_loan",
            "callback_url": url,
        },
        headers=auth,
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def test_signed_events_retry_keep_order_and_replay(
    database_url: str, engine: Engine, receiver: Receiver
) -> None:
    # the receiver listens on 127.0.0.1: this deployment allows private callback addresses
    settings = Settings(database_url=database_url, webhook_allow_private=True)
    ctx = build_context(settings, engine=engine)
    keys = create_principals(ctx)
    first = defaulter(ADULT, on="2026-01-10")
    submit(ctx, "city_court", first)
    app = create_app(ctx)
    app.state.checks = CheckService(
        ctx.catalogue, engine, ctx.clock, webhook_backoff_s=0.05, webhook_allow_private=True
    )
    auth = {"Authorization": f"Bearer {keys['bank']}"}
    with TestClient(app) as client:
        secret = subscribe(client, auth, receiver.url)["secret"]
        submit(ctx, "city_court", defaulter(ADULT, "(2026)京执2号", on="2026-02-01"))
        submit(ctx, "city_court", change(first, "perform", 1, "2026-03-01"))
        wait_for(lambda: len(receiver.delivered()) == 2)

        headers, body, _ = receiver.requests[0]
        expected = hmac.new(
            secret.encode(), headers["x-credo-timestamp"].encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        assert headers["x-credo-signature"] == f"sha256={expected}"
        events = receiver.delivered()
        assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
        first_id = events[0]["event_id"]
        attempts = [h["x-credo-event-id"] for h, _, _ in receiver.requests]
        assert attempts[:3] == [first_id] * 3  # two failures, then success, nothing overtook
        assert all(e["subject"] == f"cn_ric:{ADULT}" for e in events)

        replay = client.get("/v1/subscriptions/events", params={"after_seq": 0}, headers=auth)
        assert [e["event_id"] for e in replay.json()["events"]] == [e["event_id"] for e in events]
        later = client.get(
            "/v1/subscriptions/events", params={"after_seq": events[0]["seq"]}, headers=auth
        )
        assert [e["event_id"] for e in later.json()["events"]] == [events[1]["event_id"]]


def test_subscription_needs_a_registered_purpose(database_url: str, engine: Engine) -> None:
    ctx = build_context(Settings(database_url=database_url), engine=engine)
    keys = create_principals(ctx)
    submit(ctx, "city_court", defaulter(ADULT))
    with TestClient(create_app(ctx)) as client:
        response = client.post(
            "/v1/subscriptions",
            json={
                "identifier": {"scheme": "cn_ric", "value": ADULT},
                "purpose": "consumer_loan",
                "callback_url": "http://127.0.0.1:9/none",
            },
            headers={"Authorization": f"Bearer {keys['airline']}"},
        )
    assert response.status_code == 403


def test_a_receiver_that_keeps_failing_is_given_up_on(database_url: str, engine: Engine) -> None:
    receiver = Receiver(failures=1000)  # never answers 200
    try:
        settings = Settings(database_url=database_url, webhook_allow_private=True)
        ctx = build_context(settings, engine=engine)
        keys = create_principals(ctx)
        submit(ctx, "city_court", defaulter(ADULT, on="2026-01-10"))
        app = create_app(ctx)
        app.state.checks = CheckService(
            ctx.catalogue,
            engine,
            ctx.clock,
            webhook_backoff_s=0.01,
            webhook_allow_private=True,
            webhook_max_attempts=3,
        )
        auth = {"Authorization": f"Bearer {keys['bank']}"}
        with TestClient(app) as client:
            subscribe(client, auth, receiver.url)
            submit(ctx, "city_court", defaulter(ADULT, "(2026)京执2号", on="2026-02-01"))
            wait_for(lambda: len(receiver.requests) >= 3)
            time.sleep(1.0)  # time for more retries, were there any
            assert len(receiver.requests) == 3  # then no more: the subscription stopped
            submit(ctx, "city_court", defaulter(ADULT, "(2026)京执3号", on="2026-02-01"))
            time.sleep(0.5)
            assert len(receiver.requests) == 3  # a stopped subscription makes no new events
    finally:
        receiver.server.shutdown()
