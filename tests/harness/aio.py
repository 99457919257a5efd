"""Run a coroutine to completion from synchronous test code, on a thread of its own.

Playwright's sync API (the session's ``browser`` fixture) keeps an event loop running on the
main thread once a browser test has run in the worker, so a plain ``asyncio.run`` there fails
with "cannot be called from a running event loop"; a fresh thread has no loop."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(make())`` on a new thread; its result or its exception comes back."""
    import asyncio

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()
