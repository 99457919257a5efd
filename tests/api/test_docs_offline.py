"""The API reference works offline (issue 15): /docs (Swagger UI) renders the operations in a
real chromium whose every request to a host other than 127.0.0.1 is aborted, under the page's
strict Content-Security-Policy (credo.web.security)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
import uvicorn

from credo.context import build_context
from credo.settings import Settings
from credo.web.api.app import create_app
from harness import sqlite as sqlite_harness
from tests.portal.conftest import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Route

    from tests.conftest import Migrate, Templates

pytestmark = pytest.mark.browser


@pytest.fixture
def served(
    tmp_path_factory: pytest.TempPathFactory, migrate: Migrate, database_templates: Templates
) -> Iterator[str]:
    """The app behind a live server, on SQLite only: the reference page reads no table."""
    template = database_templates.sqlite(migrate)
    url = sqlite_harness.clone(template, tmp_path_factory.mktemp("docs") / "credo.db")
    app = create_app(build_context(Settings(database_url=url)))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def cut_off(context: BrowserContext) -> list[str]:
    """Abort every request of ``context`` to a host other than this machine's 127.0.0.1, as on
    a registry without internet, and note it. (``set_offline`` would cut 127.0.0.1 too.)"""
    blocked: list[str] = []

    def route(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", route)
    return blocked


def test_swagger_ui_renders_the_operations_with_the_network_cut(
    served: str, browser: Browser, screenshot_dir: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        blocked = cut_off(context)
        errors: list[str] = []
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(served + "/docs")
        page.wait_for_selector(".opblock", timeout=60_000)  # a loaded machine is slow
        assert page.locator(".opblock").count() > 20
        assert page.locator(".opblock-summary-path", has_text="/v1/checks").count() >= 1
        page.screenshot(path=str(screenshot_dir / "api-docs-offline.png"))
    finally:
        context.close()
    assert blocked == [], "the page asked for another host"
    assert errors == [], errors
