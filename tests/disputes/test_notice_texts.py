"""Notices a person understands (issue 15, G-28): after the operator keeps a disputed record,
the result notice says plainly that the dispute was not successful, which effects are back and
from when, and what the subject can still do; it names the record by its type and reference
(never its chain hash), gives dates in the subject's language and time zone, and is written
in the language the subject uses (the portal remembers it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from credo.disputes import service
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
