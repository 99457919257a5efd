"""Notices a person understands (issue 15; G-22, G-38): every notice kind of credo.notices (a
list entry's prior notice, a record delisted, a record confirmed beyond its usual period, an
adverse decision) names the record by its type and case number, never by a chain hash or a
record id, shows dates in words (no ISO date or timestamp), says what the subject can do, and
comes in the subject's language. Each batch reads its subjects' languages with one query."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, event, select

from credo.catalog.catalogue import Catalogue
from credo.checks import repository as checks_repo
from credo.checks.adverse import notify_adverse_decisions
from credo.clock import FixedClock
from credo.lists import realtime as lists_realtime
from credo.lists.tables import list_entries
from credo.notices import list_notices, record_notices
from credo.notices import repository as notices_repo
from credo.notices.reader import language_asked, remember_language
from credo.records.service import WriteContext, nothing_held
from tests.disputes.conftest import LI, ZHANG, Registry, defaulter

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TYPE_EN, TYPE_ZH = "Dishonest judgment defaulter determination", "失信被执行人认定"
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
# Case numbers: the record each subject is listed for, the one the court confirms beyond its
# ceiling and the one it delists.
LISTED = {"en": "(2025)京0105执1号", "zh": "(2025)京0105执2号"}
CONFIRMED = {"en": "(2023)京0105执3号", "zh": "(2023)京0105执4号"}
DELISTED = {"en": "(2025)京0105执5号", "zh": "(2025)京0105执6号"}
OPEN_ENDED = {"occurred_on": "2023-06-01", "term_until": "performance"}  # until performed


@contextmanager
def preference_queries(engine: Engine) -> Iterator[list[str]]:
    """The statements that read subjects' language preferences while the block runs."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "subject_preferences" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _write_records(engine: Engine, catalogue: Catalogue, clock: FixedClock) -> dict[str, int]:
    """Both subjects' records, with list entries (the lists hook) and their prior notices
    (Li reads Chinese): one batch for both. Returns the subject ids by language."""
    hooks = (lists_realtime.make_hook(catalogue, clock),)
    registry = Registry(
        engine, WriteContext(catalogue, clock, hooks, holds=nothing_held), run_hooks=True
    )
    subjects: dict[str, int] = {}
    for lang, who in (("en", ZHANG), ("zh", LI)):
        outcome = registry.defaulter(LISTED[lang], identifiers=who, occurred_on="2026-03-01")
        assert outcome.subject_id is not None
        subjects[lang] = outcome.subject_id
        registry.defaulter(CONFIRMED[lang], identifiers=who, **OPEN_ENDED)
        registry.defaulter(DELISTED[lang], identifiers=who, occurred_on="2026-03-01")
    with engine.begin() as conn:
        remember_language(conn, subjects["zh"], "zh", clock.now())
    return subjects


def _end_and_confirm(engine: Engine, catalogue: Catalogue, clock: FixedClock) -> None:
    """Two months on, the court confirms one record of each subject and delists another."""
    clock.set(START + timedelta(days=60))
    hooks = (lists_realtime.make_hook(catalogue, clock),)
    registry = Registry(
        engine, WriteContext(catalogue, clock, hooks, holds=nothing_held), run_hooks=True
    )
    for lang, who in (("en", ZHANG), ("zh", LI)):
        confirm = defaulter(
            CONFIRMED[lang], who, action="confirm", effective_from="2026-05-01", **OPEN_ENDED
        )
        delist = defaulter(DELISTED[lang], who, occurred_on="2026-04-30", action="delist")
        for row in (confirm, delist):
            [outcome] = registry.write("city_court", {**row, "revision": 1})
            assert outcome.outcome == "accepted", outcome.reason


def _adverse_checks(conn: Connection, subjects: dict[str, int], at: datetime) -> None:
    """The airline's restricted decisions about both subjects, as the checks package logs
    them (the check itself is tested in tests/disputes/test_end_to_end.py)."""
    checks_repo.insert_inquiries(
        conn,
        [
            {
                "id": f"D{lang.upper()}0000000001",
                "at": at,
                "relying_party_id": "demo_airline",
                "principal_id": "airline",
                "purpose": "air_ticket_sale",
                "transaction_ref": f"PNR-{lang}",
                "subject_id": subject_id,
                "subject_key": f"cn_ric:{lang}",
                "outcome": "restricted",
                "measures": ["no_air_travel"],
                "valid_until": at + timedelta(days=1),
                "as_of": None,
            }
            for lang, subject_id in subjects.items()
        ],
    )


def _notices(conn: Connection, subject_id: int) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for notice in notices_repo.of_subject(conn, subject_id):
        found.setdefault(notice["kind"], []).append(dict(notice))
    return found


