"""The mapping's value expressions (issue 15): columns named verbatim in templates (spaces
and any character but a brace), ``first_of`` fallbacks, ``template`` composition, a furnisher
per row, and one-line validation errors that name the mapping key."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from credo.catalog.catalogue import Catalogue
from credo.errors import ValidationFailed
from credo.ingest.mapping import (
    ValueFrom,
    check_against_catalogue,
    parse_mapping,
    template_parts,
)
from credo.ingest.transform import RowMapper, compile_template, value_getter
from credo.records.model import Rejection

from .conftest import NYC_MAPPING, inspection_row

# Column names as exports spell them: spaces (leading ones too), punctuation, other scripts.
names = st.text(
    st.characters(blacklist_characters="{}", blacklist_categories=("Cs",)), min_size=1
).filter(lambda n: n.strip() != "")
literals = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
cells = st.one_of(st.none(), st.just(""), st.just("  "), st.text(max_size=6))


def _escaped(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


@given(st.lists(st.tuples(literals, names), max_size=4), literals)
def test_a_template_names_any_column_verbatim_and_braces_double(
    pieces: list[tuple[str, str]], tail: str
) -> None:
    template = "".join(_escaped(lit) + "{" + name + "}" for lit, name in pieces) + _escaped(tail)
    parts = template_parts(template, "k")
    assert parts == [*pieces, (tail, None)]
    row = {name: f"<{i}>" for i, (_, name) in enumerate(pieces)}
    expected = "".join(lit + f"<{row[name][1:-1]}>" for lit, name in pieces) + tail
    assert compile_template(template)(row) == expected


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("{camis", "a lone '{' at character 1"),
        ("camis}", "a lone '}' at character 6"),
        ("{a{b}", "a lone '{' at character 1"),
        ("x{}", "{} at character 2 names no column"),
        ("{  }", "names no column"),
    ],
)
def test_a_bad_template_is_one_line_naming_the_key(template: str, says: str) -> None:
    data = _nyc()
    data["payload"]["action"] = {"template": template}
    with pytest.raises(ValidationFailed) as error:
        parse_mapping(data)
    assert "\n" not in error.value.detail
    assert "payload.action:" in error.value.detail and says in error.value.detail


@given(st.lists(cells, min_size=2, max_size=5))
def test_first_of_takes_the_first_value_that_is_not_blank(values: list[Any]) -> None:
    columns = [f"c{i}" for i in range(len(values))]
    got = value_getter(ValueFrom(first_of=columns))(dict(zip(columns, values, strict=True)))
    filled = [v for v in values if v is not None and v.strip()]
    assert got == (filled[0] if filled else None)


@given(cells, cells)
def test_a_template_composes_and_is_blank_only_when_every_column_is(a: Any, b: Any) -> None:
    got = value_getter(ValueFrom(template="{ first name}/{last-name}"))(
        {" first name": a, "last-name": b}
    )
    blank = [v is None or not v.strip() for v in (a, b)]
    if all(blank):
        assert got is None
    else:
        assert got == f"{(a or '').strip()}/{(b or '').strip()}"


def _nyc() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(NYC_MAPPING.read_text()))


def test_odd_columns_fallbacks_and_composition_reach_the_statement() -> None:
    """A real export's ``" Ineligible Until"`` (leading space) in a template and a date."""
    data = _nyc()
    data["source_ref"]["template"] = "{camis}:{ Ineligible Until}:{violation_code}"
    data["occurred_on"] = {"first_of": ["inspection_date", "grade_date"]}
    data["payload"]["action"] = {"template": "{action} ({ Ineligible Until})"}
    data["payload"]["grade"] = {"first_of": ["grade", "score"]}
    mapper = RowMapper(parse_mapping(data))
    row = inspection_row(1, grade="") | {" Ineligible Until": " 2030-01-01 "}
    raw = mapper.map(row, 2)
    assert isinstance(raw, dict), raw
    assert raw["source_ref"] == f"{row['camis']}:2030-01-01:{row['violation_code']}"
    assert raw["payload"]["action"] == f"{row['action']} (2030-01-01)"
    assert raw["payload"]["grade"] == row["score"]  # grade blank: the score
    fallback = mapper.map(row | {"inspection_date": ""}, 3)
    assert isinstance(fallback, dict), fallback
    assert fallback["occurred_on"] == row["grade_date"] != ""  # inspection date blank


@pytest.mark.parametrize(
    ("ignored", "code"), [([], "unknown_column"), ([" Ineligible Until"], "missing_column")]
)
def test_a_column_that_differs_only_in_spaces_is_pointed_out(ignored: list[str], code: str) -> None:
    data = _nyc()
    data["payload"]["action"] = {"column": "Ineligible Until"}
    data["ignore_columns"] = [*data["ignore_columns"], "action", *ignored]
    mapper = RowMapper(parse_mapping(data))
    rejection = mapper.map(inspection_row(1) | {" Ineligible Until": "x"}, 2)
    assert isinstance(rejection, Rejection) and rejection.code == code
    assert "the file has ' Ineligible Until' for 'Ineligible Until'" in rejection.detail


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d.update(furnisher={"colum": "authority"}), "furnisher.colum: Extra inputs"),
        (lambda d: d.update(occurred_on={"first_of": ["a"]}), "occurred_on.first_of: List"),
        (
            lambda d: d.update(occurred_on={"column": "a", "template": "{b}"}),
            "occurred_on: Value error, give exactly one of 'column', 'first_of' and 'template' "
            "(found column and template)",
        ),
        (
            lambda d: d["payload"]["score"].update(first_of=["a", "b"]),
            "payload.score: Value error, give exactly one",
        ),
        (lambda d: d["subject"]["identifiers"][0].pop("column"), "subject.identifiers.0: Value"),
        (lambda d: d.update(occurred_on=""), "occurred_on: String should have at least 1"),
    ],
)
def test_expression_errors_name_the_key_as_written(change: Any, says: str) -> None:
    data = _nyc()
    change(data)
    with pytest.raises(ValidationFailed) as error:
        parse_mapping(data)
    assert says in error.value.detail and "\n" not in error.value.detail
    assert "ValueFrom" not in error.value.detail and ".str" not in error.value.detail


def test_furnisher_values_must_name_registered_furnishers(catalogue: Catalogue) -> None:
    data = _nyc()
    data["furnisher"] = {"column": "authority", "values": {"NYC": "nyc_dohmh", "X": "nobody"}}
    mapping = parse_mapping(data)
    with pytest.raises(ValidationFailed, match=r"furnisher\.values\.X: 'nobody' is not registered"):
        check_against_catalogue(mapping, catalogue, None)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("NYC", "nyc_dohmh"),  # translated by furnisher.values
        (" food_safety_inspectorate ", "food_safety_inspectorate"),  # not listed: the id
        ("XX", "row 5: column 'authority' (furnisher) holds 'XX', which is not a registered"),
        ("", "row 5: column 'authority' (furnisher) is blank"),
    ],
)
def test_each_row_names_its_furnisher(catalogue: Catalogue, cell: str, expected: str) -> None:
    data = _nyc()
    data["furnisher"] = {"column": "authority", "values": {"NYC": "nyc_dohmh"}}
    mapper = RowMapper(parse_mapping(data), catalogue)
    got = mapper.furnisher_of(inspection_row(1) | {"authority": cell}, 5)
    if isinstance(got, Rejection):
        assert got.code == "unknown_furnisher" and got.detail.startswith(expected)
    else:
        assert got == expected
