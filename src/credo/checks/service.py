"""The real-time check of one worker: resolve the subject in the in-memory index, derive the
measures for the asked purpose, record the inquiry (committed first, G-24), return the
decision. Background tasks keep the index current from the change feed and deliver webhooks.

A check about a past date (``as_of``, for purposes that allow it) reads the database instead
of the index (``credo.checks.past``); the purpose check, the measure derivation, the decision
and the inquiry are the same."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Engine
from stdnum.cn import ric

from credo.access.model import Principal, Role
from credo.access.service import authenticate, hash_key
from credo.audit.integrity import AuditedRows
from credo.catalog.catalogue import Catalogue
from credo.checks import past, repository, review
from credo.checks.decide import (
    AppliedMeasure,
    Decision,
    PurposePlan,
    applied_measures,
    decision_body,
    measures_json,
    outcome_of,
    plan_purposes,
)
from credo.checks.index import Changes, CheckIndex, IndexedSubject
from credo.checks.inquiries import InquiryWriter
from credo.checks.subscriptions import MAX_ATTEMPTS, WATCH_OUTCOMES, WebhookDelivery
from credo.clock import Clock
from credo.errors import Conflict, Forbidden, NotFound, ValidationFailed
from credo.jsonvalue import utc
from credo.records import retention
from credo.subjects import service as subjects_service
from credo.subjects.identifiers import IdentifierError, check_identifier, mask_identifier

log = logging.getLogger(__name__)
MEASURE_CACHE_SUBJECTS = 20_000  # bounded: cleared when more subjects than this are cached
KEY_CACHE_S = 5.0  # a disabled API key stops working for checks within this time
FREEZE_GC_FROM = 10_000  # listed subjects


@dataclass(frozen=True, slots=True)
class CheckRequest:
    identifiers: Sequence[tuple[str, str]]
    purpose: str
    transaction_ref: str
    as_of: date | None = None  # a past date to check instead of today (``Purpose.past_dates``)


@dataclass(slots=True)
class Resolved:
    subject: IndexedSubject | None
    subject_id: int | None
    key: str
    reasons: list[str] = field(default_factory=list)


class CheckService:
    def __init__(
        self,
        catalogue: Catalogue,
        engine: Engine,
        clock: Clock,
        poll_interval: float = 0.01,
        webhook_backoff_s: float = 1.0,
        webhook_allow_private: bool = False,
        webhook_max_attempts: int = MAX_ATTEMPTS,
        inquiry_commit_wait_s: float = 0.0,
    ) -> None:
        self.catalogue = catalogue
        self.engine = engine
        self.clock = clock
        self.poll_interval = poll_interval
        self.index = CheckIndex(catalogue)
        self.plans: dict[str, PurposePlan] = plan_purposes(catalogue)
        # purposes with a measure a rating-band list triggers (not used for past dates)
        self._banded = {
            plan.purpose.id
            for plan in self.plans.values()
            for m in plan.measures
            for list_id in m.triggered_by
            if catalogue.lists[list_id].entry.rating_band is not None
        }
        self.writer = InquiryWriter(engine, inquiry_commit_wait_s)
        self.delivery = WebhookDelivery(
            engine,
            clock,
            backoff_s=webhook_backoff_s,
            allow_private=webhook_allow_private,
            catalogue=catalogue,
            max_attempts=webhook_max_attempts,
        )
        self._keys: dict[str, tuple[Principal, float]] = {}
        self._measures: dict[int, dict[tuple[str, date], tuple[Any, orjson.Fragment]]] = {}
        self._no_measures = orjson.Fragment(b"[]")
        # decision ids need to be unique, not secret (a decision is only shown to its own
        # relying party): a seeded generator saves a system call per check; see decision_id
        self._ids = random.Random(os.urandom(32))
        self.validity = timedelta(hours=catalogue.profile.decision_validity_hours)
        self._tasks: list[asyncio.Task[None]] = []
        self.started = False
        self.ready = False  # started, index built and writer running: checks may be served

    async def start(self) -> None:
        if self.started:
            return
        self.started = True
        await asyncio.to_thread(self._build)
        if len(self.index.subjects) >= FREEZE_GC_FROM:
            # A large index is millions of long-lived objects: keep the cyclic collector from
            # walking them on every full collection (pauses that show up as tail latency).
            gc.collect()
            gc.freeze()
        self.writer.start()
        self.delivery.start()
        self._tasks.append(asyncio.get_running_loop().create_task(self._follow_feed()))
        self.ready = True

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.writer.stop()
        await self.delivery.stop()
        self.started = self.ready = False

    def _build(self) -> None:
        with self.engine.connect() as conn:
            self.index.build(conn)

    async def catch_up(self) -> None:
        """Apply the change feed now (also done every ``poll_interval`` seconds)."""
        changes = await asyncio.to_thread(self._read_changes)
        self.index.apply(changes)
        for subject_id in changes.reloaded:
            self._measures.pop(subject_id, None)

    def _read_changes(self) -> Changes:
        with self.engine.connect() as conn:
            return self.index.read_changes(conn)

    async def _follow_feed(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                await self.catch_up()
            except Exception:  # a failed poll is retried; the index stays as it was
                log.exception("change feed poll failed")
                await asyncio.sleep(1.0)

    async def principal(self, key: str | None) -> Principal:
        """Authenticate with a short cache, so checks do not hit the database for the key."""
        digest = hash_key(key) if key else ""
        cached = self._keys.get(digest)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        principal = await asyncio.to_thread(self._authenticate, key)
        self._keys[digest] = (principal, time.monotonic() + KEY_CACHE_S)
        return principal

    def _authenticate(self, key: str | None) -> Principal:
        with self.engine.connect() as conn:
            return authenticate(conn, key)

    async def check(self, principal: Principal, request: CheckRequest) -> bytes:
        """The decision as JSON bytes, returned only after its inquiry is committed."""
        plan = self._plan_for(principal, request.purpose)
        keys = self._normalise(request.identifiers)
        now = self.clock.now()
        if request.as_of is None:
            resolved = await self._resolve(keys)
            measures, body = self._applied(plan, resolved.subject, now.date())
        else:
            _allow_past(plan, request.as_of, now.date())
            resolved, measures, body = await asyncio.to_thread(
                self._applied_in_past, plan, keys, request.as_of, now.date()
            )
        decision = self._decide(principal, plan, resolved, measures, now, request.as_of)
        inquiry = _inquiry_row(principal, request, decision, resolved.key)
        held = review.held_measures(plan, measures) if plan.significant else ()
        if held:  # G-37: advisory until a named person decides
            await asyncio.to_thread(review.open_advisory, self.engine, inquiry, held)
            advice = decision_body(self.catalogue, plan, decision, body)
            return orjson.dumps(review.advisory(advice, self.catalogue, held))
        await self.writer.record(inquiry)
        return orjson.dumps(decision_body(self.catalogue, plan, decision, body))

    def admit(self, principal: Principal) -> Principal:
        """The one role check of a check: relying parties only (before the body is read)."""
        if principal.role is not Role.RELYING_PARTY or principal.relying_party_id is None:
            raise Forbidden(f"checks are for relying parties; you are a {principal.role.value}")
        return principal

    def _plan_for(self, principal: Principal, purpose: str) -> PurposePlan:
        """The purpose check (G-34): the relying party is registered for ``purpose``."""
        party = self.catalogue.relying_parties.get(self.admit(principal).relying_party_id or "")
        if party is None or purpose not in party.purposes:
            registered = ", ".join(party.purposes) if party else "none"
            raise Forbidden(
                f"you are not registered for the purpose {purpose!r} (registered: {registered});"
                " no check without a permissible purpose (G-34)",
                code="purpose_not_permitted",
            )
        return self.plans[purpose]

    def _normalise(self, identifiers: Sequence[tuple[str, str]]) -> list[str]:
        keys = []
        for scheme, value in identifiers:
            key = self._ric_key(value) if scheme == "cn_ric" else None
            if key is None:
                try:
                    checked = check_identifier(self.catalogue, scheme, value)
                except IdentifierError as exc:
                    raise ValidationFailed(str(exc), code=exc.code) from exc
                key = f"{checked.scheme}:{checked.value}"
            keys.append(key)
        return list(dict.fromkeys(keys))

    def _ric_key(self, raw: str) -> str | None:
        """The same checks as ``check_identifier`` for a resident ID (length, digits, ISO 7064
        check digit, birth date), inline because this is the hot path. None: let the full
        check explain what is wrong."""
        value = raw.strip().upper()
        if len(value) != 18 or not value[:17].isdigit() or value[17] != ric.calc_check_digit(value):
            return None
        try:
            date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        except ValueError:
            return None
        return f"cn_ric:{value}"

    async def _resolve(self, keys: list[str]) -> Resolved:
        """One subject by identifier, or none; several subjects is ambiguous, which gives no
        adverse finding (G-40)."""
        ids = {self.index.by_key.get(k) for k in keys}
        if len(keys) > 1 and None in ids:
            ids = await asyncio.to_thread(self._subject_ids, keys)
        ids.discard(None)
        if len(ids) > 1:
            return Resolved(None, None, keys[0], ["identity_ambiguous"])
        if not ids:
            return Resolved(None, None, keys[0], ["no_records"])
        subject_id = ids.pop()
        assert subject_id is not None
        return Resolved(self.index.subjects.get(subject_id), subject_id, keys[0])

    def _subject_ids(self, keys: list[str]) -> set[int | None]:
        pairs = [(k.split(":", 1)[0], k.split(":", 1)[1]) for k in keys]
        with self.engine.connect() as conn:
            return set(subjects_service.find_subject_ids(conn, pairs).values())

    def _decide(
        self,
        principal: Principal,
        plan: PurposePlan,
        resolved: Resolved,
        measures: tuple[AppliedMeasure, ...],
        now: Any,
        about: date | None = None,
    ) -> Decision:
        reasons = resolved.reasons or ([] if measures else ["no_effective_list_entry"])
        if about is not None and resolved.subject_id and plan.purpose.id in self._banded:
            reasons = [*reasons, past.RATING_BANDS_NOT_USED]
        scheme, value = resolved.key.split(":", 1)
        return Decision(
            id=self._decision_id(now),
            outcome=outcome_of(measures),
            purpose=plan.purpose.id,
            relying_party=principal.relying_party_id or "",
            subject_key=f"{scheme}:{mask_identifier(scheme, value)}",
            subject_id=resolved.subject_id,
            measures=measures,
            reasons=tuple(reasons),
            as_of=now,
            valid_until=now + self.validity,
            about=about,
        )

    def _decision_id(self, now: datetime) -> str:
        """32 hex digits: the millisecond, then 80 random bits. Ids in time order make each
        inquiry insert an append to the primary key's B-tree instead of a random write
        (about a quarter less CPU per inserted inquiry on SQLite, docs/performance.md)."""
        return f"{int(now.timestamp() * 1000):012x}{self._ids.getrandbits(80):020x}"

    def _applied(
        self, plan: PurposePlan, subject: IndexedSubject | None, on: date
    ) -> tuple[tuple[AppliedMeasure, ...], orjson.Fragment]:
        """The measures for (subject, purpose, day) and their provenance JSON, computed once
        and reused until the subject changes in the feed or the day changes."""
        if subject is None:
            return (), self._no_measures
        cached = self._measures.setdefault(subject.facts.subject_id, {})
        hit = cached.get((plan.purpose.id, on))
        if hit is None:
            if len(self._measures) > MEASURE_CACHE_SUBJECTS:
                self._measures.clear()
                cached = self._measures.setdefault(subject.facts.subject_id, {})
            applied = tuple(applied_measures(plan, subject.facts, subject.entries, on))
            hit = cached[(plan.purpose.id, on)] = (
                applied,
                measures_json(
                    self.catalogue, plan, applied, subject.statements, subject.data_quality
                ),
            )
        return hit

    def _applied_in_past(
        self, plan: PurposePlan, keys: list[str], on: date, today: date
    ) -> tuple[Resolved, tuple[AppliedMeasure, ...], orjson.Fragment]:
        """The subject resolved in the database (the index knows who is listed now) and the
        measures for (subject, purpose, a past day); not cached."""
        with self.engine.connect() as conn:
            pairs = [(k.split(":", 1)[0], k.split(":", 1)[1]) for k in keys]
            ids = set(subjects_service.find_subject_ids(conn, pairs).values())
            if len(ids) > 1:
                return Resolved(None, None, keys[0], ["identity_ambiguous"]), (), self._no_measures
            if not ids:
                return Resolved(None, None, keys[0], ["no_records"]), (), self._no_measures
            subject_id = ids.pop()
            subject = past.subject_on(conn, self.catalogue, subject_id, on, today)
        resolved = Resolved(subject, subject_id, keys[0])
        if subject is None:
            return resolved, (), self._no_measures
        applied = tuple(applied_measures(plan, subject.facts, subject.entries, on))
        body = measures_json(
            self.catalogue, plan, applied, subject.statements, subject.data_quality
        )
        return resolved, applied, body


def _allow_past(plan: PurposePlan, on: date, today: date) -> None:
    """A past date within range, for a purpose that may ask about one."""
    if on > today or on < past.EARLIEST:
        problem = (
            f"as_of {on.isoformat()} is in the future: a check is about today or a past day"
            if on > today
            else f"as_of {on.isoformat()} is before {past.EARLIEST.isoformat()}, the earliest "
            "date a check may ask about"
        )
        raise ValidationFailed(problem, errors=[{"where": "as_of", "problem": problem}])
    if not plan.purpose.past_dates:
        raise Forbidden(
            f"the purpose {plan.purpose.id!r} does not allow checks about a past date (as_of):"
            " its catalogue entry has no past_dates permission (G-34)",
            code="as_of_not_permitted",
        )


def _inquiry_row(
    principal: Principal, request: CheckRequest, decision: Decision, asked_key: str
) -> dict[str, Any]:
    return {
        "id": decision.id,
        "at": decision.as_of,
        "relying_party_id": decision.relying_party,
        "principal_id": principal.id,
        "purpose": decision.purpose,
        "transaction_ref": request.transaction_ref,
        "subject_id": decision.subject_id,
        "subject_key": asked_key[:100],
        "outcome": decision.outcome,
        "measures": [m.measure.id for m in decision.measures],
        "valid_until": decision.valid_until,
        "as_of": decision.about,
    }


def inquiries_of(conn: Connection, subject_id: int) -> list[Any]:
    """Every inquiry about the subject, asked by its id or by any of its identifiers."""
    keys = subjects_service.identifier_keys(conn, [subject_id]).get(subject_id, [])
    return repository.inquiries_of_subject(conn, subject_id, keys)


def verify_decision(conn: Connection, decision_id: str, relying_party_id: str, now: Any) -> Any:
    """A decision the relying party received, while it is still valid (G-39)."""
    row = repository.get_inquiry(conn, decision_id)
    watching = row is not None and row["outcome"] in WATCH_OUTCOMES  # logged, no decision
    if row is None or watching or row["relying_party_id"] != relying_party_id:
        raise NotFound(f"no decision {decision_id!r} of yours")
    until = utc(row["valid_until"])
    if until <= now:
        raise Conflict(
            f"decision {decision_id!r} expired at {until.isoformat()}: check again",
            code="decision_expired",
        )
    return row


@dataclass(frozen=True)
class DecisionSent:
    """A decision a relying party received about a subject (its inquiry, G-24), with the
    measures it applied and the records it named, as logged (JSON)."""

    id: str
    relying_party_id: str
    purpose: str
    at: datetime
    measures: Any


def decisions_about(
    conn: Connection, subject_id: int, since: datetime | None
) -> list[DecisionSent]:
    """The decisions about the subject since ``since`` (None: ever), newest first: who must
    hear of a correction to a record they relied on (G-30, credo.disputes)."""
    return [
        DecisionSent(row["id"], row["relying_party_id"], row["purpose"], row["at"], row["measures"])
        for row in repository.inquiries_about(conn, subject_id, since)
    ]


def audited_inquiries() -> AuditedRows:
    """The inquiries (decisions) as the audit log's data check reads them (``audit.verify``)."""
    return AuditedRows("inquiry", repository.AUDITED_INQUIRIES)


# -- retention (G-24 keeps inquiries for the subject to see, then they go; run by the jobs) --


def subjects_with_inquiries(conn: Connection, subject_ids: Sequence[int]) -> set[int]:
    """Of ``subject_ids``, those with an inquiry still kept (not forgotten yet)."""
    return repository.subjects_with_inquiries(conn, subject_ids)


def purge_inquiries(conn: Connection, before: datetime, now: datetime, limit: int) -> int:
    """Delete up to ``limit`` inquiries made before ``before``, with one audit entry naming
    the cut-off; how many."""
    ids = repository.inquiries_before(conn, before, limit)
    return retention.purge_batch(
        conn, "retention.inquiries", ids, repository.delete_inquiries, before, now
    )
