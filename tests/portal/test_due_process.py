"""The dispute journey through the portal on both databases: a subject disputes a record in
effect, the record stops having effect at once, an operator resolves the dispute by deleting
the record, the subject sees the outcome, and a relying party's check no longer applies the
measure the record triggered."""

from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy import select

from credo.access.model import Role
from credo.demo.build import demo_credentials
from credo.subjects.tables import subject_identifiers
from tests.portal.conftest import Portal

RECORD_ROW = re.compile(r'<tr data-record="([0-9a-f]+)">(.*?)</tr>', re.S)


def _subject_ric(portal: Portal) -> str:
    subject_id = next(c.subject_id for c in demo_credentials(portal.ctx) if c.subject_id)
    query = select(subject_identifiers.c.value).where(
        subject_identifiers.c.subject_id == subject_id, subject_identifiers.c.scheme == "cn_ric"
    )
    with portal.ctx.engine.connect() as conn:
        return str(conn.execute(query).scalar_one())


def _check(portal: Portal, ric: str) -> dict[str, Any]:
    response = portal.client.post(
        "/v1/checks",
        json={
            "identifiers": [{"scheme": "cn_ric", "value": ric}],
            "purpose": "air_ticket_sale",
            "transaction_ref": "PNR-DEMO-1",
        },
        headers={"Authorization": f"Bearer {portal.keys[Role.RELYING_PARTY]}"},
    )
    assert response.status_code == 200, response.text
    decision: dict[str, Any] = response.json()
    return decision


def _measures(decision: dict[str, Any]) -> list[str]:
    return [m["measure"] for m in decision["measures"]]


def _eventually_no_measure(portal: Portal, ric: str) -> dict[str, Any]:
    """The check index follows the change feed in the background: poll until it has."""
    decision = _check(portal, ric)
    for _ in range(100):
        if not decision["measures"]:
            break
        time.sleep(0.05)
        decision = _check(portal, ric)
    return decision


def _defaulter_record(page: str) -> str:
    for record_id, row in RECORD_ROW.findall(page):
        if "Dishonest judgment defaulter" in row and ">In effect<" in row:
            return str(record_id)
    raise AssertionError("the demo subject has no defaulter record in effect")


def test_dispute_resolved_by_deletion_ends_the_measure(portal: Portal) -> None:
    ric = _subject_ric(portal)
    assert _measures(_check(portal, ric)) == ["no_air_travel"]

    portal.sign_in(Role.SUBJECT)
    record_id = _defaulter_record(portal.client.get("/me").text)
    lodged = portal.post(
        "/me/disputes",
        data={
            "record_id": record_id,
            "grounds": "The judgment was performed in full.",
            "kind": "dispute",
        },
        follow_redirects=False,
    )
    assert lodged.status_code == 303
    report = portal.client.get("/me").text
    assert "No effect while your dispute is open" in report
    assert '<td data-status="open">Open</td>' in report
    assert _eventually_no_measure(portal, ric)["measures"] == []  # no effect while disputed

    portal.sign_out()
    portal.sign_in(Role.OPERATOR)
    queue = portal.client.get("/console/queues").text
    dispute_id = re.search(
        r'<tr data-dispute="([0-9]+)">(?:(?!</tr>).)*performed in full', queue, re.S
    )
    assert dispute_id, "the operator sees the dispute in the queue"
    resolved = portal.post(
        f"/console/disputes/{dispute_id.group(1)}/resolve",
        data={"outcome": "deleted", "reasons": "The court confirmed full performance."},
        follow_redirects=False,
    )
    assert resolved.status_code == 303

    portal.sign_out()
    portal.sign_in(Role.SUBJECT)
    report = portal.client.get("/me").text
    assert '<td data-status="deleted">Successful: the record was deleted</td>' in report
    assert "The court confirmed full performance." in report
    assert _eventually_no_measure(portal, ric)["measures"] == []


def test_refused_actions_explain_why(portal: Portal) -> None:
    portal.sign_in(Role.SUBJECT)
    empty = portal.post("/me/disputes", data={"record_id": "nope", "grounds": ""})
    assert empty.status_code in (404, 422)
    assert 'role="alert"' in empty.text
    portal.sign_out()
    portal.sign_in(Role.OPERATOR)
    upheld = portal.post(
        "/console/disputes/999999/resolve", data={"outcome": "upheld", "reasons": ""}
    )
    assert upheld.status_code in (404, 422)
    assert 'role="alert"' in upheld.text
    assert portal.post("/me/disputes", data={"record_id": "x"}).status_code == 403


