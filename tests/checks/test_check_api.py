"""POST /v1/checks end to end on both databases: outcomes per purpose, provenance (G-35),
purpose limitation (G-34), fail-safe identity (G-40), disputes (G-26), inquiries committed
(G-24), and the index following the change feed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from credo.checks.tables import inquiries
from credo.context import AppContext
from credo.records.service import chain_id_of
from credo.records.tables import record_suppressions
from credo.web.api.app import create_app
from harness.audited import AUDITED
from tests.lists.builders import (
    create_principals,
    defaulter,
    make_context,
    org_id,
    person_id,
    submit,
    tax_grade,
)

ADULT = person_id(date(1980, 5, 6))
STRANGER = person_id(date(1975, 1, 2), 7)
DEFAULTER_ORG = org_id(40)
A_GRADE_ORG = org_id(41)

Api = tuple[TestClient, dict[str, str], AppContext]


@pytest.fixture
def api(database_url: str, engine: Engine) -> Iterator[Api]:
    ctx = make_context(database_url, engine)
    keys = create_principals(ctx)
    submit(
        ctx,
        "city_court",
        defaulter(ADULT),
        defaulter(DEFAULTER_ORG, "(2026)京执9号", kind="organisation"),
    )
    submit(ctx, "city_tax_office", tax_grade(A_GRADE_ORG, "A"))
    with TestClient(create_app(ctx)) as client:
        yield client, keys, ctx


def check(
    api: Api, who: str, ident: str, purpose: str, scheme: str = "cn_ric", **extra: Any
) -> Any:
    client, keys, _ = api
    body = {
        "identifiers": [{"scheme": scheme, "value": ident}],
        "purpose": purpose,
        "transaction_ref": "T-1",
        **extra,
    }
    return client.post("/v1/checks", json=body, headers={"Authorization": f"Bearer {keys[who]}"})


def test_airline_gets_a_restriction_with_full_provenance(api: Api) -> None:
    response = check(api, "airline", ADULT, "air_ticket_sale")
    assert response.status_code == 200, response.text
    decision = response.json()
    assert decision["outcome"] == "restricted"
    [measure] = decision["measures"]
    assert measure["measure"] == "no_air_travel"
    assert measure["legal_basis"]["instrument"].startswith("SPC Provisions")
    assert measure["cross_domain_basis"]["names_lists"] == ["judgment_defaulters"]
    assert measure["rule"]["list"] == "judgment_defaulters"
    assert measure["list_entry"]["effective_on"] == "2026-01-25"
    [record] = measure["records"]
    assert record["record_type"] == "judgment_defaulter"
    assert record["issued_by"] == "city_court"
    assert decision["rights"]["dispute"]
    assert decision["counterfactual"]
    assert decision["subject"] == "cn_ric:110105********0010"  # masked
    as_of = datetime.fromisoformat(decision["as_of"])
    assert datetime.fromisoformat(decision["valid_until"]) - as_of == timedelta(hours=24)


def test_each_purpose_sees_only_its_own_measures(api: Api) -> None:
    assert check(api, "bank", ADULT, "consumer_loan").json()["outcome"] == "review"
    rail = check(api, "rail", ADULT, "rail_first_class_sale").json()
    assert [m["measure"] for m in rail["measures"]] == ["no_rail_first_class"]
    buyer = check(api, "buyer", DEFAULTER_ORG, "procurement_award", scheme="cn_uscc").json()
    assert buyer["outcome"] == "restricted"
    assert [m["measure"] for m in buyer["measures"]] == ["procurement_exclusion_defaulter"]


def test_red_list_gives_benefits(api: Api) -> None:
    buyer = check(api, "buyer", A_GRADE_ORG, "procurement_award", scheme="cn_uscc").json()
    assert buyer["outcome"] == "benefit"
    assert [m["measure"] for m in buyer["measures"]] == ["bid_deposit_waiver"]
    desk = check(api, "licensing", A_GRADE_ORG, "business_licensing", scheme="cn_uscc").json()
    assert [m["measure"] for m in desk["measures"]] == ["approvals_green_channel"]


def test_unknown_subject_is_no_records_not_an_error(api: Api) -> None:
    decision = check(api, "airline", STRANGER, "air_ticket_sale").json()
    assert decision["outcome"] == "clear"
    assert decision["reasons"] == ["no_records"]


def test_purpose_must_be_registered(api: Api) -> None:
    response = check(api, "airline", ADULT, "consumer_loan")
    assert response.status_code == 403
    assert response.json()["code"] == "purpose_not_permitted"


def test_only_relying_parties_check_and_bad_input_is_422(api: Api) -> None:
    assert check(api, "court", ADULT, "air_ticket_sale").status_code == 403
    assert check(api, "airline", "110105198005060011", "air_ticket_sale").status_code == 422
    client, keys, _ = api
    missing_ref = client.post(
        "/v1/checks",
        json={"identifiers": [{"scheme": "cn_ric", "value": ADULT}], "purpose": "air_ticket_sale"},
        headers={"Authorization": f"Bearer {keys['airline']}"},
    )
    assert missing_ref.status_code == 422
    assert client.post("/v1/checks", json={}).status_code == 401


def test_ambiguous_identity_gives_no_adverse_finding(api: Api) -> None:
    client, keys, _ = api
    body = {
        "identifiers": [
            {"scheme": "cn_ric", "value": ADULT},
            {"scheme": "cn_uscc", "value": A_GRADE_ORG},
        ],
        "purpose": "air_ticket_sale",
        "transaction_ref": "T-2",
    }
    decision = client.post(
        "/v1/checks", json=body, headers={"Authorization": f"Bearer {keys['airline']}"}
    ).json()
    assert decision["outcome"] == "clear"
    assert decision["reasons"] == ["identity_ambiguous"]


def test_every_decision_has_a_committed_inquiry(api: Api) -> None:
    ids = [
        check(api, "airline", ident, "air_ticket_sale").json()["id"] for ident in (ADULT, STRANGER)
    ]
    _, _, ctx = api
    with ctx.engine.connect() as conn:
        rows = {r["id"]: r for r in conn.execute(select(inquiries)).mappings()}
    assert set(ids) <= set(rows)
    assert rows[ids[0]]["outcome"] == "restricted"
    assert rows[ids[0]]["relying_party_id"] == "demo_airline"
    assert rows[ids[1]]["subject_key"] == f"cn_ric:{STRANGER}"
    from credo.audit import service as audit
    from credo.audit.tables import audit_log

    with ctx.engine.connect() as conn:
        logged = conn.execute(select(audit_log.c.payload).where(audit_log.c.action == "decision"))
        decisions = {json.loads(payload)["decision_id"] for (payload,) in logged}
        assert audit.verify(conn, AUDITED).ok
    assert set(ids) <= decisions  # every decision is in the tamper-evident log (G-47)


def test_a_dispute_lifts_the_measure_as_soon_as_the_feed_says_so(api: Api) -> None:
    client, _, ctx = api
    with ctx.engine.begin() as conn:
        from credo.subjects.repository import find_subject_ids

        sid = find_subject_ids(conn, [("cn_ric", ADULT)])[("cn_ric", ADULT)]
        conn.execute(
            record_suppressions.insert().values(
                chain_id=chain_id_of("city_court", "(2026)京0105执1号"),
                subject_id=sid,
                reason="dispute",
                opened_at=ctx.clock.now(),
            )
        )
        from credo.records.tables import change_feed

        conn.execute(
            change_feed.insert().values(
                subject_id=sid, kind="suppression", ref="dispute", created_at=ctx.clock.now()
            )
        )
    _catch_up(client)
    assert check(api, "airline", ADULT, "air_ticket_sale").json()["outcome"] == "clear"


def test_a_new_record_reaches_the_index_through_the_feed(api: Api) -> None:
    client, _, ctx = api
    assert check(api, "airline", STRANGER, "air_ticket_sale").json()["outcome"] == "clear"
    submit(ctx, "city_court", defaulter(STRANGER, "(2026)京执77号"))
    _catch_up(client)
    assert check(api, "airline", STRANGER, "air_ticket_sale").json()["outcome"] == "restricted"


def _catch_up(client: TestClient) -> None:
    service = client.app.state.checks  # type: ignore[attr-defined]
    client.portal.call(service.catch_up)  # type: ignore[union-attr]


def debarment(ident: str, on: str) -> dict[str, Any]:
    return {
        "record_type": "procurement_debarment",
        "source_ref": f"DEB-{ident}",
        "subject": {"kind": "organisation", "identifiers": [{"scheme": "cn_uscc", "value": ident}]},
        "occurred_on": on,
        "payload": {"decision_number": f"DEB-{ident}", "ground": "collusion", "period_months": 24},
        "evidence": {
            "kind": "debarment_decision",
            "document_id": f"DEB-{ident}",
            "issuer": "Demo City Public Procurement Office",
            "issued_on": on,
        },
        "provenance": {"kind": "official_decision"},
    }


def test_rating_band_list_enters_after_notice_with_the_rating_as_provenance(api: Api) -> None:
    client, _, ctx = api
    supplier = org_id(42)
    # a debarred supplier: a known subject is needed before the debarment can attach
    submit(ctx, "city_tax_office", tax_grade(supplier, "B"))
    submit(ctx, "procurement_office", debarment(supplier, "2026-05-01"))
    _catch_up(client)
    first = check(api, "buyer", supplier, "procurement_award", scheme="cn_uscc").json()
    assert [m["measure"] for m in first["measures"]] == ["procurement_exclusion_debarment"]
    ctx.clock.advance(days=16)  # type: ignore[attr-defined]  # past the objection window
    later = check(api, "buyer", supplier, "procurement_award", scheme="cn_uscc").json()
    by_id = {m["measure"]: m for m in later["measures"]}
    assert set(by_id) == {"procurement_exclusion_debarment", "procurement_review_poor_performance"}
    rating = by_id["procurement_review_poor_performance"]["rating"]
    assert rating["band"] == "poor"
    assert rating["rating"].startswith("contract_performance@")
    assert by_id["procurement_review_poor_performance"]["records"] == []
    # a later write re-evaluates the rating; the entry keeps its start (no new notice period)
    submit(ctx, "city_tax_office", tax_grade(supplier, "B", on="2026-06-10", ref="TG-2026"))
    _catch_up(client)
    again = check(api, "buyer", supplier, "procurement_award", scheme="cn_uscc").json()
    assert "procurement_review_poor_performance" in {m["measure"] for m in again["measures"]}


def test_a_decision_can_be_verified_only_while_valid(api: Api) -> None:
    client, keys, ctx = api
    decision_id = check(api, "airline", ADULT, "air_ticket_sale").json()["id"]
    url = f"/v1/checks/{decision_id}"
    ok = client.get(url, headers={"Authorization": f"Bearer {keys['airline']}"})
    assert ok.status_code == 200
    assert ok.json()["outcome"] == "restricted"
    other = client.get(url, headers={"Authorization": f"Bearer {keys['bank']}"})
    assert other.status_code == 404
    ctx.clock.advance(hours=25)  # type: ignore[attr-defined]
    stale = client.get(url, headers={"Authorization": f"Bearer {keys['airline']}"})
    assert stale.status_code == 409
    assert stale.json()["code"] == "decision_expired"


def test_the_subject_sees_who_checked_it(api: Api) -> None:
    from credo.access.model import Role
    from credo.access.service import create_principal
    from credo.subjects.repository import find_subject_ids

    client, _, ctx = api
    check(api, "airline", ADULT, "air_ticket_sale")
    check(api, "bank", ADULT, "consumer_loan")
    with ctx.engine.begin() as conn:
        sid = find_subject_ids(conn, [("cn_ric", ADULT)])[("cn_ric", ADULT)]
        key = create_principal(
            conn, ctx.catalogue, principal_id="me", role=Role.SUBJECT, display_name="me",
            now=ctx.clock.now(), subject_id=sid,
        )  # fmt: skip
    seen = client.get("/v1/inquiries/mine", headers={"Authorization": f"Bearer {key}"}).json()
    assert {(i["relying_party_id"], i["purpose"]) for i in seen["inquiries"]} == {
        ("demo_airline", "air_ticket_sale"),
        ("demo_bank", "consumer_loan"),
    }


def test_malformed_bodies_are_problems_not_errors(api: Api) -> None:
    client, keys, _ = api
    auth = {"Authorization": f"Bearer {keys['airline']}", "content-type": "application/json"}
    for body in (b"{not json", b"[]", b'{"identifiers": "x", "purpose": 1}', b""):
        response = client.post("/v1/checks", content=body, headers=auth)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "validation_failed"
    unauthenticated = client.post("/v1/checks", content=b"{}", headers={"Authorization": "x"})
    assert unauthenticated.status_code == 401  # the key is checked before the body
