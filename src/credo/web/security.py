"""Security headers on every response of the app (portal pages, API answers, errors), set in
one pure ASGI middleware so that no route, error handler or fast path can miss them.

- A strict Content-Security-Policy: the portal has no script at all and only its own style
  sheet (charts are inline SVG styled by class), so ``script-src`` is ``'none'``, nothing
  inline runs, and no other site may frame a page (``frame-ancestors 'none'``, and
  X-Frame-Options DENY for older browsers).
- The API's reference page (Swagger UI at /docs) loads its script from this site
  (credo.web.api.docs: no CDN, it works offline) and starts it with a short inline script: its
  policy admits this site and exactly those inline blocks, by hash (computed from the page as
  served; the page reflects no input), never ``'unsafe-inline'``.
- X-Content-Type-Options nosniff; Referrer-Policy same-origin (other sites learn nothing of
  the pages a person read; this site's own posts keep their Referer for the origin check).
- ``Cache-Control: no-store`` on personal pages (the subject's report, the console, sign-in)
  and on every response to a request that carries credentials (a session cookie or an API
  key): no shared or browser cache keeps a person's file."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.types import Message, Receive, Scope, Send

from credo.web.asgi import HttpMiddleware
from credo.web.auth import presents_credentials

PAGE_POLICY = (
    "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_DOCS_SOURCES = {"script-src": "'self'", "style-src": "'self'"}
_DOCS_FIXED = (
    "font-src 'self' data:; img-src 'self' data:; connect-src 'self'; worker-src blob:; "
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
DOCS_PATHS = frozenset({"/docs"})
PERSONAL_PREFIXES = ("/me", "/v1/me", "/console", "/signin", "/signout")
_INLINE = re.compile(rb"<(script|style)(?![^>]*\bsrc=)[^>]*>(.*?)</\1>", re.S | re.I)


def common_headers(path: str, credentials: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if credentials or is_personal(path):
        headers.append((b"cache-control", b"no-store"))
    return headers


def is_personal(path: str) -> bool:
    return any(
        path == p or path.startswith(p + "/") or path.startswith(p + ".") for p in PERSONAL_PREFIXES
    )


def docs_policy(body: bytes) -> str:
    """The policy of an API reference page: this site, and its inline blocks by hash."""
    hashes: dict[str, list[str]] = {"script-src": [], "style-src": []}
    for match in _INLINE.finditer(body):
        digest = base64.b64encode(hashlib.sha256(match.group(2)).digest()).decode()
        kind = "script-src" if match.group(1).lower() == b"script" else "style-src"
        hashes[kind].append(f"'sha256-{digest}'")
    parts = [" ".join([kind, _DOCS_SOURCES[kind], *found]) for kind, found in hashes.items()]
    return "; ".join([*parts, _DOCS_FIXED])


class SecurityHeaders(HttpMiddleware):
    """Adds the headers above to every HTTP response of the wrapped app."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        added = common_headers(path, presents_credentials(scope["headers"]))
        if path in DOCS_PATHS:
            await self._docs(scope, receive, send, added)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _merged(message.get("headers", []), added, PAGE_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _docs(
        self, scope: Scope, receive: Receive, send: Send, added: list[tuple[bytes, bytes]]
    ) -> None:
        """Buffer the (small, static) reference page to hash its inline blocks."""
        messages: list[Message] = []

        async def collect(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, collect)
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        for message in messages:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                message["headers"] = _merged(headers, added, docs_policy(body))
            await send(message)


def _merged(
    headers: Iterable[tuple[bytes, bytes]], added: list[tuple[bytes, bytes]], policy: str
) -> list[tuple[bytes, bytes]]:
    """The response's headers with ours set (ours win: a route cannot weaken them)."""
    ours = [*added, (b"content-security-policy", policy.encode())]
    names = {name for name, _ in ours}
    return [(n, v) for n, v in headers if n.lower() not in names] + ours
