"""Validation of incoming statements against the catalogue: pure, no database.

Works on plain dicts so that bulk ingestion does not pay for a model per row; the API's
``RecordInput`` is turned into the same dict first. Every failure is a ``Rejection`` with a
stable code (the quarantine reason) and a detail naming the field."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any

from credo.catalog.catalogue import Catalogue
from credo.catalog.models import PayloadField, RecordType
from credo.catalog.vocab import (
    BANNED_PROVENANCE,
    EvidenceKind,
    Finality,
    Polarity,
    ProvenanceKind,
    SubjectKind,
    denied_field_reason,
)
from credo.records import effect
from credo.records.model import Rejection, Statement
from credo.subjects.identifiers import (
    CheckedIdentifier,
    IdentifierError,
    check_identifier,
    scheme_allows_kind,
)

ACTIONS = frozenset(effect.ACTIONS)
_ENDING_ACTIONS = frozenset({"revoke", "perform", "delist"})
_FINALITY = frozenset(f.value for f in Finality)
_EVIDENCE = frozenset(e.value for e in EvidenceKind)
_PROVENANCE = frozenset(p.value for p in ProvenanceKind)
_KINDS = {k.value: k for k in SubjectKind}

FieldCheck = Callable[[Any], Any]


class Invalid(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.rejection = Rejection(code, detail)


class StatementValidator:
    """Validates statements of one furnisher. Caches compiled payload checks and identifiers
    (a file repeats the same subjects many times)."""

    def __init__(self, catalogue: Catalogue, furnisher_id: str, today: date) -> None:
        self.catalogue = catalogue
        self.today = today
        furnisher = catalogue.furnishers.get(furnisher_id)
        self.furnisher_id = furnisher_id
        self.remit = frozenset(furnisher.remit) if furnisher else frozenset()
        self.known_furnisher = furnisher is not None
        self._payload_checks: dict[str, dict[str, FieldCheck]] = {}
        self._identifiers: dict[tuple[str, str], CheckedIdentifier | IdentifierError] = {}
        self._provenance_ok: set[str] = set()

    def validate(self, raw: dict[str, Any]) -> Statement | Rejection:
        try:
            return self._validate(raw)
        except Invalid as exc:
            return exc.rejection

    def _validate(self, raw: dict[str, Any]) -> Statement:
        if not self.known_furnisher:
            raise Invalid("unknown_furnisher", f"furnisher {self.furnisher_id!r} is not registered")
        type_id = _text(raw, "record_type")
        record_type = self.catalogue.record_types.get(type_id)
        if record_type is None:
            raise Invalid("unknown_record_type", f"record_type {type_id!r} is not in the catalogue")
        if type_id not in self.remit:
            raise Invalid(
                "outside_remit",
                f"furnisher {self.furnisher_id!r} may not write "
                f"{type_id!r} records (its remit: {', '.join(sorted(self.remit))}) (G-07)",
            )
        action = raw.get("action") or "assert"
        if action not in ACTIONS:
            raise Invalid("invalid_action", f"action {action!r} is not one of {sorted(ACTIONS)}")
        kind = self._subject_kind(raw, record_type)
        identifiers = self._identifiers_of(raw, kind)
        occurred_on = _date(raw.get("occurred_on"), "occurred_on", required=True)
        assert occurred_on is not None
        effective_from = _date(raw.get("effective_from"), "effective_from") or occurred_on
        self._check_dates(occurred_on, effective_from)
        term = self._term(raw, action, effective_from)
        finality = raw.get("finality") or "final"
        if finality not in _FINALITY:
            raise Invalid(
                "invalid_finality", f"finality {finality!r} is not one of {sorted(_FINALITY)}"
            )
        provenance = self._provenance(raw.get("provenance"))
        payload = self._payload(record_type, raw.get("payload") or {}, action)
        evidence = self._evidence(record_type, raw.get("evidence"), action)
        revision = raw.get("revision", 0)
        if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
            raise Invalid("invalid_revision", f"revision {revision!r} must be an integer >= 0")
        if action != "assert" and revision == 0:
            raise Invalid(
                "invalid_revision",
                f"a {action!r} statement supersedes an earlier one and needs a revision above 0",
            )
        return Statement(
            record_type=type_id,
            source_ref=_text(raw, "source_ref"),
            revision=revision,
            action=action,
            subject_kind=kind,
            identifiers=identifiers,
            subject_name=(raw.get("subject_name") or None),
            occurred_on=occurred_on,
            effective_from=effective_from,
            finality=finality,
            payload=payload,
            evidence=evidence,
            provenance=provenance,
            warnings=[i.warning for i in identifiers if i.warning],
            term_ends_on=term.ends_on,
            term_until=term.until,
            review_on=term.review_on,
        )

    def _term(self, raw: dict[str, Any], action: str, effective_from: date) -> effect.Term:
        """The decision's term: an end date after the start, or open-ended until a named
        event; only statements that state the decision (assert, correct, confirm) carry one."""
        ends_on = _date(raw.get("term_ends_on"), "term.ends_on")
        until = raw.get("term_until") or None
        review_on = _date(raw.get("review_on"), "term.review_on")
        if ends_on is None and until is None and review_on is None:
            return effect.Term()
        if action in _ENDING_ACTIONS:
            raise Invalid("term_not_allowed", f"a {action!r} statement carries no term")
        if ends_on is not None and until is not None:
            raise Invalid(
                "invalid_term",
                f"term: give ends_on ({ends_on}) or until ({until!r}), not both",
            )
        if until is not None and until not in effect.UNTIL_EVENTS:
            raise Invalid(
                "invalid_term",
                f"term.until {until!r} is not one of {sorted(effect.UNTIL_EVENTS)}",
            )
        # A confirmation restates the decision's term, which may have run out already (a
        # list that keeps an entry after its end): harmless, it does not revive the effect.
        if ends_on is not None and ends_on <= effective_from and action != "confirm":
            raise Invalid(
                "invalid_term",
                f"term.ends_on {ends_on} is not after effective_from {effective_from}",
            )
        if review_on is not None and until is None:
            raise Invalid("invalid_term", "term.review_on needs an open-ended term (until)")
        return effect.Term(ends_on, until, review_on)

    def _subject_kind(self, raw: dict[str, Any], record_type: RecordType) -> SubjectKind:
        kind = _KINDS.get(str(raw.get("subject_kind") or ""))
        if kind is None:
            raise Invalid(
                "invalid_subject_kind",
                f"subject_kind {raw.get('subject_kind')!r} is not one of {sorted(_KINDS)}",
            )
        if kind not in record_type.subject_kinds:
            raise Invalid(
                "subject_kind_not_allowed",
                f"{record_type.id!r} records may concern "
                f"{', '.join(k.value for k in record_type.subject_kinds)}, not {kind.value}",
            )
        return kind

    def _identifiers_of(
        self, raw: dict[str, Any], kind: SubjectKind
    ) -> tuple[CheckedIdentifier, ...]:
        pairs = raw.get("identifiers") or []
        if not pairs:
            raise Invalid(
                "missing_identifier",
                "the subject has no identifier; records are never matched on a name alone (G-19)",
            )
        checked = []
        for scheme, value in pairs:
            if not scheme_allows_kind(self.catalogue, scheme, kind):
                if scheme not in self.catalogue.scheme_ids():
                    raise Invalid(
                        "unknown_scheme", f"identifier scheme {scheme!r} is not registered"
                    )
                raise Invalid(
                    "scheme_kind_mismatch", f"a {scheme} identifier cannot name a {kind.value}"
                )
            checked.append(self._check(scheme, str(value)))
        return tuple(checked)

    def _check(self, scheme: str, value: str) -> CheckedIdentifier:
        key = (scheme, value)
        cached = self._identifiers.get(key)
        if cached is None:
            try:
                cached = check_identifier(self.catalogue, scheme, value)
            except IdentifierError as exc:
                cached = exc
            self._identifiers[key] = cached
        if isinstance(cached, IdentifierError):
            raise Invalid(cached.code, str(cached))
        return cached

    def _check_dates(self, occurred_on: date, effective_from: date) -> None:
        if occurred_on > self.today:
            raise Invalid("future_date", f"occurred_on {occurred_on} is after today {self.today}")
        if effective_from < occurred_on:
            raise Invalid(
                "invalid_date",
                f"effective_from {effective_from} is before occurred_on {occurred_on}",
            )

    def _provenance(self, provenance: Any) -> dict[str, Any]:
        if provenance is None:
            raise Invalid("missing_provenance", "every record carries its provenance (G-04)")
        kind = provenance.get("kind") if isinstance(provenance, dict) else None
        if not isinstance(kind, str):
            self._check_provenance_kind(kind)
        elif kind not in self._provenance_ok:  # a file repeats one kind: check it once
            self._check_provenance_kind(kind)
            self._provenance_ok.add(kind)
        return dict(provenance)

    def _check_provenance_kind(self, kind: Any) -> None:
        if kind in BANNED_PROVENANCE or any(b in str(kind).lower() for b in BANNED_PROVENANCE):
            raise Invalid(
                "prohibited_provenance",
                f"provenance {kind!r} is camera, biometric, "
                "sensing or tracking data, which Credo never accepts (G-04)",
            )
        if kind not in _PROVENANCE:
            raise Invalid(
                "invalid_provenance",
                f"provenance kind {kind!r} is not one of {sorted(_PROVENANCE)}",
            )

    def _evidence(
        self, record_type: RecordType, evidence: Any, action: str
    ) -> dict[str, Any] | None:
        if evidence is None:
            if record_type.polarity is Polarity.NEGATIVE and action in ("assert", "correct"):
                raise Invalid(
                    "evidence_missing",
                    f"{record_type.id!r} is negative: it needs a "
                    "legally effective decision as evidence (G-05)",
                )
            return None
        if not isinstance(evidence, dict):
            raise Invalid("invalid_evidence", "evidence must be an object")
        kind = evidence.get("kind")
        if kind not in _EVIDENCE:
            raise Invalid(
                "invalid_evidence",
                f"evidence kind {kind!r} is not a legally effective instrument (G-05)",
            )
        if action in ("assert", "correct") and kind not in record_type.evidence_kind:
            allowed = ", ".join(k.value for k in record_type.evidence_kind)
            raise Invalid(
                "evidence_kind_not_allowed",
                f"{record_type.id!r} needs evidence of kind {allowed}, not {kind!r}",
            )
        for key in ("document_id", "issuer", "issued_on"):
            if not evidence.get(key):
                raise Invalid("invalid_evidence", f"evidence.{key} is required (G-05)")
        result = dict(evidence)
        result["issued_on"] = str(_date(evidence["issued_on"], "evidence.issued_on"))
        return result

    def _payload(self, record_type: RecordType, payload: Any, action: str) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise Invalid("payload_invalid", "payload must be an object")
        checks = self._payload_checks.get(record_type.id)
        if checks is None:
            checks = {name: _field_check(name, spec) for name, spec in record_type.payload.items()}
            self._payload_checks[record_type.id] = checks
        clean: dict[str, Any] = {}
        for name, value in payload.items():
            check = checks.get(name)
            if check is None:
                reason = denied_field_reason(str(name))
                if reason:
                    raise Invalid("special_category_field", f"payload.{name}: {reason}")
                raise Invalid(
                    "payload_field_not_allowed",
                    f"payload.{name} is not an allowed field of {record_type.id!r} (G-03)",
                )
            if value is None or value == "":
                continue
            clean[name] = check(value)
        if action in ("assert", "correct"):
            for name, spec in record_type.payload.items():
                if spec.required and name not in clean:
                    raise Invalid(
                        "missing_required_field",
                        f"payload.{name} is required for {record_type.id!r}",
                    )
        return clean


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if value is None or str(value).strip() == "":
        raise Invalid(f"missing_{key}", f"{key} is required")
    return str(value).strip()


def _date(value: Any, name: str, required: bool = False) -> date | None:
    if value is None or value == "":
        if required:
            raise Invalid("missing_date", f"{name} is required")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise Invalid("invalid_date", f"{name} {value!r} is not a date (YYYY-MM-DD)") from exc


# Every payload number lies within this bound, whatever the catalogue says: doubles hold every
# integer up to 2^53 (about 9e15) exactly, and PostgreSQL's JSONB, DuckDB, Spark and Polars
# then all read the same value (a 1e20 came back as a Python int that broke the extracts).
NUMBER_BOUND = 1e15


def _field_check(name: str, spec: PayloadField) -> FieldCheck:
    where = f"payload.{name}"

    def fail(value: Any, what: str) -> Invalid:
        return Invalid("payload_invalid", f"{where}: {value!r} {what}")

    def bounded(number: float) -> None:
        if not math.isfinite(number) or abs(number) > NUMBER_BOUND:
            raise fail(number, f"is not a finite number within ±{NUMBER_BOUND:g}")
        if spec.minimum is not None and number < spec.minimum:
            raise fail(number, f"is below the minimum {spec.minimum:g}")
        if spec.maximum is not None and number > spec.maximum:
            raise fail(number, f"is above the maximum {spec.maximum:g}")
        if not spec.on_grid(number):
            raise fail(number, f"is off the field's grid: it must be {spec.grid_text()}")

    def as_integer(value: Any) -> int:
        try:
            number = int(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or (isinstance(value, float) and not value.is_integer()):
            raise fail(value, "is not an integer")
        bounded(number)
        return number

    def as_number(value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise fail(value, "is not a number") from None
        bounded(number)
        return number

    def as_boolean(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        if lowered in ("true", "1", "yes", "y"):
            return True
        if lowered in ("false", "0", "no", "n"):
            return False
        raise fail(value, "is not a boolean")

    def as_string(value: Any) -> str:
        text = str(value)
        if spec.max_length is not None and len(text) > spec.max_length:
            raise fail(text[:20] + "...", f"is longer than {spec.max_length} characters")
        return text

    allowed = frozenset(spec.values or ())

    def as_enum(value: Any) -> str:
        text = str(value)
        if text not in allowed:
            raise fail(value, f"is not one of {sorted(allowed)}")
        return text

    def as_date(value: Any) -> str:
        return str(_date(value, where))

    return {
        "integer": as_integer,
        "number": as_number,
        "boolean": as_boolean,
        "string": as_string,
        "enum": as_enum,
        "date": as_date,
    }[spec.type]


def record_input_to_raw(item: Any) -> dict[str, Any]:
    """Turn an API ``RecordInput`` into the plain dict the validator reads."""
    data: dict[str, Any] = item.model_dump(mode="python")
    subject = data.pop("subject")
    data["subject_kind"] = (
        subject["kind"].value if hasattr(subject["kind"], "value") else subject["kind"]
    )
    data["identifiers"] = [(i["scheme"], i["value"]) for i in subject["identifiers"]]
    data["subject_name"] = subject.get("name")
    data["finality"] = str(
        data["finality"].value if hasattr(data["finality"], "value") else data["finality"]
    )
    term = data.pop("term", None) or {}
    data["term_ends_on"] = term.get("ends_on")
    data["term_until"] = term.get("until")
    data["review_on"] = term.get("review_on")
    return data
