"""The furnishers' HTTP API: authentication, least privilege, RFC 9457 problems, and the
status codes for each outcome, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from credo.access.model import Role
from credo.access.service import create_principal
from credo.cli.main import app as cli_app
from credo.clock import FixedClock
from credo.context import build_context
from credo.settings import Settings
from credo.web.api.app import create_app
from tests.records.conftest import defaulter, licence

Keys = dict[str, str]


@pytest.fixture
def api(engine: Any, database_url: str) -> Iterator[tuple[TestClient, Keys]]:
    clock = FixedClock(datetime(2026, 3, 1, 12, 0))
    ctx = build_context(Settings(database_url=database_url), clock=clock, engine=engine)
    keys: Keys = {}
    with engine.begin() as conn:
        for principal_id, role, extra in [
            ("court", Role.FURNISHER, {"furnisher_id": "city_court"}),
            ("regulator", Role.FURNISHER, {"furnisher_id": "market_regulator"}),
            ("operator", Role.OPERATOR, {}),
        ]:
            keys[principal_id] = create_principal(
                conn,
                ctx.catalogue,
                principal_id=principal_id,
                role=role,
                display_name=principal_id,
                now=clock.now(),
                **extra,
            )
    with TestClient(create_app(ctx)) as client:
        yield client, keys


def api_record(row: dict[str, Any]) -> dict[str, Any]:
    """The API's nested shape of a builder row."""
    body = {
        k: v for k, v in row.items() if k not in ("subject_kind", "identifiers", "subject_name")
    }
    body["subject"] = {
        "kind": row["subject_kind"],
        "name": row.get("subject_name"),
        "identifiers": [{"scheme": s, "value": v} for s, v in row["identifiers"]],
    }
    return {k: v for k, v in body.items() if v is not None}


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_no_key_is_401_problem(api: tuple[TestClient, Keys]) -> None:
    client, _ = api
    response = client.post("/v1/records", json=api_record(licence()))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_authenticated"
    bad = client.post("/v1/records", json=api_record(licence()), headers=auth("nope"))
    assert bad.status_code == 401


