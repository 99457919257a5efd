"""Presentation: turn rows into what the templates show, in the reader's language, with
identity numbers masked on every public view."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.catalog.lists import ListDef
from credo.catalog.models import RecordType
from credo.catalog.ratings import RatingDef
from credo.catalog.vocab import EvidenceKind
from credo.disputes import cases
from credo.ingest import service as ingest
from credo.jsonvalue import utc
from credo.lists import queries as lists_queries
from credo.lists.queries import StoredEntry
from credo.ratings import queries as ratings_queries
from credo.ratings.banding import reason_text
from credo.ratings.queries import RatingState
from credo.records.queries import CurrentRecord
from credo.register.service import PERSON, Line, mask_text
from credo.subjects import service as subjects
from credo.summary import service as summary
from credo.web.portal.charts import aggregate_chart
from credo.web.portal.i18n import Translator

TEMPLATES = Path(__file__).parent / "templates"


def environment(app: FastAPI) -> Environment:
    """The app's Jinja2 environment, made on first use and kept on the app (not global)."""
    env: Environment | None = getattr(app.state, "portal_templates", None)
    if env is None:
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["masked"] = mask_text
        app.state.portal_templates = env
    return env


def split_licences(
    catalogue: Catalogue, records: Sequence[CurrentRecord]
) -> tuple[list[CurrentRecord], list[CurrentRecord]]:
    """Licences apart from penalties and other public records."""
    licences: list[CurrentRecord] = []
    others: list[CurrentRecord] = []
    for record in records:
        record_type = catalogue.record_types.get(record.record_type)
        is_licence = (
            record_type is not None
            and EvidenceKind.ADMINISTRATIVE_LICENCE in record_type.evidence_kind
        )
        (licences if is_licence else others).append(record)
    return licences, others


def _details(catalogue: Catalogue, t: Translator, type_id: str, payload: Mapping[Any, Any]) -> str:
    """A record's payload in words: each field by its label, an enum value by its label, a
    date in the reader's language (credo.catalog.labels)."""
    words = catalogue.labels.words(t.lang)
    record_type = catalogue.record_types.get(type_id)
    specs = record_type.payload if record_type else {}
    colon = "：" if t.lang == "zh" else ": "
    parts = []
    for name, value in (payload or {}).items():
        spec = specs.get(name)
        if isinstance(value, bool):
            shown = "✓" if value else "✗"
        elif isinstance(value, float):
            shown = t.number(value)
        elif spec is not None and spec.type == "enum" and isinstance(value, str):
            shown = words.value(type_id, name, value)
        elif spec is not None and spec.type == "date" and isinstance(value, str):
            shown = _date_or_text(t, value)
        else:
            shown = str(value)
        parts.append(f"{words.field(type_id, name)}{colon}{shown}")
    return mask_text(("；" if t.lang == "zh" else "; ").join(parts))


def _date_or_text(t: Translator, value: str) -> str:
    try:
        return t.date(date.fromisoformat(value))
    except ValueError:
        return value


def _type_name(catalogue: Catalogue, t: Translator, type_id: str) -> str:
    record_type = catalogue.record_types.get(type_id)
    return t.pick(record_type.name) if record_type else type_id


def _furnisher_name(catalogue: Catalogue, t: Translator, furnisher_id: str) -> str:
    furnisher = catalogue.furnishers.get(furnisher_id)
    return t.pick(furnisher.name) if furnisher else furnisher_id


def public_record(catalogue: Catalogue, t: Translator, record: CurrentRecord) -> dict[str, Any]:
    record_type = catalogue.record_types.get(record.record_type)
    words = catalogue.labels.words(t.lang)
    basis = (
        words.legal_basis("record_types", record_type.id, record_type.legal_basis)
        if record_type
        else None
    )
    return {
        "type": _type_name(catalogue, t, record.record_type),
        "date": t.date(record.effective_from),
        "until": t.date(record.effect_until),
        "furnisher": _furnisher_name(catalogue, t, record.furnisher_id),
        "details": _details(catalogue, t, record.record_type, record.payload),
        "basis": f"{basis.instrument}, {basis.article}" if basis else "",
    }


