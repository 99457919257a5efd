"""Builders for due-process tests: the demo catalogue, a fixed clock, a furnisher writer, a
write context whose subject hook records which subjects it was called for, one defaulter
record on file, a desk that lodges and closes cases of every kind, and API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, RowMapping

from credo.access.model import Role
from credo.access.service import create_principal
from credo.catalog.catalogue import Catalogue
from credo.clock import FixedClock
from credo.disputes import cases, repair, service
from credo.records import repository as records_repo
from credo.records.model import Rejection, RowOutcome, Statement
from credo.records.service import WriteContext, append_statements, nothing_held
from credo.records.validate import StatementValidator
from tests.records.conftest import defaulter as records_defaulter

ZHANG = ("cn_ric", "11010519491231002X")
LI = ("cn_ric", "110105198001010016")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


def defaulter(
    source_ref: str = "(2025)京0105执123号",
    identifiers: tuple[str, str] = ZHANG,
    **overrides: Any,
) -> dict[str, Any]:
    """A judgment-defaulter determination (the records tests' builder) about ``identifiers``."""
    return records_defaulter(source_ref, identifiers=[identifiers], **overrides)


class HookLog:
    """A subject hook (the same interface ratings and lists plug into) that records calls."""

    def __init__(self) -> None:
        self.calls: list[set[int]] = []

    def __call__(
        self, conn: Connection, subject_ids: set[int], record_types: frozenset[str] | None = None
    ) -> None:
        self.calls.append(set(subject_ids))


@pytest.fixture
def hooks() -> HookLog:
    return HookLog()


@pytest.fixture
def ctx(catalogue: Catalogue, clock: FixedClock, hooks: HookLog) -> WriteContext:
    return WriteContext(catalogue, clock, (hooks,), holds=nothing_held)


class Registry:
    """Writes records as a furnisher and reads what has effect, on the test's database."""

    def __init__(self, engine: Engine, ctx: WriteContext, run_hooks: bool = False) -> None:
        self.engine, self.ctx, self.run_hooks = engine, ctx, run_hooks

    def write(self, furnisher: str, *rows: dict[str, Any]) -> list[RowOutcome]:
        validator = StatementValidator(self.ctx.catalogue, furnisher, self.ctx.clock.today())
        outcomes: dict[int, RowOutcome] = {}
        valid: list[tuple[int, Statement]] = []
        for index, row in enumerate(rows):
            checked = validator.validate(row)
            if isinstance(checked, Rejection):
                outcomes[index] = RowOutcome(index, "quarantined", reason=checked)
            else:
                valid.append((index, checked))
        hooks = self.ctx.hooks if self.run_hooks else ()
        write_ctx = WriteContext(self.ctx.catalogue, self.ctx.clock, hooks, holds=nothing_held)
        with self.engine.begin() as conn:
            for outcome in append_statements(conn, write_ctx, furnisher, valid):
                outcomes[outcome.row] = outcome
        return [outcomes[i] for i in range(len(rows))]

    def defaulter(self, source_ref: str = "(2025)京0105执123号", **kw: Any) -> RowOutcome:
        [outcome] = self.write("city_court", defaulter(source_ref, **kw))
        assert outcome.outcome == "accepted", outcome.reason
        return outcome

    def effective_ids(self, subject_id: int, on: date | None = None) -> set[str]:
        with self.engine.connect() as conn:
            rows = records_repo.effective_records(conn, [subject_id], on or self.ctx.clock.today())
        return {r["chain_id"] for r in rows}


@pytest.fixture
def registry(engine: Engine, ctx: WriteContext) -> Registry:
    return Registry(engine, ctx)


@dataclass(frozen=True)
class OnFile:
    """A record accepted on file: whose it is and its record id."""

    subject_id: int
    record_id: str


@pytest.fixture
def on_file(registry: Registry) -> OnFile:
    """Zhang San's judgment-defaulter record (the records tests' builder)."""
    record = registry.defaulter()
    assert record.subject_id is not None
    return OnFile(record.subject_id, str(record.record_id))


REPAIR_CONDITION = "obligation performed in full"
REPAIR_PROOF = {"receipt": "court receipt 2026-118"}


class Desk:
    """Lodges and closes cases of every kind, each in its own transaction, as the API does;
    carries the file it works on (``registry``, ``engine``) and its write context."""

    def __init__(self, registry: Registry, ctx: WriteContext | None = None) -> None:
        self.registry, self.engine = registry, registry.engine
        self.ctx = ctx or registry.ctx

    def dispute(self, subject_id: int, ref: str, **kw: Any) -> int:
        """A dispute (or, with ``kind``, a claim) with the grounds "not my debt"; its id."""
        with self.engine.begin() as conn:
            case = service.open_dispute(conn, self.ctx, subject_id, ref, "not my debt", **kw)
        return int(case["id"])

    def apply(self, subject_id: int, ref: str, **kw: Any) -> RowMapping:
        """A repair application for a record, with a declared condition and proof."""
        args: dict[str, Any] = {
            "target_kind": "record",
            "target_ref": ref,
            "condition": REPAIR_CONDITION,
            "proof": REPAIR_PROOF,
        } | kw
        with self.engine.begin() as conn:
            return repair.apply(conn, self.ctx, subject_id, **args)

    def resolve(
        self, case_id: int, outcome: str, reasons: str = "", store: str = "disputes"
    ) -> RowMapping:
        with self.engine.begin() as conn:
            return cases.resolve(conn, self.ctx, store, case_id, outcome, reasons, "operator:ann")


@pytest.fixture
def desk(registry: Registry) -> Desk:
    return Desk(registry)


Principals = list[tuple[str, Role, dict[str, Any]]]


def api_keys(
    conn: Connection, catalogue: Catalogue, principals: Principals, now: Any
) -> dict[str, str]:
    """An API key for each (id, role, bindings), the principal's display name its id."""
    return {
        principal_id: create_principal(
            conn,
            catalogue,
            principal_id=principal_id,
            role=role,
            display_name=principal_id,
            now=now,
            **extra,
        )
        for principal_id, role, extra in principals
    }
