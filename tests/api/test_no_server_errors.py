"""Bad input is never a 500: every operation of the published OpenAPI document, called by
every role with malformed bodies and odd path values, answers with a 4xx problem."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from credo.access.model import Role
from credo.access.service import create_principal
from credo.api.app import create_app
from credo.clock import FixedClock
from credo.context import build_context
from credo.settings import Settings
from tests.records.conftest import Writer, licence

BODIES: list[Any] = [{}, [], "garbage", {"unexpected": 1}, {"subject": {"kind": "alien"}}]
PATH_VALUES = ["1", "x", "0" * 40, "cn_ric", "%E2%98%83"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_operation_answers_500_to_bad_input(engine: Any, database_url: str) -> None:
    clock = FixedClock(datetime(2026, 3, 1, 12, 0))
    ctx = build_context(Settings(database_url=database_url), clock=clock, engine=engine)
    [written] = Writer(engine, ctx.catalogue, clock).write("market_regulator", licence())
    roles: list[tuple[str, Role, dict[str, Any]]] = [
        ("op", Role.OPERATOR, {}),
        ("fur", Role.FURNISHER, {"furnisher_id": "market_regulator"}),
        ("rp", Role.RELYING_PARTY, {"relying_party_id": next(iter(ctx.catalogue.relying_parties))}),
        ("sub", Role.SUBJECT, {"subject_id": written.subject_id}),
        ("aud", Role.AUDITOR, {}),
    ]
    with engine.begin() as conn:
        keys = [
            create_principal(
                conn,
                ctx.catalogue,
                principal_id=pid,
                role=role,
                display_name=pid,
                now=clock.now(),
                **extra,
            )
            for pid, role, extra in roles
        ]
    failures: list[str] = []
    statuses: dict[int, int] = {}
    with TestClient(create_app(ctx), raise_server_exceptions=False) as client:
        spec = client.get("/openapi.json").json()
        for path, operations in spec["paths"].items():
            for method in operations:
                for value in PATH_VALUES:
                    url = re.sub(r"\{[^}]+\}", value, path)
                    for key in [None, *keys]:
                        headers = {"Authorization": f"Bearer {key}"} if key else {}
                        for body in BODIES if method in ("post", "put", "patch") else [None]:
                            response = client.request(
                                method.upper(), url, json=body, headers=headers
                            )
                            statuses[response.status_code] = (
                                statuses.get(response.status_code, 0) + 1
                            )
                            if response.status_code >= 500:
                                failures.append(
                                    f"{method.upper()} {url} {body!r} "
                                    f"-> {response.status_code} {response.text[:200]}"
                                )
    assert not failures, "\n".join(failures[:20])
    assert statuses.get(422, 0) > 100 and statuses.get(401, 0) > 100, statuses  # it really probed
    assert len(spec["paths"]) > 20
