"""HTTP API for checks: POST /v1/checks (relying parties), the subject's inquiry log,
subscriptions and webhook replay. Thin: the work is in credo.checks."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Connection
from starlette.types import ASGIApp, Receive, Scope, Send

from credo.access.model import Principal, Role
from credo.api.deps import bearer, get_conn, get_ctx, require
from credo.api.params import Cursor
from credo.api.problems import PROBLEM
from credo.checks import review, subscriptions
from credo.checks.service import CheckRequest, CheckService, inquiries_of, verify_decision
from credo.context import AppContext
from credo.errors import CredoError, Forbidden, ValidationFailed


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Build the check index before serving; stop the background tasks on shutdown."""
    await check_service(app)
    yield
    service: CheckService | None = getattr(app.state, "checks", None)
    if service is not None:
        await service.stop()


log = logging.getLogger(__name__)
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
router = APIRouter(tags=["checks (relying parties)"], lifespan=lifespan)


async def check_service(app: FastAPI) -> CheckService:
    """The worker's check service, started on first use when no lifespan ran (tests)."""
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
            )
            app.state.checks = service
        await service.start()  # idempotent
    return service


async def get_service(request: Request) -> CheckService:
    service: CheckService | None = getattr(request.app.state, "checks", None)
    return service if service is not None else await check_service(request.app)


async def relying_party(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    service: CheckService = Depends(get_service),
) -> Principal:
    key = credentials.credentials if credentials else request.headers.get("X-API-Key")
    principal = await service.principal(key)
    if principal.role is not Role.RELYING_PARTY:
        raise Forbidden(f"checks are for relying parties; you are a {principal.role.value}")
    return principal


class IdentifierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scheme: str = Field(max_length=32, examples=["cn_ric"])
    value: str = Field(max_length=64, examples=["11010519491231002X"])


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifiers: list[IdentifierIn] = Field(min_length=1, max_length=5)
    purpose: str = Field(max_length=64, examples=["air_ticket_sale"])
    transaction_ref: str = Field(
        min_length=1,
        max_length=120,
        pattern=r"^[^\x00]*$",  # no NUL: PostgreSQL cannot store it (credo.api.problems)
        description="The subject's transaction or account (G-34)",
    )
    as_of: date | None = Field(
        default=None,
        description="Check the subject as it stood on this past day (YYYY-MM-DD, from "
        "1990-01-01 to today) instead of now, e.g. whether a supplier was debarred on the day a "
        "contract was awarded. Only for purposes whose catalogue entry has `past_dates`; the "
        "decision's `as_of` is then this day and `checked_at` the moment it was made.",
        examples=["2026-02-15"],
    )

    @field_validator("transaction_ref")
    @classmethod
    def _names_a_transaction(cls, value: str) -> str:
        """G-34: no query without the subject's transaction; blanks name none."""
        if not value.strip():
            raise ValueError("transaction_ref is blank: name the subject's transaction or account")
        return value

    @field_validator("as_of", mode="before")
    @classmethod
    def _iso_day(cls, value: Any) -> Any:
        """A calendar day as YYYY-MM-DD, not a timestamp or a date-time."""
        day = type(value) is date or (isinstance(value, str) and ISO_DAY.fullmatch(value))
        if value is not None and not day:
            raise ValueError("as_of must be a date written YYYY-MM-DD")
        return value


@router.post(
    "/v1/checks",
    status_code=200,
    responses={
        200: {"description": "The decision, with measures, provenance, rights and validity"},
        403: {
            "description": "Not a relying party, not registered for the purpose, or `as_of` "
            "for a purpose that does not allow past dates"
        },
        422: {"description": "Invalid input, e.g. an `as_of` in the future or before 1990"},
        503: {"description": "The inquiry could not be recorded: no decision is given"},
    },
)
async def create_check(
    body: CheckIn,
    principal: Principal = Depends(relying_party),
    service: CheckService = Depends(get_service),
) -> Response:
    """Check a subject for a purpose you are registered for, now or (``as_of``, where the
    purpose allows it) on a past day. The inquiry is committed before this returns; the subject
    can see it."""
    request = CheckRequest(
        [(i.scheme, i.value) for i in body.identifiers],
        body.purpose,
        body.transaction_ref,
        body.as_of,
    )
    content = await service.check(principal, request)
    return Response(content, media_type="application/json")


def _jsonable(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in dict(row).items()}


