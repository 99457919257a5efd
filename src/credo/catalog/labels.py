"""Labels: the words a reader sees instead of the catalogue's codes, in each portal language.

A catalogue speaks in codes (payload field names and enum values such as ``pay_money``, rating
bands and the built-in outcomes ``not_rated`` and ``pending``, exit conditions such as
``term_end``) and in English sentences (legal bases, repair conditions). A person reads words
in their own language. The ``labels`` section, one mapping per language (the demo keeps them
in ``labels_en.yaml`` and ``labels_zh.yaml``), gives a label to every code in every language
and a translation of every sentence into every language but English, the catalogue's own.

``label_problems`` names each code or sentence a reader could meet without a word in one of
the portal's languages, and each label that names nothing the catalogue has (``credo catalog
check``); a catalogue without labels still loads, and a page shows the code as words
(``pay money``) until it has one. ``Labels.words(lang)`` is what pages and notices read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from credo.catalog.models import Duration, LegalBasis, Slug
from credo.catalog.problems import Problem
from credo.catalog.ratings import NOT_RATED, PENDING
from credo.catalog.vocab import ExitCondition

if TYPE_CHECKING:
    from credo.catalog.catalogue import Catalogue

SOURCE_LANGUAGE = "en"  # the language the catalogue's own sentences are written in
# Outcomes every rating may have besides its bands (credo.catalog.ratings).
RATING_OUTCOMES = (NOT_RATED, PENDING)
# The sections whose entries carry a legal basis a reader is shown.
BASIS_SECTIONS = ("record_types", "lists", "measures", "purposes")
BasisSection = Literal["record_types", "lists", "measures", "purposes"]
Label = Field(min_length=1, max_length=500)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LegalText(_Strict):
    """A legal basis in one language: the instrument, the article and what it says."""

    instrument: str = Field(min_length=2)
    article: str = Field(min_length=1)
    text: str = Field(min_length=2)


class FieldLabels(_Strict):
    """A payload field's name and, for an enum field, the words for each value."""

    label: str = Label
    values: dict[str, str] = Field(default_factory=dict)


class LanguageLabels(_Strict):
    """Every label of one language (one ``labels`` section)."""

    language: str = Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    payload: dict[Slug, dict[Slug, FieldLabels]] = Field(
        default_factory=dict, description="record type -> payload field -> labels"
    )
    bands: dict[Slug, dict[str, str]] = Field(
        default_factory=dict, description="rating id -> band -> label"
    )
    outcomes: dict[str, str] = Field(
        default_factory=dict, description="not_rated and pending: outcomes of every rating"
    )
    exit_conditions: dict[ExitCondition, str] = Field(default_factory=dict)
    legal_bases: dict[BasisSection, dict[Slug, LegalText]] = Field(
        default_factory=dict,
        description="Translations of legal bases (not in the catalogue's own language)",
    )
    texts: dict[str, str] = Field(
        default_factory=dict,
        description="Translations of the catalogue's sentences (repair conditions), keyed by "
        "the sentence as the catalogue writes it",
    )


def humanised(code: str) -> str:
    """A code as words, for a code that has no label yet: ``pay_money`` -> ``pay money``."""
    return code.replace("_", " ")


@dataclass(frozen=True)
class Labels:
    """The catalogue's labels, by language."""

    languages: dict[str, LanguageLabels] = field(default_factory=dict)

    def words(self, lang: str) -> Words:
        return Words(lang, self.languages.get(lang), self.languages.get(SOURCE_LANGUAGE))


