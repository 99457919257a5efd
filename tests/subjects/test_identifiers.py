"""Identifiers: python-stdnum validation, real vectors, property tests, masking, minors."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_97_10

from credo.catalog.catalogue import Catalogue
from credo.catalog.loader import load_catalogue
from credo.catalog.vocab import SubjectKind
from credo.settings import DEMO_CATALOG
from credo.subjects.identifiers import (
    IdentifierError,
    check_identifier,
    is_minor,
    mask_identifier,
    scheme_allows_kind,
)

CATALOGUE: Catalogue = load_catalogue(DEMO_CATALOG)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.mark.parametrize(
    "value",
    ["91110000600037341L", "91310115MA1K3BTP2B", "121200004013590816", "92340604MA2PENA300"],
)
def test_valid_uscc(value: str) -> None:
    checked = check_identifier(CATALOGUE, "cn_uscc", value)
    assert checked.check_ok and checked.value == value


@pytest.mark.parametrize("value", ["91350100M0001TGQXM", "91350211M0000XUF46"])
def test_pilot_era_uscc_with_wrong_check_character_goes_to_review(value: str) -> None:
    checked = check_identifier(CATALOGUE, "cn_uscc", value)
    assert checked.check_ok is False
    assert checked.warning and "review" in checked.warning


@pytest.mark.parametrize("value", ["9111000060003734", "91110000600037341I", "ABC"])
def test_malformed_uscc_is_rejected(value: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        check_identifier(CATALOGUE, "cn_uscc", value)
    assert caught.value.code == "invalid_identifier"


@pytest.mark.parametrize(
    ("value", "born"),
    [
        ("11010519491231002X", date(1949, 12, 31)),
        ("440524188001010014", date(1880, 1, 1)),
        ("360426199101010071", date(1991, 1, 1)),
    ],
)
def test_resident_id_gives_birth_date(value: str, born: date) -> None:
    assert check_identifier(CATALOGUE, "cn_ric", value).birth_date == born


def test_resident_id_with_wrong_check_digit_is_rejected() -> None:
    with pytest.raises(IdentifierError, match="GB 11643"):
        check_identifier(CATALOGUE, "cn_ric", "36042619910102009X")


@pytest.mark.parametrize(
    "value", ["5493001KJTIIGC8Y1R12", "529900T8BM49AURSDO55", "213800KUD8LAJWSQ9D15"]
)
def test_valid_lei(value: str) -> None:
    assert check_identifier(CATALOGUE, "lei", value).check_ok


def test_lei_with_wrong_check_digits_is_rejected() -> None:
    with pytest.raises(IdentifierError, match="ISO 17442"):
        check_identifier(CATALOGUE, "lei", "213800KUD8LXJWSQ9D15")


def test_registered_scheme_uses_its_pattern() -> None:
    assert check_identifier(CATALOGUE, "nyc_camis", "30075445").value == "30075445"
    with pytest.raises(IdentifierError):
        check_identifier(CATALOGUE, "nyc_camis", "3007544X")
    with pytest.raises(IdentifierError) as caught:
        check_identifier(CATALOGUE, "passport", "E1234")
    assert caught.value.code == "unknown_scheme"


def test_scheme_kinds() -> None:
    assert scheme_allows_kind(CATALOGUE, "cn_ric", SubjectKind.PERSON)
    assert not scheme_allows_kind(CATALOGUE, "cn_ric", SubjectKind.ORGANISATION)
    assert scheme_allows_kind(CATALOGUE, "cn_uscc", SubjectKind.PUBLIC_BODY)
    assert not scheme_allows_kind(CATALOGUE, "nyc_camis", SubjectKind.PERSON)


@given(
    st.sampled_from(["110105", "310115", "440524", "360426"]),
    st.dates(min_value=date(1880, 1, 1), max_value=date(2026, 1, 1)),
    st.integers(min_value=0, max_value=999),
)
def test_property_every_valid_resident_id_is_accepted_and_one_wrong_digit_is_not(
    area: str, born: date, sequence: int
) -> None:
    body = f"{area}{born:%Y%m%d}{sequence:03d}"
    value = body + ric.calc_check_digit(body + "0")  # it reads the first 17 characters
    checked = check_identifier(CATALOGUE, "cn_ric", value)
    assert checked.value == value and checked.birth_date == born
    wrong = "X" if value[-1] != "X" else "0"
    with pytest.raises(IdentifierError):
        check_identifier(CATALOGUE, "cn_ric", body + wrong)


@given(
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)
def test_property_uscc_check_character(prefix: str, tail: str) -> None:
    body = "91" + prefix[:6] + tail
    value = body + uscc.calc_check_digit(body)
    assert check_identifier(CATALOGUE, "cn_uscc", value).check_ok
    for other in USCC_ALPHABET[:3]:
        if other != value[-1]:
            assert check_identifier(CATALOGUE, "cn_uscc", body + other).check_ok is False


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=18, max_size=18))
def test_property_lei_check_digits(base: str) -> None:
    value = base + mod_97_10.calc_check_digits(base)
    assert check_identifier(CATALOGUE, "lei", value).value == value


def test_masking_keeps_six_and_four() -> None:
    assert mask_identifier("cn_ric", "11010519491231002X") == "110105********002X"
    assert mask_identifier("cn_uscc", "91110000600037341L") == "91110000600037341L"


def test_minor() -> None:
    assert is_minor(date(2010, 6, 1), date(2026, 5, 31))
    assert not is_minor(date(2008, 6, 1), date(2026, 6, 1))
    assert not is_minor(None, date(2026, 1, 1))
