"""G-50: statistics about people leave the registry only as aggregates, with cells below the
minimum size suppressed (credo.statistics.aggregate), and the operator console's charts use the
same function."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from credo.statistics import aggregate
from credo.web.api.app import create_app
from tests.lists.builders import (
    create_principals,
    defaulter,
    make_context,
    org_id,
    person_id,
    submit,
    tax_grade,
)
from tests.portal.conftest import sign_in

CHART_VALUE = re.compile(r'class="chart-value">([^<]*(?:&lt;[^<]*)?)</text>')


def test_g50_a_cell_below_the_minimum_is_suppressed_and_left_out_of_the_total() -> None:
    counted = aggregate({"north": 40, "south": 3, "east": 25, "west": 0}, minimum=10)
    shown = {cell.key: cell.shown for cell in counted.cells}
    # south is below the minimum; east, the next smallest, goes with it so that a total known
    # from elsewhere does not give south away by subtraction; zero identifies nobody
    assert shown == {"north": "40", "south": "<10", "east": "<10", "west": "0"}
    assert counted.total == 40 and counted.suppressed == 2
    assert [cell.count for cell in counted.cells] == [40, None, None, 0]


def test_g50_the_minimum_cannot_be_set_below_five() -> None:
    with pytest.raises(ValueError, match="protects no one"):
        aggregate({"a": 1}, minimum=1)


@given(st.dictionaries(st.text(max_size=3), st.integers(0, 50), max_size=8), st.integers(5, 20))
def test_g50_no_count_below_the_minimum_is_given_or_derivable(
    counts: dict[str, int], minimum: int
) -> None:
    counted = aggregate(counts, minimum)
    for cell in counted.cells:
        if cell.count is not None:
            assert cell.count == 0 or cell.count >= minimum
            assert cell.shown == str(cell.count)
        else:
            assert cell.shown == f"<{minimum}" and counts[cell.key] > 0
    hidden = [counts[c.key] for c in counted.cells if c.count is None]
    others = [c.count for c in counted.cells if c.count]
    assert len(hidden) != 1 or not others  # one hidden cell would follow from the true total
    assert counted.total == sum(c.count for c in counted.cells if c.count is not None)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_g50_the_console_charts_suppress_small_cells(database_url: str, engine: Engine) -> None:
    """Three listed persons and twelve graded companies: the console shows no count between
    one and the minimum, anywhere, and says "<10" instead."""
    ctx = make_context(database_url, engine)
    keys = create_principals(ctx)
    submit(ctx, "city_tax_office", *(tax_grade(org_id(n), "B", ref=f"TG-{n}") for n in range(12)))
    people = [person_id(date(1970 + n, 1, n + 1)) for n in range(3)]
    submit(
        ctx, "city_court", *(defaulter(p, ref=f"(2026)京0105执{n}号") for n, p in enumerate(people))
    )
    assert ctx.catalogue.registry.min_cell_size == 10
    with TestClient(create_app(ctx)) as client:
        assert sign_in(client, keys["operator"]).status_code in (200, 303)
        page = client.get("/console")
    assert page.status_code == 200
    values = [v.replace("&lt;", "<") for v in CHART_VALUE.findall(page.text)]
    assert values, "the console has charts"
    assert "<10" in values
    for value in values:
        assert (
            value == "<10" or int(value.replace(",", "")) == 0 or int(value.replace(",", "")) >= 10
        ), values
