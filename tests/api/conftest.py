"""A small registry for probing the API: one record (a licence of Acme, written by the market
regulator) and an API key for each role that holds one, on the test's database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from credo.access.model import Role
from credo.access.service import create_principal
from credo.clock import FixedClock
from credo.context import AppContext, build_context
from credo.settings import Settings
from tests.records.conftest import Writer, licence


@dataclass(frozen=True)
class Registry:
    ctx: AppContext
    keys: dict[Role, str]  # every role but PUBLIC, which is the caller without a key

    def callers(self) -> dict[str, dict[str, str]]:
        """Request headers for each caller: anonymous first, then a key of each role."""
        keyed = {role.value: {"Authorization": f"Bearer {key}"} for role, key in self.keys.items()}
        return {"anonymous": {}, **keyed}


@pytest.fixture
def registry(database_url: str, engine: Engine) -> Registry:
    clock = FixedClock(datetime(2026, 3, 1, 12, 0))
    ctx = build_context(Settings(database_url=database_url), clock=clock, engine=engine)
    [written] = Writer(engine, ctx.catalogue, clock).write("market_regulator", licence())
    scopes: dict[Role, dict[str, Any]] = {
        Role.OPERATOR: {},
        Role.FURNISHER: {"furnisher_id": "market_regulator"},
        Role.RELYING_PARTY: {"relying_party_id": next(iter(ctx.catalogue.relying_parties))},
        Role.SUBJECT: {"subject_id": written.subject_id},
        Role.AUDITOR: {},
    }
    assert set(scopes) == set(Role) - {Role.PUBLIC}, "a new role needs a key here"
    with engine.begin() as conn:
        keys = {
            role: create_principal(
                conn,
                ctx.catalogue,
                principal_id=role.value,
                role=role,
                display_name=role.value,
                now=clock.now(),
                **scope,
            )
            for role, scope in scopes.items()
        }
    return Registry(ctx, keys)
