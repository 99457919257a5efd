"""Outbound calls only where they belong (issue 11, item 1): a relying party's callback
allowlist (`RelyingParty.callback_hosts`) is enforced when it subscribes and at every
delivery, and a delivery refused because of where it would go (a host that now resolves to a
private address) is marked refused with its reason and never retried: the local listener it
would have reached hears nothing, and the subscription stops until it is renewed."""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import threading
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from credo.catalog.parties import RelyingParty
from credo.checks import callbacks
from credo.checks.callbacks import host_allowed, url_problem, webhook_client
from credo.checks.subscriptions import WebhookDelivery
from credo.checks.tables import check_events, subscriptions
from credo.context import AppContext
from credo.disputes.report import subject_report
from credo.web.api.app import create_app
from harness.aio import run_async
from tests.checks.test_webhook_ssrf import context
from tests.lists.builders import create_principals, defaulter, person_id, submit

ADULT = person_id(date(1980, 5, 6))
HOOK_HOST = "hooks.bank.example"
PUBLIC = ipaddress.ip_address("93.184.216.34")
LOOPBACK = ipaddress.ip_address("127.0.0.1")


def with_allowlist(ctx: AppContext, party_id: str, hosts: list[str] | None) -> AppContext:
    """The context with one relying party's callback allowlist set, as a catalogue would."""
    party = ctx.catalogue.relying_parties[party_id]
    parties = {
        **ctx.catalogue.relying_parties,
        party_id: party.model_copy(update={"callback_hosts": hosts}),
    }
    return dataclasses.replace(
        ctx, catalogue=dataclasses.replace(ctx.catalogue, relying_parties=parties)
    )


