"""Builders shared by the lists and checks tests: valid identifiers, record inputs for the
demo catalogue, principals, and a context on a fixed clock."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine
from stdnum.cn import ric, uscc

from credo.access.model import Role
from credo.access.service import create_principal
from credo.clock import FixedClock
from credo.context import AppContext, build_context
from credo.records.model import RecordInput, RowOutcome
from credo.records.service import submit_records
from credo.settings import Settings

NOW = datetime(2026, 6, 1, 9, 0)
WINDOW = 15  # the CN profile's objection window (G-22)


def person_id(born: date, seq: int = 1) -> str:
    """A valid CN resident identity number (GB 11643) for a Beijing Chaoyang resident."""
    body = f"110105{born:%Y%m%d}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def org_id(seq: int) -> str:
    """A valid Unified Social Credit Code (GB 32100) whose organisation code ends in ``seq``."""
    body = f"91110000{seq % 10**8:08d}"
    for last in "0123456789":
        candidate = body + last
        try:
            return candidate + uscc.calc_check_digit(candidate)
        except Exception:  # some organisation codes have no valid check; try the next
            continue
    raise ValueError(seq)


def make_context(database_url: str, engine: Engine, now: datetime = NOW) -> AppContext:
    return build_context(Settings(database_url=database_url), clock=FixedClock(now), engine=engine)


PRINCIPALS: list[tuple[str, Role, dict[str, Any]]] = [
    ("court", Role.FURNISHER, {"furnisher_id": "city_court"}),
    ("tax", Role.FURNISHER, {"furnisher_id": "city_tax_office"}),
    ("regulator", Role.FURNISHER, {"furnisher_id": "market_regulator"}),
    ("procurement", Role.FURNISHER, {"furnisher_id": "procurement_office"}),
    ("airline", Role.RELYING_PARTY, {"relying_party_id": "demo_airline"}),
    ("rail", Role.RELYING_PARTY, {"relying_party_id": "demo_rail"}),
    ("bank", Role.RELYING_PARTY, {"relying_party_id": "demo_bank"}),
    ("buyer", Role.RELYING_PARTY, {"relying_party_id": "procurement_centre"}),
    ("licensing", Role.RELYING_PARTY, {"relying_party_id": "licensing_desk"}),
    ("operator", Role.OPERATOR, {}),
]


def create_principals(ctx: AppContext) -> dict[str, str]:
    keys: dict[str, str] = {}
    with ctx.engine.begin() as conn:
        for principal_id, role, extra in PRINCIPALS:
            keys[principal_id] = create_principal(
                conn,
                ctx.catalogue,
                principal_id=principal_id,
                role=role,
                display_name=principal_id,
                now=ctx.clock.now(),
                **extra,
            )
    return keys


def subject(kind: str, scheme: str, value: str) -> dict[str, Any]:
    return {"kind": kind, "identifiers": [{"scheme": scheme, "value": value}]}


def defaulter(
    ident: str, ref: str = "(2026)京0105执1号", on: str = "2026-01-10", kind: str = "person"
) -> dict[str, Any]:
    scheme = "cn_ric" if kind == "person" else "cn_uscc"
    return {
        "record_type": "judgment_defaulter",
        "source_ref": ref,
        "subject": subject(kind, scheme, ident),
        "occurred_on": on,
        "payload": {
            "case_number": ref,
            "court": "Chaoyang District Court",
            "obligation": "pay_money",
            "amount": 120000,
            "circumstance": "refusing_with_ability",
        },
        "evidence": {
            "kind": "defaulter_determination",
            "document_id": ref,
            "issuer": "Chaoyang District Court",
            "issued_on": on,
        },
        "provenance": {"kind": "official_decision"},
    }


def tax_grade(
    ident: str, grade: str, on: str = "2026-04-01", ref: str = "TG-2025"
) -> dict[str, Any]:
    return {
        "record_type": "tax_credit_grade",
        "source_ref": f"{ref}-{ident}",
        "subject": subject("organisation", "cn_uscc", ident),
        "occurred_on": on,
        "payload": {"year": 2025, "grade": grade, "index_points": 95},
        "evidence": {
            "kind": "tax_grade_notice",
            "document_id": f"{ref}-{ident}",
            "issuer": "Demo City Tax Bureau",
            "issued_on": on,
        },
        "provenance": {"kind": "official_decision"},
    }


def change(record: dict[str, Any], action: str, revision: int, on: str) -> dict[str, Any]:
    """A later statement in the same chain (revoke, perform) made on ``on``."""
    return {**record, "action": action, "revision": revision, "occurred_on": on, "payload": {}}


def submit(ctx: AppContext, furnisher_id: str, *rows: dict[str, Any]) -> list[RowOutcome]:
    with ctx.engine.begin() as conn:
        outcomes = submit_records(
            conn, ctx.write_context(), furnisher_id, [RecordInput.model_validate(r) for r in rows]
        )
    for outcome in outcomes:
        assert outcome.outcome in ("accepted", "duplicate"), outcome
    return outcomes
