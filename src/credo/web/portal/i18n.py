"""English and Simplified Chinese: interface texts, and dates and numbers formatted for the
language. The texts are data (``messages.yaml`` beside this module, one entry a message id with
its ``en`` and ``zh``), read once per app; catalogue names come from the catalogue itself
(every entry has ``en`` and ``zh``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from typing import Any

import yaml

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
MESSAGES_FILE = "messages.yaml"


@dataclass(frozen=True)
class Messages:
    """The portal's interface texts: message id -> language -> text."""

    texts: Mapping[str, Mapping[str, str]]

    def __contains__(self, key: str) -> bool:
        return key in self.texts

    def text(self, key: str, lang: str) -> str | None:
        """The text of ``key`` in ``lang`` (English where the language has none); None for an
        unknown id."""
        entry = self.texts.get(key)
        if entry is None:
            return None
        return entry.get(lang) or entry[DEFAULT_LANGUAGE]


def load_messages() -> Messages:
    """The texts shipped with the package (``credo/web/portal/messages.yaml``)."""
    source = resources.files(__package__ or __name__).joinpath(MESSAGES_FILE)
    texts = yaml.safe_load(source.read_text(encoding="utf-8"))
    return Messages({str(key): dict(entry) for key, entry in texts.items()})


@dataclass(frozen=True)
class Translator:
    """Texts and formats of one language, and the languages the registry offers."""

    lang: str
    offered: tuple[str, ...] = LANGUAGES
    messages: Messages = field(default_factory=load_messages, repr=False)

    def __call__(self, key: str) -> str:
        """The text of a message id; the id itself when there is none."""
        return self.messages.text(key, self.lang) or key

    def label(self, prefix: str, code: str) -> str:
        """A code of the registry's own in words (``prefix.code``); the code as words when
        no text has it."""
        key = f"{prefix}.{code}"
        return self(key) if key in self.messages else code.replace("_", " ")

    def pick(self, text: Any) -> str:
        """A catalogue ``Text`` (``en``/``zh``) in this language."""
        return str(getattr(text, self.lang, None) or getattr(text, "en", text))

    def date(self, value: date | datetime | str | None) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if self.lang == "zh":
            return f"{value.year}年{value.month}月{value.day}日"
        return f"{value.day} {value:%b} {value.year}"

    def number(self, value: float | int | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, float) and not value.is_integer():
            return f"{value:,.2f}"
        return f"{int(value):,}"

    def money(self, value: float | int | None) -> str:
        if value is None:
            return "—"
        amount = f"{float(value):,.2f}"
        return f"{amount} 元" if self.lang == "zh" else f"CNY {amount}"


def choose_language(
    query: str | None,
    cookie: str | None,
    accept: str | None,
    offered: tuple[str, ...] = LANGUAGES,
) -> str:
    """The language asked for in the URL, then the cookie, then the browser's preference,
    among those the registry offers (``registry.languages``)."""
    for candidate in (query, cookie):
        if candidate in offered:
            return candidate
    if accept and accept.lower().startswith("zh") and "zh" in offered:
        return "zh"
    return DEFAULT_LANGUAGE
