"""The bulk append helpers behave exactly as the generic SQLAlchemy ones (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from credo.db.bulk import bulk_insert, bulk_insert_ignore, bulk_upsert
from credo.db.sql import insert_ignore, upsert
from credo.ingest.tables import ingest_runs, quarantine
from credo.subjects.tables import subject_identifiers, subjects

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# No database text holds NUL or lone surrogates on either path; ingestion quarantines those.
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=5
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)
quarantine_rows = st.lists(
    st.fixed_dictionaries(
        {
            "row_number": st.integers(1, 6),
            "reason_code": st.sampled_from(["a", "b"]),
            "detail": text,
            "raw": json_value,
            "created_at": st.integers(0, 3).map(lambda d: T0 + timedelta(days=d)),
        }
    ),
    max_size=12,
)
FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def stored(engine: Engine, query: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return sorted(map(tuple, conn.execute(query)), key=repr)


@FUZZ
@given(rows=quarantine_rows)
def test_bulk_insert_ignore_equals_insert_ignore(
    engine: Engine, rows: list[dict[str, Any]]
) -> None:
    with engine.begin() as conn:
        conn.execute(quarantine.delete())
        common = {"furnisher_id": "f"}
        insert_ignore(conn, quarantine, [r | common | {"source_key": "g"} for r in rows])
        bulk_insert_ignore(conn, quarantine, [r | common | {"source_key": "b"} for r in rows])
    columns = [c for c in quarantine.c if c.name not in ("id", "source_key")]
    generic = stored(engine, select(*columns).where(quarantine.c.source_key == "g"))
    bulk = stored(engine, select(*columns).where(quarantine.c.source_key == "b"))
    assert bulk == generic
    assert len(bulk) == len({r["row_number"] for r in rows})


@FUZZ
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "value": st.sampled_from(["1", "2", "3"]),
                "check_ok": st.booleans(),
                "created_at": st.integers(0, 3).map(lambda d: T0 + timedelta(days=d)),
            }
        ),
        max_size=8,
    )
)
def test_bulk_upsert_equals_upsert(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        conn.execute(subject_identifiers.delete())
        conn.execute(subjects.delete())
        subject = conn.execute(
            subjects.insert().values(kind="organisation", created_at=T0).returning(subjects.c.id)
        ).scalar_one()
        for scheme, write in (("g", upsert), ("b", bulk_upsert)):
            for row in rows:  # one row at a time: the last write of a key wins in both
                batch = [row | {"scheme": scheme, "subject_id": subject}]
                write(
                    conn,
                    subject_identifiers,
                    batch,
                    ["scheme", "value"],
                    ["check_ok", "created_at"],
                )
            write(
                conn,
                subject_identifiers,
                [
                    r | {"scheme": scheme, "subject_id": subject}
                    for r in {r["value"]: r for r in rows}.values()
                ],
                ["scheme", "value"],
                ["check_ok", "created_at"],
            )
    columns = [
        subject_identifiers.c.value,
        subject_identifiers.c.check_ok,
        subject_identifiers.c.created_at,
    ]
    generic = stored(engine, select(*columns).where(subject_identifiers.c.scheme == "g"))
    bulk = stored(engine, select(*columns).where(subject_identifiers.c.scheme == "b"))
    assert bulk == generic


def test_bulk_insert_keeps_the_given_order_and_defaults(engine: Engine) -> None:
    rows = [
        {
            "source_key": f"k{i}",
            "source_name": "f",
            "furnisher_id": "f",
            "started_at": T0,
            "rows_read": i,
            "accepted": 0,
            "duplicate": 0,
            "quarantined": 0,
            "status": "x",
        }
        for i in range(5)
    ]
    with engine.begin() as conn:
        bulk_insert(conn, ingest_runs, rows)
        bulk_insert(conn, ingest_runs, [])
    got = stored(
        engine, select(ingest_runs.c.id, ingest_runs.c.rows_read, ingest_runs.c.started_at)
    )
    assert [r[1] for r in sorted(got)] == [0, 1, 2, 3, 4]
    assert {r[2].replace(tzinfo=UTC) if r[2].tzinfo is None else r[2] for r in got} == {T0}


@FUZZ
@given(
    keys=st.lists(st.integers(1, 8), max_size=10), wanted=st.lists(st.integers(0, 9), max_size=6)
)
def test_in_values_selects_what_in_selects(
    engine: Engine, keys: list[int], wanted: list[int]
) -> None:
    from credo.db.bulk import in_values

    rows = [{"source_key": "k", "row_number": k, "furnisher_id": "f", "reason_code": "r",
             "detail": "", "raw": None, "created_at": T0} for k in set(keys)]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(quarantine.delete())
        insert_ignore(conn, quarantine, rows)
        column = quarantine.c.row_number
        fast = sorted(conn.execute(select(column).where(in_values(conn, column, wanted))).scalars())
        plain = sorted(conn.execute(select(column).where(column.in_(wanted))).scalars())
    assert fast == plain == sorted(set(keys) & set(wanted))
