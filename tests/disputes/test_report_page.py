"""The printable report page in a real browser (headless chromium): it renders the record
with its legal basis and prints to PDF. Only SQLite: the page does not depend on the engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine

from credo.disputes import service
from credo.disputes.report import subject_report
from credo.disputes.report_html import render_report
from credo.records.service import WriteContext
from tests.disputes.conftest import Registry

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_report_page_renders_and_prints(
    browser: Browser, registry: Registry, engine: Engine, ctx: WriteContext
) -> None:
    record = registry.defaulter()
    assert record.subject_id is not None
    with engine.begin() as conn:
        service.attach_statement(
            conn, ctx, record.subject_id, str(record.record_id), "<b>Paid</b> in full"
        )
        html = render_report(
            subject_report(conn, ctx.catalogue, record.subject_id, ctx.clock.now())
        )
    page = browser.new_page()
    try:
        page.set_content(html)
        assert page.locator("h1").inner_text() == "Your credit file"
        section = page.locator("section.record")
        assert section.count() == 1
        assert "Fa Shi [2017] No. 7" in section.inner_text()
        assert "<b>Paid</b> in full" in section.inner_text()  # escaped, shown as typed
        assert page.locator("section.record b").count() == 0
        pdf = page.pdf(format="A4")
    finally:
        page.close()
    assert pdf.startswith(b"%PDF")
