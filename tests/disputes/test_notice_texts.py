"""Notices a person understands (issue 15, G-28): after the operator keeps a disputed record,
the result notice says plainly that the dispute was not successful, which effects are back and
from when, and what the subject can still do; it names the record by its type and reference
(never its chain hash), gives dates in the subject's language and time zone, and is written
in the language the subject uses (the portal remembers it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from credo.clock import FixedClock
from credo.disputes import repair, service
from credo.notices import repository as notices_repo
from credo.notices.reader import remember_language
from credo.records.service import WriteContext
from tests.disputes.conftest import LI, Registry

REF = "(2025)京0105执123号"


def _keep_disputed_record(
    registry: Registry, engine: Engine, ctx: WriteContext, language: str | None, **kw: Any
) -> tuple[dict[str, Any], str]:
    """A defaulter record disputed by its subject and kept by the operator (upheld): the
    subject's notices (receipt, then result) and the record's chain id."""
    record = registry.defaulter(**kw)
    assert record.subject_id is not None
    with engine.begin() as conn:
        if language:
            remember_language(conn, record.subject_id, language, ctx.clock.now())
        dispute = service.open_dispute(conn, ctx, record.subject_id, str(record.record_id), "paid")
        service.resolve(
            conn, ctx, dispute["id"], "upheld", "The court confirmed the debt.", "operator:ann"
        )
    with engine.connect() as conn:
        received, result = notices_repo.of_subject(conn, record.subject_id)
    assert received["kind"] == "dispute_received" and result["kind"] == "dispute_result"
    return {"received": dict(received), "result": dict(result)}, str(dispute["chain_id"])


def test_a_kept_dispute_reads_as_lost_with_the_effects_that_are_back(
    registry: Registry, engine: Engine, ctx: WriteContext
) -> None:
    notices, chain_id = _keep_disputed_record(registry, engine, ctx, None)
    title, body = notices["result"]["title"], notices["result"]["body"]
    assert title == "Your dispute was not successful: the record is kept as it was"
    assert "upheld" not in title
    # what it means now: the record counts again from the decision, and the list and its
    # measures come back (the demo's defaulter list restricts air travel)
    assert "The record counts again from 2 Mar 2026 17:00 (Asia/Shanghai)" in body
    assert "List of dishonest judgment defaulters again from" in body and "No air tickets" in body
    # how to take it further, and by when
    assert "Dispute the record again at any time" in body
    assert "Apply for credit repair from" in body and "obligation performed in full" in body
    assert "supervisory authority" in body and "stops counting on" in body
    # named as the subject knows it, dated in the registry's zone, never a hash or ISO time
    assert f"your “Dishonest judgment defaulter determination” record {REF}" in body
    for notice in notices.values():
        text = notice["title"] + notice["body"]
        assert chain_id not in text and chain_id[:12] not in text
        assert "+00:00" not in text and "2026-03-02" not in text


def test_the_notices_are_in_the_language_the_subject_uses(
    registry: Registry, engine: Engine, ctx: WriteContext
) -> None:
    notices, _ = _keep_disputed_record(registry, engine, ctx, "zh", identifiers=LI)
    result = notices["result"]
    assert result["title"] == "您的异议不成立：记录予以保留"
    assert "2026年3月2日 17:00（Asia/Shanghai）" in result["body"]
    assert "失信被执行人名单" in result["body"] and "限制乘坐飞机" in result["body"]
    assert "已全部履行义务" in result["body"]  # the catalogue's repair condition, translated
    assert notices["received"]["title"] == "我们已收到您的异议"
    assert "not successful" not in result["body"] and "dispute" not in result["body"]


def test_g42_repair_notices_name_the_record_in_the_subjects_words(
    registry: Registry,
    engine: Engine,
    ctx: WriteContext,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """G-42/G-43, issue 15: each credit-repair notice (received, late, decided) says what
    happened in plain words, names the record by type and case number (never its chain id),
    gives dates in the subject's zone without ISO times, and is Chinese for a zh subject; the
    overdue job reads its subjects' languages once for the batch."""
    english = registry.defaulter()
    chinese = registry.defaulter("(2025)京0105执456号", identifiers=LI)
    subjects = {english.subject_id: "en", chinese.subject_id: "zh"}
    clock.set(datetime(2026, 9, 1, 9, 0, tzinfo=UTC))  # eligible (effective_from + 1y)
    applications, chains = {}, {}
    with engine.begin() as conn:
        remember_language(conn, chinese.subject_id, "zh", clock.now())
        for subject_id in subjects:
            assert subject_id is not None
            [chain_id] = registry.effective_ids(subject_id)
            chains[subject_id] = chain_id
            applications[subject_id] = repair.apply(
                conn,
                ctx,
                subject_id,
                "record",
                chain_id,
                "obligation performed in full",
                {"receipt": "court receipt 2026-118"},
            )
    clock.advance(days=16)
    with engine.begin() as conn:
        monkeypatch.setattr(notices_repo, "preference_of", _one_by_one_refused)
        assert repair.flag_overdue(conn, ctx) == 2
        monkeypatch.undo()
        repair.decide(conn, ctx, applications[english.subject_id]["id"], True, "", "op")
        repair.decide(
            conn,
            ctx,
            applications[chinese.subject_id]["id"],
            False,
            "未提交法院出具的履行完毕证明材料。",
            "op",
        )
        sent = {s: notices_repo.of_subject(conn, s) for s in subjects if s is not None}
    kind = ctx.catalogue.record_types["judgment_defaulter"].name
    named = {
        "en": f"your “{kind.en}” record {REF}",
        "zh": f"“{kind.zh}”记录（编号 (2025)京0105执456号）",
    }
    for subject_id, lang in subjects.items():
        assert subject_id is not None
        repair_notices = [n for n in sent[subject_id] if n["kind"].startswith("repair_")]
        kinds = [n["kind"] for n in repair_notices]
        assert kinds == ["repair_received", "repair_overdue", "repair_decision"]
        for notice in repair_notices:
            text = notice["title"] + notice["body"]
            assert named[lang] in notice["body"], (lang, notice["kind"])
            assert chains[subject_id] not in text and chains[subject_id][:12] not in text
            assert "+00:00" not in text and "2026-09-" not in text
            assert ("credit" in text) == (lang == "en")  # written in the subject's language
    received, late, decided = [n for n in sent[chinese.subject_id] if n["kind"].startswith("re")]
    assert received["title"] == "我们已收到您的信用修复申请"
    assert "2026年9月1日 17:00（Asia/Shanghai）" in received["body"]
    assert "2026年9月16日" in received["body"] and "2026年9月16日" in late["body"]
    assert decided["title"].startswith("您的信用修复申请未获批准")
    assert (
        "未提交法院出具的履行完毕证明材料" in decided["body"] and "2028年9月1日" in decided["body"]
    )
    approved = sent[english.subject_id][-1]
    assert approved["title"].startswith("Your credit-repair application was approved")
    assert "stops counting from 17 Sep 2026 17:00 (Asia/Shanghai)" in approved["body"]


def _one_by_one_refused(*_: object) -> None:
    raise AssertionError("a batch reads its subjects' languages at once (readers_of)")
