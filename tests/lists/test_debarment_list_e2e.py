"""End to end: a development bank's debarment list, delivered in full every day.

A generated list in the shape of a real one (../shared/data/idb-sanctions): more than 1,000
entries with decided terms from six months to ten years, open-ended entries until a conditional
release, cross-debarments of other banks' decisions, some parties with two entries; three daily
full-list deliveries with additions and early delistings, then a truncated delivery.

For every entry and four dates (the day before its start, a day inside its term, the day its
effect ends, and the last delivery date), "is this firm debarred on D?" is answered

- by ``credo lists entries --on D --json`` (the command a registry officer runs), and
- by ``POST /v1/checks`` with ``as_of`` for the procurement award purpose (dates up to today),

and both must equal the answer computed here from the generated list alone, with the rules of
docs/architecture.md ("Time and effect"): an entry has effect from its start until the earliest
of its decided end, its delisting, and three years (the record type's ceiling, also the list's
term) after the later of its start and the bank's latest confirmation (every delivery that still
lists it confirms it). The truncated delivery is held and changes nothing.
"""

from __future__ import annotations

import asyncio
import csv
import json
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from credo.access.model import Role
from credo.access.service import create_principal
from credo.catalog.models import Duration
from credo.cli.ingest import HELD_EXIT
from credo.cli.main import app as cli
from credo.clock import FixedClock
from credo.context import build_context
from credo.records.tables import record_statements
from credo.settings import DEMO_CATALOG, Settings
from credo.web.api.app import create_app
from harness.aio import run_async

DELIVERIES = [date(2025, 6, 2), date(2025, 6, 3), date(2025, 6, 4)]
TRUNCATED = date(2025, 6, 5)
TODAY = datetime(2025, 6, 10, 9, 0)  # the clock of the checks
CEILING = Duration.model_validate("3y")
FIRST_START = date(2013, 1, 1)
ENTRIES = 800
BANKS = ("WBG", "ADB", "AfDB", "EBRD")
GROUNDS = ("fraud", "collusion", "corruption", "obstruction")
IN_FLIGHT = 8  # checks sent at once


@dataclass
class Entry:
    ref: str
    party: str
    start: date
    ends_on: date | None  # None: open-ended until conditional release
    source: str
    listed: list[bool] = field(default_factory=lambda: [False, False, False])

    def window(self) -> tuple[date, date] | None:
        """The days [start, end) the entry is debarred, from the list alone (the rules in the
        module docstring); None if the registry never received it."""
        present = [d for d, listed in zip(DELIVERIES, self.listed, strict=True) if listed]
        if not present:
            return None
        later = [d for d, listed in zip(DELIVERIES, self.listed, strict=True) if d > present[0]]
        delisted = next((d for d in later if not self.listed[DELIVERIES.index(d)]), None)
        end = CEILING.add_to(max(self.start, *present))
        for cut in (self.ends_on, delisted):
            if cut is not None:
                end = min(end, cut)
        return self.start, end

    def answer(self, on: date) -> bool:
        window = self.window()
        return window is not None and window[0] <= on < window[1]


def generate(seed: int = 20250602) -> list[Entry]:
    rng = random.Random(seed)
    entries: list[Entry] = []
    parties = [f"BP-{n:06d}" for n in range(1, ENTRIES + 1)]
    for n in range(ENTRIES):
        party = parties[n] if n % 20 else parties[n - 1]  # some parties have two entries
        first_seen = 0 if n < ENTRIES - 80 else (1 if n < ENTRIES - 40 else 2)
        latest = DELIVERIES[first_seen]
        start = (
            FIRST_START + timedelta(days=rng.randrange((latest - FIRST_START).days))
            if first_seen == 0
            else latest - timedelta(days=rng.randrange(0, 400))
        )
        ends_on = None
        if rng.random() < 0.6:
            ends_on = start + timedelta(days=rng.randrange(182, 3651))
        source = "own" if rng.random() < 0.2 else "cross:" + rng.choice(BANKS)
        entry = Entry(f"SAN-{n:05d}", party, start, ends_on, source)
        # The bank keeps an entry listed until about a year after its end (removal is an
        # administrative act), so some present entries have ended already.
        still_listed = ends_on is None or ends_on > DELIVERIES[0] - timedelta(days=365)
        entry.listed = [still_listed and i >= first_seen for i in range(3)]
        entries.append(entry)
    listed_first = [e for e in entries if e.listed[0]]
    rng.shuffle(listed_first)
    for entry in listed_first[:45]:  # early delisting on the second day (conditional release)
        entry.listed[1] = entry.listed[2] = False
    for entry in listed_first[45:80]:  # and on the third day
        entry.listed[2] = False
    return entries


