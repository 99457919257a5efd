"""Due process through the HTTP API on both databases: a subject sees only their own file,
disputes, claims "not me", attaches a statement and applies for repair; operators resolve;
every refusal is an RFC 9457 problem, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from credo.access.model import Role
from credo.clock import FixedClock
from credo.context import build_context
from credo.notices import repository as notices_repo
from credo.settings import Settings
from credo.subjects import repository as subjects_repo
from credo.web.api.app import create_app
from tests.disputes.conftest import LI, ZHANG, Principals, Registry, api_keys


@dataclass
class Api:
    client: TestClient
    keys: dict[str, str]
    records: dict[str, str]  # who -> record id

    def call(self, who: str, method: str, path: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.keys[who]}", **kw.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kw)


@pytest.fixture
def api(engine: Engine, database_url: str, clock: FixedClock) -> Iterator[Api]:
    ctx = build_context(Settings(database_url=database_url), clock=clock, engine=engine)
    writer = Registry(engine, ctx.write_context())
    records = {
        "zhang": str(writer.defaulter().record_id),
        "li": str(writer.defaulter("(2025)京0105执555号", identifiers=LI).record_id),
    }
    with engine.begin() as conn:
        ids = subjects_repo.find_subject_ids(conn, [ZHANG, LI])
        principals: Principals = [
            ("zhang", Role.SUBJECT, {"subject_id": ids[ZHANG]}),
            ("li", Role.SUBJECT, {"subject_id": ids[LI]}),
            ("ann", Role.OPERATOR, {}),
            ("bob", Role.OPERATOR, {}),
            ("audra", Role.AUDITOR, {}),
            ("court", Role.FURNISHER, {"furnisher_id": "city_court"}),
        ]
        keys = api_keys(conn, ctx.catalogue, principals, clock.now())
    yield Api(TestClient(create_app(ctx)), keys, records)


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def test_g23_a_subject_sees_their_own_file_and_never_anothers(api: Api) -> None:
    mine = api.call("zhang", "GET", "/v1/me/report").json()
    theirs = api.call("li", "GET", "/v1/me/report").json()
    assert [r["record_id"] for r in mine["records"]] == [api.records["zhang"]]
    assert [r["record_id"] for r in theirs["records"]] == [api.records["li"]]
    page = api.call("zhang", "GET", "/v1/me/report.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "(2025)京0105执123号" in page.text and "执555号" not in page.text
    refused = api.call(
        "li", "POST", "/v1/me/disputes", json={"record_id": api.records["zhang"], "grounds": "x"}
    )
    _problem(refused, 404)
    _problem(api.call("court", "GET", "/v1/me/report"), 403)
    _problem(api.client.get("/v1/me/report"), 401)


def test_dispute_then_operator_resolution_over_http(api: Api) -> None:
    lodged = api.call(
        "zhang",
        "POST",
        "/v1/me/disputes",
        json={
            "record_id": api.records["zhang"],
            "grounds": "I paid",
            "evidence": {"receipt": "R1"},
        },
    )
    assert lodged.status_code == 201, lodged.text
    dispute = lodged.json()
    assert dispute["status"] == "open"
    report = api.call("zhang", "GET", "/v1/me/report").json()
    assert report["records"][0]["effect"] == "no effect: dispute"
    queue = api.call("ann", "GET", "/v1/disputes").json()
    assert [d["id"] for d in queue] == [dispute["id"]]
    _problem(api.call("zhang", "GET", "/v1/disputes"), 403)
    path = f"/v1/disputes/{dispute['id']}/resolve"
    assert _problem(
        api.call("ann", "POST", path, json={"kind": "dispute", "outcome": "frivolous"}), 422
    )["code"] == ("reasons_required")
    _problem(api.call("ann", "POST", path, json={"kind": "dispute", "outcome": "sideways"}), 422)
    # a claim's outcome is no dispute's, and a dispute is not closed as a claim (issue 15)
    _problem(api.call("ann", "POST", path, json={"kind": "dispute", "outcome": "confirmed"}), 422)
    as_claim = {"kind": "identity_claim", "outcome": "rejected", "reasons": "it is about you"}
    assert _problem(api.call("ann", "POST", path, json=as_claim), 422)["code"] == "wrong_case_kind"
    done = api.call(
        "ann",
        "POST",
        path,
        json={"kind": "dispute", "outcome": "upheld", "reasons": "court confirmed it"},
    )
    assert done.status_code == 200 and done.json()["status"] == "upheld"
    _problem(api.call("ann", "POST", path, json={"kind": "dispute", "outcome": "deleted"}), 409)


def test_claim_statement_and_repair_over_http(api: Api, clock: FixedClock) -> None:
    record_id = api.records["zhang"]
    claim = api.call(
        "zhang",
        "POST",
        "/v1/me/identity-claims",
        json={"record_id": record_id, "grounds": "not me"},
    )
    assert claim.status_code == 201 and claim.json()["kind"] == "identity_claim"
    statement = api.call(
        "zhang", "POST", "/v1/me/statements", json={"record_id": record_id, "text": "Paid."}
    )
    assert statement.status_code == 201
    _problem(
        api.call("zhang", "POST", "/v1/me/statements", json={"record_id": record_id, "text": ""}),
        422,
    )
    body = {
        "target_ref": record_id,
        "condition": "obligation performed in full",
        "proof": {"r": "1"},
    }
    early = _problem(api.call("zhang", "POST", "/v1/me/repairs", json=body), 422)
    assert early["code"] == "repair_not_yet_eligible" and early["eligible_on"] == "2026-09-01"
    clock.advance(days=200)
    applied = api.call("zhang", "POST", "/v1/me/repairs", json=body)
    assert applied.status_code == 201, applied.text
    decided = api.call(
        "ann", "POST", f"/v1/repairs/{applied.json()['id']}/decide", json={"approve": True}
    )
    assert decided.json()["status"] == "approved"


def test_audit_verification_and_the_second_approver(api: Api) -> None:
    verified = api.call("audra", "GET", "/v1/audit/verify").json()
    assert verified["ok"] and verified["checked"] == 8  # two records, six principals
    _problem(api.call("zhang", "GET", "/v1/audit/verify"), 403)
    change = {"title": "Add a record type", "change": {"add": "x"}, "impact_assessment_ref": "IA-9"}
    proposed = api.call("ann", "POST", "/v1/audit/catalogue-changes", json=change).json()
    path = f"/v1/audit/catalogue-changes/{proposed['id']}/decision"
    own = _problem(api.call("ann", "POST", path, json={"approve": True}), 403)
    assert own["code"] == "second_approver_required"
    approved = api.call("bob", "POST", path, json={"approve": True}).json()
    assert approved["status"] == "approved" and approved["decided_by"] == "bob"
    actions = [e["action"] for e in api.call("audra", "GET", "/v1/audit/entries").json()]
    assert actions[-2:] == ["catalogue.propose", "catalogue.approve"]
    assert api.call("audra", "GET", "/v1/audit/verify").json()["ok"]


def test_each_case_kind_lists_exactly_its_own_outcomes_in_openapi(api: Api) -> None:
    """The resolution schema is one per kind of case: a dispute's outcomes and a "not me"
    claim's, told apart by ``kind`` (issue 15: the single schema offered outcomes the route
    then refused)."""
    document = api.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    body = document["paths"]["/v1/disputes/{dispute_id}/resolve"]["post"]["requestBody"]
    shown = body["content"]["application/json"]["schema"]
    assert shown["discriminator"]["propertyName"] == "kind"
    assert sorted(shown["discriminator"]["mapping"]) == ["dispute", "identity_claim"]
    outcomes = {
        name: schemas[name]["properties"]["outcome"]["enum"]
        for name in ("DisputeResolution", "ClaimResolution")
    }
    assert outcomes == {
        "DisputeResolution": ["corrected", "deleted", "upheld", "frivolous"],
        "ClaimResolution": ["confirmed", "rejected"],
    }


def test_a_dispute_lodged_through_the_api_is_answered_in_the_language_it_asks_for(
    api: Api, engine: Engine
) -> None:
    """Issue 15: the API records the subject's language as the portal does: ``language`` in
    the body, else Accept-Language; every notice about the case (and later ones) is in it."""
    record = {"record_id": api.records["zhang"], "grounds": "I paid"}
    bad = api.call("zhang", "POST", "/v1/me/disputes", json={**record, "language": "fr"})
    _problem(bad, 422)
    zh_first = {"Accept-Language": "fr-FR, zh-CN;q=0.9, en;q=0.8"}
    lodged = api.call("zhang", "POST", "/v1/me/disputes", json=record, headers=zh_first)
    assert lodged.status_code == 201, lodged.text
    claim = {"record_id": api.records["li"], "grounds": "not me", "language": "zh"}
    en_header = {"Accept-Language": "en"}  # the explicit field wins over the header
    assert api.call("li", "POST", "/v1/me/identity-claims", json=claim, headers=en_header)
    path = f"/v1/disputes/{lodged.json()['id']}/resolve"
    kept = {"kind": "dispute", "outcome": "upheld", "reasons": "court confirmed it"}
    assert api.call("ann", "POST", path, json=kept).status_code == 200
    with engine.connect() as conn:
        ids = subjects_repo.find_subject_ids(conn, [ZHANG, LI])
        zhang = {n["kind"]: n for n in notices_repo.of_subject(conn, ids[ZHANG])}
        li = {n["kind"]: n for n in notices_repo.of_subject(conn, ids[LI])}
    assert zhang["dispute_received"]["title"] == "我们已收到您的异议"
    assert zhang["dispute_result"]["title"] == "您的异议不成立：记录予以保留"
    assert "(2025)京0105执123号" in zhang["dispute_result"]["body"]
    assert li["identity_claim_received"]["title"] == "我们已收到您的“非本人”申诉"
    assert all(n["payload"]["language"] == "zh" for n in [*zhang.values(), *li.values()])
