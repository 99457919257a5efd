"""GET /v1/catalog and its record types: the catalogue's own models (G-25)."""

from __future__ import annotations

from pydantic import Field

from credo.catalog.lists import ListDef, MeasureDef
from credo.catalog.models import Furnisher, IdentifierScheme, Profile, RecordType, Registry
from credo.catalog.parties import Purpose
from credo.web.api.schemas.common import Strict
from credo.web.api.schemas.ratings import PublishedRating


class CatalogueSummary(Strict):
    """The whole public catalogue: registry, profile and every rule."""

    registry: Registry
    profile: Profile
    record_types: list[RecordType]
    furnishers: list[Furnisher]
    schemes: list[IdentifierScheme]
    ratings: list[PublishedRating] = Field(description="Each rating's rules, as GET /v1/ratings")
    lists: list[ListDef]
    measures: list[MeasureDef]
    purposes: list[Purpose]
