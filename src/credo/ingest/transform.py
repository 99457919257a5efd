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
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import orjson

from credo.catalog.catalogue import Catalogue
from credo.catalog.vocab import denied_field_reason
from credo.ingest.mapping import (
    FieldMap,
    FurnisherFrom,
    Mapping,
    Ref,
    TermMap,
    as_source,
    template_columns,
    template_parts,
)
from credo.ingest.readers import Row
from credo.records.model import Rejection

WITHHELD = "<withheld: special category>"
_COLUMNS_OK = Rejection("ok", "the columns fit the mapping")
Convert = Callable[[Any], Any]
Getter = Callable[[Row], Any]
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
        self._registered = frozenset(catalogue.furnishers) if catalogue else frozenset()
        # Payload fields the record types declare as dates, read as strictly as the record's
        # own dates (without a catalogue the validator reads them).
        self._payload_dates = {
            rt.id: frozenset(n for n, f in rt.payload.items() if f.type == "date")
            for rt in (catalogue.record_types.values() if catalogue else ())
        }
        self.used = mapping.used_columns()
        self.known = self.used | frozenset(mapping.ignore_columns)
        self._payload = [
            (name, value_getter(spec), _converter(spec)) for name, spec in mapping.payload.items()
        ]
        self._identifiers = [(i.scheme, value_getter(i)) for i in mapping.subject.identifiers]
        name = mapping.subject.name_column
        self._name = value_getter(as_source(name)) if name is not None else None
        self._dates = [
            (key, as_source(ref).describe(), value_getter(as_source(ref)))
            for key, ref in self._date_refs().items()
        ]
        self._term = _TermReader(mapping.term) if mapping.term is not None else None
        self._furnisher = mapping.furnisher_from
        self._evidence = (
            {"kind": mapping.evidence.kind, "issuer": mapping.evidence.issuer}
            if mapping.evidence
            else None
        )
        self._provenance = mapping.provenance.model_dump(exclude_none=True)
        self._render_ref = compile_template(mapping.source_ref.template)
        self._reference_columns = frozenset(
            template_columns(mapping.source_ref.template, "source_ref.template")
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
        """A validator's term or identifier rejection, with the row and the mapping's term
        columns or identifier source named."""
        if rejection.code == "invalid_identifier":
            return self._explain_identifier(rejection, number)
        term = self.mapping.term
        if term is None or not rejection.detail.startswith("term"):
            return rejection
        columns = ", ".join(f"{k} from {where}" for k, where in _term_sources(term))
        where = f"row {number}: " if number is not None else ""
        return Rejection(rejection.code, f"{where}{rejection.detail} ({columns})")

    def _explain_identifier(self, rejection: Rejection, number: int | None) -> Rejection:
        identifiers = self.mapping.subject.identifiers
        named = [i for i in identifiers if i.scheme in rejection.detail]
        if not named and len(identifiers) == 1:
            named = list(identifiers)
        source = f"{named[0].describe()} ({named[0].scheme}): " if named else ""
        return Rejection(rejection.code, f"{_where(number)}{source}{rejection.detail}")

    def furnisher_of(self, row: Row, number: int | None) -> str | Rejection:
        """The furnisher a row of a multi-authority file names (``furnisher.column``,
        translated by ``furnisher.values``); ``unknown_furnisher`` when it is blank or not
        registered (``registered``: the catalogue's furnisher ids)."""
        spec = self._furnisher
        assert spec is not None, "furnisher_of needs a mapping with furnisher.column"
        cell = _template_text(row[spec.column])
        furnisher = spec.furnisher_of(cell)
        if not cell or furnisher not in self._registered:
            return Rejection("unknown_furnisher", _unknown_furnisher(spec, cell, number))
        return furnisher

    def locate_furnisher(self, rejection: Rejection, row: Row, number: int | None) -> Rejection:
        """A remit refusal of a row whose furnisher came from a column, with the row, the
        column and its value named (the validator names the furnisher and the record type)."""
        spec = self._furnisher
        if spec is None or rejection.code != "outside_remit":
            return rejection
        cell = _template_text(row[spec.column])
        return Rejection(
            rejection.code,
            f"{_where(number)}column {spec.column!r} holds {cell[:60]!r}: {rejection.detail}",
        )

    def _date_refs(self) -> dict[str, Ref]:
        m = self.mapping
        refs: dict[str, Ref | None] = {
            "occurred_on": m.occurred_on,
            "effective_from": m.effective_from,
            "issued_on": m.evidence.issued_on if m.evidence else None,
        }
        return {key: ref for key, ref in refs.items() if ref is not None}

    def _check_columns(self, columns: frozenset[str]) -> Rejection:
        if not columns <= self.known:
            return _unknown_column(sorted(columns - self.known), self.used - columns)
        missing = self.used - columns
        if missing:
            return Rejection("missing_column", _missing_columns(missing, columns))
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
                (scheme, _clean(value(row)) or "") for scheme, value in self._identifiers
            ],
            "subject_name": _clean(self._name(row)) if self._name is not None else None,
            "occurred_on": dates["occurred_on"],
            "effective_from": dates.get("effective_from"),
            "finality": m.finality.value,
            "payload": {name: convert(value(row)) for name, value, convert in self._payload},
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
        if self._term is not None:
            term = self._term.read(row, number)
            if isinstance(term, Rejection):
                return term
            raw.update(term)
        return raw

    def _record_dates(
        self, row: Row, number: int | None, record_type: Any
    ) -> dict[str, str | None] | Rejection:
        """The record's own dates, strictly read and plausible for its record type."""
        m = self.mapping
        earliest = m.dates.earliest_for(record_type if isinstance(record_type, str) else None)
        found: dict[str, str | None] = {}
        for key, source, value in self._dates:
            day = _strict_day(value(row))
            if isinstance(day, Rejection):
                return _located(day, f"{_where(number)}{source} ({key})")
            if day is not None and day < earliest:
                return Rejection(
                    "implausible_date",
                    f"{_where(number)}{source} ({key}) holds {day}, before {earliest}, "
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


def _term_sources(term: TermMap) -> list[tuple[str, str]]:
    refs = (("ends_on", term.ends_on), ("review_on", term.review_on))
    return [(key, as_source(ref).describe()) for key, ref in refs if ref is not None]


class _TermReader:
    """``term_ends_on``, ``term_until`` and ``review_on`` of a row for the validator, or a
    rejection that names the row, where the value came from and the value."""

    def __init__(self, term: TermMap) -> None:
        self.term = term
        self._open = {v.strip().casefold() for v in term.open_ended_values}
        self._ends_on = _described(term.ends_on)
        self._review_on = _described(term.review_on)

    def read(self, row: Row, number: int | None) -> dict[str, Any] | Rejection:
        term, where = self.term, _where(number)
        result: dict[str, Any] = {"term_ends_on": None, "term_until": None, "review_on": None}
        if self._ends_on is None:
            result["term_until"] = term.until
        else:
            source, get = self._ends_on
            value = get(row)
            text = _template_text(value)
            if text.casefold() in self._open:
                result["term_until"] = term.until
            elif text:
                day = parse_day(value)
                if day is None:
                    opens = f" nor one of the open-ended values {term.open_ended_values}"
                    return Rejection(
                        "invalid_term",
                        f"{where}{source} (term.ends_on) holds {text[:40]!r}, which is "
                        f"neither {_DATE_FORMS}{opens if term.open_ended_values else ''}",
                    )
                ends_on = day + timedelta(days=1) if term.last_day else day
                result["term_ends_on"] = ends_on.isoformat()
        if self._review_on is not None:
            source, get = self._review_on
            value = get(row)
            text = _template_text(value)
            if text:
                day = parse_day(value)
                if day is None:
                    return Rejection(
                        "invalid_term",
                        f"{where}{source} (term.review_on) holds {text[:40]!r}, "
                        f"which is not {_DATE_FORMS}",
                    )
                if result["term_until"] is not None:
                    result["review_on"] = day.isoformat()
        return result


def _described(ref: Ref | None) -> tuple[str, Getter] | None:
    if ref is None:
        return None
    source = as_source(ref)
    return source.describe(), value_getter(source)


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


def _unknown_column(columns: list[str], missing: frozenset[str]) -> Rejection:
    denied = [c for c in columns if denied_field_reason(str(c))]
    if denied:
        reason = denied_field_reason(str(denied[0]))
        return Rejection(
            "special_category_field",
            f"column {denied[0]!r}: {reason}; the row is not stored (value withheld)",
        )
    hint = _near_misses(missing, frozenset(columns))
    return Rejection(
        "unknown_column",
        f"column(s) {', '.join(map(repr, columns))} are neither mapped nor listed in "
        f"ignore_columns; nothing is dropped silently{hint}",
    )


def _missing_columns(missing: frozenset[str], present: frozenset[str]) -> str:
    names = ", ".join(repr(c) for c in sorted(missing))
    return f"the row has no column {names}{_near_misses(missing, present)}"


def _near_misses(wanted: frozenset[str], present: frozenset[str]) -> str:
    """A header's column that differs from a mapped one only in spaces or case (``"
    Ineligible Until"`` for ``Ineligible Until``): mapping names are taken exactly."""
    folded = {_folded(c): c for c in present}
    pairs = [(w, folded[_folded(w)]) for w in sorted(wanted) if _folded(w) in folded]
    if not pairs:
        return ""
    said = ", ".join(f"{have!r} for {want!r}" for want, have in pairs)
    return f" (the file has {said}: the mapping names columns exactly, spaces included)"


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def _unknown_furnisher(spec: FurnisherFrom, cell: str, number: int | None) -> str:
    where = f"{_where(number)}column {spec.column!r} (furnisher)"
    if not cell:
        return f"{where} is blank: the row names no furnisher"
    furnisher = spec.furnisher_of(cell)
    via = f" (furnisher.values: {furnisher!r})" if furnisher != cell else ""
    return (
        f"{where} holds {cell[:60]!r}{via}, which is not a registered furnisher"
        " (translate the file's value under furnisher.values)"
    )


def value_getter(source: Any) -> Getter:
    """A row's value from ``source`` (a ValueFrom, FieldMap or IdentifierMap): one column's
    value as it is; ``first_of``: the first value that is not blank (None if all are);
    ``template``: the composed text, None when every column it names is blank."""
    if source.column is not None:
        column: str = source.column

        def one(row: Row) -> Any:
            return row[column]

        return one
    if source.first_of is not None:
        columns = tuple(source.first_of)

        def first(row: Row) -> Any:
            for name in columns:
                if not _blank(row[name]):
                    return row[name]
            return None

        return first
    render = compile_template(source.template)
    named = tuple(template_columns(source.template, "template"))

    def composed(row: Row) -> Any:
        return render(row) if any(not _blank(row[c]) for c in named) else None

    return composed


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
    for literal, column in template_parts(template, "template"):
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