def console_charts(
    conn: Connection, catalogue: Catalogue, t: Translator, now: datetime
) -> list[tuple[str, Markup]]:
    """The operator dashboard's charts (heading, SVG), from what exists in the database: counts
    of people and of their records, so every one is an aggregate with small cells suppressed
    (G-50). The record counts are maintained (credo.summary): refresh them first."""
    inflow, outflow = lists_queries.flows_by_year(conn)
    sizes = lists_queries.list_sizes(conn, now.date())
    series: list[tuple[str, list[tuple[str, int]]]] = [
        (
            t("console.subjects"),
            [(t(f"kind.{kind}"), n) for kind, n in subjects.counts_by_kind(conn)],
        ),
        *_rating_series(catalogue, t, ratings_queries.band_counts(conn)),
        (t("console.list_sizes"), [(_list_name(catalogue, t, x), n) for x, n in sizes]),
        (t("console.list_inflow"), [(str(year), n) for year, n in inflow]),
        (t("console.list_outflow"), [(str(year), n) for year, n in outflow]),
        (t("console.backlog"), dispute_backlog(t, cases.open_deadlines(conn, "disputes"), now)),
        (
            t("console.records_by_year"),
            [(str(year), n) for year, n in summary.statements_by_year(conn)],
        ),
        (
            t("console.records_by_type"),
            [(_type_name(catalogue, t, kind), n) for kind, n in summary.chains_by_type(conn)],
        ),
        (t("console.quarantine"), ingest.quarantine_reasons(conn)),
        (t("console.review_by_queue"), subjects.open_review_counts(conn)),
    ]
    minimum = catalogue.registry.min_cell_size
    return [(title, aggregate_chart(title, items, minimum, t.number)) for title, items in series]


def _rating_series(
    catalogue: Catalogue, t: Translator, rows: Sequence[tuple[str, str, int]]
) -> list[tuple[str, list[tuple[str, int]]]]:
    """One chart per rating: subjects per band, best band first."""
    by_key = {r.key: r for r in catalogue.ratings.values()}
    words = catalogue.labels.words(t.lang)
    grouped: dict[str, dict[str, int]] = {}
    for key, band, count in rows:
        grouped.setdefault(key, {})[band] = count
    series = []
    for key, bands in grouped.items():
        rating = by_key.get(key)
        labels = list(rating.bands.labels) if rating and rating.bands else []
        order = labels + sorted(b for b in bands if b not in labels)
        name = t.pick(rating.name) if rating else key
        title = f"{t('console.bands')}: {name}"
        rating_id = rating.id if rating else key
        shown = [(words.band(rating_id, band), bands[band]) for band in order if band in bands]
        series.append((title, shown))
    return series


def _list_name(catalogue: Catalogue, t: Translator, list_id: str) -> str:
    list_def = catalogue.lists.get(list_id)
    return t.pick(list_def.name) if list_def else list_id


def dispute_backlog(
    t: Translator, deadlines: Sequence[datetime], now: datetime
) -> list[tuple[str, int]]:
    """Open disputes: overdue, due within a week, due later."""
    counts = {"overdue": 0, "week": 0, "later": 0}
    for deadline in deadlines:
        days = (utc(deadline) - now).total_seconds() / 86400
        counts["overdue" if days < 0 else "week" if days <= 7 else "later"] += 1
    return [(t(f"backlog.{key}"), n) for key, n in counts.items()] if deadlines else []


def _text(value: Any, t: Translator) -> str:
    """A catalogue text as the report carries it (``{"en": ..., "zh": ...}``)."""
    if isinstance(value, Mapping):
        return str(value.get(t.lang) or value.get("en") or "")
    return str(value or "")