class SilentListener:
    """A local TCP port that accepts connections, counts them and never answers: whatever
    reached it (a TLS handshake, a plain POST) shows in ``connections``."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            self.connections += 1
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


class Dns:
    """Stands in for the resolver: ``HOOK_HOST`` resolves to ``address``."""

    def __init__(self) -> None:
        self.address: ipaddress.IPv4Address | ipaddress.IPv6Address = PUBLIC

    def __call__(self, host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        if host == HOOK_HOST:
            return [self.address]
        return [ipaddress.ip_address(host)]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Dns:
    fake = Dns()
    monkeypatch.setattr(callbacks, "resolve", fake)
    return fake


@pytest.fixture
def listener() -> Iterator[SilentListener]:
    listener = SilentListener()
    yield listener
    listener.close()


def subscribe(client: TestClient, key: str, url: str) -> int:
    response = client.post(
        "/v1/subscriptions",
        json={
            "identifier": {"scheme": "cn_ric", "value": ADULT},
            "purpose": "consumer_loan",
            "callback_url": url,
        },
        headers={"Authorization": f"Bearer {key}"},
    )
    return response.status_code


def deliver(ctx: AppContext, allow_private: bool) -> int:
    delivery = WebhookDelivery(
        ctx.engine, ctx.clock, allow_private=allow_private, catalogue=ctx.catalogue
    )

    async def run() -> int:
        async with webhook_client(2.0, allow_private) as client:
            return await delivery.deliver_due(client)

    return run_async(run)


def events(ctx: AppContext) -> list[dict[str, object]]:
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(check_events).order_by(check_events.c.seq)).mappings()
        return [dict(r) for r in rows]


@pytest.mark.parametrize(
    ("host", "patterns", "allowed"),
    [
        ("hooks.bank.example", None, True),
        ("hooks.bank.example", ["hooks.bank.example"], True),
        ("HOOKS.bank.example.", ["hooks.bank.example"], True),
        ("evil.example", ["hooks.bank.example"], False),
        ("a.hooks.bank.example", ["*.bank.example"], True),
        ("bank.example", ["*.bank.example"], False),
        ("evilbank.example", ["*.bank.example"], False),
        ("93.184.216.34", [], False),
    ],
)
def test_host_allowed(host: str, patterns: list[str] | None, allowed: bool) -> None:
    assert host_allowed(host, patterns) is allowed


def test_the_catalogue_refuses_a_malformed_allowlist() -> None:
    with pytest.raises(ValueError, match="not a lower-case host name"):
        RelyingParty.model_validate(
            {
                "id": "p",
                "name": {"en": "P", "zh": "P"},
                "sector": "banking",
                "purposes": ["consumer_loan"],
                "callback_hosts": ["https://hooks.bank.example/x"],
            }
        )


def test_an_allowlist_limits_where_a_party_may_subscribe(
    database_url: str, engine: Engine, dns: Dns
) -> None:
    ctx = with_allowlist(context(database_url, engine), "demo_bank", [HOOK_HOST])
    keys = create_principals(ctx)
    submit(ctx, "city_court", defaulter(ADULT))
    assert url_problem("https://93.184.216.34/hook", False, [HOOK_HOST]) is not None
    with TestClient(create_app(ctx)) as client:
        refused = client.post(
            "/v1/subscriptions",
            json={
                "identifier": {"scheme": "cn_ric", "value": ADULT},
                "purpose": "consumer_loan",
                "callback_url": "https://93.184.216.34/hook",  # public, but not on the list
            },
            headers={"Authorization": f"Bearer {keys['bank']}"},
        )
        assert refused.status_code == 422
        assert refused.json()["code"] == "callback_url_refused"
        assert "allowlist" in refused.json()["detail"]
        assert subscribe(client, keys["bank"], f"https://{HOOK_HOST}/hook") == 201


def test_a_host_that_now_resolves_to_a_private_address_is_refused_once_and_stops(
    database_url: str, engine: Engine, dns: Dns, listener: SilentListener
) -> None:
    ctx = with_allowlist(context(database_url, engine), "demo_bank", [HOOK_HOST])
    keys = create_principals(ctx)
    submit(ctx, "city_court", defaulter(ADULT))
    url = f"https://{HOOK_HOST}:{listener.port}/events"
    with TestClient(create_app(ctx)) as client:
        assert subscribe(client, keys["bank"], url) == 201  # public when registered

    dns.address = LOOPBACK  # the name is rebound to the registry's own machine
    submit(ctx, "city_court", defaulter(ADULT, "(2026)京执2号", on="2026-02-01"))
    submit(ctx, "city_court", defaulter(ADULT, "(2026)京执3号", on="2026-02-02"))
    assert deliver(ctx, allow_private=False) == 1
    [first, second] = events(ctx)
    for event in (first, second):  # both waiting events are refused, neither retried
        assert event["delivered_at"] is None
        assert str(event["last_error"]).startswith("refused: ")
        assert "loopback" in str(event["last_error"])

    for _ in range(3):  # long past any back-off: nothing is tried again
        ctx.clock.advance(hours=2)  # type: ignore[attr-defined]
        assert deliver(ctx, allow_private=False) == 0
    assert listener.connections == 0
    assert [e["attempts"] for e in events(ctx)] == [1, 1]

    # the subscription has stopped: a new change makes no event, the report says why
    submit(ctx, "city_court", defaulter(ADULT, "(2026)京执4号", on="2026-02-03"))
    assert len(events(ctx)) == 2
    with ctx.engine.connect() as conn:
        sub = conn.execute(select(subscriptions)).mappings().one()
        report = subject_report(conn, ctx.catalogue, sub["subject_id"], ctx.clock.now())
    assert sub["cancelled_at"] is not None
    [watcher] = report["subscriptions"]
    assert watcher["status"] == "stopped"
    assert "loopback" in watcher["stopped_because"]

    # renewing (the party fixed its DNS) watches again; the refused events stay refused
    dns.address = PUBLIC
    with TestClient(create_app(ctx)) as client:
        assert subscribe(client, keys["bank"], url) == 201
    submit(ctx, "city_court", defaulter(ADULT, "(2026)京执5号", on="2026-02-04"))
    assert [str(e["last_error"])[:9] for e in events(ctx)] == ["refused: ", "refused: ", "None"]


def test_the_allowlist_is_checked_again_at_delivery(
    database_url: str, engine: Engine, listener: SilentListener
) -> None:
    # a test deployment admits the local listener's address; the party's allowlist, set after
    # it subscribed, does not name it
    ctx = context(database_url, engine, allow_private=True)
    keys = create_principals(ctx)
    submit(ctx, "city_court", defaulter(ADULT))
    with TestClient(create_app(ctx)) as client:
        assert subscribe(client, keys["bank"], f"http://127.0.0.1:{listener.port}/hook") == 201
    submit(ctx, "city_court", defaulter(ADULT, "(2026)京执2号", on="2026-02-01"))
    listed = with_allowlist(ctx, "demo_bank", [HOOK_HOST])
    assert deliver(listed, allow_private=True) == 1
    ctx.clock.advance(hours=2)  # type: ignore[attr-defined]
    assert deliver(listed, allow_private=True) == 0
    assert listener.connections == 0
    [event] = events(ctx)
    assert "allowlist" in str(event["last_error"]) and event["attempts"] == 1


def test_a_silent_receiver_is_a_failure_to_retry_not_a_refusal(
    database_url: str, engine: Engine, listener: SilentListener
) -> None:
    # the control for the tests above: where a call may go, the listener does hear it; a
    # receiver that never answers times out and is tried again later (not refused)
    ctx = context(database_url, engine, allow_private=True)
    keys = create_principals(ctx)
    submit(ctx, "city_court", defaulter(ADULT))
    with TestClient(create_app(ctx)) as client:
        assert subscribe(client, keys["bank"], f"http://127.0.0.1:{listener.port}/hook") == 201
    submit(ctx, "city_court", defaulter(ADULT, "(2026)京执2号", on="2026-02-01"))
    assert deliver(ctx, allow_private=True) == 1
    assert listener.connections == 1
    [event] = events(ctx)
    assert event["delivered_at"] is None and event["attempts"] == 1
    assert "Timeout" in str(event["last_error"])
    ctx.clock.advance(hours=2)  # type: ignore[attr-defined]
    assert deliver(ctx, allow_private=True) == 1  # retried
