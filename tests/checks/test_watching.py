"""Subscriptions are inquiries (issue 11, item 2): subscribing, renewing and every event
delivered are logged with their purpose, in the tamper-evident log, and shown in the subject's
report (who watches, since when, why); events fire only for changes the subscribed purpose may
see, and carry nothing about the change itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from credo.audit import service as audit
from credo.checks.callbacks import webhook_client
from credo.checks.subscriptions import WebhookDelivery
from credo.checks.tables import check_events, inquiries, subscriptions
from credo.context import AppContext
from credo.disputes.report import subject_report
from credo.disputes.report_html import render_report
from credo.web.api.app import create_app
from harness.aio import run_async
from harness.audited import AUDITED
from tests.checks.test_webhook_ssrf import Listener, context
from tests.lists.builders import NOW, create_principals, defaulter, org_id, person_id, submit
from tests.lists.builders import subject as subject_of

ADULT = person_id(date(1980, 5, 6))
COMPANY = org_id(4242)
PUBLIC_HOOK = "https://93.184.216.34/credo-events"  # a public address literal: no DNS needed


def tax_filing(ident: str, ref: str, kind: str = "person") -> dict[str, Any]:
    """A non-public tax return filing (tax domain): no purpose of an airline reads it."""
    scheme = "cn_ric" if kind == "person" else "cn_uscc"
    return {
        "record_type": "tax_filing",
        "source_ref": ref,
        "subject": subject_of(kind, scheme, ident),
        "occurred_on": "2026-04-20",
        "payload": {"period": "2026-03", "tax_kind": "vat", "due_on": "2026-04-15", "days_late": 5},
        "evidence": {
            "kind": "tax_return_receipt",
            "document_id": ref,
            "issuer": "Demo City Tax Bureau",
            "issued_on": "2026-04-20",
        },
        "provenance": {"kind": "official_decision"},
    }


def tax_grade_of(ident: str, grade: str, ref: str) -> dict[str, Any]:
    return {
        "record_type": "tax_credit_grade",
        "source_ref": ref,
        "subject": subject_of("organisation", "cn_uscc", ident),
        "occurred_on": "2026-04-01",
        "payload": {"year": 2025, "grade": grade, "index_points": 95},
        "evidence": {
            "kind": "tax_grade_notice",
            "document_id": ref,
            "issuer": "Demo City Tax Bureau",
            "issued_on": "2026-04-01",
        },
        "provenance": {"kind": "official_decision"},
    }


@pytest.fixture
def watched(database_url: str, engine: Engine) -> Iterator[tuple[AppContext, dict[str, str]]]:
    ctx = context(database_url, engine)
    keys = create_principals(ctx)
    submit(ctx, "city_court", defaulter(ADULT))
    submit(ctx, "city_court", defaulter(COMPANY, "(2026)京0105执9号", kind="organisation"))
    yield ctx, keys


def subscribe(
    client: TestClient, key: str, purpose: str, ident: str = ADULT, url: str = PUBLIC_HOOK
) -> Any:
    scheme = "cn_ric" if ident == ADULT else "cn_uscc"
    return client.post(
        "/v1/subscriptions",
        json={
            "identifier": {"scheme": scheme, "value": ident},
            "purpose": purpose,
            "callback_url": url,
        },
        headers={"Authorization": f"Bearer {key}"},
    )


def subject_id_of(ctx: AppContext, key: str) -> int:
    with ctx.engine.connect() as conn:
        found = conn.execute(
            select(subscriptions.c.subject_id).where(subscriptions.c.subject_key == key)
        ).scalar_one()
    return int(found)


def events_by_party(ctx: AppContext) -> dict[str, int]:
    query = select(subscriptions.c.relying_party_id, check_events.c.seq).join(
        subscriptions, subscriptions.c.id == check_events.c.subscription_id
    )
    counts: dict[str, int] = {}
    with ctx.engine.connect() as conn:
        for party, _ in conn.execute(query):
            counts[party] = counts.get(party, 0) + 1
    return counts


def test_subscribing_and_renewing_are_inquiries_in_the_report_and_the_log(
    watched: tuple[AppContext, dict[str, str]],
) -> None:
    ctx, keys = watched
    with TestClient(create_app(ctx)) as client:
        assert subscribe(client, keys["bank"], "consumer_loan").status_code == 201
        ctx.clock.advance(days=3)  # type: ignore[attr-defined]
        renewed = subscribe(client, keys["bank"], "consumer_loan")
        assert renewed.status_code == 201, renewed.text
        with ctx.engine.connect() as conn:
            logged = conn.execute(select(inquiries).order_by(inquiries.c.at)).mappings().all()
        assert [(q["outcome"], q["purpose"], q["relying_party_id"]) for q in logged] == [
            ("subscribed", "consumer_loan", "demo_bank"),
            ("renewed", "consumer_loan", "demo_bank"),
        ]
        assert all(q["principal_id"] == "bank" for q in logged)
        # an inquiry of watching is no decision: nothing to verify
        verified = client.get(
            f"/v1/checks/{logged[0]['id']}", headers={"Authorization": f"Bearer {keys['bank']}"}
        )
        assert verified.status_code == 404

    subject_id = subject_id_of(ctx, f"cn_ric:{ADULT}")
    with ctx.engine.connect() as conn:
        report = subject_report(conn, ctx.catalogue, subject_id, ctx.clock.now())
        assert audit.verify(conn, AUDITED).ok  # the inquiries are in the tamper-evident log
    assert [q["outcome"] for q in report["inquiries"]] == ["renewed", "subscribed"]
    [watcher] = report["subscriptions"]
    assert watcher["relying_party_id"] == "demo_bank"
    assert watcher["relying_party"]["en"] == "Demo City Commercial Bank"
    assert watcher["purpose"] == "consumer_loan"
    assert watcher["legal_basis"]["article"] == "Art. 18, Art. 20"
    assert watcher["since"].startswith(NOW.date().isoformat())  # renewing keeps "since"
    assert watcher["status"] == "watching"
    html = render_report(report)
    assert "Who watches your file" in html
    assert "Demo City Commercial Bank" in html and "Application for a consumer loan" in html


def test_events_fire_only_for_changes_the_purpose_may_see(
    watched: tuple[AppContext, dict[str, str]],
) -> None:
    ctx, keys = watched
    with TestClient(create_app(ctx)) as client:
        assert subscribe(client, keys["airline"], "air_ticket_sale").status_code == 201
        assert subscribe(client, keys["bank"], "consumer_loan").status_code == 201
        assert subscribe(client, keys["bank"], "consumer_loan", COMPANY).status_code == 201
        assert subscribe(client, keys["airline"], "air_ticket_sale", COMPANY).status_code == 201

    # a non-public tax filing: neither an airline's nor a bank's purpose reads it
    submit(ctx, "city_tax_office", tax_filing(ADULT, "VAT-2026-03-A"))
    submit(ctx, "city_tax_office", tax_filing(COMPANY, "VAT-2026-03-C", kind="organisation"))
    assert events_by_party(ctx) == {}

    # a tax credit grade: the bank's consumer_loan may see it (a-grade taxpayers), the
    # airline's air_ticket_sale may not
    submit(ctx, "city_tax_office", tax_grade_of(COMPANY, "A", "TG-2025-C"))
    assert events_by_party(ctx) == {"demo_bank": 1}

    # a new judgment-defaulter record: both purposes read that list
    submit(ctx, "city_court", defaulter(ADULT, "(2026)京执2号", on="2026-02-01"))
    assert events_by_party(ctx) == {"demo_bank": 2, "demo_airline": 1}


def test_an_event_says_only_that_the_decision_may_change(
    watched: tuple[AppContext, dict[str, str]],
) -> None:
    ctx, keys = watched
    with TestClient(create_app(ctx)) as client:
        assert subscribe(client, keys["airline"], "air_ticket_sale").status_code == 201
    submit(ctx, "city_court", defaulter(ADULT, "(2026)京执2号", on="2026-02-01"))
    with ctx.engine.connect() as conn:
        [event] = conn.execute(select(check_events)).mappings().all()
    payload = event["payload"]
    assert set(payload) == {
        "event_id",
        "type",
        "subscription_id",
        "purpose",
        "subject",
        "occurred_at",
        "advice",
    }
    text = str(payload)
    for leak in ("judgment_defaulter", "city_court", "京执", "court_enforcement", "120000"):
        assert leak not in text


def test_each_delivered_event_is_an_inquiry_in_the_report(
    database_url: str, engine: Engine
) -> None:
    listener = Listener()
    try:
        ctx = context(database_url, engine, allow_private=True)
        keys = create_principals(ctx)
        submit(ctx, "city_court", defaulter(ADULT))
        url = f"http://127.0.0.1:{listener.port}/hook"
        with TestClient(create_app(ctx)) as client:
            assert subscribe(client, keys["airline"], "air_ticket_sale", url=url).status_code == 201
        submit(ctx, "city_court", defaulter(ADULT, "(2026)京执2号", on="2026-02-01"))
        submit(ctx, "city_tax_office", tax_filing(ADULT, "VAT-2026-03-A"))  # no event

        delivery = WebhookDelivery(ctx.engine, ctx.clock, allow_private=True)

        async def deliver() -> int:
            async with webhook_client(2.0, True) as http:
                return await delivery.deliver_due(http)

        assert run_async(deliver) == 1
        assert listener.requests == ["/hook"]
        with ctx.engine.connect() as conn:
            [event] = conn.execute(select(check_events)).mappings().all()
            subject_id = int(event["subject_id"])
            report = subject_report(conn, ctx.catalogue, subject_id, ctx.clock.now())
            assert audit.verify(conn, AUDITED).ok
        notified = [q for q in report["inquiries"] if q["outcome"] == "notified"]
        assert [(q["decision_id"], q["relying_party_id"], q["purpose"]) for q in notified] == [
            (event["event_id"], "demo_airline", "air_ticket_sale")
        ]
    finally:
        listener.server.shutdown()
