"""List entries derived from a subject's own records: pure functions, no database.

An entry's whole life follows from its records and the catalogue, so it can be evaluated for
any date: before ``starts_on`` it does not exist; from ``starts_on`` the subject has been
notified and may object (G-22); from ``effective_on`` it has effect; from ``ends_on`` it has
ended, for ``end_reason`` (performance, term end, record expiry; G-42, G-43, G-44).

Only the subject's own records are read (G-17, G-18); minors never enter a negative list
(G-21); a record under an open dispute, "not me" claim or deletion is never given to this
module (the repository filters it, as ``effective_records`` does)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from credo.catalog.catalogue import Catalogue
from credo.catalog.lists import ListDef
from credo.catalog.vocab import Polarity
from credo.records.queries import StandingRecord
from credo.subjects.identifiers import is_minor

Status = Literal["notified", "effective", "ended"]


# A record that may put its subject on a list: one that stands under the effect rule, with
# the days it has effect (its owner, credo.records, says which and when).
TriggerRecord = StandingRecord


@dataclass(frozen=True, slots=True)
class SubjectFacts:
    subject_id: int
    kind: str
    birth_date: date | None


@dataclass(frozen=True, slots=True)
class RatingFact:
    """A subject's current band of a rating (``credo.ratings`` keeps it current in the write
    transaction), and since when it has held (the open list entry's start, if there is one)."""

    rating_id: str
    rating_key: str
    band: str
    since: date


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    list_id: str
    list_version: int
    subject_id: int
    records: tuple[TriggerRecord, ...]
    starts_on: date
    effective_on: date
    ends_on: date
    end_reason: str
    rating: RatingFact | None = None
    # The furnishers' latest confirmation of every record behind the entry, if later than
    # effect: the list's term and the measures' durations count from it (credo.records.effect).
    renewed_on: date | None = None

    @property
    def term_anchor(self) -> date:
        return _term_anchor(self.effective_on, self.renewed_on)

    def status_on(self, on: date) -> Status | None:
        if on < self.starts_on:
            return None
        if on >= self.ends_on:
            return "ended"
        return "effective" if on >= self.effective_on else "notified"


def entry_id_of(list_id: str, chain_ids: Iterable[str]) -> str:
    text = "\x1f".join([list_id, *sorted(chain_ids)])
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def list_record_types(catalogue: Catalogue) -> set[str]:
    """Every record type some list's entry rule reads."""
    return {t for list_def in catalogue.lists.values() for t in list_def.entry.record_types}


def list_ratings(catalogue: Catalogue) -> set[str]:
    """Every rating some list's entry rule reads (by rating id)."""
    return {
        list_def.entry.rating_band.rating
        for list_def in catalogue.lists.values()
        if list_def.entry.rating_band is not None
    }


def rating_entry_id(list_id: str, rating_key: str, band: str) -> str:
    return entry_id_of(list_id, [f"rating:{rating_key}:{band}"])


def derive_entries(
    catalogue: Catalogue,
    subject: SubjectFacts,
    records: Sequence[TriggerRecord],
    ratings: Mapping[str, RatingFact] | None = None,
) -> list[Entry]:
    """Every entry the subject's records produce, over all time; with ``ratings``, also the
    entry of each rating-band list whose band the subject holds now."""
    ratings = ratings or {}
    entries: list[Entry] = []
    for list_def in catalogue.lists.values():
        if subject.kind not in list_def.subject_kinds:
            continue
        band_rule = list_def.entry.rating_band
        if band_rule is not None:
            fact = ratings.get(band_rule.rating)
            if fact is not None and fact.band in band_rule.bands:
                entry = _rating_entry(catalogue, list_def, subject, fact)
                entries += [entry] if entry is not None else []
            continue
        qualifying = sorted(
            (r for r in records if _qualifies(list_def, r)), key=lambda r: (r.starts_on, r.chain_id)
        )
        for group in _groups(list_def, qualifying):
            entry = _entry(catalogue, list_def, subject, group)
            if entry is not None:
                entries.append(entry)
    return entries


def _qualifies(list_def: ListDef, record: TriggerRecord) -> bool:
    rule = list_def.entry
    return record.record_type in rule.record_types and all(
        c.holds(record.payload) for c in rule.conditions
    )


def _term_anchor(effective_on: date, renewed_on: date | None) -> date:
    """Where a list's term and its measures' durations count from."""
    return max(effective_on, renewed_on or effective_on)


def _groups(list_def: ListDef, records: list[TriggerRecord]) -> list[tuple[TriggerRecord, ...]]:
    """One record per entry, or with a repeat-offence rule the ``min_count`` records that fall
    within its window (G-12: allowed only where the catalogue declares the legal basis)."""
    rule = list_def.entry
    if rule.min_count == 1:
        return [(r,) for r in records]
    if rule.repeat_offence is None:
        return []
    window = rule.repeat_offence.window
    groups = []
    for last in range(rule.min_count - 1, len(records)):
        group = tuple(records[last - rule.min_count + 1 : last + 1])
        if window.add_to(group[0].starts_on) > group[-1].starts_on:
            groups.append(group)
    return groups


def _entry(
    catalogue: Catalogue,
    list_def: ListDef,
    subject: SubjectFacts,
    group: tuple[TriggerRecord, ...],
) -> Entry | None:
    starts_on = max(r.starts_on for r in group)
    if _minor_protected(catalogue, list_def, subject, starts_on):
        return None
    profile = catalogue.profile
    notice = 0 if list_def.immediate_effect_article else profile.objection_window_days
    effective_on = starts_on + timedelta(days=notice)
    assert list_def.max_term is not None  # the loader refuses lists without one (G-44)
    # The list's own term (G-44) runs from entry, or from the furnishers' latest confirmation
    # of every record behind it: a confirmed decision stays listed, an unconfirmed one lapses.
    confirmed = [r.confirmed_on for r in group if r.confirmed_on is not None]
    renewed_on = max(confirmed) if confirmed and len(confirmed) == len(group) else None
    term_end = list_def.max_term.add_to(_term_anchor(effective_on, renewed_on))
    first_end = min(group, key=lambda r: r.ends_on)
    ends_on = min(first_end.ends_on, term_end)
    reason = "term_end" if first_end.ends_on >= term_end else first_end.end_reason
    return Entry(
        id=entry_id_of(list_def.id, (r.chain_id for r in group)),
        list_id=list_def.id,
        list_version=list_def.version,
        subject_id=subject.subject_id,
        records=group,
        starts_on=starts_on,
        effective_on=effective_on,
        ends_on=ends_on,
        end_reason=reason,
        renewed_on=renewed_on,
    )


def _rating_entry(
    catalogue: Catalogue, list_def: ListDef, subject: SubjectFacts, fact: RatingFact
) -> Entry | None:
    """An entry that lasts while the band holds, from ``fact.since``, within the list's term."""
    if _minor_protected(catalogue, list_def, subject, fact.since):
        return None
    notice = 0 if list_def.immediate_effect_article else catalogue.profile.objection_window_days
    effective_on = fact.since + timedelta(days=notice)
    assert list_def.max_term is not None
    return Entry(
        id=rating_entry_id(list_def.id, fact.rating_key, fact.band),
        list_id=list_def.id,
        list_version=list_def.version,
        subject_id=subject.subject_id,
        records=(),
        starts_on=fact.since,
        effective_on=effective_on,
        ends_on=list_def.max_term.add_to(effective_on),
        end_reason="term_end",
        rating=fact,
    )


def _minor_protected(
    catalogue: Catalogue, list_def: ListDef, subject: SubjectFacts, on: date
) -> bool:
    """G-21: a person under 18 on the day of entry never enters a negative list."""
    if list_def.polarity is not Polarity.NEGATIVE or subject.kind != "person":
        return False
    allowed = list_def.minors_authorised and catalogue.profile.minors_on_negative_lists
    return not allowed and is_minor(subject.birth_date, on)


def entries_on(entries: Iterable[Entry], on: date, status: Status = "effective") -> list[Entry]:
    return [e for e in entries if e.status_on(on) == status]
