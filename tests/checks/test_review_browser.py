"""G-37 in a real chromium, on both databases: a relying party's person signs in to the
portal, sees the advisory decision, confirms it in their own name, and the API then shows
the decision confirmed by that person."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from credo.web.api.app import create_app
from tests.lists.builders import create_principals, defaulter, make_context, org_id, submit

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser
SUPPLIER = org_id(40)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(database_url: str, engine: Engine) -> Iterator[tuple[str, dict[str, str]]]:
    """Two defaulters' worth of registry behind a live server: its URL and the API keys."""
    ctx = make_context(database_url, engine)
    keys = create_principals(ctx)
    submit(ctx, "city_court", defaulter(SUPPLIER, "(2026)京执9号", kind="organisation"))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", keys
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_g37_a_person_confirms_an_advisory_decision_in_the_portal(
    served: tuple[str, dict[str, str]], browser: Browser, screenshot_dir: Path
) -> None:
    base, keys = served
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {keys['buyer']}"})
    body = {
        "identifiers": [{"scheme": "cn_uscc", "value": SUPPLIER}],
        "purpose": "procurement_award",
        "transaction_ref": "TENDER-7",
    }
    decision = api.post("/v1/checks", json=body).json()
    assert decision["status"] == "advisory"

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(base + "/signin")
        page.get_by_label("API key").fill(keys["buyer"])
        page.get_by_label("API key").press("Enter")
        page.wait_for_url(re.compile(r"/console/reviews$"))
        row = page.locator(f"tr[data-review='{decision['id']}']")
        assert "TENDER-7" in row.inner_text()
        assert "procurement_exclusion_defaulter" in row.inner_text()
        page.screenshot(path=str(screenshot_dir / "advisory-decisions.png"), full_page=True)
        row.get_by_label("Reviewer (your name)").fill("Wang Fang")
        row.get_by_label("Confirm the advice").check()
        row.get_by_role("button", name="Record the decision").click()
        page.wait_for_url(re.compile(r"/console/reviews$"))
        assert page.locator(f"tr[data-review='{decision['id']}']").count() == 0
        done = page.locator(f"tr[data-decided='{decision['id']}']")
        assert "Wang Fang" in done.inner_text() and "confirmed" in done.inner_text()
    finally:
        context.close()

    final = api.get(f"/v1/checks/{decision['id']}").json()
    assert final["status"] == "confirmed"
    assert final["review"]["reviewer"] == "Wang Fang"
