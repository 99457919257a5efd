"""G-50: the simulation's counts of subjects leave only as aggregates: a cell below the
minimum is "<N", never its count, and subject ids stay in the JSON's operator-only key, out of
the HTML that may be shared (which carries no script and no external asset)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from credo.governance.report_html import render_report

from .conftest import Registry

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _counts(node: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every count of subjects in the document (a 'subjects' value, or a leaf under one)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k != "operator_only":
                yield from _counts(v, k if k in ("subjects", "adverse") else key)
    elif isinstance(node, list):
        for item in node:
            yield from _counts(item, key)
    elif key:
        yield key, node


def test_g50_cells_below_the_minimum_are_suppressed(registry: Registry) -> None:
    document = registry.simulate(min_cell=5)
    rating = next(r for r in document["ratings"] if r["id"] == "contract_performance")
    assert rating["subjects"]["moved"] == "<5"  # two suppliers move to 'poor'
    assert {t["subjects"] for t in rating["transitions"]} == {"<5"}
    licensing = next(d for d in document["decisions"] if d["purpose"] == "business_licensing")
    assert licensing["flips"] == [{"from": "clear", "to": "review", "subjects": "<5"}]
    assert document["summary"]["decisions_flipping"] == "<5"
    counts = [n for _, n in _counts(document) if not isinstance(n, str)]
    assert counts and all(n == 0 or n >= 5 for n in counts if isinstance(n, int))
    # the operator's sample names the four subjects whose licensing decision flips
    assert (
        len(document["operator_only"]["samples"]["decisions:licensing_desk/business_licensing"])
        == 4
    )


def test_g50_the_html_report_has_no_subject_ids_and_no_script(registry: Registry) -> None:
    document = registry.simulate(min_cell=5)
    document["operator_only"]["samples"]["ratings:contract_performance"] = [987654321]
    html = render_report(document)
    assert "&lt;5" in html and "987654321" not in html and "operator_only" not in html
    assert "<script" not in html and "<link" not in html and " src=" not in html
