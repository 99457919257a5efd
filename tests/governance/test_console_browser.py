"""G-48 in the browser: the second operator sees the simulation's summary and its full
report in the operator console before approving the change there."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import Browser, Page

from credo.access.model import Role
from credo.access.service import create_principal
from credo.audit import repository as audit_repo
from credo.audit.approvals import propose
from credo.governance.service import simulation_assessment
from credo.web.api.app import create_app

from .conftest import Registry

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def served(registry: Registry) -> Iterator[str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        create_app(registry.ctx), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_g48_the_approver_sees_the_simulation_before_approving(
    registry: Registry, served: str, browser: Browser
) -> None:
    ctx = registry.ctx
    with ctx.engine.begin() as conn:
        assess = simulation_assessment(conn, registry.simulate(min_cell=5), ctx.clock.now())
        propose(conn, "ann", "Raise the poor threshold", {"x": 1}, "IA-17", ctx.clock.now(),
                assess)  # fmt: skip
        key = create_principal(conn, ctx.catalogue, principal_id="cleo", role=Role.OPERATOR,
                               display_name="Cleo", now=ctx.clock.now())  # fmt: skip
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page: Page = context.new_page()
    try:
        page.goto(served + "/signin")
        page.get_by_label("API key").fill(key)
        page.get_by_label("API key").press("Enter")
        page.wait_for_url(served + "/console")
        page.get_by_role("link", name="Catalogue changes and their simulations").click()
        change = page.locator("section[data-change='1']")
        summary = change.locator("table.simulation-summary")
        assert summary.is_visible()
        assert "decisions flipping" in summary.inner_text()
        assert "<5" in summary.inner_text()
        page.get_by_role("link", name="Read the full report").click()
        assert page.get_by_role("heading", name="Relying-party decisions").is_visible()
        assert "licensing_desk · business_licensing" in page.content()
        page.go_back()
        change.get_by_label("Reasons").fill("The flips are all judgment defaulters; proportionate.")
        change.get_by_role("button", name="Decide").click()
        page.wait_for_url(served + "/console/catalogue-changes")
        assert "approved (cleo)" in page.locator("section[data-change='1']").inner_text()
    finally:
        context.close()
    with ctx.engine.connect() as conn:
        decided = audit_repo.get_change(conn, 1)
    assert (
        decided is not None and decided["status"] == "approved" and decided["decided_by"] == "cleo"
    )
