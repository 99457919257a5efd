"""Turning one input row into the plain dict that ``StatementValidator`` reads.

Problems that only the mapping can see (a column the mapping does not know, a missing column,
a required column left empty, a date column that does not hold a date) are ``Rejection``s
here; everything about the catalogue's rules is left to the validator, so there is one set of
record rules.

Dates are read strictly: ``YYYY-MM-DD``, or a date and a valid time of day
(``YYYY-MM-DDTHH:MM[:SS[.ffffff]]``, ``T`` or a space, an optional ``Z`` or ``±HH:MM``), whose
date is taken as written. ``2015-02-09T25:00`` or ``2015-02-09garbage`` is ``invalid_date``,
never cut to its first ten characters; a record date before the mapping's earliest plausible
date (``dates``, default 1990-01-01) is ``implausible_date``."""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import orjson

from credo.catalog.catalogue import Catalogue
from credo.catalog.vocab import denied_field_reason
from credo.ingest.mapping import FieldMap, Mapping, TermMap
from credo.ingest.readers import Row
from credo.records.model import Rejection

WITHHELD = "<withheld: special category>"
_COLUMNS_OK = Rejection("ok", "the columns fit the mapping")
Convert = Callable[[Any], Any]
_DATE_TEXT = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?",
    re.ASCII,
)
_DATE_FORMS = "a date (YYYY-MM-DD, or with a valid time: YYYY-MM-DDTHH:MM[:SS])"


