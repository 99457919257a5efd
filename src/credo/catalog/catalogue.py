"""The loaded catalogue: every entry by id, with the file each came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from credo.catalog.labels import Labels
from credo.catalog.lists import ListDef, MeasureDef
from credo.catalog.models import (
    Furnisher,
    FurnisherQuality,
    IdentifierScheme,
    Profile,
    RecordType,
    Registry,
    Strict,
)
from credo.catalog.parties import Purpose, RelyingParty
from credo.catalog.ratings import RatingDef

BUILTIN_SCHEMES = ("cn_ric", "cn_uscc", "lei")

# ``profiles`` is not here: the profiles are built in, and a catalogue's ``profiles`` section
# only tightens the one it selects (credo.catalog.profiles, docs/catalogue.md).
SECTIONS: dict[str, type[Strict]] = {
    "schemes": IdentifierScheme,
    "record_types": RecordType,
    "furnishers": Furnisher,
    "ratings": RatingDef,
    "lists": ListDef,
    "measures": MeasureDef,
    "purposes": Purpose,
    "relying_parties": RelyingParty,
}


@dataclass(frozen=True)
class Catalogue:
    registry: Registry
    profiles: dict[str, Profile]
    schemes: dict[str, IdentifierScheme]
    record_types: dict[str, RecordType]
    furnishers: dict[str, Furnisher]
    ratings: dict[str, RatingDef] = field(default_factory=dict)
    lists: dict[str, ListDef] = field(default_factory=dict)
    measures: dict[str, MeasureDef] = field(default_factory=dict)
    purposes: dict[str, Purpose] = field(default_factory=dict)
    relying_parties: dict[str, RelyingParty] = field(default_factory=dict)
    furnisher_quality: FurnisherQuality = field(default_factory=FurnisherQuality)  # G-49
    labels: Labels = field(default_factory=Labels)  # words for codes, per language
    origins: dict[tuple[str, str], str] = field(default_factory=dict)
    active_profile_id: str = ""

    @property
    def profile(self) -> Profile:
        return self.profiles[self.active_profile_id or self.registry.profile]

    def origin_of(self, section: str, entry_id: str) -> str:
        return self.origins.get((section, entry_id), "<catalogue>")

    def scheme_ids(self) -> set[str]:
        return set(BUILTIN_SCHEMES) | set(self.schemes)

    def record_type(self, type_id: str) -> RecordType:
        return self.record_types[type_id]
