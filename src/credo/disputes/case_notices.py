"""The notices each case transition sends, per kind of case (credo.disputes.kinds names them
for the machine in credo.disputes.cases): on lodging, on the result, and when a deadline
passes undecided. Texts for the subject are in their language (notice_texts, repair_texts);
the furnisher's and the operators' are plain English."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping

from credo.catalog.catalogue import Catalogue
from credo.disputes import notice_texts, repair_texts
from credo.disputes.targets import chain_of_subject, chains_named
from credo.notices.reader import Reader, pick, reader_of
from credo.notices.service import Notice, add_business_days
from credo.records.eligibility import eligible_from
from credo.records.queries import CurrentRecord
from credo.records.service import WriteContext

Case = RowMapping


def _to_subject(case: Case, kind: str, title: str, body: str, **more: Any) -> Notice:
    """A notice to the case's subject about it."""
    return Notice(
        "subject", str(case["subject_id"]), kind, title, body, subject_id=case["subject_id"], **more
    )


# -- disputes and "not me" claims ------------------------------------------------------------


def dispute_lodged(
    conn: Connection, ctx: WriteContext, dispute: Case, chains: list[CurrentRecord], now: datetime
) -> list[Notice]:
    """To the furnisher (verify by the deadline) and the subject (received); a dispute on the
    merits of a decision also tells the subject where to appeal it (G-29)."""
    chain = chains[0]
    reader = reader_of(conn, ctx.catalogue, dispute["subject_id"])
    title, body = notice_texts.received(reader, ctx.catalogue, dispute, chain, now)
    what = "dispute" if dispute["kind"] == "dispute" else '"not me" identity claim'
    key = f"dispute:{dispute['id']}"
    notices = [
        Notice(
            "furnisher",
            dispute["furnisher_id"],
            f"{dispute['kind']}_lodged",
            f"A {what} about your record {chain.source_ref}",
            f"The subject lodged a {what} ({dispute['category']}) about record "
            f"{chain.source_ref} ({chain.record_type}). Grounds: {dispute['grounds']}\n"
            f"Evidence supplied: {dispute['evidence']}\nThe record has no effect until the "
            f"{what} is resolved. Verify or correct it by {dispute['deadline_at']}; an "
            "unverified record is treated as unverified and stays without effect (G-27).",
            subject_id=dispute["subject_id"],
            payload={"dispute_id": dispute["id"], "chain_id": dispute["chain_id"]},
            due_by=add_business_days(now, ctx.catalogue.profile.furnisher_notice_business_days),
            dedupe_key=f"{key}:furnisher",
        ),
        _to_subject(
            dispute,
            f"{dispute['kind']}_received",
            title,
            body,
            payload={"dispute_id": dispute["id"], "language": reader.lang},
            dedupe_key=f"{key}:received",
        ),
    ]
    if dispute["category"] == "merits":
        notices.append(_referral(ctx, reader, dispute, chain))
    return notices


def _referral(ctx: WriteContext, reader: Reader, dispute: Case, chain: CurrentRecord) -> Notice:
    """A dispute on the merits of a decision goes to the body that made it (G-29)."""
    record_type = ctx.catalogue.record_types.get(chain.record_type)
    furnisher = ctx.catalogue.furnishers.get(chain.furnisher_id)
    basis = (
        reader.words.legal_basis("record_types", record_type.id, record_type.legal_basis).instrument
        if record_type
        else pick(reader, "the issuing authority's rules", "作出决定机关的规定")
    )
    issuer = (
        notice_texts.reader_pick_text(reader, furnisher.name) if furnisher else chain.furnisher_id
    )
    title, body = notice_texts.referral(reader, ctx.catalogue, chain, issuer, basis)
    return _to_subject(
        dispute,
        "dispute_referral",
        title,
        body,
        payload={"dispute_id": dispute["id"], "appeal_to": issuer, "legal_basis": basis},
        dedupe_key=f"dispute:{dispute['id']}:referral",
    )


