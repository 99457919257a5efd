"""Subscriptions: a relying party asks to hear when a subject's decision for one of its
purposes could change. Events go through an outbox written in the same transaction as the
change, and are delivered as signed webhooks (HMAC-SHA256) with event ids, per-subscription
order, retries with exponential back-off, and replay from a sequence number.

Watching is looking (G-24): creating or renewing a subscription and every event delivered is
logged as an inquiry with its purpose (outcome ``subscribed``, ``renewed`` or ``notified``),
and the subject's report lists who watches, since when and why. Events fire only for changes
the purpose may see: records of the types its (authorised) measures read through their lists
and ratings, so a tax filing never tells an airline anything. An event carries no record, only
that the decision may have changed.

A delivery refused because of where it would go (a host that now resolves to a non-public
address, off the relying party's allowlist, or not https://) is marked refused with the reason
and not retried; the subscription stops until the relying party renews it."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from sqlalchemy import Connection, Engine, RowMapping

from credo.access.model import Principal
from credo.catalog.catalogue import Catalogue
from credo.checks import repository
from credo.checks.background import Background
from credo.checks.callbacks import (
    check_callback_url,
    host_allowed,
    refusal_of,
    url_problem,
    webhook_client,
)
from credo.checks.decide import plan_purposes
from credo.checks.inquiries import log_inquiries
from credo.clock import Clock
from credo.errors import Forbidden, NotFound, ValidationFailed
from credo.records import queries as records_queries
from credo.records.service import SubjectHook
from credo.subjects import service as subjects_service
from credo.subjects.identifiers import IdentifierError, check_identifier

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=30)  # a worker that dies mid-delivery releases the event after this
MAX_BACKOFF_S = 3600.0
# A receiver that fails this many times in a row (about a day with the back-off above) is
# given up on: the subscription stops, its waiting events are marked with the last error, and
# the relying party renews it once its receiver works again. No retry goes on for ever.
MAX_ATTEMPTS = 30
SUBSCRIBED, RENEWED, NOTIFIED = "subscribed", "renewed", "notified"
# Inquiry outcomes of watching rather than of a decision: no decision id to verify.
WATCH_OUTCOMES = frozenset({SUBSCRIBED, RENEWED, NOTIFIED})
EVENT_KIND = "decision_may_change"


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
    check_callback_url(callback_url, allow_private, party.callback_hosts)
    try:
        checked = check_identifier(catalogue, *identifier)
    except IdentifierError as exc:
        raise ValidationFailed(str(exc), code=exc.code) from exc
    found = subjects_service.find_subject_ids(conn, [(checked.scheme, checked.value)])
    subject_id = found.get((checked.scheme, checked.value))
    if subject_id is None:
        raise NotFound("no subject has this identifier; a check of it gives 'no records'")
    secret = secrets.token_hex(32)
    existing = repository.find_subscription(conn, party.id, purpose, subject_id)
    if existing is not None:
        repository.reactivate_subscription(conn, existing["id"], callback_url, secret, now)
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
    key = f"{checked.scheme}:{checked.value}"
    outcome = SUBSCRIBED if existing is None else RENEWED
    row = watch_inquiry(subscription_id, party.id, principal.id, purpose, subject_id, key, now)
    log_inquiries(conn, [{**row, "outcome": outcome}])
    return {"id": subscription_id, "purpose": purpose, "secret": secret}


def watch_inquiry(
    subscription_id: int,
    relying_party_id: str,
    principal_id: str,
    purpose: str,
    subject_id: int,
    subject_key: str,
    at: datetime,
) -> dict[str, Any]:
    """The inquiry row of a subscription or one of its events (the caller sets ``outcome``).
    It is no decision: nothing to verify, so it is valid until the moment it was made."""
    return {
        "id": uuid.uuid4().hex,
        "at": at,
        "relying_party_id": relying_party_id,
        "principal_id": principal_id[:64],
        "purpose": purpose,
        "transaction_ref": f"subscription:{subscription_id}",
        "subject_id": subject_id,
        "subject_key": subject_key[:100],
        "outcome": NOTIFIED,
        "measures": [],
        "valid_until": at,
        "as_of": None,
    }


def visible_record_types(catalogue: Catalogue) -> dict[str, frozenset[str]]:
    """For each purpose, the record types whose changes it may see: those read by the lists
    (their entry rules, or the inputs of their rating band) that trigger the purpose's
    measures, counting only measures whose triggers are related or expressly authorised (as
    for decisions)."""
    visible: dict[str, frozenset[str]] = {}
    for purpose_id, plan in plan_purposes(catalogue).items():
        types: set[str] = set()
        for measure in plan.measures:
            for list_id in measure.triggered_by:
                entry = catalogue.lists[list_id].entry
                types.update(entry.record_types)
                if entry.rating_band is not None:
                    rating = catalogue.ratings.get(entry.rating_band.rating)
                    types.update(rating.inputs if rating else ())
        visible[purpose_id] = frozenset(types)
    return visible


def enqueue_changes(
    conn: Connection,
    visible: Mapping[str, frozenset[str]],
    subject_ids: Sequence[int],
    now: datetime,
    record_types: frozenset[str] | None = None,
) -> None:
    """One event per active subscription of each changed subject whose purpose may see the
    change (``visible``: ``visible_record_types``), in the write transaction.
    ``record_types``: the types written, or None when anything may have changed (a dispute, a
    merge, an expiry): then a subscription hears of it only if the subject has records its
    purpose may see at all."""
    subs = repository.active_subscriptions_of(conn, subject_ids)
    held: dict[int, set[str]] = {}
    if subs and record_types is None:
        held = records_queries.record_types_of_subjects(
            conn, sorted({s["subject_id"] for s in subs})
        )
    rows = []
    for sub in subs:
        changed = record_types if record_types is not None else held.get(sub["subject_id"], set())
        if visible.get(sub["purpose"], frozenset()).isdisjoint(changed):
            continue  # nothing this purpose may see has changed (G-34)
        rows.append(_event_row(sub, now))
    repository.add_events(conn, rows)


def make_hook(catalogue: Catalogue, clock: Clock) -> SubjectHook:
    """``enqueue_changes`` as a subject hook: the subscribers' outbox is written in the
    transaction of the change that causes it."""
    visible = visible_record_types(catalogue)  # the catalogue's, once: it never changes

    def hook(
        conn: Connection, subject_ids: set[int], record_types: frozenset[str] | None = None
    ) -> None:
        enqueue_changes(conn, visible, sorted(subject_ids), clock.now(), record_types)

    return hook


def _event_row(sub: RowMapping, now: datetime) -> dict[str, Any]:
    """An event that says only that the decision may have changed: no record, type or
    domain, so it tells the relying party no more than a check for its purpose would."""
    event_id = uuid.uuid4().hex
    return {
        "event_id": event_id,
        "subscription_id": sub["id"],
        "subject_id": sub["subject_id"],
        "kind": EVENT_KIND,
        "payload": {
            "event_id": event_id,
            "type": EVENT_KIND,
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


def event_body(row: RowMapping) -> dict[str, Any]:
    return {**row["payload"], "seq": row["seq"]}


class WebhookDelivery(Background):
    """Delivers due events; at most one in flight per subscription, in sequence order."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        backoff_s: float = 1.0,
        poll_s: float = 0.2,
        timeout_s: float = 5.0,
        allow_private: bool = False,
        catalogue: Catalogue | None = None,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.backoff_s = backoff_s
        self.max_attempts = max_attempts
        self.poll_s = poll_s
        self.timeout_s = timeout_s
        self.allow_private = allow_private
        self.catalogue = catalogue  # the relying parties' callback allowlists

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

    async def _send(self, client: httpx.AsyncClient, row: RowMapping, sub: RowMapping) -> Sent:
        refused = self._refusal(sub)
        if refused is not None:
            return Sent(refused=refused)
        body = orjson.dumps(event_body(row))
        timestamp = str(int(self.clock.now().timestamp()))
        headers = {
            "content-type": "application/json",
            "x-credo-event-id": row["event_id"],
            "x-credo-seq": str(row["seq"]),
            "x-credo-timestamp": timestamp,
            "x-credo-signature": sign(sub["secret"], timestamp, body),
        }
        try:  # the client checks the resolved address just before it connects
            response = await client.post(sub["callback_url"], content=body, headers=headers)
        except httpx.HTTPError as exc:
            why = refusal_of(exc)
            return Sent(refused=why) if why else Sent(error=f"{type(exc).__name__}: {exc}")
        if response.is_redirect:
            return Sent(error=f"HTTP {response.status_code}: redirects are not followed")
        return Sent() if response.is_success else Sent(error=f"HTTP {response.status_code}")

    def _refusal(self, sub: RowMapping) -> str | None:
        """Why the subscription's URL may not be called now, before any connection: not
        https:// or off its relying party's allowlist (the address is checked on connect)."""
        url = sub["callback_url"]
        party = (
            self.catalogue.relying_parties.get(sub["relying_party_id"]) if self.catalogue else None
        )
        allowed = party.callback_hosts if party is not None else None
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            host = ""
        if not url.startswith("https://") and not self.allow_private:
            return f"refused: {url_problem(url, self.allow_private) or 'not https'}"
        if not host_allowed(host, allowed):
            return f"refused: its host {host!r} is not on the relying party's callback allowlist"
        return None

    def _record(self, outcomes: list[tuple[tuple[RowMapping, RowMapping], Sent]]) -> None:
        now = self.clock.now()
        notified = []
        with self.engine.begin() as conn:
            for (row, sub), sent in outcomes:
                if sent.refused is not None:
                    # where it would go is wrong, not the moment: stop instead of retrying
                    repository.refuse_subscription(conn, sub["id"], now, _refused(sent.refused))
                elif sent.error is not None and row["attempts"] + 1 >= self.max_attempts:
                    why = f"gave up after {row['attempts'] + 1} failed deliveries ({sent.error})"
                    repository.refuse_subscription(conn, sub["id"], now, _refused(why))
                elif sent.error is not None:
                    delay = min(self.backoff_s * 2 ** row["attempts"], MAX_BACKOFF_S)
                    retry_at = now + timedelta(seconds=delay)
                    repository.mark_failed(conn, row["seq"], retry_at, sent.error)
                else:
                    repository.mark_delivered(conn, row["seq"], now)
                    notified.append(_notified_inquiry(row, sub, now))
            log_inquiries(conn, notified)  # watching is looking (G-24), same commit


