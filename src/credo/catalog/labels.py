"""Labels: the words a reader sees instead of the catalogue's codes, in each portal language.

A catalogue speaks in codes (payload field names and enum values such as ``pay_money``, rating
bands and the built-in outcomes ``not_rated`` and ``pending``, exit conditions such as
``term_end``) and in English sentences (legal bases, repair conditions). A person reads words
in their own language. The ``labels`` section, one mapping per language (the demo keeps them
in ``labels_en.yaml`` and ``labels_zh.yaml``), gives a label to every code in every language
and a translation of every sentence into every language but English, the catalogue's own.

``credo.catalog.label_checks.label_problems`` names each code or sentence a reader could
meet without a word in one of the portal's languages, and each label that names nothing the
catalogue has (``credo catalog check``); a catalogue without labels still loads, and a page
shows the code as words (``pay money``) until it has one. ``Labels.words(lang)`` is what pages
and notices read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from credo.catalog.models import Duration, LegalBasis, Slug
from credo.catalog.ratings import NOT_RATED, PENDING
from credo.catalog.vocab import ExitCondition

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