def report_view(
    catalogue: Catalogue, t: Translator, report: Mapping[str, Any], today: date
) -> dict[str, Any]:
    """The due-process report (``credo.disputes.report``) shaped for the page."""
    return {
        "subject": report["subject"],
        "records": [_report_record(catalogue, t, r, today) for r in report["records"]],
        "ratings": [_rating(catalogue, t, r) for r in report["ratings"]],
        "list_entries": [
            {
                "name": _text(e.get("name"), t) or e["list"],
                "status": t.label("entry", e["status"]),
                "starts_on": t.date(e.get("effective_on") or e.get("starts_on")),
                "ends_on": t.date(e.get("ends_on")),
                "exit": e.get("exit"),
            }
            for e in report["list_entries"]
        ],
        "inquiries": [_inquiry(catalogue, t, q) for q in report["inquiries"]],
        "disputes": [_dispute(t, d) for d in report["disputes"]],
        "repairs": [
            {
                "id": a["id"],
                "status": t.label("repair.status", a["status"]),
                "condition": catalogue.labels.words(t.lang).text(a["condition"]),
                "applied_at": t.date(a["applied_at"]),
                "deadline": t.date(a["deadline_at"]),
                "reasons": a.get("reasons") or "",
            }
            for a in report["repair_applications"]
        ],
        "notices": [
            {"title": n["title"], "created_at": t.date(n["created_at"])} for n in report["notices"]
        ],
        "rights": [t(f"rights.{key}") for key in report["rights"]],
    }


def _report_record(
    catalogue: Catalogue, t: Translator, record: Mapping[str, Any], today: date
) -> dict[str, Any]:
    record_type = catalogue.record_types.get(record["record_type"])
    words = catalogue.labels.words(t.lang)
    open_dispute = any(d["status"] in ("open", "unverified") for d in record["disputes"])
    eligible = record.get("repair_eligible_on")
    can_repair = bool(
        record_type
        and record_type.repairable.allowed
        and record["state"] == "active"
        and eligible
        and date.fromisoformat(eligible) <= today
    )
    return {
        "record_id": record["record_id"],
        "chain_id": record["chain_id"],
        "type": _text(record["type_name"], t) or record["record_type"],
        "date": t.date(record["effective_from"]),
        "until": t.date(record["effect_until"]),
        "state": t(f"state.{record['state']}"),
        "effect": _effect(t, record),
        "in_effect": record["effect"] == "in effect",
        "furnisher": _text(record["source"]["furnisher"], t),
        "details": _details(catalogue, t, record["record_type"], record["payload"]),
        "disputes": [_dispute(t, d) for d in record["disputes"]],
        "statements": [s["text"] for s in record["subject_statements"]],
        "can_dispute": not open_dispute and record["state"] == "active",
        "can_repair": can_repair,
        "repair_from": t.date(eligible) if eligible else "",
        "conditions": [
            {"value": c, "label": words.text(c)}
            for c in (record_type.repairable.conditions if record_type else [])
        ],
    }


def _effect(t: Translator, record: Mapping[str, Any]) -> str:
    """Whether the record has effect today and, if not, why, in words."""
    reason = record.get("effect_reason")
    if reason is None:
        return t("me.effect")
    if reason == "suspended":
        open_reasons = [r["reason"] for r in record["restrictions"] if r.get("closed_at") is None]
        return "; ".join(t.label("effect", r) for r in sorted(set(open_reasons))) or t(
            "me.no_effect"
        )
    return t.label("effect", str(reason))


def _rating(catalogue: Catalogue, t: Translator, rating: Mapping[str, Any]) -> dict[str, Any]:
    by_key = {r.key: r for r in catalogue.ratings.values()}
    definition = by_key.get(rating["rating"]) or catalogue.ratings.get(rating["rating"])
    explanation = rating.get("explanation") or {}
    reason = reason_text(rating.get("reason"))
    band = catalogue.labels.words(t.lang).band(
        definition.id if definition else rating["rating"], rating["band"]
    )
    return {
        "name": t.pick(definition.name) if definition else rating["rating"],
        "band": f"{band} ({reason.get(t.lang) or reason['en']})" if reason else band,
        "as_of": t.date(rating.get("as_of")),
        "explanation": _explained(t, definition, explanation, rating["band"]),
    }


def _explained(t: Translator, rating: RatingDef | None, features: Any, band: str) -> str:
    """What moved the band, in words (credo.ratings.explain), as the public register says it."""
    from credo.ratings.explain import reasons

    if rating is None or rating.bands is None or not isinstance(features, Mapping):
        return ""
    if band in (NOT_RATED, "pending"):
        return ""  # the band says why (its reason code)
    return "; ".join(_text(r["text"], t) for r in reasons(rating, dict(features), band))


