"""G-46: company records stay company records, and sole traders are people. A sole trader is a
person identified by a resident identity number: their business records are not published as
a company's (no organisation page, not found by name), and a list entry about them waits for
the prior notice and its objection window as for anyone (G-22)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from credo.lists.service import entries_on
from credo.register import service as register
from credo.web.api.app import create_app
from tests.lists.builders import WINDOW, defaulter, make_context, org_id, person_id, submit

TRADER = person_id(date(1979, 4, 2), 11)
COMPANY = org_id(77)


def business(kind: str, ident: str, name: str, ref: str) -> list[dict[str, Any]]:
    """A business licence (which registers the subject) and a fine, as the regulator sends."""
    scheme = "cn_ric" if kind == "person" else "cn_uscc"
    subject = {"kind": kind, "name": name, "identifiers": [{"scheme": scheme, "value": ident}]}
    common = {"subject": subject, "occurred_on": "2026-02-01",
              "provenance": {"kind": "official_decision"}}  # fmt: skip
    licence = {
        **common,
        "record_type": "administrative_licence",
        "source_ref": f"LIC-{ref}",
        "payload": {"licence_number": f"LIC-{ref}", "licence_kind": "business_licence"},
    }
    fine = {
        **common,
        "record_type": "administrative_penalty",
        "source_ref": ref,
        "payload": {"decision_number": ref, "penalty_kind": "fine", "fine_amount": 2000},
        "evidence": {"kind": "administrative_penalty_decision", "document_id": ref,
                     "issuer": "Demo City Market Regulation Bureau", "issued_on": "2026-02-01"},
    }  # fmt: skip
    return [licence, fine]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_g46_a_sole_traders_business_record_is_not_published_as_a_companys(
    database_url: str, engine: Engine
) -> None:
    ctx = make_context(database_url, engine)
    rows = business("person", TRADER, "Wang Noodle Stall", "M1")
    rows += business("organisation", COMPANY, "Wang Noodle Co.", "M2")
    trader, company = [submit(ctx, "market_regulator", row)[0] for row in rows][1::2]
    assert trader.subject_id is not None and company.subject_id is not None
    with engine.connect() as conn:
        found = {org.id for org in register.search_organisations(conn, "noodle")}
        assert found == {company.subject_id}
        today = ctx.clock.today()
        assert register.organisation_file(conn, ctx.catalogue, trader.subject_id, today) is None
    with TestClient(create_app(ctx)) as client:
        page = client.get(f"/register/organisations/{trader.subject_id}")
        assert page.status_code == 404
        assert "Wang Noodle Stall" not in page.text
        search = client.get("/register/search", params={"q": "Noodle"})
        assert "Wang Noodle Co." in search.text and "Wang Noodle Stall" not in search.text
        assert client.get(f"/register/organisations/{company.subject_id}").status_code == 200


def test_g46_a_sole_trader_is_notified_before_a_list_entry_takes_effect(
    database_url: str, engine: Engine
) -> None:
    ctx = make_context(database_url, engine)
    [outcome] = submit(ctx, "city_court", defaulter(TRADER, on="2026-03-02"))
    assert outcome.subject_id is not None
    start = date(2026, 3, 2)
    with engine.connect() as conn:
        during = entries_on(conn, ctx.catalogue, outcome.subject_id, start + timedelta(days=1))
        after = entries_on(conn, ctx.catalogue, outcome.subject_id, start + timedelta(days=WINDOW))
    assert [(e.list_id, s) for e, s in during] == [("judgment_defaulters", "notified")]
    assert [(e.list_id, s) for e, s in after] == [("judgment_defaulters", "effective")]
