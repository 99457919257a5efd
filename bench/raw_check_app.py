"""The baseline for bench/check.py: a minimal raw ASGI app that answers a check by looking
the identifier up in a Python dict (no auth, no catalogue, no inquiry log)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
HEADERS = [(b"content-type", b"application/json")]


def app() -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    listed = dict.fromkeys(Path(os.environ["BENCH_LISTED"]).read_text().split(), "restricted")

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        outcome = "clear"
        if body:
            ident = orjson.loads(body)["identifiers"][0]["value"]
            outcome = listed.get(ident, "clear")
        content = orjson.dumps({"id": uuid.uuid4().hex, "outcome": outcome})
        headers = [*HEADERS, (b"content-length", str(len(content)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    return asgi