def write_delivery(folder: Path, entries: list[Entry], index: int | None, rows: int = 0) -> Path:
    """The bank's list as published on a delivery day (``rows``: keep only that many)."""
    name = "truncated" if index is None else f"day{index + 1}"
    listed = [e for e in entries if e.listed[2 if index is None else index]]
    if rows:
        listed = listed[:rows]
    path = folder / f"{name}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["party", "firm", "sanction_no", "ineligible_from", "ineligible_to",
                         "grounds", "source", "originating_bank"])  # fmt: skip
        for e in listed:
            bank = e.source.split(":")[1] if ":" in e.source else ""
            ends = e.ends_on.isoformat() if e.ends_on else "Ongoing"
            grounds, source, name = GROUNDS[int(e.ref[-2:]) % 4], e.source.split(":")[0], e.party
            writer.writerow(
                [e.party, f"Firm {name}", e.ref, e.start.isoformat(), ends, grounds, source, bank]
            )
    return path


MAPPING = {
    "furnisher": "dev_bank",
    "record_type": "bank_debarment",
    "subject": {
        "kind": "organisation",
        "identifiers": [{"column": "party", "scheme": "bank_party"}],
        "name_column": "firm",
    },
    "source_ref": {"template": "{sanction_no}"},
    "occurred_on": "ineligible_from",
    "term": {
        "ends_on": "ineligible_to",
        "open_ended_values": ["Ongoing"],
        "until": "conditional_release",
    },
    "payload": {
        "sanction_no": {"column": "sanction_no"},
        "grounds": {"column": "grounds"},
        "source": {"column": "source"},
        "originating_bank": {"column": "originating_bank"},
    },
    "evidence": {
        "kind": "debarment_decision",
        "document_id": "{sanction_no}",
        "issuer": "Development bank sanctions system",
        "issued_on": "ineligible_from",
    },
    "provenance": {"kind": "official_decision", "channel": "daily full list"},
}

LEGAL_BASIS = {
    "instrument": "Agreement for Mutual Enforcement of Debarment Decisions (2010)",
    "article": "Sections 2 and 4",
    "jurisdiction": "MDB",
    "text": "Each participating bank enforces the other banks' debarments of firms for the "
    "period the debarring bank decided.",
}


