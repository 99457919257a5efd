"""POST /v1/checks has one path (issue 12): one endpoint serves it, and the OpenAPI document
describes what that endpoint answers; one role check and one purpose check (G-34)."""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from credo.web.api.check_models import PATH
from tests.checks import test_check_api
from tests.checks.test_check_api import A_GRADE_ORG, ADULT, STRANGER, Api, check

api = test_check_api.api  # the same registry and principals as the check API's tests


def _validator(doc: dict[str, Any], ref: str) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for({"$ref": ref, "components": doc["components"]})


def _operation(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    client, _, _ = api
    doc = client.get("/openapi.json").json()
    return doc, doc["paths"][PATH]["post"]


def test_the_served_decisions_are_what_the_openapi_document_describes(api: Api) -> None:
    doc, operation = _operation(api)
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    decision = _validator(doc, ref)
    answers = [
        check(api, "airline", ADULT, "air_ticket_sale"),  # restricted, with provenance
        check(api, "airline", STRANGER, "air_ticket_sale"),  # clear, no records
        check(api, "bank", ADULT, "consumer_loan"),  # review
        check(api, "buyer", A_GRADE_ORG, "procurement_award", scheme="cn_uscc"),  # benefit
    ]
    assert [a.status_code for a in answers] == [200] * 4
    assert {a.json()["outcome"] for a in answers} == {"restricted", "clear", "review", "benefit"}
    for answer in answers:
        decision.validate(answer.json())
    wrong = {**answers[0].json(), "outcome": "maybe"}
    assert not decision.is_valid(wrong)  # the schema does constrain the answer


def test_the_request_model_is_the_one_documented(api: Api) -> None:
    doc, operation = _operation(api)
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request = _validator(doc, ref)
    body = {
        "identifiers": [{"scheme": "cn_ric", "value": ADULT}],
        "purpose": "air_ticket_sale",
        "transaction_ref": "T-1",
    }
    assert request.is_valid(body)
    extra = {**body, "subject_name": "x"}
    assert not request.is_valid(extra)
    client, keys, _ = api
    refused = client.post(PATH, json=extra, headers={"Authorization": f"Bearer {keys['airline']}"})
    assert refused.status_code == 422  # what the document refuses, the endpoint refuses


def test_no_framework_route_serves_checks(api: Api) -> None:
    """The dead route is gone: the endpoint in front of the app is the only server."""
    client, _, _ = api
    assert not [r for r in client.app.routes if getattr(r, "path", None) == PATH]  # type: ignore[attr-defined]


def test_a_forbidden_role_or_purpose_gets_the_same_problem_as_before(api: Api) -> None:
    """G-34: one role check, before the body is read, and one purpose check."""
    doc, operation = _operation(api)
    schema = operation["responses"]["403"]["content"]["application/problem+json"]["schema"]
    problem = jsonschema_rs.validator_for({**schema, "components": doc["components"]})
    client, keys, _ = api
    court = client.post(PATH, json={}, headers={"Authorization": f"Bearer {keys['court']}"})
    assert court.status_code == 403
    assert court.headers["content-type"] == "application/problem+json"
    assert court.json() == {
        "type": "https://credo.example/problems/forbidden",
        "title": "Not allowed",
        "status": 403,
        "detail": "checks are for relying parties; you are a furnisher",
        "code": "forbidden",
    }
    unregistered = check(api, "airline", ADULT, "consumer_loan")
    assert unregistered.status_code == 403
    assert unregistered.json()["code"] == "purpose_not_permitted"
    assert "registered: air_ticket_sale" in unregistered.json()["detail"]
    problem.validate(court.json())
    problem.validate(unregistered.json())
