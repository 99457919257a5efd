"""Subscriptions: a relying party asks to hear when a subject's decision for one of its
purposes could change. Events go through an outbox written in the same transaction as the
change, and are delivered as signed webhooks (HMAC-SHA256) with event ids, per-subscription
order, retries with exponential back-off, and replay from a sequence number."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import Connection, Engine, RowMapping

from credo.access.model import Principal
from credo.catalog.catalogue import Catalogue
from credo.checks import repository
from credo.checks.callbacks import check_callback_url, url_problem, webhook_client
from credo.clock import Clock
from credo.errors import Forbidden, NotFound, ValidationFailed
from credo.subjects import repository as subjects_repo
from credo.subjects.identifiers import IdentifierError, check_identifier

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=30)  # a worker that dies mid-delivery releases the event after this
MAX_BACKOFF_S = 3600.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def subscribe(
    conn: Connection,
    catalogue: Catalogue,
    principal: Principal,
    purpose: str,
    identifier: tuple[str, str],
    callback_url: str,
    now: datetime,
    *,
    allow_private: bool = False,
) -> dict[str, Any]:
    """Subscribe (or re-subscribe) to one subject for one registered purpose (G-34). The
    signing secret is returned once. ``callback_url`` must be https:// to a public address
    (``allow_private``: `Settings.webhook_allow_private`, for tests)."""
    party = catalogue.relying_parties.get(principal.relying_party_id or "")
    if party is None or purpose not in party.purposes:
        raise Forbidden(f"you are not registered for the purpose {purpose!r} (G-34)")
    check_callback_url(callback_url, allow_private)
    try:
        checked = check_identifier(catalogue, *identifier)
    except IdentifierError as exc:
        raise ValidationFailed(str(exc), code=exc.code) from exc
    found = subjects_repo.find_subject_ids(conn, [(checked.scheme, checked.value)])
    subject_id = found.get((checked.scheme, checked.value))
    if subject_id is None:
        raise NotFound("no subject has this identifier; a check of it gives 'no records'")
    secret = secrets.token_hex(32)
    existing = repository.find_subscription(conn, party.id, purpose, subject_id)
    if existing is not None:
        repository.reactivate_subscription(conn, existing["id"], callback_url, secret)
        subscription_id = int(existing["id"])
    else:
        subscription_id = repository.add_subscription(
            conn,
            {
                "relying_party_id": party.id,
                "purpose": purpose,
                "subject_id": subject_id,
                "subject_key": f"{checked.scheme}:{checked.value}",
                "callback_url": callback_url,
                "secret": secret,
                "created_at": now,
            },
        )
    return {"id": subscription_id, "purpose": purpose, "secret": secret}


def enqueue_changes(conn: Connection, subject_ids: Sequence[int], now: datetime) -> None:
    """One event per active subscription of each changed subject (in the write transaction)."""
    rows = []
    for sub in repository.active_subscriptions_of(conn, subject_ids):
        event_id = uuid.uuid4().hex
        rows.append(
            {
                "event_id": event_id,
                "subscription_id": sub["id"],
                "subject_id": sub["subject_id"],
                "kind": "decision_may_change",
                "payload": {
                    "event_id": event_id,
                    "type": "decision_may_change",
                    "subscription_id": sub["id"],
                    "purpose": sub["purpose"],
                    "subject": sub["subject_key"],
                    "occurred_at": now.isoformat(),
                    "advice": "check the subject again before relying on an earlier decision",
                },
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now,
            }
        )
    repository.add_events(conn, rows)


def event_body(row: RowMapping) -> dict[str, Any]:
    return {**row["payload"], "seq": row["seq"]}


class WebhookDelivery:
    """Delivers due events; at most one in flight per subscription, in sequence order."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        backoff_s: float = 1.0,
        poll_s: float = 0.2,
        timeout_s: float = 5.0,
        allow_private: bool = False,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.backoff_s = backoff_s
        self.poll_s = poll_s
        self.timeout_s = timeout_s
        self.allow_private = allow_private
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        async with webhook_client(self.timeout_s, self.allow_private) as client:
            while True:
                try:
                    sent = await self.deliver_due(client)
                except Exception:
                    log.exception("webhook delivery round failed")
                    sent = 0
                if not sent:
                    await asyncio.sleep(self.poll_s)

    async def deliver_due(self, client: httpx.AsyncClient) -> int:
        """One round: claim the next event of each subscription and send it."""
        claimed = await asyncio.to_thread(self._claim_round)
        results = await asyncio.gather(*(self._send(client, row, sub) for row, sub in claimed))
        await asyncio.to_thread(self._record, list(zip(claimed, results, strict=True)))
        return len(claimed)

    def _claim_round(self) -> list[tuple[RowMapping, RowMapping]]:
        now = self.clock.now()
        with self.engine.begin() as conn:
            due = repository.due_events(conn, now, 200)
            if not due:
                return []
            subs = repository.subscriptions_by_id(conn, [r["subscription_id"] for r in due])
            oldest = repository.oldest_pending_seq(conn, list(subs))
            claimed = []
            for row in due:
                if oldest.get(row["subscription_id"]) != row["seq"]:
                    continue  # an older event of this subscription goes first
                if repository.claim_event(conn, row["seq"], now, now + LEASE):
                    claimed.append((row, subs[row["subscription_id"]]))
            return claimed

    async def _send(
        self, client: httpx.AsyncClient, row: RowMapping, sub: RowMapping
    ) -> str | None:
        body = orjson.dumps(event_body(row))
        timestamp = str(int(self.clock.now().timestamp()))
        headers = {
            "content-type": "application/json",
            "x-credo-event-id": row["event_id"],
            "x-credo-seq": str(row["seq"]),
            "x-credo-timestamp": timestamp,
            "x-credo-signature": sign(sub["secret"], timestamp, body),
        }
        url = sub["callback_url"]
        if not url.startswith("https://") and not self.allow_private:
            return f"refused: {url_problem(url, self.allow_private) or 'not https'}"
        try:  # the client checks the resolved address just before it connects
            response = await client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if response.is_redirect:
            return f"HTTP {response.status_code}: redirects are not followed"
        return None if response.is_success else f"HTTP {response.status_code}"

    def _record(self, outcomes: list[tuple[tuple[RowMapping, RowMapping], str | None]]) -> None:
        now = self.clock.now()
        with self.engine.begin() as conn:
            for (row, _), error in outcomes:
                if error is None:
                    repository.mark_delivered(conn, row["seq"], now)
                else:
                    delay = min(self.backoff_s * 2 ** row["attempts"], MAX_BACKOFF_S)
                    repository.mark_failed(conn, row["seq"], now + timedelta(seconds=delay), error)


def replay(
    conn: Connection, relying_party_id: str, after_seq: int, limit: int = 500
) -> list[dict[str, Any]]:
    """The relying party's events after ``after_seq`` (delivered or not), in order."""
    return [
        event_body(r) for r in repository.events_after(conn, relying_party_id, after_seq, limit)
    ]
