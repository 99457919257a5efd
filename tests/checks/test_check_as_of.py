"""POST /v1/checks with ``as_of`` on both databases: "was this supplier excluded on the day the
contract was awarded?". The same purpose check and decision as a current check, from the
stored list entries and the records behind them; the permission comes from the purpose's
catalogue entry; the inquiry records the date and the subject sees it (G-24); records
annulled or disputed since give no past effect (G-26, G-40)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from credo.access.model import Role
from credo.access.service import create_principal
from credo.checks.tables import inquiries
from credo.cli.main import app as cli
from credo.context import AppContext
from credo.records.service import chain_id_of
from credo.records.tables import record_current, record_suppressions
from credo.subjects.repository import find_subject_ids
from credo.web.api.app import create_app
from tests.lists.builders import change, create_principals, defaulter, make_context, org_id, submit

SUPPLIER = org_id(60)  # a judgment defaulter from 2026-01-25 (after notice) until 2026-03-01
PAID = "(2026)京执60号"
DISPUTED = org_id(61)
ANNULLED = org_id(62)

Api = tuple[TestClient, dict[str, str], AppContext]


@pytest.fixture
def api(database_url: str, engine: Engine) -> Iterator[Api]:
    ctx = make_context(database_url, engine)  # the clock says 2026-06-01
    keys = create_principals(ctx)
    paid = defaulter(SUPPLIER, PAID, kind="organisation")
    submit(ctx, "city_court", paid)
    submit(ctx, "city_court", change(paid, "perform", 1, "2026-03-01"))
    with TestClient(create_app(ctx)) as client:
        yield client, keys, ctx


def check(api: Api, who: str, ident: str, purpose: str, **extra: Any) -> Any:
    client, keys, _ = api
    body = {
        "identifiers": [{"scheme": "cn_uscc", "value": ident}],
        "purpose": purpose,
        "transaction_ref": "AWARD-2026-017",
        **extra,
    }
    return client.post("/v1/checks", json=body, headers={"Authorization": f"Bearer {keys[who]}"})


def award_check(api: Api, ident: str, as_of: str) -> Any:
    response = check(api, "buyer", ident, "procurement_award", as_of=as_of)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_past_listing_answers_for_its_dates_only(api: Api) -> None:
    now = check(api, "buyer", SUPPLIER, "procurement_award").json()
    assert now["outcome"] == "clear"  # performed on 2026-03-01: nothing today
    assert "checked_at" not in now

    then = award_check(api, SUPPLIER, "2026-02-15")
    assert then["outcome"] == "restricted"
    assert then["as_of"] == "2026-02-15"
    assert datetime.fromisoformat(then["checked_at"]) == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    [measure] = then["measures"]
    assert measure["measure"] == "procurement_exclusion_defaulter"
    assert measure["rule"]["list"] == "judgment_defaulters"
    assert measure["list_entry"]["effective_on"] == "2026-01-25"
    assert measure["list_entry"]["ends_on"] == "2026-03-01"
    assert measure["applies_until"] == "2026-03-01"
    [record] = measure["records"]
    assert record["record_type"] == "judgment_defaulter"
    assert record["issued_by"] == "city_court"
    assert "2026-02-15" in then["counterfactual"]
    assert then["rights"]["dispute"]
    assert then["purpose"]["legal_basis"]["instrument"] == "Government Procurement Law of the PRC"

    after = award_check(api, SUPPLIER, "2026-04-01")
    assert after["outcome"] == "clear"
    assert after["measures"] == []
    assert after["reasons"][0] == "no_effective_list_entry"
    assert after["counterfactual"] is None

    notified = award_check(api, SUPPLIER, "2026-01-20")  # inside the objection window (G-22)
    assert notified["outcome"] == "clear"
    before = award_check(api, SUPPLIER, "2025-12-01")
    assert before["outcome"] == "clear"


def test_past_dates_are_only_for_purposes_that_allow_them(api: Api) -> None:
    airline = check(api, "airline", SUPPLIER, "air_ticket_sale", as_of="2026-02-15")
    assert airline.status_code == 403
    assert airline.headers["content-type"] == "application/problem+json"
    problem = airline.json()
    assert problem["code"] == "as_of_not_permitted"
    assert "air_ticket_sale" in problem["detail"] and "as_of" in problem["detail"]
    bank = check(api, "bank", SUPPLIER, "consumer_loan", as_of="2026-02-15")
    assert bank.status_code == 403
    # a purpose the relying party is not registered for is refused as before
    unregistered = check(api, "airline", SUPPLIER, "procurement_award", as_of="2026-02-15")
    assert unregistered.json()["code"] == "purpose_not_permitted"
    _, _, ctx = api
    with ctx.engine.connect() as conn:
        assert conn.execute(select(inquiries)).first() is None  # refused: nothing was checked


@pytest.mark.parametrize(
    "as_of", ["2026-06-02", "2999-01-01", "1989-12-31", "2026-02-15T00:00:00", "20260215", 1]
)
def test_a_date_out_of_range_or_not_a_day_is_a_problem_naming_the_field(
    api: Api, as_of: Any
) -> None:
    response = check(api, "buyer", SUPPLIER, "procurement_award", as_of=as_of)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert [e["where"] for e in problem["errors"]] == ["as_of"]
    assert "as_of" in problem["detail"]


def test_today_is_a_valid_as_of(api: Api) -> None:
    assert award_check(api, SUPPLIER, "2026-06-01")["outcome"] == "clear"


def test_the_inquiry_records_the_date_and_the_subject_sees_it(api: Api) -> None:
    client, _, ctx = api
    past_id = award_check(api, SUPPLIER, "2026-02-15")["id"]
    current_id = check(api, "buyer", SUPPLIER, "procurement_award").json()["id"]
    with ctx.engine.connect() as conn:
        rows = {r["id"]: r for r in conn.execute(select(inquiries)).mappings()}
        sid = find_subject_ids(conn, [("cn_uscc", SUPPLIER)])[("cn_uscc", SUPPLIER)]
    assert rows[past_id]["as_of"] == date(2026, 2, 15)
    assert rows[past_id]["outcome"] == "restricted"
    assert rows[past_id]["measures"] == ["procurement_exclusion_defaulter"]
    assert rows[past_id]["transaction_ref"] == "AWARD-2026-017"
    assert rows[current_id]["as_of"] is None
    with ctx.engine.begin() as conn:
        key = create_principal(
            conn, ctx.catalogue, principal_id="supplier", role=Role.SUBJECT,
            display_name="supplier", now=ctx.clock.now(), subject_id=sid,
        )  # fmt: skip
    auth = {"Authorization": f"Bearer {key}"}
    mine = client.get("/v1/inquiries/mine", headers=auth).json()["inquiries"]
    assert {(i["id"], i["as_of"]) for i in mine} == {(past_id, "2026-02-15"), (current_id, None)}
    report = client.get("/v1/me/report", headers=auth)
    assert report.status_code == 200, report.text
    # the subject's report lists the check (credo.disputes.peers picks the columns it shows)
    logged = {i["decision_id"]: i for i in report.json()["inquiries"]}
    assert logged[past_id]["purpose"] == "procurement_award"
    assert logged[past_id]["relying_party_id"] == "procurement_centre"
    assert logged[past_id]["as_of"] == "2026-02-15" and logged[current_id]["as_of"] is None
    # and so does the inquiry log on the command line
    env = {"CREDO_DATABASE_URL": ctx.settings.database_url, "COLUMNS": "80"}
    log = CliRunner().invoke(cli, ["checks", "inquiries", "cn_uscc", SUPPLIER], env=env)
    assert log.exit_code == 0, log.output
    assert "2026-02-15" in log.output and "that day" in log.output
    # the relying party can verify the decision it received, with the date it was about
    verified = client.get(f"/v1/checks/{past_id}", headers={"Authorization": _bearer(api)})
    assert verified.status_code == 200
    assert verified.json()["as_of"] == "2026-02-15"


def _bearer(api: Api) -> str:
    return f"Bearer {api[1]['buyer']}"


def test_a_record_under_dispute_or_annulled_since_has_no_past_effect(api: Api) -> None:
    _, _, ctx = api
    disputed = defaulter(DISPUTED, "(2026)京执61号", kind="organisation")
    annulled = defaulter(ANNULLED, "(2026)京执62号", kind="organisation")
    submit(ctx, "city_court", disputed, annulled)
    assert award_check(api, DISPUTED, "2026-02-15")["outcome"] == "restricted"
    assert award_check(api, ANNULLED, "2026-02-15")["outcome"] == "restricted"
    with ctx.engine.begin() as conn:
        sid = find_subject_ids(conn, [("cn_uscc", DISPUTED)])[("cn_uscc", DISPUTED)]
        conn.execute(
            record_suppressions.insert().values(
                chain_id=chain_id_of("city_court", disputed["source_ref"]),
                subject_id=sid,
                reason="dispute",
                opened_at=ctx.clock.now(),
            )
        )
    submit(ctx, "city_court", change(annulled, "revoke", 1, "2026-05-20"))
    for ident in (DISPUTED, ANNULLED):
        decision = award_check(api, ident, "2026-02-15")
        assert decision["outcome"] == "clear", ident
        assert decision["measures"] == []


def test_a_record_past_its_retention_is_not_reported_for_any_date(api: Api) -> None:
    _, _, ctx = api
    assert award_check(api, SUPPLIER, "2026-02-15")["outcome"] == "restricted"

    with ctx.engine.begin() as conn:  # as if the record's retention ended yesterday
        conn.execute(
            record_current.update()
            .where(record_current.c.chain_id == chain_id_of("city_court", PAID))
            .values(expires_on=date(2026, 5, 31))
        )
    assert award_check(api, SUPPLIER, "2026-02-15")["outcome"] == "clear"


def test_unknown_and_ambiguous_subjects_give_no_adverse_finding(api: Api) -> None:
    client, _, ctx = api
    unknown = award_check(api, org_id(99), "2026-02-15")
    assert (unknown["outcome"], unknown["reasons"]) == ("clear", ["no_records"])
    submit(ctx, "city_court", defaulter(DISPUTED, "(2026)京执61号", kind="organisation"))
    body = {
        "identifiers": [
            {"scheme": "cn_uscc", "value": SUPPLIER},
            {"scheme": "cn_uscc", "value": DISPUTED},
        ],
        "purpose": "procurement_award",
        "transaction_ref": "T-9",
        "as_of": "2026-02-15",
    }
    both = client.post("/v1/checks", json=body, headers={"Authorization": _bearer(api)}).json()
    assert (both["outcome"], both["reasons"]) == ("clear", ["identity_ambiguous"])


def test_openapi_describes_as_of(api: Api) -> None:
    client, _, _ = api
    schema = client.get("/openapi.json").json()["components"]["schemas"]["CheckIn"]
    as_of = schema["properties"]["as_of"]
    assert "past" in as_of["description"]
    assert {"type": "string", "format": "date"} in as_of["anyOf"]
