"""The one write path on SQLite and PostgreSQL: idempotency, supersession, identity
resolution by identifier only, and the guardrails enforced at ingestion."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from credo.records import repository as records_repo
from credo.records.tables import record_current, record_statements, record_suppressions
from credo.subjects import repository as subjects_repo
from credo.subjects.tables import review_items, subject_identifiers, subjects
from tests.records.conftest import ACME, ZHANG, Writer, defaulter, licence, penalty


def count(engine: Any, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_accepts_then_duplicates_on_resend(writer: Writer, engine: Any) -> None:
    [first] = writer.write("market_regulator", licence())
    assert first.outcome == "accepted" and first.subject_id is not None
    [again] = writer.write("market_regulator", licence())
    assert again.outcome == "duplicate" and again.record_id == first.record_id
    assert count(engine, record_statements) == 1
    assert count(engine, subjects) == 1


def test_record_ids_are_deterministic(writer: Writer, engine: Any) -> None:
    [one] = writer.write("market_regulator", licence("LIC-9"))
    from credo.records.service import record_id_of

    assert one.record_id == record_id_of("market_regulator", "LIC-9", 0)


def test_same_id_with_different_content_is_a_conflict(writer: Writer) -> None:
    writer.write("market_regulator", licence())
    [conflict] = writer.write("market_regulator", licence(occurred_on="2025-01-11"))
    assert conflict.outcome == "quarantined" and conflict.reason is not None
    assert conflict.reason.code == "revision_conflict"


def test_repeat_within_a_batch_is_decided_as_if_sent_after_the_first(writer: Writer) -> None:
    outcomes = writer.write("market_regulator", penalty(), penalty())
    assert [o.outcome for o in outcomes] == ["quarantined", "quarantined"]
    assert [o.reason.code for o in outcomes if o.reason] == ["unknown_subject"] * 2
    outcomes = writer.write("market_regulator", licence("L-2"), licence("L-2"))
    assert [o.outcome for o in outcomes] == ["accepted", "duplicate"]


def test_unknown_subject_is_created_only_where_the_type_allows(writer: Writer, engine: Any) -> None:
    [refused] = writer.write("market_regulator", penalty())
    assert refused.reason is not None and refused.reason.code == "unknown_subject"
    assert count(engine, subjects) == 0
    writer.write("market_regulator", licence())  # licences register the business
    [accepted] = writer.write("market_regulator", penalty())
    assert accepted.outcome == "accepted"
    assert count(engine, subjects) == 1


def test_person_birth_date_comes_from_the_resident_id(writer: Writer, engine: Any) -> None:
    [outcome] = writer.write("city_court", defaulter())
    with engine.connect() as conn:
        subject = subjects_repo.get_subject(conn, outcome.subject_id or 0)
    assert subject is not None and subject["birth_date"] == date(1949, 12, 31)


def test_correction_revocation_and_performance_supersede(writer: Writer, engine: Any) -> None:
    [first] = writer.write("city_court", defaulter())
    corrected = defaulter(revision=1, action="correct")
    corrected["payload"] = {**corrected["payload"], "amount": 80000}
    writer.write("city_court", corrected)
    with engine.connect() as conn:
        current = records_repo.current_rows(conn, [record_current_chain(engine)])
    [row] = current.values()
    assert row["revision"] == 1 and row["payload"]["amount"] == 80000
    assert row["state"] == "active"
    [performed] = writer.write(
        "city_court",
        defaulter(
            revision=2, action="perform", occurred_on="2026-01-05", payload={}, evidence=None
        ),
    )
    assert performed.outcome == "accepted"
    with engine.connect() as conn:
        history = records_repo.statements_by_record(conn, first.record_id or "")
        row2 = records_repo.get_current(conn, history[0]["chain_id"])
    assert [s["action"] for s in history] == ["assert", "correct", "perform"]
    assert row2 is not None and row2["state"] == "performed"
    assert row2["performed_on"] == date(2026, 1, 5)
    assert row2["payload"]["amount"] == 80000  # performance keeps what was determined


def record_current_chain(engine: Any) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(record_current.c.chain_id)).scalar_one())


def test_late_older_revision_joins_history_not_the_current_view(
    writer: Writer, engine: Any
) -> None:
    writer.write("market_regulator", licence())
    writer.write("market_regulator", licence(revision=2, action="revoke", payload={}))
    writer.write(
        "market_regulator", licence(revision=1, action="correct", occurred_on="2025-01-12")
    )
    with engine.connect() as conn:
        row = conn.execute(select(record_current)).mappings().one()
    assert row["revision"] == 2 and row["state"] == "revoked"
    assert count(engine, record_statements) == 3


def test_correction_of_a_record_never_asserted_is_refused(writer: Writer) -> None:
    writer.write("market_regulator", licence())
    [outcome] = writer.write("market_regulator", licence("LIC-404", revision=1, action="correct"))
    assert outcome.reason is not None and outcome.reason.code == "unknown_record"


def test_expiry_is_computed_on_arrival(writer: Writer, engine: Any) -> None:
    writer.write("city_court", defaulter())
    with engine.connect() as conn:
        row = conn.execute(select(record_statements)).mappings().one()
    assert row["effect_until"] == date(2028, 9, 1)  # max_effect 3y
    assert row["expires_on"] == date(2030, 9, 1)  # retention 5y


def test_ambiguous_identity_goes_to_review_with_no_effect(writer: Writer, engine: Any) -> None:
    other = ("cn_uscc", "91310115MA1K3BTP2B")
    writer.write("market_regulator", licence("L-A"), licence("L-B", identifiers=[other]))
    [outcome] = writer.write("market_regulator", licence("L-C", identifiers=[ACME, other]))
    assert outcome.outcome == "quarantined" and outcome.reason is not None
    assert outcome.reason.code == "identity_ambiguous"
    with engine.connect() as conn:
        queued = subjects_repo.open_review_items(conn, "identity")
    assert [q["reason_code"] for q in queued] == ["identity_ambiguous"]
    assert count(engine, record_statements) == 2


def test_uscc_with_wrong_check_character_is_accepted_into_review(
    writer: Writer, engine: Any
) -> None:
    pilot = ("cn_uscc", "91350100M0001TGQXM")
    [outcome] = writer.write("market_regulator", licence(identifiers=[pilot]))
    assert outcome.outcome == "accepted" and outcome.warnings
    writer.write("market_regulator", licence("LIC-2", identifiers=[pilot]))
    with engine.connect() as conn:
        items = conn.execute(select(review_items)).mappings().all()
        ident = conn.execute(select(subject_identifiers)).mappings().one()
    assert len(items) == 1 and items[0]["reason_code"] == "identifier_check_failed"
    assert ident["check_ok"] is False


def test_a_second_identifier_attaches_to_the_resolved_subject(writer: Writer, engine: Any) -> None:
    writer.write("market_regulator", licence())
    permit = ("city_permit", "CP-123456")
    writer.write("market_regulator", licence("LIC-3", identifiers=[ACME, permit]))
    [outcome] = writer.write("market_regulator", licence("LIC-4", identifiers=[permit]))
    assert outcome.outcome == "accepted"
    assert count(engine, subjects) == 1 and count(engine, subject_identifiers) == 2


def test_no_identifier_means_no_match_never_by_name(writer: Writer, engine: Any) -> None:
    writer.write("market_regulator", licence())
    [outcome] = writer.write(
        "market_regulator", licence("LIC-5", identifiers=[], subject_name="Acme Trading Co.")
    )
    assert outcome.reason is not None and outcome.reason.code == "missing_identifier"
    assert "G-19" in outcome.reason.detail


def test_ingestion_guardrails(writer: Writer) -> None:
    cases = {
        "outside_remit": ("city_tax_office", defaulter()),
        "prohibited_provenance": ("city_court", defaulter(provenance={"kind": "cctv"})),
        "special_category_field": (
            "city_court",
            defaulter(payload={**defaulter()["payload"], "nationality": "X"}),
        ),
        "payload_field_not_allowed": (
            "city_court",
            defaulter(payload={**defaulter()["payload"], "colour": "red"}),
        ),
        "evidence_missing": ("city_court", defaulter(evidence=None)),
        "evidence_kind_not_allowed": (
            "city_court",
            defaulter(
                evidence={
                    "kind": "tax_assessment",
                    "document_id": "x",
                    "issuer": "x",
                    "issued_on": "2025-09-01",
                }
            ),
        ),
        "invalid_identifier": ("city_court", defaulter(identifiers=[("cn_ric", "123")])),
        "scheme_kind_mismatch": ("city_court", defaulter(identifiers=[ACME])),
        "future_date": ("city_court", defaulter(occurred_on="2027-01-01")),
        "missing_required_field": ("city_court", defaulter(payload={"case_number": "x"})),
        "payload_invalid": (
            "city_court",
            defaulter(payload={**defaulter()["payload"], "amount": "lots"}),
        ),
        "unknown_record_type": ("city_court", defaulter(record_type="social_score")),
        "subject_kind_not_allowed": (
            "discipline_commission",
            {
                **defaulter(),
                "record_type": "official_disciplinary_sanction",
                "subject_kind": "organisation",
                "identifiers": [ACME],
            },
        ),
    }
    for code, (furnisher, row) in cases.items():
        [outcome] = writer.write(furnisher, row)
        assert outcome.outcome == "quarantined", code
        assert outcome.reason is not None and outcome.reason.code == code, (code, outcome)


def test_effective_records_filter(writer: Writer, engine: Any, clock: Any) -> None:
    [active] = writer.write("city_court", defaulter())
    writer.write("city_court", defaulter("CASE-APPEALED", finality="appealed"))
    on = date(2026, 3, 1)
    with engine.begin() as conn:
        rows = records_repo.effective_records(conn, [active.subject_id or 0], on)
        assert [r["source_ref"] for r in rows] == ["(2025)京0105执123号"]
        assert (
            records_repo.effective_records(conn, [active.subject_id or 0], date(2025, 8, 1)) == []
        )
        assert (
            records_repo.effective_records(conn, [active.subject_id or 0], date(2028, 9, 1)) == []
        )
        conn.execute(
            record_suppressions.insert().values(
                chain_id=rows[0]["chain_id"],
                subject_id=active.subject_id,
                reason="dispute",
                opened_at=clock.now(),
            )
        )
        assert records_repo.effective_records(conn, [active.subject_id or 0], on) == []


def test_deleted_record_cannot_come_back(writer: Writer, engine: Any, clock: Any) -> None:
    [first] = writer.write("city_court", defaulter())
    with engine.begin() as conn:
        chain = conn.execute(select(record_statements.c.chain_id)).scalar_one()
        conn.execute(
            record_suppressions.insert().values(
                chain_id=chain, subject_id=first.subject_id, reason="deleted", opened_at=clock.now()
            )
        )
    [again] = writer.write("city_court", defaulter(revision=1, action="correct"))
    assert again.reason is not None and again.reason.code == "record_deleted"


def test_change_feed_has_one_row_per_accepted_statement(writer: Writer, engine: Any) -> None:
    writer.write("market_regulator", licence(), licence("L-2"), licence())
    with engine.connect() as conn:
        feed = records_repo.feed_since(conn, 0)
    assert len(feed) == 2 and feed[0]["seq"] < feed[1]["seq"]


def test_subject_identifier_unique(writer: Writer, engine: Any) -> None:
    writer.write("city_court", defaulter(), defaulter("CASE-2"))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(subjects)).scalar_one() == 1
        keys = subjects_repo.find_subject_ids(conn, [ZHANG])
    assert list(keys) == [ZHANG]
