"""Public means current: the public register (API and portal) shows only the entries in
effect today; an entry that has ended never appears, and a list's history (any other date)
is for operators and auditors, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from credo.access.model import Role
from credo.access.service import create_principal
from credo.context import AppContext
from credo.web.api.app import create_app
from tests.lists.builders import (
    NOW,
    change,
    create_principals,
    defaulter,
    make_context,
    org_id,
    submit,
)

STANDING = org_id(101)  # a defaulter still in effect today
PERFORMED = org_id(202)  # performed on 2026-03-01: its entry has ended
URL = "/v1/lists/judgment_defaulters/entries"
TODAY = NOW.date().isoformat()


def _registry(database_url: str, engine: Engine) -> tuple[AppContext, dict[str, str]]:
    ctx = make_context(database_url, engine)
    keys = create_principals(ctx)
    with engine.begin() as conn:
        keys["auditor"] = create_principal(
            conn,
            ctx.catalogue,
            principal_id="auditor",
            role=Role.AUDITOR,
            display_name="auditor",
            now=ctx.clock.now(),
        )
    performed = defaulter(PERFORMED, "(2026)京0105执9号", kind="organisation")
    submit(ctx, "city_court", defaulter(STANDING, kind="organisation"), performed)
    submit(ctx, "city_court", change(performed, "perform", 1, "2026-03-01"))
    return ctx, keys


def _subjects(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(e["subject"] for e in response.json()["entries"])


def test_the_public_sees_only_todays_entries_and_never_an_ended_one(
    database_url: str, engine: Engine
) -> None:
    ctx, keys = _registry(database_url, engine)
    with TestClient(create_app(ctx)) as client:
        assert _subjects(client.get(URL)) == [f"cn_uscc:{STANDING}"]
        assert _subjects(client.get(URL, params={"on": TODAY})) == [f"cn_uscc:{STANDING}"]
        assert client.get(URL).json()["on"] == TODAY
        # the past (when the performed entry was in effect) and the future are not public
        for day in ("2026-02-01", "2025-06-01", "2026-06-02", "2027-01-01"):
            for headers in (
                {},
                {"Authorization": f"Bearer {keys['bank']}"},
                {"Authorization": f"Bearer {keys['court']}"},
            ):
                response = client.get(URL, params={"on": day}, headers=headers)
                assert response.status_code == 403, (day, headers, response.text)
                problem = response.json()
                assert response.headers["content-type"].startswith("application/problem+json")
                assert problem["code"] == "history_not_public"
                assert "today" in problem["detail"] and "operators" in problem["detail"]
                assert PERFORMED not in response.text
        assert client.get(URL, params={"on": "2026-02-30"}).status_code == 422
        bad_key = client.get(URL, params={"on": "2026-02-01"}, headers={"X-API-Key": "bad"})
        assert bad_key.status_code == 401


@pytest.mark.parametrize("role", ["operator", "auditor"])
def test_operators_and_auditors_may_ask_any_date(
    database_url: str, engine: Engine, role: str
) -> None:
    ctx, keys = _registry(database_url, engine)
    headers = {"Authorization": f"Bearer {keys[role]}"}
    with TestClient(create_app(ctx)) as client:
        both = sorted([f"cn_uscc:{PERFORMED}", f"cn_uscc:{STANDING}"])
        assert _subjects(client.get(URL, params={"on": "2026-02-01"}, headers=headers)) == both
        later = client.get(URL, params={"on": "2026-04-01"}, headers=headers)
        assert _subjects(later) == [f"cn_uscc:{STANDING}"]
        assert _subjects(client.get(URL, headers=headers)) == [f"cn_uscc:{STANDING}"]
        by_header = client.get(URL, params={"on": "2026-02-01"}, headers={"X-API-Key": keys[role]})
        assert _subjects(by_header) == both


def test_the_portals_public_list_shows_today_only(database_url: str, engine: Engine) -> None:
    ctx, _ = _registry(database_url, engine)
    with TestClient(create_app(ctx)) as client:
        for url in (
            "/register/defaulters",
            "/register/defaulters?on=2026-02-01",
            "/register/defaulters?as_of=2026-02-01",
        ):
            page = client.get(url)
            assert page.status_code == 200
            assert STANDING in page.text
            assert PERFORMED not in page.text, url
