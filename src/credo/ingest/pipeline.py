"""Preparing the next chunks in a forked worker process while this one writes.

Reading, mapping, validation, ids, content hashes and the conversion of rows for the database
need no database and are about half of an ingest's CPU; the writes (one transaction per chunk)
are the other half and stay in the parent, in file order. The worker runs the very same
preparation code as an ingest without it (a fork: the mapper, the validators and the
catalogue are the parent's), so nothing about the rules changes, only where they run.

Flow control is the pipe: the worker blocks on sending once the parent is a chunk or two
behind, so memory stays bounded. A parent killed with SIGKILL closes the pipe, and the worker's
next send fails (it holds no copy of the reading end), so it exits; nothing of the worker's
is ever written, so a kill leaves whole committed chunks only, as before."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class WorkerFailed(RuntimeError):
    """The preparing worker raised (its error, on one line) or vanished."""


def run_ahead(produce: Callable[[], Iterator[T]]) -> Iterator[T]:
    """The items of ``produce()``, computed in a forked worker ahead of the caller."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_send_all, args=(produce, receiver, sender), daemon=True)
    worker.start()
    sender.close()  # only the worker writes: its end of the pipe closes when it exits
    try:
        while True:
            try:
                kind, value = receiver.recv()
            except EOFError:
                raise WorkerFailed(
                    f"the worker preparing the chunks ended without a word (exit code "
                    f"{worker.exitcode})"
                ) from None
            if kind == "end":
                return
            if kind == "crash":
                raise WorkerFailed(f"the worker preparing the chunks failed: {value}")
            yield value
    finally:
        receiver.close()
        if worker.is_alive():  # the caller stopped early: its worker is not needed any more
            worker.terminate()
        worker.join()


def _send_all(
    produce: Callable[[], Iterator[Any]], receiver: Connection, sender: Connection
) -> None:
    receiver.close()  # so a send fails once the parent is gone, instead of blocking for ever
    try:
        for item in produce():
            sender.send(("item", item))
        sender.send(("end", None))
    except (BrokenPipeError, ConnectionResetError):
        return  # the parent is gone: nobody to prepare for
    except BaseException as exc:
        text = str(exc).strip().splitlines()
        try:
            sender.send(("crash", f"{type(exc).__name__}: {text[0] if text else ''}"))
        except (BrokenPipeError, ConnectionResetError):
            return