def bank_catalogue(folder: Path) -> Path:
    """The demo catalogue plus a development bank, its debarments, list and measure."""
    target = folder / "catalogue"
    shutil.copytree(DEMO_CATALOG, target)

    def extend(file: str, key: str, entry: dict[str, Any]) -> None:
        path = target / file
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data[key].append(entry)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")

    name = {"en": "Development bank debarment", "zh": "开发银行禁止参与名单"}
    extend("schemes.yaml", "schemes", {
        "id": "bank_party", "kind": "issuer_reference", "example": "BP-000042",
        "name": {"en": "Bank sanctions party number", "zh": "银行制裁当事方编号"},
        "subject_kinds": ["organisation"], "pattern": "^BP-[0-9]{6}$",
        "issuer": "Development bank sanctions system",
    })  # fmt: skip
    extend("furnishers.yaml", "furnishers", {
        "id": "dev_bank", "name": {"en": "Development Bank", "zh": "开发银行"},
        "authority_kind": "procurement_authority", "remit": ["bank_debarment"],
    })  # fmt: skip
    extend("record_types.yaml", "record_types", {
        "id": "bank_debarment", "name": name,
        "purpose": "Exclude firms that a development bank debarred from contracts it finances.",
        "legal_basis": LEGAL_BASIS, "issuing_authority_kind": "procurement_authority",
        "domain": "public_procurement", "subject_kinds": ["organisation"],
        "polarity": "negative", "severity_tier": "serious", "min_publicity": "1y",
        "max_effect": "3y", "retention_max": "5y", "evidence_kind": ["debarment_decision"],
        "exit_conditions": ["annulment", "term_end"],
        "repairable": {"allowed": False}, "impact_assessment_ref": "IA-TEST-BANK",
        "public": True, "creates_subject": True,
        "payload": {
            "sanction_no": {"type": "string", "required": True, "max_length": 32},
            "grounds": {"type": "enum", "values": list(GROUNDS), "required": True},
            "source": {"type": "enum", "values": ["own", "cross"], "required": True},
            "originating_bank": {"type": "string", "max_length": 16},
        },
    })  # fmt: skip
    extend("lists.yaml", "lists", {
        "id": "bank_debarred", "name": name, "kind": "black", "domain": "public_procurement",
        "legal_basis": LEGAL_BASIS, "subject_kinds": ["organisation"],
        "entry": {"record_types": ["bank_debarment"]}, "max_term": "3y",
        "exit_conditions": ["annulment", "term_end"], "publicity": "public_masked",
        "immediate_effect_article": "Section 2 (effective from the debarring bank's date)",
    })  # fmt: skip
    extend("measures.yaml", "measures", {
        "id": "bank_financed_exclusion",
        "name": {"en": "Excluded from bank-financed contracts", "zh": "不得授予开发银行资助合同"},
        "kind": "deny", "domain": "public_procurement", "severity": "serious",
        "triggered_by": ["bank_debarred"], "purposes": ["procurement_award"],
        "max_duration": "3y", "legal_basis": LEGAL_BASIS, "subject_kinds": ["organisation"],
        "effect": {"en": "Do not award a bank-financed contract to this firm.",
                   "zh": "不得授予其开发银行资助的合同。"},
    })  # fmt: skip
    return target


@dataclass
class Registry:
    entries: list[Entry]
    env: dict[str, str]
    folder: Path


@pytest.fixture
def registry(database_url: str, engine: Engine, tmp_path: Path) -> Iterator[Registry]:
    catalogue = bank_catalogue(tmp_path)
    mapping = tmp_path / "bank.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING), encoding="utf-8")
    env = {
        "CREDO_DATABASE_URL": database_url,
        "CREDO_CATALOG_PATH": str(catalogue),
        "COLUMNS": "80",
    }
    entries = generate()
    runner = CliRunner()
    for index, day in enumerate(DELIVERIES):
        path = write_delivery(tmp_path, entries, index)
        result = deliver(runner, env, path, mapping, day)
        assert result["status"] == "applied", result
        assert result["counts"]["quarantined"] == 0, result["reasons"]
    yield Registry(entries, env | {"MAPPING": str(mapping)}, tmp_path)


def deliver(runner: CliRunner, env: dict[str, str], path: Path, mapping: Path, day: date) -> Any:
    """``credo ingest file PATH --snapshot --as-of DAY``; its JSON report."""
    report = path.with_suffix(".report.json")
    args = ["ingest", "file", str(path), "--mapping", str(mapping), "--snapshot", "--as-of",
            day.isoformat(), "--report", str(report)]  # fmt: skip
    result = runner.invoke(cli, args, env=env)
    assert result.exit_code in (0, HELD_EXIT), result.output
    return json.loads(report.read_text(encoding="utf-8"))


def questions(entries: list[Entry]) -> dict[tuple[str, date], bool]:
    """(party, day) -> debarred: four days per entry, any entry of the party counts."""
    asked: dict[tuple[str, date], bool] = {}
    by_party: dict[str, list[Entry]] = {}
    for e in entries:
        by_party.setdefault(e.party, []).append(e)
    for e in entries:
        window = e.window()
        end = window[1] if window else e.ends_on or DELIVERIES[0]
        inside = e.start + (end - e.start) // 2 if end > e.start else e.start
        for day in (e.start - timedelta(days=1), inside, end, DELIVERIES[-1]):
            asked[(e.party, day)] = any(x.answer(day) for x in by_party[e.party])
    return asked


