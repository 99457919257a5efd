"""RFC 9457 problem details for every error, so clients get a clear, uniform message."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from credo.errors import CredoError

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


PROBLEM_CONTENT: dict[str, Any] = {PROBLEM: {"schema": Problem.model_json_schema()}}

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


def problem(status: int, title: str, detail: str, code: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"https://credo.example/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install(app: FastAPI) -> None:
    """Render every error as a problem, and say so in the OpenAPI document."""
    _declare_problem_content(app)

    @app.exception_handler(CredoError)
    async def _credo(_: Request, exc: CredoError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        response = problem(exc.status, exc.title, exc.detail, exc.code, **exc.extra)
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"where": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()
        ]
        detail = "; ".join(f"{e['where']}: {e['problem']}" for e in errors[:5])
        return problem(
            422, "Input does not satisfy the rules", detail, "validation_failed", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem(exc.status_code, str(exc.detail), str(exc.detail), code)


def _declare_problem_content(app: FastAPI) -> None:
    """Every error response in the OpenAPI document is a problem: one that a route
    described in words only (``responses={409: {"description": ...}}``) gets the problem's
    content, which the document would otherwise leave out."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            for path_item in document.get("paths", {}).values():
                for operation in path_item.values():
                    for status, response in operation.get("responses", {}).items():
                        if str(status)[0] in "45" and "content" not in response:
                            response["content"] = PROBLEM_CONTENT
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
