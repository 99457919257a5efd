"""Ratings through the API, the CLI and the batch rescoring service, on both databases:
explanations, point in time, access rules, snapshots and the atomic pointer switch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from credo.access.model import Role
from credo.access.service import create_principal
from credo.catalog.catalogue import Catalogue
from credo.cli.main import app as cli_app
from credo.clock import FixedClock
from credo.context import build_context
from credo.ratings import repository
from credo.ratings.service import RatingResult, rescore, validate_snapshot
from credo.settings import Settings
from credo.web.api.app import create_app
from tests.ratings.conftest import Writer
from tests.ratings.golden import load_golden

TAX = "/v1/ratings/tax_credit_grade/subjects/city_permit"


@pytest.fixture
def api(
    writer: Writer, engine: Engine, database_url: str, clock: FixedClock
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    load_golden(writer, engine)
    ctx = build_context(Settings(database_url=database_url), clock=clock, engine=engine)
    keys: dict[str, str] = {}
    with engine.begin() as conn:
        for name, role, subject in [
            ("operator", Role.OPERATOR, None),
            ("taxpayer2", Role.SUBJECT, 2),
            ("taxpayer1", Role.SUBJECT, 1),
        ]:
            keys[name] = create_principal(
                conn,
                ctx.catalogue,
                principal_id=name,
                role=role,
                display_name=name,
                now=clock.now(),
                subject_id=subject,
            )
    with TestClient(create_app(ctx)) as client:
        yield client, keys


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_definitions_are_public(api: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = api
    response = client.get("/v1/ratings")
    assert response.status_code == 200
    keys = {r["key"] for r in response.json()}
    assert "nyc_restaurant_grade@1" in keys
    tax = next(r for r in response.json() if r["id"] == "tax_credit_grade")
    assert tax["score"]["tables"][0]["bins"][1]["from"] == 1


def test_a_rating_with_reasons_records_and_counterfactual(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = api
    response = client.get(f"{TAX}/CP-000002?as_of=2026-03-01", headers=auth(keys["operator"]))
    assert response.status_code == 200
    body = response.json()
    assert body["band"] == "C" and body["total"] == 49.0
    codes = [r["code"] for r in body["reasons"]]
    assert codes == ["TAX_ARREARS_AMOUNT", "TAX_ARREARS_OVER_90_DAYS", "TAX_ARREARS_COUNT"]
    assert body["reasons"][0]["text"]["zh"]
    assert len(body["records"]) == 3  # two arrears and the D grade
    counterfactual = body["counterfactual"]
    # Two fewer arrears (60 points: M) ties with no arrears over 90 days (64: M); the first
    # feature in the definition wins a tie.
    assert (counterfactual["feature"], counterfactual["change"]) == ("arrears_count", -2.0)
    assert counterfactual["text"]["en"] == "fewer tax arrears in the last 12 months"


def test_point_in_time_through_the_api(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    earlier = client.get(f"{TAX}/CP-000002?as_of=2025-10-01", headers=auth(keys["operator"]))
    assert earlier.json()["band"] == "B"
    history = client.get(f"{TAX}/CP-000002/history", headers=auth(keys["operator"]))
    assert history.status_code == 200 and history.json()["entries"]


def test_a_subject_sees_its_own_rating_only(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    own = client.get(f"{TAX}/CP-000002", headers=auth(keys["taxpayer2"]))
    assert own.status_code == 200
    other = client.get(f"{TAX}/CP-000002", headers=auth(keys["taxpayer1"]))
    assert other.status_code == 404  # as for a number nobody registered: no oracle
    assert client.get(f"{TAX}/CP-000002").status_code == 401


def test_bad_input_is_a_problem_not_a_500(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    headers = auth(keys["operator"])
    assert client.get(f"{TAX}/CP-000002?as_of=yesterday", headers=headers).status_code == 422
    unknown = client.get("/v1/ratings/social_score/subjects/city_permit/CP-000002", headers=headers)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert client.get(f"{TAX}/CP-999999", headers=headers).status_code == 404


def test_rescore_snapshots_switch_atomically_and_old_ones_stay(
    writer: Writer, engine: Engine, catalogue: Catalogue, clock: FixedClock
) -> None:
    load_golden(writer, engine)
    first = rescore(
        engine, catalogue, engine_name="duckdb", as_of=date(2025, 10, 1), now=clock.now()
    )
    second = rescore(
        engine, catalogue, engine_name="duckdb", as_of=date(2026, 3, 1), now=clock.now()
    )
    tax_first = next(s for s in first if s.rating == "tax_credit_grade@1")
    tax_second = next(s for s in second if s.rating == "tax_credit_grade@1")
    assert tax_second.before == tax_first.after
    assert tax_second.after == {"A": 2, "C": 1}
    with engine.connect() as conn:
        assert repository.current_snapshot_id(conn, "tax_credit_grade@1") == (
            tax_second.snapshot_id
        )
        old = repository.snapshot_results(conn, tax_first.snapshot_id)
    assert {r["band"] for r in old} == {"A", "B"}


def test_an_invalid_snapshot_is_refused() -> None:
    from credo.catalog.loader import load_catalogue
    from credo.settings import DEMO_CATALOG

    rating = load_catalogue(DEMO_CATALOG).ratings["tax_credit_grade"]
    twice = [RatingResult(1, date(2026, 1, 1), {}, [], 150.0, "Z")] * 2
    problems = validate_snapshot(rating, twice, {"Z": 2})
    assert len(problems) == 3


def test_cli_rescore_and_eval(
    writer: Writer, engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_golden(writer, engine)
    monkeypatch.setenv("CREDO_DATABASE_URL", database_url)
    runner = CliRunner()
    own_engine = "postgres" if database_url.startswith("postgres") else "sqlite"
    for name in (own_engine, "duckdb", "polars"):
        command = ["rescore", "--engine", name, "--as-of", "2026-03-01"]
        result = runner.invoke(cli_app, [*command, "--partition-records", "2"])
        assert result.exit_code == 0, result.output
        assert "tax_credit_grade@1" in result.output and "before" in result.output
    result = runner.invoke(
        cli_app,
        [
            "rating",
            "eval",
            "tax_credit_grade",
            "--subject",
            "city_permit:CP-000002",
            "--as-of",
            "2026-03-01",
        ],
    )
    assert result.exit_code == 0, result.output
    body: dict[str, Any] = orjson.loads(result.stdout)
    assert body["band"] == "C"
    bad = runner.invoke(cli_app, ["rating", "eval", "tax_credit_grade", "--subject", "CP-1"])
    assert bad.exit_code == 1
    wrong = runner.invoke(cli_app, ["rescore", "--engine", "oracle"])
    assert wrong.exit_code == 1


def test_a_not_rated_answer_carries_its_reason_and_records(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = api
    path = "/v1/ratings/food_safety_grade/subjects/nyc_camis/40000014?as_of=2026-03-01"
    response = client.get(path, headers=auth(keys["operator"]))
    assert response.status_code == 200
    body = response.json()
    assert (body["band"], body["reason"]) == ("not_rated", "stale_assessment")
    assert body["reason_text"]["zh"] and body["reasons"][0]["code"] == "stale_assessment"
    assert [(r["in_effect"], r["why_not"]) for r in body["looked_at"]] == [(False, "period_ended")]
