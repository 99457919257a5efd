"""The person a notice is written to: their language and time zone, and dates, times and the
catalogue's codes as they read them.

A subject's language is the one they last acted in through the portal (``subject_preferences``,
set by ``credo.portal.due_process``), else the registry's (``registry.language``); times are
given in the subject's time zone where one is recorded, else the registry's
(``registry.time_zone``). Notices are written once, when they are queued, in that language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.catalog.labels import Words
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
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(self.zone)


def reader_of(conn: Connection, catalogue: Catalogue, subject_id: int) -> Reader:
    """The subject as a reader of notices (their language and zone, else the registry's)."""
    preference = repository.preference_of(conn, subject_id)
    registry = catalogue.registry
    lang = preference["language"] if preference else registry.language
    zone = (preference["time_zone"] if preference else None) or registry.time_zone
    lang = lang if lang in LANGUAGES else "en"
    return Reader(lang, ZoneInfo(zone), catalogue.labels.words(lang))


def pick(reader: Reader, en: str, zh: str) -> str:
    """The text in the reader's language."""
    return zh if reader.zh else en


def remember_language(conn: Connection, subject_id: int, lang: str, now: datetime) -> None:
    """The subject acted in ``lang``: write to them in it from now on."""
    if lang in LANGUAGES:
        repository.set_language(conn, subject_id, lang, now)
