"""G-49 end to end, on both databases: a furnisher with a 20 % correction rate over the window
is held by the jobs runner; its next API write is held (423, with the reason) and its next
file refused (exit 1, one line naming the hold), while its withdrawals still go through; its
records carry a data-quality flag in checks and in the subject's report; an operator releases
it with reasons (audited) and its writes are applied again. A furnisher at 10 % is not held."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from credo.access.model import Role
from credo.access.service import create_principal
from credo.audit.tables import audit_log
from credo.catalog.catalogue import Catalogue
from credo.cli.main import app as cli
from credo.clock import FixedClock
from credo.context import AppContext, build_context, subject_hooks
from credo.disputes import jobs
from credo.ingest.tables import ingest_runs
from credo.settings import Settings
from credo.subjects import repository as subjects_repo
from credo.web.api.app import create_app
from tests.disputes.conftest import START, ZHANG, defaulter
from tests.portal.conftest import post_form, sign_in
from tests.records.conftest import licence

COURT_MAPPING = """
furnisher: city_court
record_type: judgment_defaulter
subject:
  kind: person
  identifiers: [{column: ric, scheme: cn_ric}]
source_ref: {template: "{case}"}
occurred_on: decided_on
payload:
  case_number: {column: case}
  court: {column: court}
  obligation: {column: obligation}
  amount: {column: amount}
  circumstance: {column: circumstance}
evidence:
  kind: defaulter_determination
  document_id: "{case}"
  issuer: "Chaoyang District Court"
  issued_on: decided_on