def dispute_result(
    conn: Connection, ctx: WriteContext, dispute: Case, now: datetime
) -> list[Notice]:
    """The outcome in plain words, in the subject's language (credo.disputes.notice_texts)."""
    catalogue = ctx.catalogue
    reader = reader_of(conn, catalogue, dispute["subject_id"])
    chain = chain_of_subject(conn, dispute["subject_id"], dispute["chain_id"])
    assert chain is not None  # a dispute's chain is its subject's (it was lodged on it)
    effects = notice_texts.effects_back(
        conn, catalogue, reader, dispute["subject_id"], dispute["chain_id"], now.date()
    )
    title, body = notice_texts.result(
        reader, catalogue, dispute, chain, effects, _repair_from(catalogue, chain)
    )
    payload = {
        "dispute_id": dispute["id"],
        "outcome": dispute["status"],
        "source_ref": chain.source_ref,
        "language": reader.lang,
        "effects_back": [e.list_name for e in effects],
    }
    due_by = add_business_days(now, catalogue.profile.result_notice_business_days)
    key = f"dispute:{dispute['id']}:result"
    return [
        _to_subject(
            dispute,
            f"{dispute['kind']}_result",
            title,
            body,
            payload=payload,
            due_by=due_by,
            dedupe_key=key,
        )
    ]


def _repair_from(catalogue: Catalogue, chain: CurrentRecord) -> date | None:
    record_type = catalogue.record_types.get(chain.record_type)
    if record_type is None or not record_type.repairable.allowed:
        return None
    return eligible_from(record_type, chain.effective_from)


# -- repair applications ---------------------------------------------------------------------


def repair_lodged(
    conn: Connection,
    ctx: WriteContext,
    application: Case,
    chains: list[CurrentRecord],
    now: datetime,
) -> list[Notice]:
    """To the repair desk (decide by the deadline) and the subject (received)."""
    reader = reader_of(conn, ctx.catalogue, application["subject_id"])
    key = f"repair:{application['id']}"
    title, body = repair_texts.received(reader, ctx.catalogue, application, chains)
    return [
        Notice(
            "operator",
            "repair_desk",
            "repair_application",
            f"Repair application {application['id']} to decide",
            f"Decide by {application['deadline_at']}: {application['target_kind']} "
            f"{application['target_ref']}, condition {application['condition']!r}.",
            subject_id=application["subject_id"],
            payload={"application_id": application["id"]},
            due_by=application["deadline_at"],
            dedupe_key=f"{key}:operator",
        ),
        _to_subject(
            application,
            "repair_received",
            title,
            body,
            payload={"application_id": application["id"]},
            dedupe_key=f"{key}:received",
        ),
    ]


def repair_result(
    conn: Connection, ctx: WriteContext, application: Case, now: datetime
) -> list[Notice]:
    """In plain words and the subject's language (credo.disputes.repair_texts)."""
    reader = reader_of(conn, ctx.catalogue, application["subject_id"])
    chains = chains_named(conn, application)
    title, body = repair_texts.decision(reader, ctx.catalogue, application, chains)
    payload = {"application_id": application["id"], "status": application["status"]}
    due_by = add_business_days(now, ctx.catalogue.profile.result_notice_business_days)
    key = f"repair:{application['id']}:decision"
    return [
        _to_subject(
            application,
            "repair_decision",
            title,
            body,
            payload=payload,
            due_by=due_by,
            dedupe_key=key,
        )
    ]


def repair_overdue(
    conn: Connection, ctx: WriteContext, application: Case, reader: Reader, now: datetime
) -> list[Notice]:
    """Undecided by the deadline: the repair desk and the subject (``reader``) are told."""
    chains = chains_named(conn, application)
    key = f"repair:{application['id']}:overdue"
    title, body = repair_texts.overdue(reader, ctx.catalogue, application, chains)
    text = (
        f"Repair application {application['id']} was not decided by its deadline "
        f"{application['deadline_at']}."
    )
    return [
        Notice(
            "operator",
            "repair_desk",
            "repair_overdue",
            f"Overdue: repair application {application['id']}",
            text,
            subject_id=application["subject_id"],
            dedupe_key=f"{key}:operator",
        ),
        _to_subject(application, "repair_overdue", title, body, dedupe_key=f"{key}:subject"),
    ]