@dataclass(frozen=True, slots=True)
class Sent:
    """What became of one delivery: delivered (both None), failed for now, or refused."""

    error: str | None = None
    refused: str | None = None


def _refused(why: str) -> str:
    return why if why.startswith(repository.REFUSED) else repository.REFUSED + why


def _notified_inquiry(row: RowMapping, sub: RowMapping, at: datetime) -> dict[str, Any]:
    inquiry = watch_inquiry(
        sub["id"],
        sub["relying_party_id"],
        f"subscription:{sub['id']}",  # the registry calls on the subscription's behalf
        sub["purpose"],
        sub["subject_id"],
        sub["subject_key"],
        at,
    )
    return {**inquiry, "id": row["event_id"], "outcome": NOTIFIED}


def watchers_of(conn: Connection, catalogue: Catalogue, subject_id: int) -> list[dict[str, Any]]:
    """Who watches the subject (G-24): each subscription with its relying party, purpose and
    legal basis, since when, and whether it still watches (and why not)."""
    subs = repository.subscriptions_of_subject(conn, subject_id)
    refusals = repository.refusals_of(conn, [s["id"] for s in subs])
    return [_watcher(catalogue, sub, refusals.get(sub["id"])) for sub in subs]


def _watcher(catalogue: Catalogue, sub: RowMapping, refused: str | None) -> dict[str, Any]:
    party = catalogue.relying_parties.get(sub["relying_party_id"])
    purpose = catalogue.purposes.get(sub["purpose"])
    stopped = sub["cancelled_at"]
    return {
        "subscription_id": sub["id"],
        "relying_party_id": sub["relying_party_id"],
        "relying_party": party.name.model_dump() if party else None,
        "purpose": sub["purpose"],
        "purpose_name": purpose.name.model_dump() if purpose else None,
        "legal_basis": purpose.legal_basis.model_dump() if purpose else None,
        "since": sub["created_at"],
        "status": "watching" if stopped is None else "stopped",
        "stopped_at": stopped,
        "stopped_because": refused if stopped is not None else None,
    }


def replay(
    conn: Connection, relying_party_id: str, after_seq: int, limit: int = 500
) -> list[dict[str, Any]]:
    """The relying party's events after ``after_seq`` (delivered or not), in order."""
    return [
        event_body(r) for r in repository.events_after(conn, relying_party_id, after_seq, limit)
    ]
