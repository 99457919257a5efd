"""Bad input is never a 500: every operation of the published OpenAPI document, called by
every role with malformed bodies and odd path values, answers with a 4xx problem."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from credo.web.api.app import create_app
from tests.api.conftest import Registry

BODIES: list[Any] = [{}, [], "garbage", {"unexpected": 1}, {"subject": {"kind": "alien"}}]
PATH_VALUES = ["1", "x", "0" * 40, "cn_ric", "%E2%98%83"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_operation_answers_500_to_bad_input(registry: Registry) -> None:
    ctx, keys = registry.ctx, list(registry.keys.values())
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
