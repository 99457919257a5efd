"""Identifier validation with python-stdnum (GB 11643, GB 32100, ISO 17442) and the
registered schemes of the catalogue. Pure functions: no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from stdnum import lei
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from credo.catalog.catalogue import Catalogue
from credo.catalog.vocab import SubjectKind

PERSON_SCHEMES = {"cn_ric"}
ORGANISATION_SCHEMES = {"cn_uscc", "lei"}


@dataclass(frozen=True)
class CheckedIdentifier:
    """A normalised identifier. ``check_ok`` is False for a USCC whose check character fails
    (accepted with a warning into review: some real pilot-era codes do)."""

    scheme: str
    value: str
    check_ok: bool = True
    birth_date: date | None = None
    warning: str | None = None


class IdentifierError(ValueError):
    """An identifier that cannot be accepted; ``code`` is the machine-readable reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_identifier(catalogue: Catalogue, scheme: str, raw: str) -> CheckedIdentifier:
    value = (raw or "").strip()
    if not value:
        raise IdentifierError("missing_identifier", f"empty {scheme} identifier")
    if scheme == "cn_ric":
        return _check_ric(value)
    if scheme == "cn_uscc":
        return _check_uscc(value)
    if scheme == "lei":
        return _check_lei(value)
    registered = catalogue.schemes.get(scheme)
    if registered is None:
        known = ", ".join(sorted(catalogue.scheme_ids()))
        raise IdentifierError("unknown_scheme", f"unknown identifier scheme {scheme!r} ({known})")
    if not re.fullmatch(registered.pattern, value):
        raise IdentifierError(
            "invalid_identifier",
            f"{value!r} does not match the {scheme} pattern {registered.pattern}",
        )
    return CheckedIdentifier(scheme, value)


def _check_ric(value: str) -> CheckedIdentifier:
    """Format, check digit (ISO 7064 MOD 11-2) and birth date, all by python-stdnum. The
    birth place is not checked: address codes change and a county may have been abolished
    since (real IDs must not be refused for that), and the standard's own example is from 1880."""
    compact = ric.compact(value)
    try:
        if len(compact) != 18 or not compact[:-1].isdigit():
            raise ValidationError("it must be 17 digits and a check character")
        if compact[-1] != ric.calc_check_digit(compact):
            raise InvalidChecksum()
        born = ric.get_birth_date(compact)
    except ValidationError as exc:
        raise IdentifierError(
            "invalid_identifier",
            f"{value!r} is not a valid CN resident identity number (GB 11643): {exc}",
        ) from exc
    return CheckedIdentifier("cn_ric", compact, birth_date=born)


def _check_uscc(value: str) -> CheckedIdentifier:
    compact = uscc.compact(value)
    try:
        return CheckedIdentifier("cn_uscc", uscc.validate(compact))
    except InvalidChecksum:
        # Only the check character is wrong: accept with a warning, for human review.
        return CheckedIdentifier(
            "cn_uscc",
            compact,
            check_ok=False,
            warning=f"{compact}: the GB 32100 check character is wrong; accepted for review",
        )
    except ValidationError as exc:
        raise IdentifierError(
            "invalid_identifier",
            f"{value!r} is not a valid Unified Social Credit Code (GB 32100): {exc}",
        ) from exc


def _check_lei(value: str) -> CheckedIdentifier:
    try:
        return CheckedIdentifier("lei", lei.validate(value))
    except ValidationError as exc:
        raise IdentifierError(
            "invalid_identifier", f"{value!r} is not a valid LEI (ISO 17442): {exc}"
        ) from exc


def scheme_allows_kind(catalogue: Catalogue, scheme: str, kind: SubjectKind) -> bool:
    if scheme in PERSON_SCHEMES:
        return kind is SubjectKind.PERSON
    if scheme in ORGANISATION_SCHEMES:
        return kind in (SubjectKind.ORGANISATION, SubjectKind.PUBLIC_BODY)
    registered = catalogue.schemes.get(scheme)
    return registered is not None and kind in registered.subject_kinds


def mask_identifier(scheme: str, value: str) -> str:
    """The public form of an identifier: a resident ID keeps its first 6 and last 4
    characters (``110105********002X``); organisation identifiers are public."""
    if scheme == "cn_ric" and len(value) == 18:
        return value[:6] + "*" * 8 + value[-4:]
    return value


def is_minor(birth_date: date | None, on: date) -> bool:
    if birth_date is None:
        return False
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    return age < 18
