"""A small demo city behind the real app, on each database, for the portal tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from credo.access.model import Role
from credo.api.app import create_app
from credo.clock import FixedClock
from credo.context import AppContext, build_context
from credo.db.engine import make_engine
from credo.db.migrate import upgrade
from credo.demo.build import build_demo, demo_credentials
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