def test_lists_and_checks_answer_every_entry_on_every_date(
    registry: Registry, engine: Engine
) -> None:
    expected = questions(registry.entries)
    assert sum(e.listed[0] for e in registry.entries) >= 450  # entries on the first list
    assert sum(expected.values()) > 500 and sum(not v for v in expected.values()) > 500

    by_cli = _ask_cli(registry.env, expected, registry.folder)
    wrong = {k: (v, by_cli[k]) for k, v in expected.items() if by_cli[k] != v}
    assert not wrong, f"{len(wrong)} of {len(expected)} wrong, e.g. {list(wrong.items())[:5]}"

    by_check = _ask_checks(registry, engine, [k for k in expected if k[1] <= TODAY.date()])
    wrong = {k: (expected[k], v) for k, v in by_check.items() if expected[k] != v}
    assert not wrong, f"{len(wrong)} of {len(by_check)} wrong, e.g. {list(wrong.items())[:5]}"


def test_a_truncated_delivery_is_held_and_changes_nothing(
    registry: Registry, engine: Engine
) -> None:
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(record_statements)).scalar()
    listed = sum(e.listed[2] for e in registry.entries)
    path = write_delivery(registry.folder, registry.entries, None, rows=listed // 2)
    held = deliver(CliRunner(), registry.env, path, Path(registry.env["MAPPING"]), TRUNCATED)
    assert held["status"] == "held", held
    with engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(record_statements)).scalar()
    assert after == before
    sample = dict(list(questions(registry.entries).items())[:400])
    by_cli = _ask_cli(registry.env, sample, registry.folder)
    assert by_cli == sample


def _ask_cli(
    env: dict[str, str], asked: dict[tuple[str, date], bool], folder: Path
) -> dict[Any, bool]:
    """``credo lists entries bank_party --questions FILE --json``: every (party, date)."""
    path = folder / "questions.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["value", "on"])
        writer.writerows((party, day.isoformat()) for party, day in asked)
    args = ["lists", "entries", "bank_party", "--questions", str(path), "--json"]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    answers: dict[tuple[str, date], bool] = {}
    for answer in json.loads(result.output)["answers"]:
        party = answer["identifier"].split(":", 1)[1]
        answers[(party, date.fromisoformat(answer["on"]))] = any(
            e["list"] == "bank_debarred" and e["status"] == "effective" for e in answer["entries"]
        )
    return answers


def _ask_checks(
    registry: Registry, engine: Engine, asked: list[tuple[str, date]]
) -> dict[tuple[str, date], bool]:
    settings = Settings(
        database_url=registry.env["CREDO_DATABASE_URL"],
        catalog_path=Path(registry.env["CREDO_CATALOG_PATH"]),
    )
    ctx = build_context(settings, clock=FixedClock(TODAY), engine=engine)
    with engine.begin() as conn:
        key = create_principal(
            conn, ctx.catalogue, principal_id="buyer", role=Role.RELYING_PARTY,
            display_name="buyer", now=TODAY, relying_party_id="procurement_centre",
        )  # fmt: skip
    app = create_app(ctx)
    return run_async(lambda: _post_checks(app, key, asked))


async def _post_checks(
    app: FastAPI, key: str, asked: list[tuple[str, date]]
) -> dict[tuple[str, date], bool]:
    """``POST /v1/checks`` for every question, ``IN_FLIGHT`` at a time as from a buyer's
    several desks (the writer commits their inquiries in groups: a third less CPU than one
    by one), in the app's lifespan as under a server."""
    slots = asyncio.Semaphore(IN_FLIGHT)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://credo", headers=headers) as client,
    ):

        async def ask(n: int, party: str, day: date) -> bool:
            body = {
                "identifiers": [{"scheme": "bank_party", "value": party}],
                "purpose": "procurement_award",
                "transaction_ref": f"AWARD-{n}",
                "as_of": day.isoformat(),
            }
            async with slots:
                response = await client.post("/v1/checks", json=body)
            assert response.status_code == 200, response.text
            measures = {m["measure"] for m in response.json()["measures"]}
            return "bank_financed_exclusion" in measures

        answers = await asyncio.gather(*(ask(n, *q) for n, q in enumerate(asked)))
    return dict(zip(asked, answers, strict=True))
