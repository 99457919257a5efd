"""A coroutine that runs on the server's event loop from ``start`` until ``stop``: the inquiry
writer's group commit and the webhook delivery loop."""

from __future__ import annotations

import asyncio
import contextlib


class Background:
    """Subclasses write ``_run``; ``start`` and ``stop`` are called on the event loop."""

    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        raise NotImplementedError
