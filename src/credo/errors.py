"""Typed errors with an HTTP status, rendered as RFC 9457 problem details by the API."""

from __future__ import annotations

from typing import Any


class CredoError(Exception):
    """Base error: a machine-readable ``code``, a human ``detail`` and an HTTP ``status``."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra


class ValidationFailed(CredoError):
    status = 422
    code = "validation_failed"
    title = "Input does not satisfy the rules"


class NotAuthenticated(CredoError):
    status = 401
    code = "not_authenticated"
    title = "Authentication required"


class Forbidden(CredoError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class NotFound(CredoError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(CredoError):
    status = 409
    code = "conflict"
    title = "Conflict with the current state"


class Locked(CredoError):
    """The resource is held (a furnisher held for review, G-49): retry after its release."""

    status = 423
    code = "locked"
    title = "Held for review"


class CatalogueError(CredoError):
    """The catalogue is invalid; ``problems`` lists every problem with its file and key."""

    status = 422
    code = "invalid_catalogue"
    title = "Invalid catalogue"

    def __init__(self, problems: list[Any]) -> None:
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the catalogue:\n{lines}")
        self.problems = problems
