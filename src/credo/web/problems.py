"""RFC 9457 problem details for every error, so clients get a clear, uniform message."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Receive, Scope, Send

from credo.errors import CredoError, ValidationFailed
from credo.jsonvalue import document_path
from credo.web.asgi import HttpMiddleware

PROBLEM = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details, with Credo's machine-readable ``code``; some problems carry
    more members (a validation failure its ``errors``, a refused record its ``reason``)."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    code: str


# One component that every error refers to (a generated client gets one Problem class)
PROBLEM_SCHEMA = Problem.model_json_schema()
PROBLEM_CONTENT: dict[str, Any] = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}

# The errors any operation may answer with, declared once for the whole API (the app's
# ``responses``): every route reads a body or parameters, takes a key, looks things up and
# may find the state changed. A route that describes one of them in its own words keeps the
# words; ``install`` gives it this content.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "content": PROBLEM_CONTENT}
    for status, description in {
        400: "The request body could not be read (e.g. not UTF-8)",
        401: "No API key, or an unknown or revoked one",
        403: "The caller's role or scope does not allow this",
        404: "No such thing, or none the caller may see",
        409: "The current state does not allow this (e.g. already decided)",
        422: "The input does not satisfy the rules; `errors` says where",
    }.items()
}


def problem_body(status: int, title: str, detail: str, code: str, **extra: Any) -> dict[str, Any]:
    """The one shape of a problem (RFC 9457, with Credo's ``code``)."""
    return {
        "type": f"https://credo.example/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }


def error_body(exc: CredoError) -> dict[str, Any]:
    """A typed error as a problem."""
    return problem_body(exc.status, exc.title, exc.detail, exc.code, **exc.extra)


def problem(status: int, title: str, detail: str, code: str, **extra: Any) -> JSONResponse:
    body = problem_body(status, title, detail, code, **extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def invalid(errors: Sequence[Mapping[str, Any]], body: Any = None) -> ValidationFailed:
    """Pydantic's or FastAPI's validation errors as one 422, each error with where and what.

    With the request ``body`` (as parsed), a place is a path through it: the member names of
    a union (free-form JSON is one) are left out, and of the errors a union gives for one
    value, only the first at its deepest place is kept (the integer member's comes first: an
    out-of-range number is named as such, not as "not a valid string")."""
    found: list[dict[str, str]] = []
    in_union: list[dict[str, str]] = []
    for error in errors:
        loc = error["loc"]
        where, skipped = ".".join(str(p) for p in loc), False
        if body is not None and loc and loc[0] == "body":
            where, skipped = document_path({"body": body}, loc, error["type"] == "missing")
        (in_union if skipped else found).append({"where": where, "problem": error["msg"]})
    found += _deepest_first(in_union)
    detail = "; ".join(f"{e['where']}: {e['problem']}" for e in found[:5])
    return ValidationFailed(detail, errors=found)


def _deepest_first(errors: list[dict[str, str]]) -> list[dict[str, str]]:
    """One error per place, and none at a place that holds a deeper one."""
    places = [e["where"] for e in errors]
    kept: dict[str, dict[str, str]] = {}
    for error in errors:
        place = error["where"]
        if not any(p.startswith(f"{place}.") for p in places):
            kept.setdefault(place, error)
    return list(kept.values())


def install(app: FastAPI) -> None:
    """Render every error as a problem, say so in the OpenAPI document, and refuse NUL
    characters in any input before a route sees them."""
    _declare_problem_content(app)
    app.add_middleware(RefuseNul)

    @app.exception_handler(CredoError)
    async def _credo(_: Request, exc: CredoError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error_response(invalid(exc.errors(), exc.body))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem(exc.status_code, str(exc.detail), str(exc.detail), code)


def _error_response(exc: CredoError) -> JSONResponse:
    response = JSONResponse(error_body(exc), status_code=exc.status, media_type=PROBLEM)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _declare_problem_content(app: FastAPI) -> None:
    """Every error response in the OpenAPI document is a problem: one that a route
    described in words only (``responses={409: {"description": ...}}``) gets the problem's
    content, which the document would otherwise leave out."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
                PROBLEM_SCHEMA
            )
            for path_item in document.get("paths", {}).values():
                for operation in path_item.values():
                    for status, response in operation.get("responses", {}).items():
                        if str(status)[0] in "45" and "content" not in response:
                            response["content"] = PROBLEM_CONTENT
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


# A JSON ``\u0000`` escape: preceded by an even number of backslashes (``\\u0000`` is text)
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORM = b"application/x-www-form-urlencoded"
_SCANNED = (b"application/json", b"application/problem+json", _FORM)


class RefuseNul(HttpMiddleware):
    """No text Credo stores may hold U+0000: PostgreSQL's text and JSON columns cannot (a
    query or insert with one fails, a 500; in a group commit of inquiries, for everyone in
    the batch), and no identifier, name or reason has one. A path, query or JSON or form
    body with one is a 422 problem, for every route behind it (POST /v1/checks, served before
    the routes, refuses it in its model)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        where = _nul_in_url(scope)
        body: bytes | None = None
        kind = _content_type(scope)
        if where is None and kind in _SCANNED:
            body = await read_body(receive)
            where = _nul_in_body(body, form=kind == _FORM)
        if where is not None:
            await _refuse(send, where)
            return
        await self.app(scope, receive if body is None else _replay(body), send)


def _nul_in_url(scope: Scope) -> str | None:
    path = scope.get("raw_path") or scope["path"].encode()
    if b"\x00" in path or b"%00" in path:
        return "path"
    query = scope.get("query_string", b"")
    if b"\x00" in query or b"%00" in query:
        return "query"
    return None


def _content_type(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bytes(value.split(b";")[0].strip().lower())
    return None


def _nul_in_body(body: bytes, form: bool) -> str | None:
    """A raw NUL, a form's ``%00`` or a JSON ``\\u0000`` escape."""
    if b"\x00" in body or (form and b"%00" in body):
        return "body"
    if not form and b"\\u0000" in body and _JSON_NUL.search(body):
        return "body"
    return None


async def read_body(receive: Receive) -> bytes:
    """A request's whole body, from an ASGI ``receive``."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _refuse(send: Send, where: str) -> None:
    detail = f"{where}: a NUL character (U+0000) is not accepted in any field"
    errors = [{"where": where, "problem": "contains U+0000"}]
    await send_problem(send, ValidationFailed(detail, code="nul_character", errors=errors))


async def send_problem(send: Send, exc: CredoError) -> None:
    """Answer an ASGI request with ``exc`` as a problem (for the app's raw ASGI parts)."""
    content = orjson.dumps(error_body(exc))
    headers = [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(content)).encode())]
    if exc.status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": exc.status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
