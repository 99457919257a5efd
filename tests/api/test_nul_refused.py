"""No input holds U+0000 (found by the schemathesis test on PostgreSQL, whose text and JSON
columns cannot store it: a catalogue change with one was a 500, a review queue filter with
one a 500, and a check whose transaction reference held one failed its inquiry's group
commit, a 503). A NUL in a path, a query, a JSON or form body is a 422 problem naming where,
on both databases; an escaped backslash before ``u0000`` is plain text and stays accepted."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from credo.access.model import Role
from credo.audit.tables import catalogue_changes
from credo.web.api.app import create_app
from tests.api.conftest import Registry
from tests.records.conftest import ACME


def _json(client: TestClient, url: str, body: bytes, key: str) -> Any:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    return client.post(url, content=body, headers=headers)


def test_a_nul_anywhere_in_the_input_is_a_422_problem(registry: Registry) -> None:
    operator = registry.keys[Role.OPERATOR]
    party = registry.keys[Role.RELYING_PARTY]
    purpose = registry.ctx.catalogue.relying_parties["demo_airline"].purposes[0]
    with TestClient(create_app(registry.ctx), raise_server_exceptions=False) as client:
        refused = {
            "body (JSON escape)": _json(
                client,
                "/v1/audit/catalogue-changes",
                b'{"title": "A new\\u0000list", "change": {"a": 1}, '
                b'"impact_assessment_ref": "IA-7"}',
                operator,
            ),
            "body (in free-form JSON)": _json(
                client,
                "/v1/audit/catalogue-changes",
                b'{"title": "A new list", "change": {"a": "x\\u0000"}, '
                b'"impact_assessment_ref": "IA-7"}',
                operator,
            ),
            "query": client.get(
                "/v1/review?queue=a%00", headers={"Authorization": f"Bearer {operator}"}
            ),
            "path": client.get(
                "/v1/lists/a%00/entries", headers={"Authorization": f"Bearer {operator}"}
            ),
            "body (form)": client.post("/signin", data={"key": "a\x00b", "csrf": "x"}),
        }
        check = client.post(
            "/v1/checks",
            json={
                "identifiers": [{"scheme": ACME[0], "value": ACME[1]}],
                "purpose": purpose,
                "transaction_ref": "PNR\x00-1",
            },
            headers={"Authorization": f"Bearer {party}"},
        )
        literal = _json(
            client,
            "/v1/audit/catalogue-changes",
            b'{"title": "Backslash \\\\u0000 as text", "change": {"a": 1}, '
            b'"impact_assessment_ref": "IA-7"}',
            operator,
        )
        plain = _json(
            client,
            "/v1/audit/catalogue-changes",
            b'{"title": "A new list", "change": {"a": 1}, "impact_assessment_ref": "IA-8"}',
            operator,
        )
    for where, response in refused.items():
        assert response.status_code == 422, (where, response.status_code, response.text)
        problem = response.json()
        assert problem["code"] == "nul_character", (where, problem)
        assert problem["errors"][0]["where"] == where.split(" ")[0], where
    assert check.status_code == 422, check.text  # not a 503 for the whole group commit
    assert "transaction_ref" in check.json()["detail"]
    assert literal.status_code == 201, literal.text
    with registry.ctx.engine.connect() as conn:
        title = conn.execute(
            select(catalogue_changes.c.title).where(catalogue_changes.c.id == literal.json()["id"])
        ).scalar_one()
    assert title == "Backslash \\u0000 as text"
    assert plain.status_code == 201, plain.text
