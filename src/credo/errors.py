"""Typed errors with an HTTP status, rendered as RFC 9457 problem details by the API."""

from __future__ import annotations

from typing import Any


class CredoError(Exception):
    """Base error: a machine-readable ``code``, a human ``detail`` and an HTTP ``status``."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init_subclass__(
        cls, *, status: int | None = None, code: str | None = None, title: str | None = None
    ) -> None:
        """Each kind of error states its status, code and title in its class line."""
        super().__init_subclass__()
        cls.status = status if status is not None else cls.status
        cls.code = code if code is not None else cls.code
        cls.title = title if title is not None else cls.title

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra


class ValidationFailed(
    CredoError, status=422, code="validation_failed", title="Input does not satisfy the rules"
):
    """Input breaks a rule: the detail names the rule and where."""


class NotAuthenticated(
    CredoError, status=401, code="not_authenticated", title="Authentication required"
):
    """No valid key or session came with the request."""


class Forbidden(CredoError, status=403, code="forbidden", title="Not allowed"):
    """The caller is known but its role or scope does not allow this."""


class NotFound(CredoError, status=404, code="not_found", title="Not found"):
    """Nothing by that id, or nothing the caller may see."""


class Conflict(CredoError, status=409, code="conflict", title="Conflict with the current state"):
    """The request contradicts what is already stored."""


class Locked(CredoError, status=423, code="locked", title="Held for review"):
    """The resource is held (a furnisher held for review, G-49): retry after its release."""


class CatalogueError(CredoError, status=422, code="invalid_catalogue", title="Invalid catalogue"):
    """The catalogue is invalid; ``problems`` lists every problem with its file and key."""

    def __init__(self, problems: list[Any]) -> None:
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the catalogue:\n{lines}")
        self.problems = problems
