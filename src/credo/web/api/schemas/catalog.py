"""GET /v1/catalog and its record types: the catalogue's own models (G-25)."""

from __future__ import annotations

from pydantic import Field

from credo.catalog.lists import ListDef, MeasureDef
from credo.catalog.models import Furnisher, IdentifierScheme, Profile, RecordType, Registry
from credo.catalog.parties import Purpose
from credo.web.api.schemas.common import JsonObject, Strict


class CatalogueSummary(Strict):
    """The whole public catalogue: registry, profile and every rule."""

    registry: Registry
    profile: Profile
    record_types: list[RecordType]
    furnishers: list[Furnisher]
    schemes: list[IdentifierScheme]
    ratings: list[JsonObject] = Field(
        description="Each rating's definition with its field names (`from_`, `in_`); "
        "GET /v1/ratings publishes them with the catalogue's names (`from`, `in`), typed"
    )
    lists: list[ListDef]
    measures: list[MeasureDef]
    purposes: list[Purpose]
