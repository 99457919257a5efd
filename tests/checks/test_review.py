"""G-37 on both databases: a decision that applies a significant adverse measure is advisory
until a named person of the relying party confirms or overrides it; confirmations and
overrides are recorded (table and audit log) and counted per reviewer, with near-100 %
concurrence flagged; no other relying party sees or reviews it; an override needs reasons;
the inquiry and the pending review commit together or no decision leaves (G-24); the
subject's report shows what the person decided."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from credo.audit import service as audit
from credo.audit.tables import audit_log
from credo.catalog.loader import load_catalogue
from credo.checks import repository
from credo.checks.review import RUBBER_STAMP_MIN
from credo.checks.tables import decision_reviews, inquiries
from credo.context import AppContext
from credo.disputes.report import subject_report
from credo.errors import CatalogueError
from credo.settings import DEMO_CATALOG
from credo.web.api.app import create_app
from harness.audited import AUDITED
from tests.lists.builders import (
    create_principals,
    defaulter,
    make_context,
    org_id,
    person_id,
    submit,
)

SUPPLIER = org_id(40)  # a judgment defaulter: excluded from procurement (significant)
ADULT = person_id(date(1980, 5, 6))  # a defaulter: no air tickets

Api = tuple[TestClient, dict[str, str], AppContext]


@pytest.fixture
def api(database_url: str, engine: Engine) -> Iterator[Api]:
    ctx = make_context(database_url, engine)
    keys = create_principals(ctx)
    submit(
        ctx,
        "city_court",
        defaulter(ADULT),
        defaulter(SUPPLIER, "(2026)京执9号", kind="organisation"),
    )
    with TestClient(create_app(ctx)) as client:
        yield client, keys, ctx


def auth(api: Api, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api[1][who]}"}


def award_check(api: Api, ref: str = "TENDER-1") -> Any:
    body = {
        "identifiers": [{"scheme": "cn_uscc", "value": SUPPLIER}],
        "purpose": "procurement_award",
        "transaction_ref": ref,
    }
    response = api[0].post("/v1/checks", json=body, headers=auth(api, "buyer"))
    assert response.status_code == 200, response.text
    return response.json()


def review(api: Api, who: str, review_id: str, **body: str) -> Any:
    return api[0].post(f"/v1/reviews/{review_id}", json=body, headers=auth(api, who))


def test_g37_significant_adverse_measure_is_advisory_and_a_plain_one_is_not(api: Api) -> None:
    client = api[0]
    decision = award_check(api)
    assert decision["outcome"] == "restricted"
    assert decision["status"] == "advisory"
    assert decision["review"]["required"] is True
    assert decision["review"]["id"] == decision["id"]
    assert decision["review"]["measures"] == ["procurement_exclusion_defaulter"]
    assert "named person" in decision["review"]["notice"]
    pending = client.get("/v1/reviews?status=pending", headers=auth(api, "buyer")).json()
    assert [r["id"] for r in pending["reviews"]] == [decision["id"]]
    assert pending["reviews"][0]["transaction_ref"] == "TENDER-1"
    verified = client.get(f"/v1/checks/{decision['id']}", headers=auth(api, "buyer")).json()
    assert verified["status"] == "advisory" and verified["review"]["status"] == "pending"

    body = {
        "identifiers": [{"scheme": "cn_ric", "value": ADULT}],
        "purpose": "air_ticket_sale",
        "transaction_ref": "PNR-1",
    }
    plain = client.post("/v1/checks", json=body, headers=auth(api, "airline")).json()
    assert plain["outcome"] == "restricted"  # adverse, but no_air_travel is not significant
    assert "status" not in plain and "review" not in plain
    verified = client.get(f"/v1/checks/{plain['id']}", headers=auth(api, "airline")).json()
    assert "review" not in verified
    with api[2].engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(inquiries)).scalar_one() == 2
        assert conn.execute(select(decision_reviews.c.id)).scalars().all() == [decision["id"]]


def test_g37_confirm_and_override_are_recorded_audited_and_counted(api: Api) -> None:
    client = api[0]
    stamped = [award_check(api, f"TENDER-{n}")["id"] for n in range(RUBBER_STAMP_MIN)]
    for review_id in stamped:
        confirmed = review(api, "buyer", review_id, outcome="confirm", reviewer="Wang  Fang")
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["status"] == "confirmed"
    overridden_id = award_check(api, "TENDER-X")["id"]
    reasons = "The judgment debt was paid on 28 May; receipt on file."
    overridden = review(
        api, "buyer", overridden_id, outcome="override", reviewer="Li Lei", reasons=reasons
    )
    assert overridden.status_code == 200, overridden.text
    again = review(api, "buyer", overridden_id, outcome="confirm", reviewer="Li Lei")
    assert again.status_code == 409

    final = client.get(f"/v1/reviews/{overridden_id}", headers=auth(api, "buyer")).json()
    assert (final["status"], final["reviewer"], final["reasons"]) == (
        "overridden",
        "Li Lei",
        reasons,
    )
    verified = client.get(f"/v1/checks/{stamped[0]}", headers=auth(api, "buyer")).json()
    assert verified["status"] == "confirmed" and verified["review"]["reviewer"] == "Wang Fang"

    stats = client.get("/v1/reviews/stats", headers=auth(api, "buyer")).json()
    by_name = {s["reviewer"]: s for s in stats["reviewers"]}
    assert by_name["Wang Fang"]["confirmed"] == RUBBER_STAMP_MIN
    assert by_name["Wang Fang"]["override_rate"] == 0.0
    assert by_name["Wang Fang"]["rubber_stamp"] is True  # rubber-stamping shows
    assert by_name["Li Lei"]["override_rate"] == 1.0 and by_name["Li Lei"]["rubber_stamp"] is False
    [party] = stats["relying_parties"]
    assert (party["reviews"], party["overridden"], party["pending"]) == (RUBBER_STAMP_MIN + 1, 1, 0)
    assert party["rubber_stamp"] is False  # its people do depart from the advice
    operator = client.get("/v1/reviews/stats", headers=auth(api, "operator")).json()
    assert operator["reviewers"] == stats["reviewers"]

    with api[2].engine.connect() as conn:
        entries = conn.execute(
            select(audit_log.c.action, audit_log.c.actor, audit_log.c.payload).where(
                audit_log.c.action.in_(["decision.confirmed", "decision.overridden"])
            )
        ).all()
        assert audit.verify(conn, AUDITED).ok
        subject_id = repository.get_inquiry(conn, overridden_id)["subject_id"]  # type: ignore[index]
        report = subject_report(conn, api[2].catalogue, subject_id, api[2].clock.now())
    actions = sorted(action for action, _, _ in entries)
    assert actions == ["decision.confirmed"] * RUBBER_STAMP_MIN + ["decision.overridden"]
    assert all(actor == "relying_party:procurement_centre" for _, actor, _ in entries)
    assert any("Li Lei" in str(payload) and reasons in str(payload) for *_, payload in entries)
    seen = {h["decision_id"]: h for h in report["human_reviews"]}
    assert seen[overridden_id]["status"] == "overridden"
    assert seen[overridden_id]["reviewed_by_a_person"] is True
    assert seen[stamped[0]]["status"] == "confirmed"


def test_g37_another_relying_party_can_neither_see_nor_review_it(api: Api) -> None:
    client = api[0]
    review_id = award_check(api)["id"]
    assert client.get(f"/v1/reviews/{review_id}", headers=auth(api, "bank")).status_code == 404
    assert client.get("/v1/reviews", headers=auth(api, "bank")).json() == {"reviews": []}
    stolen = review(api, "bank", review_id, outcome="confirm", reviewer="Zhao Min")
    assert stolen.status_code == 404
    assert client.get(f"/v1/checks/{review_id}", headers=auth(api, "bank")).status_code == 404
    bank_stats = client.get("/v1/reviews/stats", headers=auth(api, "bank")).json()
    assert bank_stats["reviewers"] == [] and bank_stats["relying_parties"] == []
    furnisher = client.get("/v1/reviews", headers=auth(api, "court"))
    assert furnisher.status_code == 403
    mine = client.get(f"/v1/reviews/{review_id}", headers=auth(api, "buyer")).json()
    assert mine["status"] == "pending"


def test_g37_override_needs_reasons_and_a_named_person(api: Api) -> None:
    review_id = award_check(api)["id"]
    bare = review(api, "buyer", review_id, outcome="override", reviewer="Li Lei")
    assert bare.status_code == 422
    assert bare.json()["errors"][0]["where"] == "reasons"
    short = review(api, "buyer", review_id, outcome="override", reviewer="Li Lei", reasons=" ok ")
    assert short.status_code == 422
    anonymous = review(api, "buyer", review_id, outcome="confirm", reviewer="   ")
    assert anonymous.status_code == 422
    assert (
        api[0].get(f"/v1/reviews/{review_id}", headers=auth(api, "buyer")).json()["status"]
        == "pending"
    )


def test_g37_g24_no_decision_leaves_when_its_review_cannot_be_opened(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(repository, "open_review", broken)
    body = {
        "identifiers": [{"scheme": "cn_uscc", "value": SUPPLIER}],
        "purpose": "procurement_award",
        "transaction_ref": "TENDER-1",
    }
    response = api[0].post("/v1/checks", json=body, headers=auth(api, "buyer"))
    assert response.status_code == 503
    assert response.json()["code"] == "inquiry_not_recorded"
    with api[2].engine.connect() as conn:  # the inquiry was rolled back with the review
        assert conn.execute(select(func.count()).select_from(inquiries)).scalar_one() == 0


def test_g37_a_benefit_cannot_be_marked_significant(tmp_path: Path) -> None:
    folder = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, folder)
    path = folder / "measures.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(m for m in document["measures"] if m["kind"] == "waiver")["significant"] = True
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder)
    assert any("significant" in str(p) and "G-37" in str(p) for p in caught.value.problems)