def _about(notices: dict[str, list[dict[str, Any]]], kind: str, lang: str) -> dict[str, Any]:
    """The notice of ``kind`` about the record it concerns in this test."""
    ref = {"record_confirmed": CONFIRMED, "record_delisted": DELISTED}.get(kind, LISTED)[lang]
    [notice] = [n for n in notices[kind] if ref in n["body"]]
    return notice


def _hashes(conn: Connection) -> set[str]:
    """Every chain id and record id the registry holds (what a notice must never show)."""
    from credo.records.tables import record_statements

    rows = conn.execute(select(record_statements.c.chain_id, record_statements.c.record_id))
    return {value for row in rows for value in row} | {
        e for row in conn.execute(select(list_entries.c.id)) for e in row
    }


def _assert_in_words(lang: str, kind: str, text: str, refs: set[str], hashes: set[str]) -> None:
    """Names a record by type and case number; no hash, no ISO date; one language."""
    assert any(ref in text for ref in refs), (kind, text)  # the case number ...
    assert (TYPE_ZH if lang == "zh" else TYPE_EN) in text, (kind, text)  # ... and the type
    assert not any(h in text for h in hashes), (kind, text)
    assert not ISO.search(text), (kind, text)  # dates in words, no ISO time
    without_refs = re.sub(r"\(\d{4}\)京0105执\d号", "", text)
    if lang == "zh":  # no English words but the zone's name and the decision number
        words = set(re.findall(r"[A-Za-z]{3,}", without_refs)) - {"Asia", "Shanghai", "DZH"}
        assert not words, (kind, words)
    else:
        assert not re.search(r"[\u4e00-\u9fff]", without_refs), (kind, text)


def test_every_notice_kind_names_the_record_in_words_in_the_subjects_language(
    engine: Engine, catalogue: Catalogue
) -> None:
    clock = FixedClock(START)
    subjects = _write_records(engine, catalogue, clock)
    with preference_queries(engine) as queries:  # one batch of both subjects per kind
        with engine.begin() as conn:
            list_notices.make_hook(catalogue, clock)(conn, set(subjects.values()))
        _end_and_confirm(engine, catalogue, clock)
        with engine.begin() as conn:
            record_notices.make_hook(catalogue, clock)(conn, set(subjects.values()))
            _adverse_checks(conn, subjects, clock.now())
            assert notify_adverse_decisions(conn, catalogue, clock.now()) == 2
    assert len(queries) == 3  # one look-up of languages per batch, never one per notice
    with engine.connect() as conn:
        hashes = _hashes(conn)
        found = {lang: _notices(conn, s) for lang, s in subjects.items()}
    kinds = {"list_entry_notice", "record_confirmed", "record_delisted", "adverse_decision"}
    for lang, notices in found.items():
        assert set(notices) == kinds, notices.keys()
        refs = {LISTED[lang], CONFIRMED[lang], DELISTED[lang]}
        for kind, texts in notices.items():
            for notice in texts:
                text = notice["title"] + "\n" + notice["body"]
                _assert_in_words(lang, kind, text, refs, hashes)
                assert notice["payload"]["language"] == lang
    # each kind names the record it is about
    en, zh = ({kind: _about(found[lang], kind, lang) for kind in kinds} for lang in ("en", "zh"))
    # what it means and by when, in words and in the subject's language
    assert "takes effect on 16 Mar 2026" in en["list_entry_notice"]["body"]
    assert "2026年3月16日" in zh["list_entry_notice"]["body"]
    assert "Object within 15 days, by 15 Mar 2026" in en["list_entry_notice"]["body"]
    assert "No air tickets" in en["list_entry_notice"]["body"]
    assert "限制乘坐飞机" in zh["adverse_decision"]["body"]
    assert "3 years" in en["record_confirmed"]["body"] and "3年" in zh["record_confirmed"]["body"]
    assert "From 30 Apr 2026 it has no effect" in en["record_delisted"]["body"]
    assert "within 60 days, by 30 Jun 2026" in en["adverse_decision"]["body"]  # G-38


def test_the_language_a_request_asks_for() -> None:
    """The API's notice language: the explicit field, else Accept-Language by quality then
    order (a language notices are not written in is skipped), else none (no change)."""
    assert language_asked(None, "fr-FR, zh-CN;q=0.9, en;q=0.8") == "zh"
    assert language_asked(None, "en;q=0.5, zh-Hans;q=0.7") == "zh"
    assert language_asked(None, "zh;q=0.5, EN-gb") == "en"
    assert language_asked("en", "zh") == "en"
    assert language_asked(None, "fr, de;q=0.5") is None
    assert language_asked(None, "zh;q=0, en;q=bad") is None
    assert language_asked(None, None) is None