provenance: {kind: official_decision}
"""
CHECK = {
    "identifiers": [{"scheme": ZHANG[0], "value": ZHANG[1]}],
    "purpose": "air_ticket_sale",
    "transaction_ref": "PNR-49",
}


def _api(row: dict[str, Any]) -> dict[str, Any]:
    body = {
        k: v for k, v in row.items() if k not in ("subject_kind", "identifiers", "subject_name")
    }
    body["subject"] = {
        "kind": row["subject_kind"],
        "identifiers": [{"scheme": s, "value": v} for s, v in row["identifiers"]],
    }
    return body


@dataclass
class World:
    client: TestClient
    keys: dict[str, str]
    engine: Engine
    database_url: str
    ctx: AppContext

    def call(self, who: str, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.keys[who]}"}
        response = self.client.request(method, path, headers=headers, **kw)
        assert response.status_code == status, response.text
        return response.json() if "json" in response.headers.get("content-type", "") else response

    def records(self, who: str, *rows: dict[str, Any]) -> None:
        body = {"records": [_api(r) for r in rows]}
        result = self.call(who, "POST", "/v1/records/batch", json=body)
        assert result["accepted"] == len(rows), result

    def flags_in_check(self, present: bool) -> list[Any]:
        """The data-quality flags of the records behind the airline's decision, once the
        check index has followed the change feed."""
        flags: list[Any] = []
        for _ in range(200):
            decision = self.call("airline", "POST", "/v1/checks", json=CHECK)
            records = [r for m in decision["measures"] for r in m["records"]]
            flags = [r["data_quality"] for r in records]
            if records and all(f is not None for f in flags) == present:
                return flags
            time.sleep(0.02)
        raise AssertionError(f"the check index never showed the flag {present}: {flags}")


@pytest.fixture
def world(engine: Engine, database_url: str, catalogue: Catalogue) -> Iterator[World]:
    clock = FixedClock(START)
    ctx = build_context(Settings(database_url=database_url), clock=clock, engine=engine)
    ctx.catalogue, ctx.hooks = catalogue, subject_hooks(catalogue, clock)  # small thresholds
    keys: dict[str, str] = {}
    principals = [
        ("court", Role.FURNISHER, {"furnisher_id": "city_court"}),
        ("regulator", Role.FURNISHER, {"furnisher_id": "market_regulator"}),
        ("airline", Role.RELYING_PARTY, {"relying_party_id": "demo_airline"}),
        ("ann", Role.OPERATOR, {}),
    ]
    with engine.begin() as conn:
        for principal_id, role, extra in principals:
            keys[principal_id] = create_principal(
                conn, catalogue, principal_id=principal_id, role=role,
                display_name=principal_id, now=clock.now(), **extra,
            )  # fmt: skip
    with TestClient(create_app(ctx)) as client:
        world = World(client, keys, engine, database_url, ctx)
        world.records("court", *(defaulter(f"C{i}") for i in range(1, 11)))
        world.records("regulator", *(_licence(f"LIC-{i}") for i in range(1, 11)))
        with engine.begin() as conn:
            [zhang] = subjects_repo.find_subject_ids(conn, [ZHANG]).values()
            keys["zhang"] = create_principal(
                conn, catalogue, principal_id="zhang", role=Role.SUBJECT,
                display_name="zhang", now=clock.now(), subject_id=zhang,
            )  # fmt: skip
        clock.advance(days=1)
        yield world


def _licence(source_ref: str, **kw: Any) -> dict[str, Any]:
    """A recent licence: the jobs runner has no ended records to re-derive (fast)."""
    return licence(source_ref, occurred_on="2026-02-02", **kw)


def _correct(source_ref: str) -> dict[str, Any]:
    return defaulter(source_ref, action="correct", revision=1, occurred_on="2025-09-02")


def _ingest(world: World, tmp_path: Path) -> tuple[int, str]:
    mapping = tmp_path / "court.yaml"
    mapping.write_text(COURT_MAPPING)
    data = tmp_path / "court.csv"
    with data.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["ric", "case", "decided_on", "court", "obligation", "amount", "circumstance"]
        )
        writer.writerow(
            [
                ZHANG[1],
                "C99",
                "2025-09-01",
                "Chaoyang",
                "pay_money",
                "1000",
                "refusing_with_ability",
            ]
        )
    result = CliRunner().invoke(
        cli, ["ingest", str(data), "--mapping", str(mapping), "--report", str(tmp_path / "r.json")],
        env={"CREDO_DATABASE_URL": world.database_url, "COLUMNS": "80"},
    )  # fmt: skip
    return result.exit_code, result.output


def _audit(engine: Engine, action: str) -> list[Any]:
    with engine.connect() as conn:
        query = select(audit_log.c.actor, audit_log.c.payload).where(audit_log.c.action == action)
        return [(actor, orjson.loads(payload)) for actor, payload in conn.execute(query)]


def test_g49_a_furnisher_with_a_20_percent_correction_rate_is_held_until_released(
    world: World, tmp_path: Path
) -> None:
    world.records("court", _correct("C1"), _correct("C2"))  # 2 of 10: 20 %
    world.records("regulator", _licence("LIC-1", action="correct", revision=1))  # 1 of 10
    with world.engine.begin() as conn:  # the jobs runner evaluates and holds
        report = jobs.run_due(conn, world.ctx.write_context())
    assert report.furnishers_held == ["city_court"]  # 10 % is not above the threshold
    [(actor, logged)] = _audit(world.engine, "furnisher.hold")
    assert actor == "scheduler" and logged["correction_rate"] == 0.2

    held = world.call("court", "POST", "/v1/records", 423, json=_api(defaulter("C11")))
    assert held["code"] == "furnisher_held"
    assert "held for review" in held["detail"]
    assert "correction rate 20.0 % (2 of 10) above 10.0 %" in held["detail"]
    world.call("regulator", "POST", "/v1/records", 201, json=_api(_licence("LIC-11")))
    revoke = defaulter("C3", action="revoke", revision=1)  # a withdrawal is never held
    world.call("court", "POST", "/v1/records", 201, json=_api(revoke))

    code, output = _ingest(world, tmp_path)
    assert code == 1, output
    assert "the file is refused" in output and "held for review" in output
    with world.engine.connect() as conn:  # refused before a run started: nothing read
        assert conn.execute(select(func.count()).select_from(ingest_runs)).scalar_one() == 0

    flags = world.flags_in_check(present=True)
    assert {f["flag"] for f in flags} == {"furnisher_held"}
    records = world.call("zhang", "GET", "/v1/me/report")["records"]
    assert {r["data_quality"]["furnisher"] for r in records} == {"city_court"}
    page = world.call("zhang", "GET", "/v1/me/report.html").text
    assert "Data-quality flag" in page and "correction rate 20.0 %" in page

    listed = {r["furnisher_id"]: r for r in world.call("ann", "GET", "/v1/furnishers/quality")}
    assert listed["city_court"]["held"] and not listed["market_regulator"]["held"]
    assert listed["market_regulator"]["correction_rate"] == 0.1
    own = world.call("court", "GET", "/v1/furnishers/city_court/quality")
    assert own["records"] == 10 and own["corrections"] == 2
    world.call("regulator", "GET", "/v1/furnishers/city_court/quality", 403)
    shown = CliRunner().invoke(
        cli, ["furnishers", "quality", "--json"], env={"CREDO_DATABASE_URL": world.database_url}
    )
    assert shown.exit_code == 0, shown.output
    assert [r["furnisher_id"] for r in orjson.loads(shown.output) if r["held"]] == ["city_court"]

    release = "/v1/furnishers/city_court/quality/release"
    world.call("ann", "POST", release, 422, json={"reasons": "ok"})  # reasons are required
    sign_in(world.client, world.keys["ann"])  # the operator console shows the hold
    page = world.client.get("/console/quality").text
    assert 'data-furnisher="city_court" class="held"' in page
    assert 'data-furnisher="market_regulator">' in page and "10.0 % (1/10)" in page
    reasons = "Both corrections were clerical; the court fixed its export."
    released = post_form(
        world.client, "/console/furnishers/city_court/release", {"reasons": reasons}
    )
    assert released.status_code == 200 and 'class="held"' not in released.text
    world.call("ann", "POST", release, 409, json={"reasons": reasons})  # not held any more
    [(actor, logged)] = _audit(world.engine, "furnisher.release")
    assert actor == "operator:ann" and logged["reasons"] == reasons
    world.call("court", "POST", "/v1/records", 201, json=_api(defaulter("C11")))  # applied now
    assert world.flags_in_check(present=False)
    assert all(
        r["data_quality"] is None for r in world.call("zhang", "GET", "/v1/me/report")["records"]
    )
    with world.engine.begin() as conn:  # the evidence before the release was weighed
        assert jobs.run_due(conn, world.ctx.write_context()).furnishers_held == []
