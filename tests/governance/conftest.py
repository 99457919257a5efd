"""A tiny registry on the demo catalogue (the live one), a proposed catalogue that changes a
rating threshold and adds a measure, and two operators, for the governance tests."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from credo.access.model import Role
from credo.access.service import create_principal
from credo.catalog.catalogue import Catalogue
from credo.catalog.loader import load_catalogue
from credo.clock import FixedClock
from credo.context import AppContext, subject_hooks
from credo.db.connect import make_engine
from credo.db.migrate import upgrade
from credo.governance.simulate import Options, simulate
from credo.settings import DEMO_CATALOG, Settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lists.builders import defaulter, make_context, org_id, person_id, submit, tax_grade

LOADED = datetime(2026, 5, 2, 9, 0)  # records arrive; list entries start
ON = date(2026, 6, 1)  # the day simulated and activated

# contract_performance@1: poor below 50, fair below 75; the proposal: poor below 80 (v2).
OLD_BINS = (
    "bins: [{to: 50, band: poor}, {from: 50, to: 75, band: fair}, "
    "{from: 75, to: 90, band: good}, {from: 90, band: excellent}]"
)
NEW_BINS = (
    "bins: [{to: 80, band: poor}, {from: 80, to: 85, band: fair}, "
    "{from: 85, to: 90, band: good}, {from: 90, band: excellent}]"
)
NEW_MEASURE = """
  - id: licensing_review_defaulter
    name: {en: "Closer examination of a defaulter's licence", zh: "失信被执行人许可重点审查"}
    kind: review
    domain: market_regulation
    severity: general
    triggered_by: [judgment_defaulters]
    purposes: [business_licensing]
    max_duration: 1y
    effect: {en: "Examine the application in person.", zh: "实行重点审查。"}
    legal_basis:
      instrument: "Memorandum of Understanding on Joint Punishment of Dishonest Judgment Defaulters"
      article: "Part II, item 1"
      jurisdiction: CN
      text: "Licensing bodies examine applications of dishonest judgment defaulters closely."
    subject_kinds: [organisation, person]
    cross_domain:
      kind: policy
      instrument: "MoU on Joint Punishment of Dishonest Judgment Defaulters (Fa [2016] No. 141)"
      article: "Part II, item 1"
      names_lists: [judgment_defaulters]
"""


def proposed_catalogue(folder: Path) -> Path:
    """The demo catalogue with contract_performance's threshold raised and a new measure."""
    shutil.copytree(DEMO_CATALOG, folder)
    ratings = folder / "ratings.yaml"
    text = ratings.read_text(encoding="utf-8")
    assert OLD_BINS in text
    text = text.replace(OLD_BINS, NEW_BINS).replace(
        "  - id: contract_performance\n    version: 1",
        "  - id: contract_performance\n    version: 2",
    )
    ratings.write_text(text, encoding="utf-8")
    measures = folder / "measures.yaml"
    measures.write_text(measures.read_text(encoding="utf-8").rstrip("\n") + NEW_MEASURE)
    return folder


def debarment(ident: str, ref: str, months: int, ground: str, on: str) -> dict[str, Any]:
    return {
        "record_type": "procurement_debarment",
        "source_ref": ref,
        "subject": {"kind": "organisation", "identifiers": [{"scheme": "cn_uscc", "value": ident}]},
        "occurred_on": on,
        "payload": {"decision_number": ref, "ground": ground, "period_months": months},
        "evidence": {
            "kind": "debarment_decision",
            "document_id": ref,
            "issuer": "Demo City Public Procurement Office",
            "issued_on": on,
        },
        "provenance": {"kind": "official_decision"},
    }


@dataclass
class Registry:
    ctx: AppContext
    live: Catalogue
    proposed: Catalogue
    proposed_path: Path

    def simulate(self, catalogue: Catalogue | None = None, **options: Any) -> dict[str, Any]:
        return simulate(
            self.ctx.engine,
            self.live,
            catalogue or self.proposed,
            Options(as_of=self.ctx.clock.today(), **{"min_cell": 5, **options}),
            now=self.ctx.clock.now(),
        )


def load_registry(url: str) -> None:
    """Four judgment defaulters (three persons, one organisation) and four debarred
    suppliers: two rated 'good' today that the raised threshold makes 'poor', one 'poor'
    either way, one 'excellent' either way (each registered by its tax grade), loaded on
    2 May, and two operators, ann and bob. Run once per back end into the template database
    that each test copies."""
    upgrade(url)
    engine = make_engine(url)
    try:
        ctx = make_context(url, engine, LOADED)
        submit(
            ctx,
            "city_court",
            *[defaulter(person_id(date(1980, 1, 1), i), f"(2026)京0105执{i}号") for i in (1, 2, 3)],
            defaulter(org_id(9), "(2026)京0105执9号", kind="organisation"),
        )
        suppliers = [org_id(n) for n in (21, 22, 23, 24)]
        submit(ctx, "city_tax_office", *[tax_grade(ident, "B") for ident in suppliers])
        submit(
            ctx,
            "procurement_office",
            debarment(suppliers[0], "CG-21", 12, "non_performance", "2026-05-01"),  # good -> poor
            debarment(suppliers[1], "CG-22", 12, "refusing_contract", "2026-05-01"),  # the same
            debarment(suppliers[2], "CG-23", 12, "collusion", "2026-05-01"),  # poor either way
            debarment(suppliers[3], "CG-24", 1, "false_materials", "2025-01-01"),  # excellent
        )
        with ctx.engine.begin() as conn:
            for name in ("ann", "bob"):
                create_principal(
                    conn, ctx.catalogue, principal_id=name, role=Role.OPERATOR,
                    display_name=name.title(), now=ctx.clock.now(),
                )  # fmt: skip
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def migrate() -> Callable[[str], None]:
    return load_registry


@pytest.fixture(scope="session")
def live_catalogue() -> Catalogue:
    return load_catalogue(DEMO_CATALOG)


@pytest.fixture(scope="session")
def proposed_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return proposed_catalogue(tmp_path_factory.mktemp("catalogues") / "proposed")


@pytest.fixture(scope="session")
def proposed(proposed_path: Path) -> Catalogue:
    return load_catalogue(proposed_path)


@pytest.fixture
def registry(
    database_url: str,
    engine: Engine,
    live_catalogue: Catalogue,
    proposed: Catalogue,
    proposed_path: Path,
) -> Registry:
    """The loaded registry on 1 June, with the demo catalogue live."""
    clock = FixedClock(datetime.combine(ON, time(9)))
    ctx = AppContext(
        Settings(database_url=database_url),
        live_catalogue,
        engine,
        clock,
        subject_hooks(live_catalogue, clock),
    )
    return Registry(ctx, live_catalogue, proposed, proposed_path)


MAX_AGE = timedelta(days=7)
