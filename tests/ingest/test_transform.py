"""RowMapper: references are unique per row and the same on every run of the same file."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credo.errors import ValidationFailed
from credo.ingest.mapping import load_mapping, parse_mapping
from credo.ingest.transform import RowMapper, compile_template

from .conftest import NYC_MAPPING, inspection_row

MAPPING, _ = load_mapping(NYC_MAPPING)
small = st.sampled_from(["1", "2", " 2 ", "", "2#2", "2#2#2", "1#3"])
rows = st.lists(
    st.builds(lambda i, v: inspection_row(i, violation_code=v), st.integers(0, 3), small),
    max_size=40,
)


def references(batch: list[dict[str, Any]]) -> list[str]:
    mapper = RowMapper(MAPPING)
    out = []
    for row in batch:
        raw = mapper.map(row)
        assert isinstance(raw, dict)
        out.append(raw["source_ref"])
    return out


@given(batch=rows)
def test_references_are_unique_and_deterministic(batch: list[dict[str, Any]]) -> None:
    first, second = references(batch), references(batch)
    assert first == second
    assert len(set(first)) == len(first)
    render = compile_template(MAPPING.source_ref.template)
    for row, ref in zip(batch, first, strict=True):
        assert ref.startswith(render(row))


def test_a_numbered_reference_never_takes_one_that_occurs_in_the_data() -> None:
    rows = [inspection_row(1, violation_code=v) for v in ("X", "X", "X#2", "X")]
    base = compile_template(MAPPING.source_ref.template)(rows[0])
    assert references(rows) == [base, base + "#2", base + "#2#2", base + "#3"]


def test_templates_trim_text_and_render_null_as_empty() -> None:
    render = compile_template("{a}:{b}:{{literal}}")
    assert render({"a": " x ", "b": None}) == "x::{literal}"


def test_kind_values_translate_the_files_words_for_subject_kinds() -> None:
    data = MAPPING.model_dump(by_alias=True, exclude_none=True)
    data["subject"] = {
        **{k: v for k, v in data["subject"].items() if k != "kind"},
        "kind_column": "entity",
        "kind_values": {"Firm": "organisation", "Individual": "person"},
    }
    mapper = RowMapper(parse_mapping(data))
    kinds = []
    for entity in ("Firm", "Individual", "organisation", "Ship"):
        raw = mapper.map({**inspection_row(1), "entity": entity})
        assert isinstance(raw, dict)
        kinds.append(raw["subject_kind"])
    assert kinds == ["organisation", "person", "organisation", "Ship"]  # validation refuses Ship


def test_kind_values_need_a_kind_column() -> None:
    data = MAPPING.model_dump(by_alias=True, exclude_none=True)
    data["subject"]["kind_values"] = {"Firm": "organisation"}
    with pytest.raises(ValidationFailed, match="kind_values"):
        parse_mapping(data)
