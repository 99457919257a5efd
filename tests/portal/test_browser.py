"""End-to-end journeys in a real chromium against a live server on each database:
public search to an organisation's page, the defaulter list with masked numbers, the
language switch, signing in, and a dispute from lodging to the check that no longer
applies. Screenshots of the main pages go to test-artifacts/."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy import select

from credo.access.model import Role
from credo.context import AppContext
from credo.demo.build import demo_credentials, demo_key
from credo.subjects.tables import subject_identifiers

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
MASKED = re.compile(r"^[0-9]{6}\*{8}[0-9]{3}[0-9X]$")


def _shot(page: Page, directory: Path, name: str) -> None:
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)


def test_public_search_to_an_organisation_page(
    site: tuple[str, AppContext], page: Page, screenshot_dir: Path
) -> None:
    base, _ = site
    page.goto(base + "/")
    _shot(page, screenshot_dir, "home")
    page.get_by_label("Name or Unified Social Credit Code").fill("Noodle")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/register/search\?q=Noodle"))
    _shot(page, screenshot_dir, "search")
    first = page.locator("table a[href^='/register/organisations/']").first
    name = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/register/organisations/[0-9]+$"))
    assert page.locator("h1").inner_text() == name
    assert page.get_by_role("heading", name="Licences").is_visible()
    assert page.get_by_role("heading", name="Penalties and other public records").is_visible()
    _shot(page, screenshot_dir, "organisation")


def test_defaulter_list_shows_masked_numbers(
    site: tuple[str, AppContext], page: Page, screenshot_dir: Path
) -> None:
    base, _ = site
    page.goto(base + "/")
    page.get_by_role("link", name="Judgment defaulters").first.click()
    page.wait_for_url(re.compile(r"/register/defaulters"))
    numbers = page.locator("td.code").all_inner_texts()
    person_numbers = [n for n in numbers if "*" in n]
    assert person_numbers
    assert all(MASKED.match(n) for n in person_numbers)
    assert "Fa Shi [2017] No. 7" in page.content()
    _shot(page, screenshot_dir, "defaulters")


def test_language_switch_on_every_page(
    site: tuple[str, AppContext], page: Page, screenshot_dir: Path
) -> None:
    base, _ = site
    page.goto(base + "/catalogue")
    page.get_by_role("link", name="中文").click()
    page.wait_for_url(re.compile(r"/catalogue$"))
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("h1").inner_text() == "信用信息目录"
    _shot(page, screenshot_dir, "catalogue-zh")
    page.goto(base + "/register/defaulters")
    assert page.locator("h1").inner_text() == "失信被执行人名单"
    _shot(page, screenshot_dir, "defaulters-zh")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/register/defaulters$"))
    assert page.locator("h1").inner_text() == "Judgment defaulters"


def test_keyboard_sign_in_as_operator_reaches_the_console(
    site: tuple[str, AppContext], page: Page, screenshot_dir: Path
) -> None:
    base, _ = site
    page.goto(base + "/signin")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.get_by_label("API key").fill(demo_key(Role.OPERATOR))
    page.get_by_label("API key").press("Enter")
    page.wait_for_url(re.compile(r"/console$"))
    assert page.locator("svg.chart").count() >= 3
    _shot(page, screenshot_dir, "console")


def test_subject_disputes_operator_resolves_subject_sees_outcome(
    site: tuple[str, AppContext], page: Page, screenshot_dir: Path
) -> None:
    base, ctx = site
    ric = _demo_subject_ric(ctx)
    assert _air_measures(base, ric) == ["no_air_travel"]

    _sign_in(page, base, Role.SUBJECT)
    page.wait_for_url(re.compile(r"/me$"))
    _shot(page, screenshot_dir, "subject-report")
    row = page.locator("tr[data-record]", has_text="Dishonest judgment defaulter").filter(
        has_text="in effect"
    )
    row.first.get_by_text("Dispute", exact=True).click()
    row.first.get_by_label("Grounds").fill("The judgment was performed in full.")
    row.first.get_by_role("button", name="Submit").first.click()
    page.wait_for_url(re.compile(r"/me#disputes$"))
    assert page.locator("td[data-status]").first.inner_text() == "Open"
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, base, Role.OPERATOR)
    page.goto(base + "/console/queues")
    entry = page.locator("tr[data-dispute]", has_text="performed in full")
    entry.get_by_label("Outcome").select_option("deleted")
    entry.get_by_label("Reasons").fill("The court confirmed full performance.")
    _shot(page, screenshot_dir, "dispute-queue")
    entry.get_by_role("button", name="Resolve").click()
    page.wait_for_url(re.compile(r"/console/queues$"))
    assert page.locator("tr[data-dispute]", has_text="performed in full").count() == 0
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, base, Role.SUBJECT)
    page.wait_for_url(re.compile(r"/me$"))
    outcome = page.locator("#disputes + table tr", has_text="performed in full")
    assert outcome.locator("td[data-status]").inner_text() == "Successful: the record was deleted"
    assert "The court confirmed full performance." in outcome.inner_text()
    _shot(page, screenshot_dir, "subject-outcome")
    assert _eventually(lambda: _air_measures(base, ric) == [])


def _sign_in(page: Page, base: str, role: Role) -> None:
    page.goto(base + "/signin")
    page.get_by_label("API key").fill(demo_key(role))
    page.get_by_role("button", name="Sign in").last.click()


def _demo_subject_ric(ctx: AppContext) -> str:
    subject_id = next(c.subject_id for c in demo_credentials(ctx) if c.subject_id)
    query = select(subject_identifiers.c.value).where(
        subject_identifiers.c.subject_id == subject_id, subject_identifiers.c.scheme == "cn_ric"
    )
    with ctx.engine.connect() as conn:
        return str(conn.execute(query).scalar_one())


def _air_measures(base: str, ric: str) -> list[str]:
    response = httpx.post(
        base + "/v1/checks",
        json={
            "identifiers": [{"scheme": "cn_ric", "value": ric}],
            "purpose": "air_ticket_sale",
            "transaction_ref": "PNR-BROWSER-1",
        },
        headers={"Authorization": f"Bearer {demo_key(Role.RELYING_PARTY)}"},
    )
    assert response.status_code == 200, response.text
    return [m["measure"] for m in response.json()["measures"]]


def _eventually(condition: Callable[[], bool]) -> bool:
    """The check index follows the change feed in the background: poll, then give up."""
    for _ in range(100):
        if condition():
            return True
        time.sleep(0.05)
    return condition()
