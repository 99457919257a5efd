"""Guardrail tests of POST /v1/checks that no other test pins down: a decision is never
released when its inquiry could not be committed (G-24), and a check names a real transaction
(G-34), through the endpoint that serves POST /v1/checks (``CheckEndpoint``) and its request
model (``credo.web.api.check_models.CheckIn``), and decisions go stale within a day (G-39)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Connection, Engine, func, select

from credo.audit.tables import audit_log
from credo.catalog.loader import load_catalogue
from credo.catalog.models import Profile
from credo.checks import inquiries as inquiries_module
from credo.checks.decide import valid_until
from credo.checks.service import verify_decision
from credo.checks.tables import inquiries
from credo.errors import Conflict
from credo.settings import DEMO_CATALOG
from credo.web.api.app import create_app
from credo.web.api.checks import CheckIn
from tests.lists.builders import create_principals, defaulter, make_context, person_id, submit

LISTED = person_id(date(1980, 5, 6))

Api = tuple[TestClient, str, Engine]


@pytest.fixture
def api(database_url: str, engine: Engine) -> Iterator[Api]:
    ctx = make_context(database_url, engine)
    keys = create_principals(ctx)
    submit(ctx, "city_court", defaulter(LISTED))
    with TestClient(create_app(ctx)) as client:
        yield client, keys["airline"], engine


def check(api: Api, **fields: Any) -> Any:
    client, key, _ = api
    body = {
        "identifiers": [{"scheme": "cn_ric", "value": LISTED}],
        "purpose": "air_ticket_sale",
        "transaction_ref": "T-1",
        **fields,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return client.post("/v1/checks", json=body, headers={"Authorization": f"Bearer {key}"})


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_g24_a_failed_inquiry_commit_releases_no_decision(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """G-24: the inquiry's transaction writes its rows and then fails to commit (injected, so
    deterministic): the relying party gets 503 and no decision, and nothing of the inquiry
    stays. Answering before the commit, or despite its failure, fails this test."""
    _, _, engine = api
    assert check(api).status_code == 200  # the writer works, and has logged one inquiry
    logged, audited = count(engine, inquiries), count(engine, audit_log)
    real = inquiries_module.log_inquiries

    def write_then_fail(conn: Connection, rows: list[dict[str, Any]]) -> None:
        real(conn, rows)
        raise RuntimeError("injected: the commit of the inquiry log failed")

    monkeypatch.setattr(inquiries_module, "log_inquiries", write_then_fail)
    refused = check(api, transaction_ref="T-2")
    assert refused.status_code == 503, refused.text
    problem = refused.json()
    assert problem["code"] == "inquiry_not_recorded"
    assert "outcome" not in problem and "measures" not in problem and "id" not in problem
    assert count(engine, inquiries) == logged and count(engine, audit_log) == audited
    monkeypatch.setattr(inquiries_module, "log_inquiries", real)
    assert check(api, transaction_ref="T-3").status_code == 200  # the writer recovers


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("ref", ["", " ", "\t \n", None])
def test_g34_a_check_without_a_transaction_reference_is_refused(api: Api, ref: str | None) -> None:
    """G-34: an empty, blank or missing transaction_ref is refused with 422 by the fast path,
    and nothing is logged as if a transaction had been named."""
    _, _, engine = api
    response = check(api, transaction_ref=ref)
    assert response.status_code == 422, response.text
    assert "transaction_ref" in response.json()["detail"]
    assert count(engine, inquiries) == 0


@pytest.mark.parametrize("ref", ["", "   ", "\u3000"])
def test_g34_the_request_model_refuses_a_blank_transaction_reference(ref: str) -> None:
    """G-34: the endpoint's documented request model refuses blanks (the
    ideographic space included)."""
    body = {"identifiers": [{"scheme": "cn_ric", "value": LISTED}], "purpose": "p"}
    with pytest.raises(ValidationError, match="transaction_ref"):
        CheckIn.model_validate({**body, "transaction_ref": ref})
    assert CheckIn.model_validate({**body, "transaction_ref": " T-1 "}).transaction_ref


def test_g39_no_profile_lets_a_decision_live_longer_than_a_day() -> None:
    """G-39: a decision is valid at most 24 hours under every profile; a profile may set less
    (and a decision's valid_until follows it), never more."""
    catalogue = load_catalogue(DEMO_CATALOG)
    now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    for profile in catalogue.profiles.values():
        assert profile.decision_validity_hours <= 24, profile.id
        with pytest.raises(ValidationError, match="decision_validity_hours"):
            Profile.model_validate({**profile.model_dump(), "decision_validity_hours": 25})
    tight = catalogue.profile.model_copy(update={"decision_validity_hours": 6})
    tighter = replace(catalogue, profiles={**catalogue.profiles, catalogue.profile.id: tight})
    assert valid_until(catalogue, now) == now + timedelta(hours=24)
    assert valid_until(tighter, now) == now + timedelta(hours=6)


def test_g39_verifying_a_decision_older_than_its_validity_fails(
    database_url: str, engine: Engine
) -> None:
    """G-39: the verification endpoint's rule refuses a 25-hour-old decision (and one a second
    past its valid_until), and verifies it while valid."""
    issued = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    row = {
        "id": "d-1",
        "at": issued,
        "relying_party_id": "demo_airline",
        "principal_id": "airline",
        "purpose": "air_ticket_sale",
        "transaction_ref": "T-1",
        "subject_id": None,
        "subject_key": "cn_ric:x",
        "outcome": "restricted",
        "measures": ["no_air_travel"],
        "valid_until": issued + timedelta(hours=24),
        "as_of": None,
    }
    with engine.begin() as conn:
        inquiries_module.log_inquiries(conn, [row])
    with engine.connect() as conn:
        late = issued + timedelta(hours=23, minutes=59)
        assert verify_decision(conn, "d-1", "demo_airline", late)["outcome"] == "restricted"
        for when in (issued + timedelta(hours=24), issued + timedelta(hours=25)):
            with pytest.raises(Conflict) as stale:
                verify_decision(conn, "d-1", "demo_airline", when)
            assert stale.value.code == "decision_expired"
