"""`credo demo` serves the portal from its start while the city is built: every page says
so until the builder clears the app's ``building`` event, then the notice is gone."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from credo.clock import FixedClock
from credo.context import build_context
from credo.settings import Settings
from credo.web.api.app import create_app

NOTICE = 'class="building"'


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_pages_say_building_until_the_build_is_done(database_url: str, engine: Engine) -> None:
    ctx = build_context(
        Settings(database_url=database_url), clock=FixedClock(datetime(2026, 3, 1, tzinfo=UTC)),
        engine=engine,
    )  # fmt: skip
    app = create_app(ctx)
    building = threading.Event()
    building.set()
    app.state.building = building
    with TestClient(app) as client:
        assert NOTICE in client.get("/").text
        assert NOTICE in client.get("/catalogue").text
        building.clear()
        assert NOTICE not in client.get("/").text
