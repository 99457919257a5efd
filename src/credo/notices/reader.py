"""The person a notice is written to: their language and time zone, and dates, times and the
catalogue's codes as they read them.

A subject's language is the one they last acted in through the portal (``subject_preferences``,
set by ``credo.web.portal.due_process``), else the registry's (``registry.language``); times are
given in the subject's time zone where one is recorded, else the registry's
(``registry.time_zone``). Notices are written once, when they are queued, in that language.
A subject who acts through the API says which language they want with ``language`` or, failing
that, ``Accept-Language`` (``language_asked``); that is remembered as the portal's is.
Notices queued in a batch (write hooks, jobs) read all their subjects' languages at once
(``readers_of``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, RowMapping

from credo.catalog.catalogue import Catalogue
from credo.catalog.labels import Words
from credo.jsonvalue import utc
from credo.notices import repository

LANGUAGES = ("en", "zh")  # the languages notices are written in (the portal's)


@dataclass(frozen=True)
class Reader:
    lang: str
    zone: ZoneInfo
    words: Words

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

    def date(self, value: date | datetime | None) -> str:
        """A day: ``1 Dec 2026`` / ``2026年12月1日``; a moment counts in the reader's zone."""
        if value is None:
            return "—"
        if isinstance(value, datetime):
            value = self.local(value).date()
        if self.zh:
            return f"{value.year}年{value.month}月{value.day}日"
        return f"{value.day} {value:%b} {value.year}"

    def moment(self, value: datetime) -> str:
        """A moment to the minute in the reader's zone, which it names."""
        local = self.local(value)
        if self.zh:
            return f"{self.date(local)} {local:%H:%M}（{self.zone.key}）"
        return f"{self.date(local)} {local:%H:%M} ({self.zone.key})"

    def local(self, value: datetime) -> datetime:
        return utc(value).astimezone(self.zone)

    def name(self, text: object) -> str:
        """A catalogue ``Text`` (``en``/``zh``) in the reader's language."""
        return str(getattr(text, self.lang, None) or getattr(text, "en", text))

    def join(self, items: Iterable[str]) -> str:
        return pick(self, "; ", "；").join(items)


def reader_of(conn: Connection, catalogue: Catalogue, subject_id: int) -> Reader:
    """The subject as a reader of notices (their language and zone, else the registry's)."""
    return _reader(catalogue, repository.preference_of(conn, subject_id))


def readers_of(
    conn: Connection, catalogue: Catalogue, subject_ids: Iterable[int]
) -> dict[int, Reader]:
    """Each subject as a reader, from one look-up for them all (notices queued in a batch)."""
    wanted = set(subject_ids)
    preferences = repository.preferences_of(conn, wanted)
    return {s: _reader(catalogue, preferences.get(s)) for s in wanted}


def _reader(catalogue: Catalogue, preference: RowMapping | None) -> Reader:
    registry = catalogue.registry
    lang = preference["language"] if preference else registry.language
    zone = (preference["time_zone"] if preference else None) or registry.time_zone
    lang = lang if lang in LANGUAGES else "en"
    return Reader(lang, ZoneInfo(zone), catalogue.labels.words(lang))


def record_name(reader: Reader, catalogue: Catalogue, record_type: str, source_ref: str) -> str:
    """A record as the subject knows it: its type and the furnisher's case number."""
    found = catalogue.record_types.get(record_type)
    kind = reader.name(found.name) if found else record_type
    return pick(reader, f"your “{kind}” record {source_ref}", f"“{kind}”记录（编号 {source_ref}）")


def pick(reader: Reader, en: str, zh: str) -> str:
    """The text in the reader's language."""
    return zh if reader.zh else en


def language_asked(explicit: str | None, accept_language: str | None) -> str | None:
    """The notice language a request asks for: its explicit ``language``, else the first of
    ``Accept-Language`` (by quality, then order) that notices are written in; None if neither
    names one (the subject's earlier choice, or the registry's language, stays)."""
    if explicit:
        return explicit if explicit in LANGUAGES else None
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES:
            ranked.append((-_quality(params), position, primary))
    return min(ranked)[2] if ranked and min(ranked)[0] < 0 else None


def _quality(params: str) -> float:
    """The ``q=`` weight of an Accept-Language item (1 when absent, 0 when unreadable)."""
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


def remember_language(conn: Connection, subject_id: int, lang: str, now: datetime) -> None:
    """The subject acted in ``lang``: write to them in it from now on."""
    if lang in LANGUAGES:
        repository.set_language(conn, subject_id, lang, now)
