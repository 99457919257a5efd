"""Webhooks go only to public https:// addresses (SSRF): callback URLs on loopback, private,
link-local (cloud metadata), IPv6 local and IPv4-mapped addresses are refused when they are
registered, and a subscription that points at a local listener anyway (written behind the
API's back) delivers nothing: every delivery is refused before connecting and recorded as
failed with the reason. Redirects are never followed. Tests allow local listeners only
through the deployment's `Settings.webhook_allow_private`."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from credo.checks import repository
from credo.checks.callbacks import address_problem, url_problem, webhook_client
from credo.checks.subscriptions import WebhookDelivery
from credo.checks.tables import check_events
from credo.clock import FixedClock
from credo.context import AppContext, build_context
from credo.settings import Settings
from credo.web.api.app import create_app
from harness.aio import run_async
from tests.lists.builders import NOW, create_principals, defaulter, person_id, submit

ADULT = person_id(date(1980, 5, 6))


class Listener:
    """A local HTTP server that answers every POST with ``status`` and keeps the requests."""

    def __init__(self, status: int = 200, location: str | None = None) -> None:
        self.requests: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                listener.requests.append(self.path)
                self.send_response(status)
                if location:
                    self.send_header("location", location)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def listener() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.server.shutdown()


def context(database_url: str, engine: Engine, allow_private: bool = False) -> AppContext:
    settings = Settings(database_url=database_url, webhook_allow_private=allow_private)
    return build_context(settings, clock=FixedClock(NOW), engine=engine)


REFUSED = [
    "http://169.254.169.254/latest/meta-data/",
    "https://169.254.169.254/latest/meta-data/",
    "https://127.0.0.1/internal-admin/delete-everything",
    "https://127.1/",
    "https://2130706433/",
    "https://10.0.0.1/",
    "https://172.16.5.4/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",
    "https://0.0.0.0/",
    "https://224.0.0.1/",
    "https://240.0.0.1/",
    "https://[::1]/",
    "https://[::]/",
    "https://[fd00::1]/",
    "https://[fe80::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:169.254.169.254]/",
    "https://[2002:7f00:1::]/",
    "https://[64:ff9b::a00:1]/",
    "https://localhost/",
    "https://localhost:8443/hook",
    "http://93.184.216.34/hook",  # public, but not https
    "ftp://93.184.216.34/hook",
    "https://user:pw@93.184.216.34/hook",
    "https:///no-host",
]


@pytest.mark.parametrize("url", REFUSED)
def test_url_problem_refuses_non_public_callbacks(url: str) -> None:
    assert url_problem(url, allow_private=False) is not None


def test_public_https_is_accepted_and_the_setting_admits_local_listeners() -> None:
    assert url_problem("https://93.184.216.34/hook", allow_private=False) is None
    assert url_problem("https://[2606:4700::1111]/hook", allow_private=False) is None
    assert url_problem("http://127.0.0.1:8080/hook", allow_private=True) is None
    assert url_problem("ftp://127.0.0.1/hook", allow_private=True) is not None


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("10.1.2.3", "private"),
        ("100.64.0.1", "shared"),
        ("::ffff:10.0.0.1", "private"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::", "unspecified"),
    ],
)
def test_address_problem_names_the_reason(address: str, why: str) -> None:
    problem = address_problem(ipaddress.ip_address(address))
    assert problem is not None and why in problem


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1/v1/audit/entries",
        "https://10.0.0.1/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://localhost/hook",
    ],
)
def test_registering_a_non_public_callback_is_422(
    database_url: str, engine: Engine, url: str
) -> None:
    ctx = context(database_url, engine)
    keys = create_principals(ctx)
    submit(ctx, "city_court", defaulter(ADULT))
    with TestClient(create_app(ctx)) as client:
        response = client.post(
            "/v1/subscriptions",
            json={
                "identifier": {"scheme": "cn_ric", "value": ADULT},
                "purpose": "consumer_loan",
                "callback_url": url,
            },
            headers={"Authorization": f"Bearer {keys['bank']}"},
        )
        assert response.status_code == 422, response.text
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert problem["code"] == "callback_url_refused"
        assert "callback_url" in problem["detail"]
        assert problem["errors"][0]["where"] == "body.callback_url"
        # a public https:// URL is accepted (an address literal: no DNS needed)
        accepted = client.post(
            "/v1/subscriptions",
            json={
                "identifier": {"scheme": "cn_ric", "value": ADULT},
                "purpose": "consumer_loan",
                "callback_url": "https://93.184.216.34/credo-events",
            },
            headers={"Authorization": f"Bearer {keys['bank']}"},
        )
        assert accepted.status_code == 201, accepted.text


def _subscribe_behind_the_api(ctx: AppContext, subject_id: int, urls: list[str]) -> None:
    with ctx.engine.begin() as conn:
        for n, url in enumerate(urls):
            repository.add_subscription(
                conn,
                {
                    "relying_party_id": f"party_{n}",
                    "purpose": "consumer_loan",
                    "subject_id": subject_id,
                    "subject_key": f"cn_ric:{ADULT}",
                    "callback_url": url,
                    "secret": "0" * 64,
                    "created_at": NOW,
                },
            )


def _deliver(ctx: AppContext, allow_private: bool) -> int:
    delivery = WebhookDelivery(ctx.engine, ctx.clock, allow_private=allow_private)

    async def run() -> int:
        async with webhook_client(2.0, allow_private) as client:
            return await delivery.deliver_due(client)

    return run_async(run)


def test_a_local_listener_hears_nothing_when_private_addresses_are_not_allowed(
    database_url: str, engine: Engine, listener: Listener
) -> None:
    ctx = context(database_url, engine)
    [first] = submit(ctx, "city_court", defaulter(ADULT))
    assert first.subject_id is not None
    port = listener.port
    urls = [
        f"http://127.0.0.1:{port}/internal-admin/delete-everything",
        f"https://127.0.0.1:{port}/internal-admin/delete-everything",
        f"https://localhost:{port}/hook",
        f"https://[::ffff:127.0.0.1]:{port}/hook",
    ]
    _subscribe_behind_the_api(ctx, first.subject_id, urls)
    submit(ctx, "city_court", defaulter(ADULT, "(2026)京执2号", on="2026-02-01"))

    assert _deliver(ctx, allow_private=False) == len(urls)
    assert listener.requests == []
    with engine.connect() as conn:
        events = conn.execute(select(check_events).order_by(check_events.c.seq)).mappings().all()
    assert len(events) == len(urls)
    for event in events:
        assert event["delivered_at"] is None
        assert event["attempts"] == 1
        assert "refused" in (event["last_error"] or ""), event["last_error"]
    errors = " ".join(e["last_error"] for e in events)
    assert "loopback" in errors and "https" in errors


def test_the_setting_lets_tests_deliver_locally_but_never_follows_a_redirect(
    database_url: str, engine: Engine
) -> None:
    target = Listener()
    redirecting = Listener(status=302, location=f"http://127.0.0.1:{target.port}/stolen")
    try:
        ctx = context(database_url, engine, allow_private=True)
        [first] = submit(ctx, "city_court", defaulter(ADULT))
        assert first.subject_id is not None
        _subscribe_behind_the_api(
            ctx,
            first.subject_id,
            [f"http://127.0.0.1:{redirecting.port}/hook", f"http://127.0.0.1:{target.port}/ok"],
        )
        submit(ctx, "city_court", defaulter(ADULT, "(2026)京执2号", on="2026-02-01"))
        assert _deliver(ctx, allow_private=True) == 2
        assert redirecting.requests == ["/hook"]
        assert target.requests == ["/ok"]  # delivered to its own subscription, not the redirect
        with engine.connect() as conn:
            events = conn.execute(select(check_events).order_by(check_events.c.seq)).mappings()
            by_sub = {e["subscription_id"]: e for e in events}
        failed, delivered = (by_sub[k] for k in sorted(by_sub))
        assert failed["delivered_at"] is None
        assert "302" in failed["last_error"] and "redirect" in failed["last_error"]
        assert delivered["delivered_at"] is not None
    finally:
        target.server.shutdown()
        redirecting.server.shutdown()
