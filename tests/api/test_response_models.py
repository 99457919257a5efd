"""Every API route says what it answers (issue 13): each /v1 route declares a response model,
a named schema in the OpenAPI document (POST /v1/checks, served in front of the routes,
through the operation it adds), and served answers validate against what the document
declares, errors included (RFC 9457 problems). On both databases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from credo.access.model import Role
from credo.web.api.app import create_app
from credo.web.api.check_models import PATH as CHECKS
from tests.api.conftest import Registry
from tests.records.conftest import ACME

# The /v1 routes and POST /v1/checks when this test was written; a new route adds one
ROUTES = 49


def _v1_routes(app: FastAPI) -> Iterator[APIRoute]:
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path.startswith("/v1/"):
            yield route


def _answer_schema(operation: dict[str, Any]) -> dict[str, Any]:
    """The schema of the operation's success answer (its one 2xx with content)."""
    [schema] = [
        content["schema"]
        for status, response in operation["responses"].items()
        if status.startswith("2")
        for content in response.get("content", {}).values()
    ][:1]
    return dict(schema)


def _named(schema: dict[str, Any]) -> bool:
    """A component (or a list of one): what a client can type; ``dict[str, Any]`` is not."""
    if schema.get("type") == "array":
        return _named(schema["items"])
    return "$ref" in schema


def test_every_v1_route_declares_a_named_response_model() -> None:
    app = create_app(None)  # type: ignore[arg-type]  # the routes and document need no context
    routes = list(_v1_routes(app))
    untyped = [f"{r.methods} {r.path}" for r in routes if r.response_model is None]
    assert not untyped, untyped
    doc = app.openapi()
    operations = {
        (method.upper(), path): operation
        for path, item in doc["paths"].items()
        if path.startswith("/v1/")
        for method, operation in item.items()
    }
    assert ("POST", CHECKS) in operations  # the check endpoint, through its operation
    html = {("GET", "/v1/me/report.html")}  # a printable page: text/html, a string
    unnamed = [
        f"{method} {path}: {_answer_schema(op)}"
        for (method, path), op in sorted(operations.items())
        if (method, path) not in html and not _named(_answer_schema(op))
    ]
    assert not unnamed, "answers without a named schema:\n" + "\n".join(unnamed)
    assert len(operations) == len(routes) + 1 == ROUTES, sorted(operations)


def _validate(doc: dict[str, Any], method: str, path: str, status: int, body: Any) -> None:
    """``body`` against the schema the document declares for this operation and status."""
    response = doc["paths"][path][method]["responses"][str(status)]
    [content] = response["content"].values()
    schema = {**content["schema"], "components": doc["components"]}
    jsonschema_rs.validator_for(schema).validate(body)


def test_served_answers_are_what_the_document_declares(registry: Registry) -> None:
    """A few routes of each domain, and a problem; and the schemas do constrain."""
    client = TestClient(create_app(registry.ctx))  # no lifespan: no check index to build
    doc = client.get("/openapi.json").json()
    key = {role: {"Authorization": f"Bearer {k}"} for role, k in registry.keys.items()}
    scheme, value = ACME
    record = client.get(f"/v1/subjects/{scheme}/{value}", headers=key[Role.OPERATOR]).json()
    record_id = record["records"][0]["record_id"]
    statement = {"record_id": record_id, "text": "The licence was renewed in May."}
    posted = client.post("/v1/me/statements", json=statement, headers=key[Role.SUBJECT])
    assert posted.status_code == 201, posted.text
    dispute = {"record_id": record_id, "grounds": "Not renewed", "evidence": {"page": 2}}
    lodged = client.post("/v1/me/disputes", json=dispute, headers=key[Role.SUBJECT])
    assert lodged.status_code == 201, lodged.text
    _validate(doc, "post", "/v1/me/disputes", 201, lodged.json())
    asked = [  # (caller, template, path): one route or more of each domain
        (None, "/v1/catalog", "/v1/catalog"),
        (None, "/v1/ratings", "/v1/ratings"),
        (Role.OPERATOR, "/v1/subjects/{scheme}/{value}", f"/v1/subjects/{scheme}/{value}"),
        (Role.OPERATOR, "/v1/records/{record_id}/history", f"/v1/records/{record_id}/history"),
        (Role.OPERATOR, "/v1/disputes", "/v1/disputes"),
        (Role.SUBJECT, "/v1/me/report", "/v1/me/report"),
        (Role.AUDITOR, "/v1/audit/entries", "/v1/audit/entries"),
        (Role.RELYING_PARTY, "/v1/reviews/stats", "/v1/reviews/stats"),
    ]
    for role, template, path in asked:
        answer = client.get(path, headers=key[role] if role else {})
        assert answer.status_code == 200, (path, answer.text)
        _validate(doc, "get", template, 200, answer.json())
    report = client.get("/v1/me/report", headers=key[Role.SUBJECT]).json()
    [on_file] = report["records"]
    assert on_file["subject_statements"] and on_file["disputes"]  # the nested parts were seen
    missing = client.get("/v1/catalog/record-types/no_such_type")
    assert missing.status_code == 404
    _validate(doc, "get", "/v1/catalog/record-types/{type_id}", 404, missing.json())
    with pytest.raises(jsonschema_rs.ValidationError):  # a key of its own
        _validate(doc, "get", "/v1/me/report", 200, {**report, "surprise": 1})
    with pytest.raises(jsonschema_rs.ValidationError):  # a type of its own
        _validate(doc, "get", "/v1/me/report", 200, {**report, "records": "none"})
