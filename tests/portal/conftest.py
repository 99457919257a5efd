"""A small demo city behind the real app, on each database, for the portal tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from credo.access.model import Role
from credo.api.app import create_app
from credo.clock import FixedClock
from credo.context import AppContext, build_context
from credo.demo.build import build_demo
from credo.demo.population import DemoSize
from credo.settings import Settings
from credo.subjects.tables import subject_identifiers

SIZE = DemoSize(persons=250, organisations=50, public_bodies=3)


@dataclass
class Portal:
    ctx: AppContext
    client: TestClient
    keys: dict[Role, str]

    def resident_ids(self) -> set[str]:
        with self.ctx.engine.connect() as conn:
            rows = conn.execute(
                select(subject_identifiers.c.value).where(subject_identifiers.c.scheme == "cn_ric")
            )
            return {row[0] for row in rows}


def demo_context(database_url: str, engine: Engine) -> AppContext:
    clock = FixedClock(datetime(2026, 6, 30, 12, 0))
    ctx = build_context(Settings(database_url=database_url), clock=clock, engine=engine)
    build_demo(ctx, SIZE, seed=17)
    return ctx


@pytest.fixture
def portal(database_url: str, engine: Engine) -> Iterator[Portal]:
    ctx = demo_context(database_url, engine)
    keys = {c.role: c.key for c in build_demo(ctx, SIZE, seed=17).credentials}
    with TestClient(create_app(ctx)) as client:
        yield Portal(ctx, client, keys)
