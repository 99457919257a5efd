"""Due process end to end with the real write path, hooks, list engine and check service:
a relying party's decision relies on a record, the subject sees the inquiry and the list
entry, disputes the record, and the correction reaches that relying party (G-23, G-24, G-30);
a repair of a list entry ends it at once (G-42)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from credo.access.model import Role
from credo.clock import FixedClock
from credo.context import AppContext, build_context
from credo.disputes import jobs
from credo.notices import repository as notices_repo
from credo.settings import Settings
from credo.subjects import repository as subjects_repo
from credo.web.api.app import create_app
from tests.disputes.conftest import LI, ZHANG, Principals, api_keys, defaulter


@dataclass
class World:
    client: TestClient
    keys: dict[str, str]
    engine: Engine
    ctx: AppContext

    def call(self, who: str, method: str, path: str, **kw: Any) -> Any:
        response = self.client.request(
            method, path, headers={"Authorization": f"Bearer {self.keys[who]}"}, **kw
        )
        assert response.status_code < 300, response.text
        return response.json()


def _api_record(row: dict[str, Any]) -> dict[str, Any]:
    body = {
        k: v for k, v in row.items() if k not in ("subject_kind", "identifiers", "subject_name")
    }
    body["subject"] = {
        "kind": row["subject_kind"],
        "identifiers": [{"scheme": s, "value": v} for s, v in row["identifiers"]],
    }
    return body


@pytest.fixture
def world(engine: Engine, database_url: str, clock: FixedClock) -> Iterator[World]:
    ctx = build_context(Settings(database_url=database_url), clock=clock, engine=engine)
    principals: Principals = [
        ("court", Role.FURNISHER, {"furnisher_id": "city_court"}),
        ("airline", Role.RELYING_PARTY, {"relying_party_id": "demo_airline"}),
        ("ann", Role.OPERATOR, {}),
    ]
    with engine.begin() as conn:
        keys = api_keys(conn, ctx.catalogue, principals, clock.now())
    with TestClient(create_app(ctx)) as client:
        world = World(client, keys, engine, ctx)
        for identifiers, ref in ((ZHANG, "(2025)京0105执123号"), (LI, "(2025)京0105执777号")):
            world.call(
                "court", "POST", "/v1/records", json=_api_record(defaulter(ref, identifiers))
            )
        with engine.begin() as conn:
            ids = subjects_repo.find_subject_ids(conn, [ZHANG, LI])
            subjects: Principals = [
                (name, Role.SUBJECT, {"subject_id": ids[identifier]})
                for name, identifier in (("zhang", ZHANG), ("li", LI))
            ]
            keys |= api_keys(conn, ctx.catalogue, subjects, clock.now())
        yield world


def test_a_correction_reaches_the_relying_party_that_relied_on_the_record(world: World) -> None:
    check = {
        "identifiers": [{"scheme": ZHANG[0], "value": ZHANG[1]}],
        "purpose": "air_ticket_sale",
        "transaction_ref": "PNR-1",
    }
    decision = world.call("airline", "POST", "/v1/checks", json=check)
    assert decision["measures"], decision  # the defaulter entry restricts air travel
    with world.engine.begin() as conn:  # G-38: the adverse decision is noticed, once
        assert jobs.run_due(conn, world.ctx.write_context()).adverse_notices == 1
        assert jobs.run_due(conn, world.ctx.write_context()).adverse_notices == 0
    report = world.call("zhang", "GET", "/v1/me/report")
    [adverse] = [n for n in report["notices"] if n["kind"] == "adverse_decision"]
    assert "Demo City Airlines" in adverse["title"] and "No air tickets" in adverse["body"]
    assert "free copy" in adverse["body"] and decision["id"] in adverse["body"]
    assert [q["relying_party_id"] for q in report["inquiries"]] == ["demo_airline"]
    assert [e["list"] for e in report["list_entries"]] == ["judgment_defaulters"]
    record_id = report["records"][0]["record_id"]
    dispute = world.call(
        "zhang", "POST", "/v1/me/disputes", json={"record_id": record_id, "grounds": "paid"}
    )
    world.call(
        "ann",
        "POST",
        f"/v1/disputes/{dispute['id']}/resolve",
        json={"kind": "dispute", "outcome": "deleted"},
    )
    with world.engine.connect() as conn:
        [correction] = notices_repo.of_recipient(conn, "relying_party", "demo_airline")
    assert correction["kind"] == "correction"
    assert decision["id"] in correction["body"]
    assert world.call("zhang", "GET", "/v1/me/report")["list_entries"] == []


def test_approved_repair_of_a_list_entry_ends_it_at_once(world: World, clock: FixedClock) -> None:
    from credo.lists.tables import list_entries

    [entry] = world.call("li", "GET", "/v1/me/report")["list_entries"]
    clock.set(datetime(2026, 9, 2, 9, 0, tzinfo=UTC))
    application = world.call(
        "li",
        "POST",
        "/v1/me/repairs",
        json={
            "target_kind": "list_entry",
            "target_ref": entry["entry_id"],
            "condition": "obligation performed in full",
            "proof": {"performance_certificate": "PC-2026-9"},
        },
    )
    world.call("ann", "POST", f"/v1/repairs/{application['id']}/decide", json={"approve": True})
    assert world.call("li", "GET", "/v1/me/report")["list_entries"] == []
    with world.engine.connect() as conn:
        status = conn.execute(
            select(list_entries.c.status).where(list_entries.c.id == entry["entry_id"])
        ).scalar_one()
    assert status == "ended"


def test_the_subjects_statement_travels_with_the_record_into_decisions(world: World) -> None:
    """G-32: a statement the subject attaches appears beside the record in every decision
    that relies on it, on every worker (the check index learns it from the change feed)."""
    check = {
        "identifiers": [{"scheme": ZHANG[0], "value": ZHANG[1]}],
        "purpose": "air_ticket_sale",
        "transaction_ref": "PNR-7",
    }
    before = world.call("airline", "POST", "/v1/checks", json=check)
    [record] = before["measures"][0]["records"]
    assert record["subject_statements"] == []
    text = "Paid in full on 2026-02-20; the court has the receipt."
    world.call(
        "zhang", "POST", "/v1/me/statements", json={"record_id": record["record_id"], "text": text}
    )
    for _ in range(200):  # the index follows the change feed every few milliseconds
        after = world.call("airline", "POST", "/v1/checks", json=check)
        if after["measures"][0]["records"][0]["subject_statements"]:
            break
        time.sleep(0.02)
    assert after["measures"][0]["records"][0]["subject_statements"] == [text]