def _inquiry(catalogue: Catalogue, t: Translator, inquiry: Mapping[str, Any]) -> dict[str, Any]:
    party = catalogue.relying_parties.get(inquiry["relying_party_id"])
    purpose = catalogue.purposes.get(inquiry["purpose"])
    return {
        "at": t.date(inquiry["at"]),
        "relying_party": t.pick(party.name) if party else inquiry["relying_party_id"],
        "purpose": t.pick(purpose.name) if purpose else inquiry["purpose"],
        "outcome": t.label("inquiry", inquiry["outcome"]),
    }


def _dispute(t: Translator, dispute: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": dispute["id"],
        "kind": t(f"me.kind.{dispute['kind']}"),
        "status": t.label("dispute.status", dispute["status"]),
        "status_code": dispute["status"],
        "opened_at": t.date(dispute["opened_at"]),
        "deadline": t.date(dispute["deadline_at"]),
        "grounds": dispute["grounds"],
        "reasons": dispute.get("reasons") or "",
    }


NOT_RATED = "not_rated"  # no inputs for this rating: nothing to publish


def register_line(t: Translator, line: Line) -> dict[str, Any]:
    """One public line of the defaulter list (credo.register), in the reader's language."""
    return {
        "name": line.display_name or "—",
        "id": line.identifier,
        "kind": t(f"kind.{line.kind}"),
        "organisation_id": line.subject_id if line.kind != PERSON else None,
        "case": mask_text(line.payload.get("case_number", "—")),
        "amount": t.money(line.payload.get("amount")),
        "date": t.date(line.since),
        "until": t.date(line.until),
    }


def list_facts(catalogue: Catalogue, t: Translator, list_def: ListDef) -> dict[str, Any]:
    words = catalogue.labels.words(t.lang)
    basis = words.legal_basis("lists", list_def.id, list_def.legal_basis)
    return {
        "title": t.pick(list_def.name),
        "basis": f"{basis.instrument}, {basis.article}: {basis.text}",
        "term": words.term(list_def.max_term) if list_def.max_term else "—",
        "exit": _listed(t, [words.exit_condition(c) for c in list_def.exit_conditions]),
    }


def record_type_facts(
    catalogue: Catalogue, t: Translator, record_type: RecordType
) -> dict[str, Any]:
    words = catalogue.labels.words(t.lang)
    basis = words.legal_basis("record_types", record_type.id, record_type.legal_basis)
    exits = _listed(t, [words.exit_condition(c) for c in record_type.exit_conditions])
    repair = (
        _listed(t, [words.text(c) for c in record_type.repairable.conditions])
        if record_type.repairable.allowed
        else ""
    )
    return {
        "title": t("defaulters.title"),
        "basis": f"{basis.instrument}, {basis.article}: {basis.text}",
        "term": words.term(record_type.max_effect),
        "exit": f"{exits}; {t('catalogue.repair')}: {repair}" if repair else exits,
    }


def _listed(t: Translator, items: Sequence[str]) -> str:
    return ("、" if t.lang == "zh" else ", ").join(items)


def org_ratings(
    catalogue: Catalogue, t: Translator, rows: Sequence[RatingState]
) -> list[dict[str, Any]]:
    """Public ratings with the reasons that explain the band (never 'score too low')."""
    from credo.ratings.explain import reasons

    by_key = {r.key: r for r in catalogue.ratings.values() if r.public}
    shown = []
    for row in rows:
        rating = by_key.get(row.rating_key)
        if rating is None or rating.bands is None or row.band == NOT_RATED:
            continue
        explained = reasons(rating, dict(row.features or {}), row.band)
        shown.append(
            {
                "name": t.pick(rating.name),
                "band": catalogue.labels.words(t.lang).band(rating.id, row.band),
                "as_of": t.date(row.as_of),
                "reasons": [_text(r["text"], t) for r in explained],
            }
        )
    return shown


def org_list_entries(
    catalogue: Catalogue, t: Translator, rows: Sequence[StoredEntry]
) -> list[dict[str, Any]]:
    shown = []
    for row in rows:
        list_def = catalogue.lists.get(row.list_id)
        if list_def is None:
            continue
        shown.append(
            {
                "name": t.pick(list_def.name),
                "since": t.date(row.effective_on),
                "until": t.date(row.ends_on),
                **{k: v for k, v in list_facts(catalogue, t, list_def).items() if k != "title"},
            }
        )
    return shown