def test_a_subject_cannot_touch_another_subjects_record(portal: Portal) -> None:
    portal.sign_in(Role.OPERATOR)
    other = re.search(r'<tr data-dispute="([0-9]+)">', portal.client.get("/console/queues").text)
    assert other, "the demo opened disputes for other subjects"
    portal.sign_out()
    portal.sign_in(Role.SUBJECT)
    forged = portal.post(f"/console/disputes/{other.group(1)}/resolve", data={"outcome": "deleted"})
    assert forged.status_code == 403


def test_statement_and_repair_application_through_the_portal(portal: Portal) -> None:
    portal.sign_in(Role.SUBJECT)
    record_id = _defaulter_record(portal.client.get("/me").text)
    said = portal.post(
        "/me/statements",
        data={"record_id": record_id, "text": "I am paying in instalments."},
        follow_redirects=False,
    )
    assert said.status_code == 303
    assert "“I am paying in instalments.”" in portal.client.get("/me").text
    applied = portal.post(
        "/me/repairs",
        data={
            "record_id": record_id,
            "condition": "obligation performed in full",
            "proof": "RCPT-1",
        },
        follow_redirects=False,
    )
    assert applied.status_code == 303, applied.text
    assert "<td>Pending</td>" in portal.client.get("/me").text

    portal.sign_out()
    portal.sign_in(Role.OPERATOR)
    queue = portal.client.get("/console/queues").text
    found = re.search(
        r'<tr data-repair="([0-9]+)">(?:(?!</tr>).)*obligation performed', queue, re.S
    )
    assert found
    decided = portal.post(
        f"/console/repairs/{found.group(1)}/decide",
        data={"approve": "yes", "reasons": "Receipt verified with the court."},
        follow_redirects=False,
    )
    assert decided.status_code == 303

    portal.sign_out()
    portal.sign_in(Role.SUBJECT)
    report = portal.client.get("/me").text
    assert "<td>Approved</td>" in report
    row = next(r for rid, r in RECORD_ROW.findall(report) if rid == record_id)
    assert ">In effect<" not in row and "No effect: credit repaired" in row


def test_operator_decides_an_identity_review_item_with_reasons(portal: Portal) -> None:
    portal.sign_in(Role.OPERATOR)
    queue = portal.client.get("/console/queues").text
    item = re.search(
        r'<tr data-review="([0-9]+)">(?:(?!</tr>).)*identifier_check_failed', queue, re.S
    )
    assert item, "the demo's pilot-era codes are queued for identity review"
    url = f"/console/review/{item.group(1)}/resolve"
    refused = portal.post(url, data={"resolution": "ok"})
    assert refused.status_code == 422
    decided = portal.post(
        url,
        data={"resolution": "Pilot-era code confirmed with the registry."},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    assert f'data-review="{item.group(1)}"' not in portal.client.get("/console/queues").text
    again = portal.post(url, data={"resolution": "Pilot-era code confirmed again."})
    assert again.status_code == 409


CASE_ROW = re.compile(
    r'<tr data-(dispute|repair)="([0-9]+)">(?:(?!</tr>).)*?<td>[0-9]+</td><td>([^<]*)</td>', re.S
)


def test_one_queue_holds_every_kind_of_case_and_filters_by_kind(portal: Portal) -> None:
    """Issue 13, one case workflow: disputes, "not me" claims and repair applications wait in
    one console queue; ``?kind=`` shows one kind; each row's form closes its case through the
    same route with one of its own kind's outcomes (another kind's is refused, G-28's
    reasons asked for where the record is kept)."""
    portal.sign_in(Role.OPERATOR)
    every = CASE_ROW.findall(portal.client.get("/console/queues").text)
    assert {kind for _, _, kind in every} == {
        "The record is wrong",
        "This record is not about me",
        "Credit repair",
    }
    for kind, label in (
        ("identity_claim", "This record is not about me"),
        ("repair", "Credit repair"),
    ):
        shown = CASE_ROW.findall(portal.client.get(f"/console/queues?kind={kind}").text)
        assert shown and {k for _, _, k in shown} == {label}
    repair_id = next(i for row, i, _ in every if row == "repair")
    url = f"/console/repairs/{repair_id}/resolve"
    assert portal.post(url, data={"outcome": "deleted"}).status_code == 422  # a dispute's
    assert portal.post(url, data={"outcome": "rejected", "reasons": ""}).status_code == 422
    done = portal.post(url, data={"outcome": "approved"}, follow_redirects=False)
    assert done.status_code == 303
    assert f'data-repair="{repair_id}"' not in portal.client.get("/console/queues").text