@dataclass(frozen=True)
class Words:
    """The catalogue's codes as words in one language: its own label, else the English one,
    else the code as words; sentences in this language, else as the catalogue writes them."""

    lang: str
    own: LanguageLabels | None
    english: LanguageLabels | None

    def _pick(self, find: Callable[[LanguageLabels], str | None], code: str) -> str:
        for labels in (self.own, self.english):
            found = find(labels) if labels is not None else None
            if found:
                return found
        return humanised(code)

    def field(self, record_type: str, name: str) -> str:
        return self._pick(lambda x: _label(x, record_type, name), name)

    def value(self, record_type: str, name: str, value: str) -> str:
        return self._pick(lambda x: _values(x, record_type, name).get(value), value)

    def band(self, rating: str, band: str) -> str:
        if band in RATING_OUTCOMES:
            return self.outcome(band)
        return self._pick(lambda x: x.bands.get(rating, {}).get(band), band)

    def outcome(self, code: str) -> str:
        return self._pick(lambda x: x.outcomes.get(code), code)

    def exit_condition(self, code: str) -> str:
        return self._pick(lambda x: x.exit_conditions.get(ExitCondition(code)), code)

    def legal_basis(self, section: BasisSection, entry_id: str, basis: LegalBasis) -> LegalText:
        """The legal basis in this language; as the catalogue writes it when untranslated."""
        if self.lang != SOURCE_LANGUAGE and self.own is not None:
            found = self.own.legal_bases.get(section, {}).get(entry_id)
            if found is not None:
                return found
        return LegalText(instrument=basis.instrument, article=basis.article, text=basis.text)

    def text(self, sentence: str) -> str:
        if self.lang == SOURCE_LANGUAGE or self.own is None:
            return sentence
        return self.own.texts.get(sentence) or sentence

    def term(self, duration: Duration) -> str:
        return term(duration, self.lang)


def _field(labels: LanguageLabels, record_type: str, name: str) -> FieldLabels | None:
    return labels.payload.get(record_type, {}).get(name)


def _values(labels: LanguageLabels, record_type: str, name: str) -> dict[str, str]:
    found = _field(labels, record_type, name)
    return found.values if found else {}


def _label(labels: LanguageLabels, record_type: str, name: str) -> str | None:
    found = _field(labels, record_type, name)
    return found.label if found else None


# Units of a term in each portal language; a language without its own words reads English.
_UNITS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {"d": ("day", "days"), "m": ("month", "months"), "y": ("year", "years")},
    "zh": {"d": ("天", "天"), "m": ("个月", "个月"), "y": ("年", "年")},
}


def term(duration: Duration, lang: str) -> str:
    """A period in words: ``3y`` -> ``3 years`` / ``3年``."""
    units = _UNITS.get(lang, _UNITS[SOURCE_LANGUAGE])
    one, many = units[duration.unit]
    word = one if duration.amount == 1 else many
    return f"{duration.amount}{word}" if lang == "zh" else f"{duration.amount} {word}"


# -- what a reader may meet, and the check -----------------------------------------------------


@dataclass(frozen=True)
class Wanted:
    """One thing a reader may meet, by the key its label has in a labels section."""

    key: str  # e.g. payload.judgment_defaulter.obligation.values.pay_money
    translation_only: bool = False  # a sentence: the catalogue's own language needs none


def wanted(catalogue: Catalogue) -> Iterator[Wanted]:
    """Every code and sentence of the catalogue that a reader may be shown."""
    for type_id, record_type in catalogue.record_types.items():
        for name, spec in record_type.payload.items():
            yield Wanted(f"payload.{type_id}.{name}")
            for value in spec.values or []:
                yield Wanted(f"payload.{type_id}.{name}.values.{value}")
        if record_type.repairable.allowed:
            for sentence in record_type.repairable.conditions:
                yield Wanted(f"texts.{sentence}", translation_only=True)
    for rating in catalogue.ratings.values():
        for band in rating.bands.labels if rating.bands else []:
            yield Wanted(f"bands.{rating.id}.{band}")
    if catalogue.ratings:
        for code in RATING_OUTCOMES:
            yield Wanted(f"outcomes.{code}")
    exits = {c for rt in catalogue.record_types.values() for c in rt.exit_conditions}
    exits |= {c for x in catalogue.lists.values() for c in x.exit_conditions}
    for condition in sorted(exits):
        yield Wanted(f"exit_conditions.{condition.value}")
    for section in BASIS_SECTIONS:
        for entry_id in getattr(catalogue, section):
            yield Wanted(f"legal_bases.{section}.{entry_id}", translation_only=True)


