"""Presentation: turn rows into what the templates show, in the reader's language, with
identity numbers masked on every public view."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.catalog.vocab import EvidenceKind
from credo.portal import repository as repo
from credo.portal.charts import bar_chart
from credo.portal.i18n import Translator
from credo.subjects.identifiers import mask_identifier

TEMPLATES = Path(__file__).parent / "templates"
# A run of digits (and X, the check character) long enough to hold a resident ID.
LONG_NUMBER = re.compile(r"[0-9Xx]{18,}")
# Record types whose public records form the judgment-defaulter list (until credo.lists
# publishes list entries, the list is the court's public determinations in force).
DEFAULTER_TYPES = ("judgment_defaulter",)


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


def mask_text(value: Any) -> str:
    """Belt and braces for public pages: any run of digits that could hold a resident ID,
    even glued to other digits, keeps only its first 6 and last 4 characters."""
    return LONG_NUMBER.sub(_mask_run, str(value))


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if sum(c.isdigit() for c in run) < 17:
        return run
    return run[:6] + "*" * (len(run) - 10) + run[-4:]


def public_record_types(catalogue: Catalogue) -> list[str]:
    return [rt.id for rt in catalogue.record_types.values() if rt.public]


def list_record_types(catalogue: Catalogue) -> list[str]:
    public = set(public_record_types(catalogue))
    return [type_id for type_id in DEFAULTER_TYPES if type_id in public]


def split_licences(
    catalogue: Catalogue, records: Sequence[Mapping[Any, Any]]
) -> tuple[list[Mapping[Any, Any]], list[Mapping[Any, Any]]]:
    """Licences apart from penalties and other public records."""
    licences: list[Mapping[Any, Any]] = []
    others: list[Mapping[Any, Any]] = []
    for row in records:
        record_type = catalogue.record_types.get(row["record_type"])
        is_licence = (
            record_type is not None
            and EvidenceKind.ADMINISTRATIVE_LICENCE in record_type.evidence_kind
        )
        (licences if is_licence else others).append(row)
    return licences, others


def _details(payload: Mapping[Any, Any], t: Translator) -> str:
    parts = []
    for name, value in (payload or {}).items():
        if isinstance(value, bool):
            shown = "✓" if value else "✗"
        elif isinstance(value, float):
            shown = t.number(value)
        else:
            shown = str(value)
        parts.append(f"{name.replace('_', ' ')}: {shown}")
    return mask_text("; ".join(parts))


def _type_name(catalogue: Catalogue, t: Translator, type_id: str) -> str:
    record_type = catalogue.record_types.get(type_id)
    return t.pick(record_type.name) if record_type else type_id


def _furnisher_name(catalogue: Catalogue, t: Translator, furnisher_id: str) -> str:
    furnisher = catalogue.furnishers.get(furnisher_id)
    return t.pick(furnisher.name) if furnisher else furnisher_id


def public_record(catalogue: Catalogue, t: Translator, row: Mapping[Any, Any]) -> dict[str, Any]:
    record_type = catalogue.record_types.get(row["record_type"])
    basis = record_type.legal_basis if record_type else None
    return {
        "type": _type_name(catalogue, t, row["record_type"]),
        "date": t.date(row["effective_from"]),
        "until": t.date(row["effect_until"]),
        "furnisher": _furnisher_name(catalogue, t, row["furnisher_id"]),
        "details": _details(row["payload"], t),
        "basis": f"{basis.instrument}, {basis.article}" if basis else "",
    }


def masked_person(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "name": row["display_name"],
        "id": mask_identifier("cn_ric", row["ric"]) if row["ric"] else "—",
    }


def listed_entry(catalogue: Catalogue, t: Translator, row: Mapping[Any, Any]) -> dict[str, Any]:
    """One line of the defaulter list: a person's number masked, an organisation's USCC
    shown (organisation identifiers are public)."""
    if row["kind"] == "person":
        shown_id = mask_identifier("cn_ric", row["ric"]) if row["ric"] else "—"
    else:
        shown_id = row["uscc"] or "—"
    payload = row["payload"] or {}
    return {
        "name": row["display_name"],
        "id": shown_id,
        "kind": t(f"kind.{row['kind']}"),
        "organisation_id": row["subject_id"] if row["kind"] != "person" else None,
        "case": mask_text(payload.get("case_number", "—")),
        "amount": t.money(payload.get("amount")),
        "date": t.date(row["effective_from"]),
        "until": t.date(row["effect_until"]),
    }


def own_record(
    catalogue: Catalogue, t: Translator, row: Mapping[Any, Any], today: date
) -> dict[str, Any]:
    in_effect = (
        row["state"] == "active"
        and row["effective_from"] <= today < row["effect_until"]
        and not row["held"]
    )
    shown = public_record(catalogue, t, row)
    shown.update(
        {
            "chain_id": row["chain_id"],
            "state": t(f"state.{row['state']}"),
            "in_effect": in_effect,
            "held": bool(row["held"]),
        }
    )
    return shown


def console_charts(
    conn: Connection, catalogue: Catalogue, t: Translator
) -> list[tuple[str, Markup]]:
    """The operator dashboard's charts (heading, SVG), from what exists in the database."""
    series: list[tuple[str, list[tuple[str, int]]]] = [
        (
            t("console.subjects"),
            [(t(f"kind.{kind}"), n) for kind, n in repo.subjects_by_kind(conn)],
        ),
        (
            t("console.records_by_year"),
            [(str(year), n) for year, n in repo.statements_by_year(conn)],
        ),
        (
            t("console.records_by_type"),
            [(_type_name(catalogue, t, kind), n) for kind, n in repo.current_by_type(conn)],
        ),
        (t("console.quarantine"), repo.quarantine_reasons(conn)),
        (t("console.review_by_queue"), repo.open_review_counts(conn)),
    ]
    return [(title, bar_chart(title, items, t.number)) for title, items in series]
