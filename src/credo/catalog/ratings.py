"""Catalogue models of ratings (owned by the ratings engine; see credo.ratings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from credo.catalog.models import Slug, Strict, Text
from credo.catalog.vocab import Domain, SubjectKind

if TYPE_CHECKING:
    from credo.catalog.catalogue import Catalogue
    from credo.catalog.problems import Problem


class RatingDef(Strict):
    id: Slug
    version: int = 1
    name: Text
    purpose: str = Field(min_length=10)
    domain: Domain
    subject_kinds: list[SubjectKind] = Field(min_length=1)
    inputs: list[Slug] = Field(min_length=1)
    public: bool = False

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"


def rating_problems(catalogue: Catalogue) -> list[Problem]:
    """Cross-entry checks for ratings (G-13: inputs only from the rating's own domain)."""
    from credo.catalog.problems import Problem

    problems: list[Problem] = []
    for rating in catalogue.ratings.values():
        origin = catalogue.origin_of("ratings", rating.id)
        for type_id in rating.inputs:
            record_type = catalogue.record_types.get(type_id)
            if record_type is None:
                problems.append(
                    Problem(
                        origin, f"ratings[{rating.id}].inputs", f"unknown record type {type_id!r}"
                    )
                )
            elif record_type.domain != rating.domain:
                problems.append(
                    Problem(
                        origin,
                        f"ratings[{rating.id}].inputs",
                        f"record type {type_id!r} is in domain {record_type.domain.value!r}, "
                        "not the "
                        f"rating's domain {rating.domain.value!r}: no general-purpose score (G-13)",
                    )
                )
    return problems