class RowMapper:
    """Maps the rows of one file in order. Stateful only for ``number_repeats``: the n-th
    row (n >= 2) whose reference was already seen gets ``#n``, so ids depend on the file's
    content and order alone and a re-run of the same file gives the same ids."""

    def __init__(self, mapping: Mapping, catalogue: Catalogue | None = None) -> None:
        self.mapping = mapping
        # Payload fields the record types declare as dates, read as strictly as the record's
        # own dates (without a catalogue the validator reads them).
        self._payload_dates = {
            rt.id: frozenset(n for n, f in rt.payload.items() if f.type == "date")
            for rt in (catalogue.record_types.values() if catalogue else ())
        }
        self.used = mapping.used_columns()
        self.known = self.used | frozenset(mapping.ignore_columns)
        self._payload = [
            (name, spec.column, _converter(spec)) for name, spec in mapping.payload.items()
        ]
        self._identifiers = [(i.scheme, i.column) for i in mapping.subject.identifiers]
        self._evidence = (
            {"kind": mapping.evidence.kind, "issuer": mapping.evidence.issuer}
            if mapping.evidence
            else None
        )
        self._provenance = mapping.provenance.model_dump(exclude_none=True)
        self._render_ref = compile_template(mapping.source_ref.template)
        self._reference_columns = frozenset(
            c for _, c, _, _ in string.Formatter().parse(mapping.source_ref.template) if c
        )
        self._render_document = compile_template(
            mapping.evidence.document_id if mapping.evidence else ""
        )
        # Rows of one file nearly always share their columns: check each set once.
        self._columns_checked: dict[frozenset[str], Rejection] = {}
        self._seen: set[bytes] = set()
        self._repeats: dict[bytes, int] = {}

    def map(self, row: Row, number: int | None = None) -> dict[str, Any] | Rejection:
        """The raw statement of ``row`` (``number``: its row number, named in term errors)."""
        columns = frozenset(row)
        verdict = self._columns_checked.get(columns)
        if verdict is None:
            verdict = self._columns_checked[columns] = self._check_columns(columns)
        if verdict is not _COLUMNS_OK:
            return verdict
        if _has_bad_text(row):
            return Rejection(
                "invalid_text",
                "a value holds a NUL character or bytes that are not UTF-8, "
                "which no database text can store",
            )
        for column, rule in self.mapping.required.items():
            if _blank(row[column]):
                return Rejection(rule.reason, rule.detail)
        return self._raw(row, number)

    def reference_of(self, row: Row) -> str | None:
        """The source reference the row names (without repeat numbering), or None where a
        referenced column is missing: which entry a row that could not be mapped stands for."""
        if not self._reference_columns <= frozenset(row):
            return None
        return self._render_ref(row) or None

    def explain(self, rejection: Rejection, number: int | None) -> Rejection:
        """A validator's term rejection, with the mapping's term columns and the row named."""
        term = self.mapping.term
        if term is None or not rejection.detail.startswith("term"):
            return rejection
        columns = ", ".join(f"{k} from column {c!r}" for k, c in _term_columns(term))
        where = f"row {number}: " if number is not None else ""
        return Rejection(rejection.code, f"{where}{rejection.detail} ({columns})")

    def _check_columns(self, columns: frozenset[str]) -> Rejection:
        if not columns <= self.known:
            return _unknown_column(sorted(columns - self.known))
        missing = self.used - columns
        if missing:
            return Rejection(
                "missing_column", f"the row has no column {', '.join(sorted(missing))}"
            )
        return _COLUMNS_OK

    def _raw(self, row: Row, number: int | None) -> dict[str, Any] | Rejection:
        m = self.mapping
        revision: Any = 0
        if m.revision_column:
            revision = _integer(row[m.revision_column])
            if revision is None:
                return Rejection(
                    "invalid_revision",
                    f"{m.revision_column} {row[m.revision_column]!r} is not an integer",
                )
        record_type = m.record_type or _clean(row[m.record_type_column or ""])
        dates = self._record_dates(row, number, record_type)
        if isinstance(dates, Rejection):
            return dates
        raw: dict[str, Any] = {
            "record_type": record_type,
            "source_ref": self._reference(row),
            "revision": revision,
            "action": _clean(row[m.action_column]) if m.action_column else "assert",
            "subject_kind": m.subject.kind.value if m.subject.kind else self._kind(row),
            "identifiers": [
                (scheme, _clean(row[column]) or "") for scheme, column in self._identifiers
            ],
            "subject_name": _clean(row[m.subject.name_column]) if m.subject.name_column else None,
            "occurred_on": dates["occurred_on"],
            "effective_from": dates.get("effective_from"),
            "finality": m.finality.value,
            "payload": {name: convert(row[column]) for name, column, convert in self._payload},
            "provenance": self._provenance,
        }
        bad = self._payload_dates_of(raw["payload"], record_type, number)
        if bad is not None:
            return bad
        if self._evidence is not None and m.evidence is not None:
            raw["evidence"] = {
                **self._evidence,
                "document_id": self._render_document(row),
                "issued_on": dates.get("issued_on"),
            }
        if m.term is not None:
            term = _term_of(m.term, row, number)
            if isinstance(term, Rejection):
                return term
            raw.update(term)
        return raw

    def _record_dates(
        self, row: Row, number: int | None, record_type: Any
    ) -> dict[str, str | None] | Rejection:
        """The record's own dates, strictly read and plausible for its record type."""
        m = self.mapping
        columns = {"occurred_on": m.occurred_on, "effective_from": m.effective_from}
        if m.evidence is not None:
            columns["issued_on"] = m.evidence.issued_on
        earliest = m.dates.earliest_for(record_type if isinstance(record_type, str) else None)
        found: dict[str, str | None] = {}
        for key, column in columns.items():
            if column is None:
                continue
            day = _strict_day(row[column])
            if isinstance(day, Rejection):
                return _located(day, f"{_where(number)}column {column!r} ({key})")
            if day is not None and day < earliest:
                return Rejection(
                    "implausible_date",
                    f"{_where(number)}column {column!r} ({key}) holds {day}, before {earliest}, "
                    f"the earliest plausible date for {record_type} (a placeholder for an "
                    "unknown date? the mapping's dates.earliest sets the limit)",
                )
            found[key] = day.isoformat() if day is not None else None
        return found

    def _payload_dates_of(
        self, payload: dict[str, Any], record_type: Any, number: int | None
    ) -> Rejection | None:
        """Payload fields of type date: a value that is not strictly a date is refused,
        and one that is becomes ``YYYY-MM-DD``."""
        for name in (
            self._payload_dates.get(record_type, ()) if isinstance(record_type, str) else ()
        ):
            if payload.get(name) is None:
                continue
            day = _strict_day(payload[name])
            if isinstance(day, Rejection):
                return _located(day, f"{_where(number)}payload.{name}")
            payload[name] = day.isoformat() if day is not None else None
        return None

    def _kind(self, row: Row) -> str | None:
        kind = _clean(row[self.mapping.subject.kind_column or ""])
        translated = self.mapping.subject.kind_values.get(kind or "")
        return translated.value if translated is not None else kind

    def _reference(self, row: Row) -> str:
        ref = self._render_ref(row)
        if not self.mapping.source_ref.number_repeats:
            return ref
        key = _digest(ref)
        if key not in self._seen:
            self._seen.add(key)
            return ref
        # "#n" may itself occur in the data ("X#2" as a reference): skip numbers in use.
        count = self._repeats.get(key, 1)
        while True:
            count += 1
            numbered = f"{ref}#{count}"
            numbered_key = _digest(numbered)
            if numbered_key not in self._seen:
                break
        self._repeats[key] = count
        self._seen.add(numbered_key)
        return numbered


def _term_columns(term: TermMap) -> list[tuple[str, str]]:
    return [(k, c) for k, c in (("ends_on", term.ends_on), ("review_on", term.review_on)) if c]


