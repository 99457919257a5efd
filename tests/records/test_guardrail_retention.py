"""G-41: every record has a hard expiry, enforced at query time. A decision that takes effect
long after it was made can have a decided effect (counted from its effective date) that outlasts
its retention (counted from the decision): the query-time rule still ends its effect on the day
its retention ends, before any job runs. The mutation run found this clause untested."""

from __future__ import annotations

from datetime import date
from typing import Any

from credo.records import repository as records_repo
from credo.records.effect import EffectRule
from tests.records.conftest import Writer, defaulter


def test_g41_a_record_has_no_effect_once_its_retention_ends_whatever_its_term(
    writer: Writer, engine: Any
) -> None:
    # decided 2021-03-01 (kept 5 years: until 2026-03-01), in effect from 2025-01-01 for at
    # most 3 years (until 2028-01-01): retention ends first
    row = defaulter("(2021)京0105执9号", occurred_on="2021-03-01", effective_from="2025-01-01")
    [outcome] = writer.write("city_court", row)
    assert outcome.outcome == "accepted", outcome.reason
    subject = [outcome.subject_id or 0]
    with engine.connect() as conn:
        [current] = records_repo.effective_records(conn, subject, date(2026, 2, 28))
        assert current["expires_on"] == date(2026, 3, 1)
        assert current["effect_until"] > date(2027, 1, 1)
        assert records_repo.effective_records(conn, subject, date(2026, 3, 1)) == []
        assert records_repo.effective_records(conn, subject, date(2026, 6, 1)) == []
    assert EffectRule().why_not({**current, "suppressed": False}, date(2026, 6, 1)) == (
        "retention_ended"
    )