def test_wrong_role_is_403(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    response = client.post(
        "/v1/records", json=api_record(licence()), headers=auth(keys["operator"])
    )
    assert response.status_code == 403
    assert "furnisher" in response.json()["detail"]


def test_accept_duplicate_conflict(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    headers = auth(keys["regulator"])
    first = client.post("/v1/records", json=api_record(licence()), headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["outcome"] == "accepted"
    again = client.post("/v1/records", json=api_record(licence()), headers=headers)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    changed = client.post(
        "/v1/records", json=api_record(licence(occurred_on="2025-01-11")), headers=headers
    )
    assert changed.status_code == 409
    assert changed.json()["code"] == "revision_conflict"


def test_outside_remit_is_422_with_reason(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    response = client.post(
        "/v1/records", json=api_record(defaulter()), headers=auth(keys["regulator"])
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "outside_remit" and "G-07" in problem["detail"]
    assert problem["status"] == 422 and problem["title"]


def test_malformed_body_is_422_naming_the_field(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    body = api_record(licence())
    body["occurred_on"] = "yesterday"
    body["subject"]["kind"] = "alien"
    response = client.post("/v1/records", json=body, headers=auth(keys["regulator"]))
    assert response.status_code == 422
    problem = response.json()
    wheres = {e["where"] for e in problem["errors"]}
    assert "body.occurred_on" in wheres and "body.subject.kind" in wheres
    garbage = client.post(
        "/v1/records",
        content=b"{not json",
        headers={**auth(keys["regulator"]), "content-type": "application/json"},
    )
    assert garbage.status_code == 422


def test_a_bad_value_deep_in_free_form_json_is_named_where_it_is(
    api: tuple[TestClient, Keys],
) -> None:
    """One error, at the value's own place in the document, not a list of the JSON types it
    is not (pydantic's union members: ``constrained-int``, ``list[nullable[union[...``)."""
    client, keys = api
    body = api_record(licence())
    body["payload"]["scope"] = {"sites": [1, 2**60]}
    response = client.post("/v1/records", json=body, headers=auth(keys["regulator"]))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert [e["where"] for e in problem["errors"]] == ["body.payload.scope.sites.1"]
    assert "9007199254740991" in problem["detail"] and "[" not in problem["detail"]
    assert problem["detail"].startswith("body.payload.scope.sites.1: ")


def test_biometric_payload_has_no_place(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    body = api_record(defaulter())
    body["payload"]["face_image"] = "base64..."
    response = client.post("/v1/records", json=body, headers=auth(keys["court"]))
    assert response.status_code == 422 and response.json()["code"] == "special_category_field"


def test_batch_accounts_for_every_item(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    rows = [licence("A"), licence("B"), licence("A"), defaulter(), licence("C", occurred_on="x")]
    response = client.post(
        "/v1/records/batch",
        json={"records": [api_record(licence("A"))]},
        headers=auth(keys["regulator"]),
    )
    assert response.status_code == 200
    good = [api_record(r) for r in rows[:4]]
    response = client.post(
        "/v1/records/batch", json={"records": good}, headers=auth(keys["regulator"])
    )
    body = response.json()
    assert (body["accepted"], body["duplicate"], body["quarantined"]) == (1, 2, 1)
    assert [o["outcome"] for o in body["outcomes"]] == [
        "duplicate",
        "accepted",
        "duplicate",
        "quarantined",
    ]
    assert body["outcomes"][3]["reason_code"] == "outside_remit"


def test_history_visible_to_owner_and_operator_only(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    created = client.post(
        "/v1/records", json=api_record(licence()), headers=auth(keys["regulator"])
    ).json()
    path = f"/v1/records/{created['record_id']}/history"
    assert client.get(path, headers=auth(keys["regulator"])).status_code == 200
    assert client.get(path, headers=auth(keys["operator"])).json()["current"]["state"] == "active"
    assert client.get(path, headers=auth(keys["court"])).status_code == 404
    assert client.get("/v1/records/nope/history", headers=auth(keys["operator"])).status_code == 404


def test_operator_looks_up_a_subject_by_identifier(api: tuple[TestClient, Keys]) -> None:
    client, keys = api
    client.post("/v1/records", json=api_record(licence()), headers=auth(keys["regulator"]))
    found = client.get("/v1/subjects/cn_uscc/91110000600037341L", headers=auth(keys["operator"]))
    assert found.status_code == 200 and len(found.json()["records"]) == 1
    missing = client.get("/v1/subjects/cn_uscc/91310115MA1K3BTP2B", headers=auth(keys["operator"]))
    assert missing.status_code == 404
    invalid = client.get("/v1/subjects/cn_uscc/xyz", headers=auth(keys["operator"]))
    assert invalid.status_code == 422


def test_landing_page_links_to_the_openapi_docs(api: tuple[TestClient, Keys]) -> None:
    client, _ = api
    page = client.get("/")
    assert page.status_code == 200 and "/docs" in page.text
    assert client.get("/openapi.json").json()["info"]["title"] == "Credo"
    assert client.get("/v1/catalog").json()["record_types"]


def test_the_catalogue_publishes_ratings_as_ratings_do(api: tuple[TestClient, Keys]) -> None:
    """One published form of a rating (G-25): GET /v1/catalog's ratings are GET /v1/ratings',
    with the catalogue's own names (a bin's ``from``, not the model's ``from_``)."""
    client, keys = api
    published = client.get("/v1/catalog").json()["ratings"]
    assert published and '"from_"' not in str(published).replace("'", '"')
    ratings = client.get("/v1/ratings", headers=auth(keys["operator"])).json()
    assert _without_nulls(published) == ratings  # /v1/ratings leaves unset options out


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def test_keys_are_hashed_at_rest(api: tuple[TestClient, Keys], engine: Any) -> None:
    from sqlalchemy import select

    from credo.access.tables import principals

    _, keys = api
    with engine.connect() as conn:
        stored = [r.key_hash for r in conn.execute(select(principals))]
    assert all(key not in stored for key in keys.values())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_refuses_an_invalid_catalogue(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "registry.yaml").write_text("registry: {name: {en: x, zh: x}}\n", "utf-8")
    monkeypatch.setenv("CREDO_CATALOG_PATH", str(tmp_path))
    monkeypatch.setenv("CREDO_DATABASE_URL", database_url)
    result = CliRunner().invoke(cli_app, ["serve", "--port", "1"])
    assert result.exit_code == 1
    assert "catalogue is invalid" in result.output


def test_operator_resolves_a_review_item_with_reasons(
    api: tuple[TestClient, Keys], engine: Any
) -> None:
    from sqlalchemy import select

    from credo.audit.tables import audit_log

    client, keys = api
    pilot = [("cn_uscc", "91350100M0001TGQXM")]  # wrong check character: accepted into review
    client.post(
        "/v1/records", json=api_record(licence(identifiers=pilot)), headers=auth(keys["regulator"])
    )
    [item] = client.get("/v1/review", headers=auth(keys["operator"])).json()
    assert item["reason_code"] == "identifier_check_failed"
    path = f"/v1/review/{item['id']}/resolve"
    short = client.post(path, json={"resolution": "ok"}, headers=auth(keys["operator"]))
    assert short.status_code == 422
    assert (
        client.post(
            path,
            json={"resolution": "pilot-era code, confirmed by registry"},
            headers=auth(keys["regulator"]),
        ).status_code
        == 403
    )
    done = client.post(
        path,
        json={"resolution": "pilot-era code, confirmed by registry"},
        headers=auth(keys["operator"]),
    )
    assert done.status_code == 200
    again = client.post(
        path,
        json={"resolution": "pilot-era code, confirmed by registry"},
        headers=auth(keys["operator"]),
    )
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert client.get("/v1/review", headers=auth(keys["operator"])).json() == []
    with engine.connect() as conn:
        actors = [
            r.actor
            for r in conn.execute(select(audit_log).where(audit_log.c.action == "review.resolve"))
        ]
    assert actors == ["operator:operator"]
