"""G-19: identity never attaches on a name. Identifier schemes are a closed set of kinds: the
built-in cn_ric, cn_uscc and lei (python-stdnum), or an issuer_reference whose pattern no name
or free text can pass."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credo.catalog.guardrails import (
    MAX_IDENTIFIER_LENGTH,
    NAME_PROBES,
    scheme_pattern_problems,
)
from credo.catalog.loader import load_catalogue
from credo.errors import CatalogueError
from credo.settings import DEMO_CATALOG

BRIEF_PROBES = (
    "Acme Trading Co., Ltd.",
    "ACME TRADING",
    "Zhang Wei",
    "北京某某有限公司",
    "John Smith & Sons",
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, target)
    return target


def add_scheme(folder: Path, **fields: Any) -> None:
    path = folder / "schemes.yaml"
    document = yaml.safe_load(path.read_text("utf-8"))
    scheme = {
        "id": "test_scheme",
        "kind": "issuer_reference",
        "name": {"en": "Test scheme", "zh": "测试"},
        "subject_kinds": ["organisation"],
        "pattern": "^[0-9]{8}$",
        "example": "12345678",
        "issuer": "Test issuer",
    }
    scheme.update(fields)
    document["schemes"].append({k: v for k, v in scheme.items() if v is not None})
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder)
    return [str(p) for p in caught.value.problems]


def pattern_refused(pattern: str) -> bool:
    return any(p.key.endswith(".pattern") for p in scheme_pattern_problems(pattern, "", "f", "k"))


def test_demo_schemes_are_issuer_references_with_examples() -> None:
    catalogue = load_catalogue(DEMO_CATALOG)
    assert {s.kind for s in catalogue.schemes.values()} == {"issuer_reference"}
    for scheme in catalogue.schemes.values():
        assert re.fullmatch(scheme.pattern, scheme.example)
    assert set(BRIEF_PROBES) <= set(NAME_PROBES)


@pytest.mark.parametrize(
    "pattern",
    [
        "^.{1,200}$",  # free text
        "^[A-Z ]{3,40}$",  # letters and spaces: a name with spaces
        "^[A-Z]{3,40}$",  # letters only: a one-word name
        "^[A-Za-z]+$",
        "^[A-Z0-9]{8}$",  # ZHANGWEI: no digit is required
        "^\\w{1,40}$",
        "^\\S{1,20}$",
        "^[^0-9]{1,20}$",
        "^[0-9]{2}[A-Za-z ]{1,30}$",  # a digit, then free text with spaces
        "^[A-Z]{1,30}[0-9]$",  # ZHANGWEI1
        "^[0-9]+$",  # no maximum length
        "[0-9]{8}",  # not anchored
        "^[0-9]{4}|[A-Z ]+$",  # the anchors do not cover both alternatives
        "^(?:[0-9]{6}|[A-Za-z]{2,20})$",
        "^[\u4e00-\u9fff]{2,20}$",  # a Chinese name
        "^(?i:[a-z]{2,10})$",
        "^[0-9][A-Z]{5,30}[0-9]$",  # 1ZHANGWEI1
        "^(?=.*[0-9])[A-Z0-9]{8}$",  # a lookahead is not a declared structure
        "^(?:[A-Z]?){0,19}(?:[A-Z]?){0,19}0$",  # would backtrack badly under re; not here
    ],
)
def test_g19_a_pattern_that_admits_names_is_refused(folder: Path, pattern: str) -> None:
    example = "12345678"
    add_scheme(folder, pattern=pattern, example=example)
    problems = problems_of(folder)
    assert any(
        p.startswith("schemes.yaml: schemes[test_scheme].pattern: ")
        and "admits names or free text" in p
        and "G-19" in p
        for p in problems
    ), problems


def test_g19_the_message_names_a_probe_it_accepts(folder: Path) -> None:
    add_scheme(folder, pattern="^.{1,200}$", example="Acme")
    (problem,) = [p for p in problems_of(folder) if "test_scheme" in p]
    assert problem.startswith("schemes.yaml: schemes[test_scheme].pattern: '^.{1,200}$' admits")
    assert "'Acme Trading Co., Ltd.'" in problem
    assert "values may be 200 characters long (at most 40)" in problem


@pytest.mark.parametrize(
    ("pattern", "example"),
    [
        ("^[0-9]{8}$", "30075445"),
        ("^CP-[0-9]{6}$", "CP-004217"),
        ("^(?:[A-Z]{2}[0-9]{6}|[0-9]{8})$", "SC123456"),
        ("^\\d{4}-\\d{6}$", "2024-000123"),
        (
            "^\\([0-9]{4}\\)[\u4e00-\u9fff]{1,2}[0-9]{4}[\u4e00-\u9fff]{1,3}[0-9]{1,6}号$",
            "(2023)京0105执1234号",
        ),
        ("^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,10}$", "DE44ABC123"),
    ],
)
def test_g19_a_declared_structure_is_accepted(folder: Path, pattern: str, example: str) -> None:
    add_scheme(folder, pattern=pattern, example=example)
    assert load_catalogue(folder).schemes["test_scheme"].example == example


def test_the_example_must_match_the_pattern(folder: Path) -> None:
    add_scheme(folder, pattern="^CP-[0-9]{6}$", example="CP-12")
    assert problems_of(folder) == [
        "schemes.yaml: schemes[test_scheme].example: 'CP-12' does not match the pattern "
        "'^CP-[0-9]{6}$'"
    ]


def test_the_example_is_required(folder: Path) -> None:
    add_scheme(folder, example=None)
    assert problems_of(folder) == [
        "schemes.yaml: schemes[test_scheme].example: required field is missing"
    ]


@pytest.mark.parametrize("kind", ["name", "free_text", "fuzzy", "cn_ric"])
def test_g19_scheme_kinds_are_closed(folder: Path, kind: str) -> None:
    add_scheme(folder, kind=kind)
    problems = problems_of(folder)
    assert any(
        f"schemes[test_scheme].kind: unknown scheme kind {kind!r}: the kinds are closed (G-19)" in p
        for p in problems
    ), problems


def test_a_builtin_scheme_cannot_be_redefined(folder: Path) -> None:
    add_scheme(folder, id="cn_uscc", pattern="^[0-9A-Z]{18}$", example="91110000600037341L")
    assert any(
        "schemes[cn_uscc].id: 'cn_uscc' is built in and validated by python-stdnum" in p
        for p in problems_of(folder)
    )


# --- the rule holds for every pattern, not only the listed ones -----------------------------

ATOMS = [
    "A", "Z", "a", "-", " ", "0", "7", "中", "号", ".", "\\.",
    "[A-Z]", "[a-z]", "[0-9]", "\\d", "[A-Z0-9]", "[A-Za-z ]", "\\w", "\\s", "\\S", "\\D",
    "[^0-9]", "[^a-z]", "[\u4e00-\u9fff]", "[0-9-]", "[ -~]",
]  # fmt: skip
QUANTIFIERS = ["", "", "?", "*", "+", "{1,3}", "{2}", "{0,2}", "{1,40}", "{5,9}"]


def _item() -> st.SearchStrategy[str]:
    plain = st.builds(lambda a, q: a + q, st.sampled_from(ATOMS), st.sampled_from(QUANTIFIERS))
    sequence = st.lists(plain, min_size=1, max_size=4).map("".join)
    group = st.builds(
        lambda alts, q: "(?:" + "|".join(alts) + ")" + q,
        st.lists(sequence, min_size=1, max_size=3),
        st.sampled_from(QUANTIFIERS),
    )
    return st.one_of(plain, plain, group)


PATTERNS = st.lists(_item(), min_size=1, max_size=5).map(lambda items: "^" + "".join(items) + "$")
WORD = st.one_of(
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8),
    st.text("abcdefghijklmnopqrstuvwxyzéüß", min_size=1, max_size=8),
    st.text("张王李赵北京上海有限公司某", min_size=1, max_size=8),
)
NAMES = st.builds(
    lambda words, sep, tail: sep.join(words) + tail,
    st.lists(WORD, min_size=1, max_size=3),
    st.sampled_from([" ", "", "-", " & ", ", "]),
    st.sampled_from(["", ".", " Ltd.", " Co., Ltd.", "公司"]),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PATTERNS, st.lists(NAMES, min_size=1, max_size=10))
def test_g19_property_an_accepted_pattern_never_matches_a_name(
    pattern: str, names: list[str]
) -> None:
    if pattern_refused(pattern):
        return
    for name in (*NAME_PROBES, *names):
        assert not re.fullmatch(pattern, name), (pattern, name)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(PATTERNS, st.data())
def test_g19_property_every_value_an_accepted_pattern_takes_is_identifier_shaped(
    pattern: str, data: st.DataObject
) -> None:
    """Soundness of the analysis: whatever an accepted pattern matches has a digit, no
    whitespace and at most 40 characters."""
    if pattern_refused(pattern):
        return
    value = data.draw(st.from_regex(pattern, fullmatch=True))
    assert any(ch.isdecimal() for ch in value), (pattern, value)
    assert not any(ch.isspace() for ch in value), (pattern, value)
    assert len(value) <= MAX_IDENTIFIER_LENGTH, (pattern, value)


def test_g19_property_grammar_reaches_accepted_patterns() -> None:
    """The generator above can produce patterns the check accepts (else the property is empty)."""
    for pattern in ("^[0-9]{5,9}$", "^A[0-9]{2}$", "^(?:\\d|[A-Z]\\d)[0-9-]{1,3}$"):
        assert not pattern_refused(pattern), pattern
