"""The load-time checks of the labels across the loaded catalogue (``credo catalog check``):
each code or sentence a reader may meet without a word in a portal language, and each label
that names nothing the catalogue has (``credo.catalog.labels`` says what labels are)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from credo.catalog.catalogue import Catalogue
from credo.catalog.labels import BASIS_SECTIONS, RATING_OUTCOMES, SOURCE_LANGUAGE, LanguageLabels
from credo.catalog.problems import Problem


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