@router.get("/v1/checks/{decision_id}")
def verify(
    decision_id: str,
    principal: Principal = Depends(require(Role.RELYING_PARTY)),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    """Verify a decision you received; refused once it is past ``valid_until`` (G-39). An
    advisory decision also shows its review: ``status`` advisory, confirmed or overridden."""
    party, now = principal.relying_party_id or "", ctx.clock.now()
    row = verify_decision(conn, decision_id, party, now)
    return {**_jsonable(row), **review.status_of(conn, party, decision_id, now)}


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifier: IdentifierIn
    purpose: str = Field(max_length=64)
    callback_url: str = Field(max_length=500, examples=["https://rp.example/credo-events"])


@router.post("/v1/subscriptions", status_code=201)
def create_subscription(
    body: SubscriptionIn,
    principal: Principal = Depends(require(Role.RELYING_PARTY)),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    """Hear when this subject's decision for the purpose could change. The response holds the
    HMAC secret that signs every event (shown once)."""
    identifier = (body.identifier.scheme, body.identifier.value)
    return subscriptions.subscribe(
        conn,
        ctx.catalogue,
        principal,
        body.purpose,
        identifier,
        body.callback_url,
        ctx.clock.now(),
        allow_private=ctx.settings.webhook_allow_private,
    )


@router.get("/v1/subscriptions/events")
def replay_events(
    after_seq: Cursor = 0,
    limit: int = Query(500, ge=1, le=1000),
    principal: Principal = Depends(require(Role.RELYING_PARTY)),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    """Every event of your subscriptions after ``after_seq``, in order (replay)."""
    events = subscriptions.replay(conn, principal.relying_party_id or "", after_seq, limit)
    return {"events": events, "next_after_seq": events[-1]["seq"] if events else after_seq}


@router.get("/v1/inquiries/mine")
def my_inquiries(
    principal: Principal = Depends(require(Role.SUBJECT)),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    """Who checked me, when, for what purpose, and with what outcome (G-24)."""
    assert principal.subject_id is not None
    rows = inquiries_of(conn, principal.subject_id)
    return {"inquiries": [_jsonable(r) for r in rows]}


class CheckFastPath:
    """ASGI middleware serving POST /v1/checks, the hot path, without the framework's
    per-request routing and dependency machinery: the same service, models, authentication
    and RFC 9457 problems as the route above (which documents it in the OpenAPI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/checks" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            content = await self._check(scope, await _body(receive))
        except CredoError as exc:
            await _send(send, exc.status, _problem_bytes(exc), PROBLEM)
            return
        except Exception:
            log.exception("check failed")
            failure = CredoError("the check failed; no decision was given", code="check_failed")
            failure.status, failure.title = 500, "Internal error"
            await _send(send, 500, _problem_bytes(failure), PROBLEM)
            return
        await _send(send, 200, content, "application/json")

    async def _check(self, scope: Scope, body: bytes) -> bytes:
        service = await check_service(scope["app"])
        principal = await service.principal(_api_key(scope))
        if principal.role is not Role.RELYING_PARTY:
            raise Forbidden(f"checks are for relying parties; you are a {principal.role.value}")
        try:
            parsed = CheckIn.model_validate_json(body)
        except ValidationError as exc:
            raise _invalid(exc) from None
        request = CheckRequest(
            [(i.scheme, i.value) for i in parsed.identifiers],
            parsed.purpose,
            parsed.transaction_ref,
            parsed.as_of,
        )
        return await service.check(principal, request)


async def _body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _api_key(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return str(value[7:].decode("latin-1")).strip()
        if name == b"x-api-key":
            return str(value.decode("latin-1"))
    return None


def _invalid(exc: ValidationError) -> CredoError:
    errors = [
        {"where": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()
    ]
    detail = "; ".join(f"{e['where']}: {e['problem']}" for e in errors[:5])
    return ValidationFailed(detail, errors=errors)


def _problem_bytes(exc: CredoError) -> bytes:
    return orjson.dumps(
        {
            "type": f"https://credo.example/problems/{exc.code}",
            "title": exc.title,
            "status": exc.status,
            "detail": exc.detail,
            "code": exc.code,
            **exc.extra,
        }
    )


async def _send(send: Send, status: int, content: bytes, media_type: str) -> None:
    headers = [
        (b"content-type", media_type.encode()),
        (b"content-length", str(len(content)).encode()),
    ]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
