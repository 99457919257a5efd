"""A real server for end-to-end tests: uvicorn in a subprocess on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    database_url: str, port: int, log: Path, workers: int = 1
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CREDO_DATABASE_URL": database_url}
    # a 30 s worker health check: uvicorn's 5 s kills workers still importing on a loaded machine
    command = [
        sys.executable, "-m", "uvicorn", "credo.web.api.server:app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        "--workers", str(workers), "--timeout-worker-healthcheck", "30",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    if answering(port, process, log):
        return process
    process.kill()
    raise RuntimeError(f"server did not start: {log.read_text()}")


def answering(port: int, process: subprocess.Popen[bytes], log: Path) -> bool:
    """Whether the server answers within 3 minutes (a loaded machine starts Python slowly);
    raises with its log if it exits first."""
    deadline = time.monotonic() + 180
    # one client: each new one loads the CA bundle (about 50 ms of CPU), every tenth of a
    # second, beside a server that is starting
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()}")
            try:
                # a cheap route: /openapi.json would build the whole document (a CPU second)
                client.get(f"http://127.0.0.1:{port}/v1/catalog")
                return True
            except httpx.HTTPError:
                time.sleep(0.1)
    return False
