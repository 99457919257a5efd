"""Catalogue models of lists, measures, purposes and relying parties (see credo.lists,
credo.checks)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from credo.catalog.models import LegalBasis, Slug, Strict, Text
from credo.catalog.vocab import Domain, SubjectKind

if TYPE_CHECKING:
    from credo.catalog.catalogue import Catalogue
    from credo.catalog.problems import Problem


class ListDef(Strict):
    id: Slug
    name: Text
    kind: Literal["red", "black", "focus"]
    domain: Domain
    legal_basis: LegalBasis
    subject_kinds: list[SubjectKind] = Field(min_length=1)


class MeasureDef(Strict):
    id: Slug
    name: Text
    kind: Literal["deny", "restrict", "review", "priority", "waiver"]
    domain: Domain
    legal_basis: LegalBasis
    subject_kinds: list[SubjectKind] = Field(min_length=1)
    triggered_by: list[Slug] = Field(min_length=1)


class Purpose(Strict):
    id: Slug
    name: Text
    domains: list[Domain] = Field(min_length=1)
    legal_basis: LegalBasis


class RelyingParty(Strict):
    id: Slug
    name: Text
    purposes: list[Slug] = Field(min_length=1)


def list_problems(catalogue: Catalogue) -> list[Problem]:
    """Cross-entry checks for lists, measures, purposes and relying parties."""
    return []
