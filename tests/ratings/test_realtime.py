"""Real time equals batch: after any stream of accepted, corrected, revoked and performed
records, the state the write-path hook keeps equals a full batch evaluation."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from credo.catalog.catalogue import Catalogue
from credo.clock import FixedClock
from credo.ratings import repository
from credo.ratings.compiler import Probe
from credo.ratings.runners import DatabaseRunner
from credo.ratings.service import evaluate, source_for
from credo.subjects.tables import subject_identifiers
from tests.ratings.conftest import Writer, arrears, debarment, licence, tax_grade

NUMBERS = itertools.count(1000)  # fresh subjects for every example

step = st.tuples(
    st.integers(min_value=0, max_value=2),  # subject
    st.integers(min_value=0, max_value=3),  # chain
    st.sampled_from(["assert", "correct", "revoke", "perform"]),
    st.integers(min_value=1, max_value=400),  # days before today
    st.sampled_from([500, 20000, 150000]),
    st.sampled_from([10, 95]),
)


def apply_stream(writer: Writer, steps: list[tuple[Any, ...]]) -> list[int]:
    """Write the stream; returns the permit numbers used."""
    people = [next(NUMBERS) for _ in range(3)]
    writer.write(*(tax_grade(f"TG-{n}", n, "2025-01-05", "B") for n in people))
    revisions: dict[str, int] = {}
    for who, chain, action, days_ago, amount, overdue in steps:
        number = people[who]
        ref = f"AR-{number}-{chain}"
        on = (writer.clock.today().toordinal() - days_ago, None)[0]
        on_text = type(writer.clock.today()).fromordinal(on).isoformat()
        if ref not in revisions:
            revisions[ref] = 0
            writer.write(arrears(ref, number, on_text, amount, days=overdue))
            continue
        revisions[ref] += 1
        kind = "correct" if action == "assert" else action
        writer.write(
            arrears(
                ref, number, on_text, amount, days=overdue, revision=revisions[ref], action=kind
            )
        )
    return people


def assert_state_equals_batch(
    engine: Engine, catalogue: Catalogue, clock: FixedClock, numbers: list[int]
) -> None:
    rating = catalogue.ratings["tax_credit_grade"]
    with engine.connect() as conn:
        ids = sorted(
            conn.execute(
                select(subject_identifiers.c.subject_id).where(
                    subject_identifiers.c.value.in_([f"CP-{n:06d}" for n in numbers])
                )
            ).scalars()
        )
        batch = evaluate(
            DatabaseRunner(conn), rating, Probe(as_of=clock.today()), source_for(catalogue)
        )
        state = repository.state_rows(conn, rating.key)
    expected = {
        r.subject_id: (r.band, r.total, r.features, r.reason) for r in batch if r.subject_id in ids
    }
    got = {
        s["subject_id"]: (s["band"], s["total"], s["features"], s["reason"])
        for s in state
        if s["subject_id"] in ids
    }
    assert len(expected) == 3
    assert got == expected


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(step, min_size=1, max_size=12))
def test_realtime_state_equals_batch_for_random_streams(
    writer: Writer,
    engine: Engine,
    catalogue: Catalogue,
    clock: FixedClock,
    steps: list[tuple[Any, ...]],
) -> None:
    numbers = apply_stream(writer, steps)
    assert_state_equals_batch(engine, catalogue, clock, numbers)


def test_realtime_state_follows_a_revocation(
    writer: Writer, engine: Engine, catalogue: Catalogue, clock: FixedClock
) -> None:
    steps = [
        (0, 0, "assert", 30, 150000, 95),
        (0, 1, "assert", 20, 150000, 95),
        (0, 0, "revoke", 30, 150000, 95),
    ]
    numbers = apply_stream(writer, steps)
    assert_state_equals_batch(engine, catalogue, clock, numbers)
    with engine.connect() as conn:
        bands = {s["band"] for s in repository.state_rows(conn, "tax_credit_grade@1")}
    assert bands == {"A", "C"}  # one subject with one large old arrears left (C), two clean


def test_every_rating_of_a_subject_is_refreshed_in_the_write(
    writer: Writer, engine: Engine
) -> None:
    writer.write(licence("LIC-9", 9, "2023-01-01"))
    writer.write(debarment("DB-9", 9, "2025-06-01", "bribery", 24))
    with engine.connect() as conn:
        state = repository.state_rows(conn, "contract_performance@1")
    assert [s["band"] for s in state] == ["poor"]


def test_a_write_leaves_alone_the_ratings_that_read_none_of_its_record_types(
    writer: Writer, engine: Engine, clock: FixedClock
) -> None:
    writer.write(licence("LIC-8", 8, "2025-05-01"))  # registers the firm
    writer.write(debarment("DB-8", 8, "2025-06-01", "bribery", 24))
    with engine.connect() as conn:
        (before,) = repository.state_rows(conn, "contract_performance@1")
    clock.advance(days=1)
    writer.write(licence("LIC-8b", 8, "2025-07-01"))  # the rating reads debarments only
    with engine.connect() as conn:
        (unchanged,) = repository.state_rows(conn, "contract_performance@1")
    assert unchanged["evaluated_at"] == before["evaluated_at"]
    writer.write(debarment("DB-8b", 8, "2025-08-01", "collusion", 12))
    with engine.connect() as conn:
        (refreshed,) = repository.state_rows(conn, "contract_performance@1")
    assert refreshed["evaluated_at"] > before["evaluated_at"]
    assert refreshed["features"] != before["features"]
