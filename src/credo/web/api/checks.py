"""HTTP API for checks: POST /v1/checks (relying parties; ``CheckEndpoint``, documented from
``credo.web.api.check_models``), decision verification, the subject's inquiry log, subscriptions
and webhook replay. Thin: the work is in credo.checks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from credo.access.model import Role
from credo.checks import review, subscriptions
from credo.checks.service import CheckRequest, CheckService, inquiries_of, verify_decision
from credo.context import AppContext
from credo.errors import CredoError
from credo.jsonvalue import jsonable
from credo.web.api.check_models import PATH, CheckIdentifier, CheckIn, document
from credo.web.api.schemas.checks import (
    CheckEvents,
    InquiryLog,
    SubscriptionCreated,
    VerifiedDecision,
)
from credo.web.auth import Call, call_as, presented_key
from credo.web.params import Cursor
from credo.web.problems import invalid, read_body, send_problem


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Build the check index before serving; stop the background tasks on shutdown."""
    await check_service(app)
    yield
    service: CheckService | None = getattr(app.state, "checks", None)
    if service is not None:
        await service.stop()


log = logging.getLogger(__name__)
router = APIRouter(tags=["checks (relying parties)"], lifespan=lifespan)


async def check_service(app: FastAPI) -> CheckService:
    """The worker's check service, started on first use when no lifespan ran (tests)."""
    ready: CheckService | None = getattr(app.state, "checks", None)
    if ready is not None and ready.ready:  # the hot path: no lock once it is serving
        return ready
    lock: asyncio.Lock | None = getattr(app.state, "checks_lock", None)
    if lock is None:  # no await since the read: no other task can interleave
        lock = app.state.checks_lock = asyncio.Lock()
    async with lock:
        service: CheckService | None = getattr(app.state, "checks", None)
        if service is None:
            ctx: AppContext = app.state.ctx
            service = CheckService(
                ctx.catalogue,
                ctx.engine,
                ctx.clock,
                webhook_allow_private=ctx.settings.webhook_allow_private,
                inquiry_commit_wait_s=ctx.settings.inquiry_commit_wait_ms / 1000,
            )
            app.state.checks = service
        await service.start()  # idempotent
    return service


# ``status`` and ``review`` only for a decision that needed a person's review
@router.get(
    "/v1/checks/{decision_id}",
    response_model=VerifiedDecision,
    response_model_exclude_unset=True,
)
def verify(
    decision_id: str,
    call: Call = Depends(call_as(Role.RELYING_PARTY)),
) -> dict[str, Any]:
    """Verify a decision you received; refused once it is past ``valid_until`` (G-39). An
    advisory decision also shows its review: ``status`` advisory, confirmed or overridden."""
    party, now = call.principal.relying_party_id or "", call.ctx.clock.now()
    row = verify_decision(call.conn, decision_id, party, now)
    return {**jsonable(row), **review.status_of(call.conn, party, decision_id, now)}


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifier: CheckIdentifier
    purpose: str = Field(max_length=64)
    callback_url: str = Field(max_length=500, examples=["https://rp.example/credo-events"])


@router.post("/v1/subscriptions", status_code=201, response_model=SubscriptionCreated)
def create_subscription(
    body: SubscriptionIn,
    call: Call = Depends(call_as(Role.RELYING_PARTY)),
) -> dict[str, Any]:
    """Hear when this subject's decision for the purpose could change. The response holds the
    HMAC secret that signs every event (shown once)."""
    identifier = (body.identifier.scheme, body.identifier.value)
    return subscriptions.subscribe(
        call.conn,
        call.ctx.catalogue,
        call.principal,
        body.purpose,
        identifier,
        body.callback_url,
        call.ctx.clock.now(),
        allow_private=call.ctx.settings.webhook_allow_private,
    )


@router.get("/v1/subscriptions/events", response_model=CheckEvents)
def replay_events(
    after_seq: Cursor = 0,
    limit: int = Query(500, ge=1, le=1000),
    call: Call = Depends(call_as(Role.RELYING_PARTY)),
) -> dict[str, Any]:
    """Every event of your subscriptions after ``after_seq``, in order (replay)."""
    events = subscriptions.replay(
        call.conn, call.principal.relying_party_id or "", after_seq, limit
    )
    return {"events": events, "next_after_seq": events[-1]["seq"] if events else after_seq}


@router.get("/v1/inquiries/mine", response_model=InquiryLog)
def my_inquiries(
    call: Call = Depends(call_as(Role.SUBJECT)),
) -> dict[str, Any]:
    """Who checked me, when, for what purpose, and with what outcome (G-24)."""
    assert call.principal.subject_id is not None
    rows = inquiries_of(call.conn, call.principal.subject_id)
    return {"inquiries": [jsonable(r) for r in rows]}


def install(app: FastAPI) -> None:
    """Serve POST /v1/checks with ``CheckEndpoint`` and describe it in the OpenAPI document."""
    app.add_middleware(CheckEndpoint)
    document(app)


class CheckEndpoint:
    """The one server of POST /v1/checks, the hot path: raw ASGI in front of the app, without
    the framework's per-request routing and dependency machinery. Authentication (API key
    hash cached, ``CheckService.principal``), the role and purpose check
    (``CheckService.admit``/``plan_for``) and the decision are the check service's; errors
    are RFC 9457 problems like every route's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            content = await self._check(scope, await read_body(receive))
        except CredoError as exc:
            await send_problem(send, exc)
            return
        except Exception:
            log.exception("check failed")
            failure = CredoError("the check failed; no decision was given", code="check_failed")
            failure.status, failure.title = 500, "Internal error"
            await send_problem(send, failure)
            return
        await _send(send, 200, content, "application/json")

    async def _check(self, scope: Scope, body: bytes) -> bytes:
        service = await check_service(scope["app"])
        principal = service.admit(await service.principal(presented_key(scope["headers"])))
        try:
            parsed = CheckIn.model_validate_json(body)
        except ValidationError as exc:
            raise invalid(exc.errors()) from None
        request = CheckRequest(
            [(i.scheme, i.value) for i in parsed.identifiers],
            parsed.purpose,
            parsed.transaction_ref,
            parsed.as_of,
        )
        return await service.check(principal, request)


async def _send(send: Send, status: int, content: bytes, media_type: str) -> None:
    headers = [
        (b"content-type", media_type.encode()),
        (b"content-length", str(len(content)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
