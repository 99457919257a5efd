"""Continuous fuzzing (issue 11): schemathesis generates requests for every operation of the
app's live OpenAPI document, sent by every caller (anonymous and a key of each role), and
checks each answer against the document: no server error, a declared status code, a declared
content type and a body that matches the declared schema. On both databases.

The app runs under one Starlette TestClient (its lifespan, with the check service's loop
tasks, runs once); schemathesis only generates the cases and validates the answers, so no
second event loop ever touches the app. Derandomized and bounded: a few examples for each
operation and generation mode, each sent by every caller. Negative mode also drops or breaks
the key (the security requirement is negated too), so keyed callers meet 401s as well.

No operation or check is excluded: every error the API gives is declared once for all
routes (``credo.web.problems.PROBLEM_RESPONSES``, RFC 9457 problems)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import requests
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from credo.web.api.app import create_app
from tests.api.conftest import Registry

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 2}
# Hypothesis's profile 'deep' (tests/conftest.py, ten times the examples) fuzzes ten times longer
SCALE = max(1, settings.default.max_examples // 100)


def _send(client: TestClient, case: schemathesis.Case, headers: dict[str, str]) -> Any:
    """Send the case through the app's TestClient, with the bytes schemathesis would send."""
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url), headers=headers)
    prepared = requests.Request(**kwargs).prepare()
    return client.request(
        str(prepared.method),
        str(prepared.url),
        headers=dict(prepared.headers),
        content=prepared.body,
    )


def _summary(case: schemathesis.Case, failure: Exception) -> str:
    """One line for a kind of failure: the operation, the check's title, what it saw."""
    message = " ".join(str(getattr(failure, "message", failure)).split())[:300]
    title = getattr(failure, "title", type(failure).__name__)
    return f"{case.method} {case.path}: {title}: {message}"


def _fuzz(
    client: TestClient,
    operation: Any,
    mode: GenerationMode,
    callers: dict[str, dict[str, str]],
    failures: dict[str, set[str]],
    statuses: Counter[int],
) -> None:
    """Each generated case is sent by every caller: the roles see the same inputs, and
    generation (most of the cost) is paid once."""

    @settings(
        max_examples=EXAMPLES[mode] * SCALE,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        for caller, headers in callers.items():
            response = _send(client, case, headers)
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:
                for failure in group.exceptions:
                    failures[_summary(case, failure)].add(caller)

    try:
        run()
    except Unsatisfiable:
        # negative mode for an operation whose every input is valid (no parameters, no body)
        if mode is not GenerationMode.NEGATIVE:
            raise


def test_every_operation_and_role_conforms_to_the_openapi_document(registry: Registry) -> None:
    """Issue 11, continuous fuzzing: green for all roles with response conformance on."""
    failures: dict[str, set[str]] = defaultdict(set)
    statuses: Counter[int] = Counter()
    with TestClient(create_app(registry.ctx), raise_server_exceptions=False) as client:
        schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json())
        operations = [result.ok() for result in schema.get_all_operations()]
        for operation in operations:
            for mode in EXAMPLES:
                _fuzz(client, operation, mode, registry.callers(), failures, statuses)
    print(len(operations), sum(statuses.values()), dict(statuses))
    report = [f"{summary} [{', '.join(sorted(who))}]" for summary, who in sorted(failures.items())]
    assert not failures, f"{len(failures)} kinds of failure:\n" + "\n".join(report)
    assert len(operations) > 30
    assert statuses[200] and statuses[422] and statuses[401] and statuses[403], statuses