def labelled(labels: LanguageLabels) -> set[str]:
    """The keys (as ``wanted`` writes them) that a labels section gives words for."""
    keys = {f"texts.{sentence}" for sentence in labels.texts}
    keys |= {f"outcomes.{code}" for code in labels.outcomes}
    keys |= {f"exit_conditions.{code.value}" for code in labels.exit_conditions}
    for type_id, fields in labels.payload.items():
        for name, found in fields.items():
            keys.add(f"payload.{type_id}.{name}")
            keys |= {f"payload.{type_id}.{name}.values.{value}" for value in found.values}
    for rating_id, bands in labels.bands.items():
        keys |= {f"bands.{rating_id}.{band}" for band in bands}
    for section, entries in labels.legal_bases.items():
        keys |= {f"legal_bases.{section}.{entry_id}" for entry_id in entries}
    return keys


def label_problems(catalogue: Catalogue, languages: Sequence[str]) -> list[Problem]:
    """Every code or sentence a reader may meet without a word in one of ``languages``, and
    every label that names nothing in the catalogue."""
    problems: list[Problem] = []
    things = list(wanted(catalogue))
    for lang in languages:
        labels = catalogue.labels.languages.get(lang)
        file = catalogue.origin_of("labels", lang) if labels else f"labels_{lang}.yaml (missing)"
        have = labelled(labels) if labels else set()
        for thing in things:
            if thing.translation_only and lang == SOURCE_LANGUAGE:
                continue
            if thing.key not in have:
                problems.append(Problem(file, f"labels[{lang}].{thing.key}", f"no label in {lang}"))
    for lang, labels in catalogue.labels.languages.items():
        problems += _stale(catalogue, labels, catalogue.origin_of("labels", lang), languages)
    return problems


def _stale(
    catalogue: Catalogue, labels: LanguageLabels, file: str, languages: Sequence[str]
) -> list[Problem]:
    """Labels for what the catalogue does not have (a renamed field, a removed band)."""
    where = f"labels[{labels.language}]"
    found: list[Problem] = []
    if labels.language not in languages:
        found.append(
            Problem(
                file,
                where,
                f"{labels.language!r} is not a portal language ({', '.join(languages)})",
            )
        )
    for type_id, fields in labels.payload.items():
        record_type = catalogue.record_types.get(type_id)
        if record_type is None:
            found.append(Problem(file, f"{where}.payload.{type_id}", "no such record type"))
            continue
        for name, field_labels in fields.items():
            spec = record_type.payload.get(name)
            if spec is None:
                found.append(
                    Problem(file, f"{where}.payload.{type_id}.{name}", "no such payload field")
                )
                continue
            for value in sorted(set(field_labels.values) - set(spec.values or [])):
                found.append(
                    Problem(
                        file,
                        f"{where}.payload.{type_id}.{name}.values.{value}",
                        f"not a value of {type_id}.{name}",
                    )
                )
    for rating_id, bands in labels.bands.items():
        rating = catalogue.ratings.get(rating_id)
        known = set(rating.bands.labels) if rating and rating.bands else set()
        if rating is None:
            found.append(Problem(file, f"{where}.bands.{rating_id}", "no such rating"))
            continue
        for band in sorted(set(bands) - known):
            found.append(
                Problem(file, f"{where}.bands.{rating_id}.{band}", f"not a band of {rating_id}")
            )
    sentences = {
        c
        for rt in catalogue.record_types.values()
        if rt.repairable.allowed
        for c in rt.repairable.conditions
    }
    for sentence in sorted(set(labels.texts) - sentences):
        found.append(
            Problem(file, f"{where}.texts.{sentence}", "no such sentence in the catalogue")
        )
    for section, entries in labels.legal_bases.items():
        for entry_id in sorted(set(entries) - set(getattr(catalogue, section))):
            found.append(
                Problem(
                    file, f"{where}.legal_bases.{section}.{entry_id}", f"no such {section} entry"
                )
            )
    return found