def _term_of(term: TermMap, row: Row, number: int | None) -> dict[str, Any] | Rejection:
    """``term_ends_on``, ``term_until`` and ``review_on`` for the validator, or a rejection
    that names the column, the row and the value."""
    where = f"row {number}: " if number is not None else ""
    result: dict[str, Any] = {"term_ends_on": None, "term_until": None, "review_on": None}
    if term.ends_on is None:
        result["term_until"] = term.until
    else:
        value = row[term.ends_on]
        text = _template_text(value)
        if text.casefold() in {v.strip().casefold() for v in term.open_ended_values}:
            result["term_until"] = term.until
        elif text:
            day = parse_day(value)
            if day is None:
                opens = f" nor one of the open-ended values {term.open_ended_values}"
                return Rejection(
                    "invalid_term",
                    f"{where}column {term.ends_on!r} (term.ends_on) holds {text[:40]!r}, which "
                    f"is neither {_DATE_FORMS}{opens if term.open_ended_values else ''}",
                )
            result["term_ends_on"] = (day + timedelta(days=1) if term.last_day else day).isoformat()
    if term.review_on is not None:
        text = _template_text(row[term.review_on])
        if text:
            day = parse_day(row[term.review_on])
            if day is None:
                return Rejection(
                    "invalid_term",
                    f"{where}column {term.review_on!r} (term.review_on) holds {text[:40]!r}, "
                    f"which is not {_DATE_FORMS}",
                )
            if result["term_until"] is not None:
                result["review_on"] = day.isoformat()
    return result


def parse_day(value: Any) -> date | None:
    """The calendar date of a date or date-time value, read strictly; None if it is not one.
    A date-time's date is taken as written (the furnisher's own day), never converted."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _template_text(value)
    if not _DATE_TEXT.fullmatch(text):
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text).date()  # refuses hour 25, minute 61, Feb 30
    except ValueError:
        return None


def _strict_day(value: Any) -> date | Rejection | None:
    """None for a blank value (the validator says whether the date is required); a
    Rejection's detail starts with "holds": ``_located`` says where."""
    text = _template_text(value)
    if not text:
        return None
    day = parse_day(value)
    if day is None:
        return Rejection("invalid_date", f"holds {text[:40]!r}, which is not {_DATE_FORMS}")
    return day


def _located(rejection: Rejection, what: str) -> Rejection:
    """``rejection`` with where it happened in front (built only when a row fails)."""
    return Rejection(rejection.code, f"{what} {rejection.detail}")


def _where(number: int | None) -> str:
    return f"row {number}: " if number is not None else ""


def _digest(reference: str) -> bytes:
    return hashlib.blake2b(reference.encode(), digest_size=12).digest()


def quarantine_raw(row: Row) -> dict[str, Any]:
    """The row as stored in quarantine: JSON-safe text without NUL characters, with
    special-category columns withheld."""
    safe: dict[str, Any] = {}
    for column, value in row.items():
        name = without_nul(str(column))
        if denied_field_reason(name):
            safe[name] = WITHHELD
        elif isinstance(value, date | datetime):
            safe[name] = value.isoformat()
        elif value is None or isinstance(value, int | float | bool):
            safe[name] = value
        else:
            safe[name] = without_nul(value if isinstance(value, str) else str(value))
    return safe


def without_nul(text: str) -> str:
    """Storable text: NUL and undecodable bytes (surrogates) become U+FFFD."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if not text.isascii():
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def _has_bad_text(row: Row) -> bool:
    for value in row.values():
        if isinstance(value, str):
            if "\x00" in value or (not value.isascii() and not _encodable(value)):
                return True
        elif isinstance(value, list | dict) and not _storable_json(value):
            return True
    return False


def _storable_json(value: Any) -> bool:
    try:
        return b"\\u0000" not in orjson.dumps(value)
    except TypeError:  # lone surrogates
        return False


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unknown_column(columns: list[str]) -> Rejection:
    denied = [c for c in columns if denied_field_reason(str(c))]
    if denied:
        reason = denied_field_reason(str(denied[0]))
        return Rejection(
            "special_category_field",
            f"column {denied[0]!r}: {reason}; the row is not stored (value withheld)",
        )
    return Rejection(
        "unknown_column",
        f"column(s) {', '.join(map(repr, columns))} are neither mapped nor listed in "
        "ignore_columns; nothing is dropped silently",
    )


def _converter(spec: FieldMap) -> Convert:
    values = spec.values
    split = spec.split

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            if spec.trim:
                value = value.strip()
            if spec.empty_as_null and value == "":
                return None
            if split is not None:
                parts = value.split(split.separator)
                value = parts[split.part].strip() if split.part < len(parts) else None
        if values is not None and isinstance(value, str) and value in values:
            return values[value]
        return value

    return convert


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _integer(value: Any) -> int | None:
    value = _clean(value)
    if value is None:
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None


def compile_template(template: str) -> Callable[[Row], str]:
    """A renderer for ``"{camis}:{inspection_date}"``: trimmed text, empty for null."""
    literals: list[str] = []
    columns: list[str] = []
    for literal, column, _, _ in string.Formatter().parse(template):
        literals.append(literal.replace("{", "{{").replace("}", "}}"))
        if column is not None:
            columns.append(column)
            literals.append("{}")
    pattern = "".join(literals)

    def render(row: Row) -> str:
        return pattern.format(*[_template_text(row.get(c)) for c in columns])

    return render


def _template_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value).strip()
