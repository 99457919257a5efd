"""A small demo city behind the real app, on each database, for the portal tests."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from credo.access.model import Role
from credo.clock import FixedClock
from credo.context import AppContext, build_context
from credo.db.connect import make_engine
from credo.db.migrate import upgrade
from credo.demo.build import build_demo, demo_credentials
from credo.demo.population import DemoSize
from credo.settings import Settings
from credo.subjects.tables import subject_identifiers
from credo.web.api.app import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SIZE = DemoSize(persons=250, organisations=50, public_bodies=3)
TOKEN = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


def form_token(client: TestClient) -> str:
    """The CSRF token a page served to this client carries (as a browser would read it)."""
    found = TOKEN.search(client.get("/signin").text)
    assert found, "the sign-in page carries a form token"
    return found.group(1)


def post_form(client: TestClient, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """POST a portal form as the page would: with the page's token, from this origin."""
    headers = {"Origin": str(client.base_url), **kw.pop("headers", {})}
    form = {"csrf": form_token(client), **(data or {})}
    return client.post(url, data=form, headers=headers, **kw)


def sign_in(client: TestClient, key: str, **kw: Any) -> Any:
    return post_form(client, "/signin", {"key": key}, **kw)


@dataclass
class Portal:
    ctx: AppContext
    client: TestClient
    keys: dict[Role, str]

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        return post_form(self.client, url, data, **kw)

    def sign_in(self, role: Role, **kw: Any) -> Any:
        return sign_in(self.client, self.keys[role], **kw)

    def sign_out(self) -> Any:
        return self.post("/signout")

    def resident_ids(self) -> set[str]:
        with self.ctx.engine.connect() as conn:
            rows = conn.execute(
                select(subject_identifiers.c.value).where(subject_identifiers.c.scheme == "cn_ric")
            )
            return {row[0] for row in rows}


NOW = datetime(2026, 6, 30, 12, 0)


def migrate_and_build(url: str) -> None:
    """Migrate, then build the demo city: run once per back end for the session's template
    database, which each test then copies (building per test would dominate the run)."""
    upgrade(url)
    engine = make_engine(url)
    try:
        ctx = build_context(Settings(database_url=url), clock=FixedClock(NOW), engine=engine)
        build_demo(ctx, SIZE, seed=17)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def migrate() -> Callable[[str], None]:
    return migrate_and_build


def demo_context(database_url: str, engine: Engine) -> AppContext:
    """The context over a copy of the built demo city, at the fixed time it was built."""
    return build_context(Settings(database_url=database_url), clock=FixedClock(NOW), engine=engine)


@pytest.fixture
def portal(database_url: str, engine: Engine) -> Iterator[Portal]:
    ctx = demo_context(database_url, engine)
    keys = {c.role: c.key for c in demo_credentials(ctx)}
    with TestClient(create_app(ctx)) as client:
        yield Portal(ctx, client, keys)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def site(database_url: str, engine: Engine) -> Iterator[tuple[str, AppContext]]:
    """The demo city served by uvicorn on a free port, for as long as the test runs."""
    ctx = demo_context(database_url, engine)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", ctx
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()
