"""The portal's /me page says who watches the subject (issue 11, item 2; G-24), as the report
does: each subscription's relying party, purpose, legal basis, since when and whether it
still watches. On SQLite and PostgreSQL."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from credo.access.model import Role
from credo.access.service import create_principal
from credo.context import AppContext
from credo.web.api.app import create_app
from tests.checks.test_watching import ADULT, subject_id_of, subscribe, watched
from tests.portal.conftest import sign_in

__all__ = ["watched"]  # the fixture, shared with the report's tests
WATCHER = re.compile(r"<tr data-watcher>(.*?)</tr>", re.S)


def _subject_key(ctx: AppContext) -> str:
    with ctx.engine.begin() as conn:
        return create_principal(
            conn,
            ctx.catalogue,
            principal_id="adult",
            role=Role.SUBJECT,
            display_name="adult",
            now=ctx.clock.now(),
            subject_id=subject_id_of(ctx, f"cn_ric:{ADULT}"),
        )


def _cells(row: str) -> list[str]:
    return [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]


def test_me_shows_who_watches_since_when_and_why(
    watched: tuple[AppContext, dict[str, str]],
) -> None:
    ctx, keys = watched
    with TestClient(create_app(ctx)) as client:
        assert subscribe(client, keys["bank"], "consumer_loan").status_code == 201
        key = _subject_key(ctx)
        ctx.clock.advance(days=2)  # type: ignore[attr-defined]
        assert subscribe(client, keys["airline"], "air_ticket_sale").status_code == 201
        assert sign_in(client, key).status_code in (200, 303)
        page = client.get("/me")
        assert page.status_code == 200
        rows = [_cells(row) for row in WATCHER.findall(page.text)]
        chinese = client.get("/me", headers={"Accept-Language": "zh-CN"}).text
    assert "Who watches your file" in page.text
    assert sorted(rows) == [
        [
            "Demo City Airlines",
            "Sale of an air ticket",
            "SPC Provisions on Restricting High Consumption of Judgment Debtors "
            "(Fa Shi [2015] No. 17), Art. 3(1), Art. 11",
            "3 Jun 2026",
            "watching",
        ],
        [
            "Demo City Commercial Bank",
            "Application for a consumer loan",
            "Regulation on the Administration of the Credit Reporting Industry, Art. 18, Art. 20",
            "1 Jun 2026",
            "watching",
        ],
    ]
    assert "谁在关注您的信用档案" in chinese and "2026年6月1日" in chinese
