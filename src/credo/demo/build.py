"""Building the demo registry: register the city's subjects, then load five years of records
through the one write path (validation, identity resolution, idempotent append, hooks)."""

from __future__ import annotations

import gc
import multiprocessing
import sys
import traceback
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from sqlalchemy import Engine, event

from credo.access.model import Role
from credo.access.service import create_principal, find_principal
from credo.catalog.catalogue import Catalogue
from credo.context import AppContext
from credo.db.bulk import frozen_heap
from credo.db.connect import bulk_load_pragmas, checkpoint, is_sqlite
from credo.demo import reads as demo_reads
from credo.demo.deliveries import DeliveryCounts, deliver_daily_lists
from credo.demo.population import DemoSize, Population, generate_population
from credo.demo.records import Raw, city_statements, subject_count, subject_statements
from credo.disputes import repair
from credo.disputes.service import open_dispute
from credo.errors import CredoError
from credo.records.model import Rejection, RowOutcome, Statement
from credo.records.service import (
    WriteContext,
    append_prepared,
    append_statements,
    prepare_statements,
    run_hooks,
)
from credo.records.validate import StatementValidator
from credo.subjects import service as subjects
from credo.subjects.identifiers import check_identifier

BATCH_SIZE = 5000
HOOK_CHUNK = 10_000


class Progress(Protocol):
    """Where the build reports how far it got (a Rich progress bar in the CLI)."""

    def stage(self, description: str, total: int) -> None: ...

    def advance(self, amount: int) -> None: ...


class SilentProgress:
    def stage(self, description: str, total: int) -> None:
        return None

    def advance(self, amount: int) -> None:
        return None


@dataclass(frozen=True)
class Credential:
    role: Role
    principal_id: str
    key: str
    acts_for: str
    subject_id: int | None = None


@dataclass
class LoadCounts:
    """Outcomes of every demo statement; ``rejected`` should stay empty (a generator bug)."""

    outcomes: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    disputes: int = 0
    repairs: int = 0
    deliveries: DeliveryCounts = field(default_factory=DeliveryCounts)

    @property
    def statements(self) -> int:
        return sum(self.outcomes.values()) + sum(self.rejected.values())


@dataclass
class DemoSummary:
    population: Population
    counts: LoadCounts
    credentials: list[Credential]
    already_built: bool = False


def build_demo(
    ctx: AppContext,
    size: DemoSize,
    seed: int = 2026,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int = 1,
) -> DemoSummary:
    """Build the demo city in ``ctx``'s (migrated) database. A database that already holds
    the demo is left as it is: the build is not repeated. ``workers`` > 1 generates and
    validates in that many forked processes, which take turns to append (see
    ``load_in_workers``; ``batch_size`` is the one-process load's batch)."""
    progress = progress or SilentProgress()
    today = ctx.clock.today()
    population = generate_population(size, seed, today)
    if _demo_exists(ctx.engine):
        return DemoSummary(population, LoadCounts(), demo_credentials(ctx), already_built=True)
    with frozen_heap():  # a bulk load: see credo.db.bulk.frozen_heap
        register_subjects(ctx.engine, ctx.catalogue, population, ctx, progress)
        write = ctx.write_context().deferring()
        if workers > 1 and can_fork():
            job = LoadJob(ctx.engine, write, population, today, seed)
            counts = load_in_workers(job, workers, progress)
        else:
            counts = load_statements(
                ctx.engine,
                write,
                today,
                city_statements(population, today, seed),
                progress,
                total_subjects=subject_count(population),
                batch_size=batch_size,
            )
        # Before disputes: the office's list knows nothing of disputes held in the registry.
        progress.stage("Daily full-list deliveries of the procurement office", 1)
        counts.deliveries = deliver_daily_lists(ctx.engine, write, today, seed)
        progress.advance(1)
        with ctx.engine.connect() as conn:  # the demo subject: a judgment defaulter
            subject_id = demo_reads.person_with_effective_record(conn, "judgment_defaulter", today)
        progress.stage("Opening disputes and repair applications", 2)
        counts.disputes = open_demo_disputes(ctx, write, _share(size.persons, 300), subject_id)
        progress.advance(1)
        counts.repairs = apply_demo_repairs(ctx, write, _share(size.persons, 500), subject_id)
        progress.advance(1)
        derive_state(ctx.engine, write, progress)
    # Last: the demo counts as built once its operator exists (a re-run reuses it).
    credentials = create_demo_principals(ctx, subject_id)
    return DemoSummary(population, counts, credentials)


def _share(persons: int, per: int) -> int:
    """One per ``per`` persons: a few hundred in the full city, at least a couple."""
    return max(2, persons // per)


def _demo_exists(engine: Engine) -> bool:
    with engine.connect() as conn:
        return find_principal(conn, DEMO_PRINCIPALS[Role.OPERATOR][0]) is not None


def register_subjects(
    engine: Engine,
    catalogue: Catalogue,
    population: Population,
    ctx: AppContext,
    progress: Progress,
) -> None:
    """Seed the subject register from the city's civil and business registers. Records are
    then matched to these subjects by identifier only (G-19), never by name."""
    now = ctx.clock.now()
    entries: list[tuple[str, str, str, str]] = (
        [("person", "cn_ric", p.ric, p.name) for p in population.persons]
        + [("organisation", "cn_uscc", o.uscc, o.name) for o in population.organisations]
        + [("public_body", "cn_uscc", b.uscc, b.name) for b in population.public_bodies]
    )
    progress.stage("Registering subjects", len(entries))
    for start in range(0, len(entries), BATCH_SIZE):
        part = entries[start : start + BATCH_SIZE]
        checked = [check_identifier(catalogue, scheme, value) for _, scheme, value, _ in part]
        rows = [
            {"kind": kind, "display_name": name, "birth_date": ident.birth_date, "created_at": now}
            for (kind, _, _, name), ident in zip(part, checked, strict=True)
        ]
        with engine.begin() as conn:
            ids = subjects.create_subjects(conn, rows)
            subjects.add_identifiers(
                conn,
                [
                    {
                        "scheme": ident.scheme,
                        "value": ident.value,
                        "subject_id": subject_id,
                        "check_ok": ident.check_ok,
                        "created_at": now,
                    }
                    for ident, subject_id in zip(checked, ids, strict=True)
                ],
            )
        progress.advance(len(part))


def load_statements(
    engine: Engine,
    write: WriteContext,
    today: date,
    per_subject: Iterable[list[tuple[str, Raw]]],
    progress: Progress,
    total_subjects: int,
    batch_size: int = BATCH_SIZE,
) -> LoadCounts:
    """Validate and append the statements in large batches, one furnisher per batch."""
    progress.stage("Loading records through the write path", total_subjects)
    counts = LoadCounts()
    validators = _Validators(write.catalogue, today)
    buffers: dict[str, list[Raw]] = {}
    for statements in per_subject:
        for furnisher_id, raw in statements:
            buffer = buffers.setdefault(furnisher_id, [])
            buffer.append(raw)
            if len(buffer) >= batch_size:
                _flush(engine, write, furnisher_id, buffer, validators, counts)
        progress.advance(1)
    for furnisher_id, buffer in buffers.items():
        _flush(engine, write, furnisher_id, buffer, validators, counts)
    return counts


def can_fork() -> bool:
    """Forked loaders on Linux only (macOS forks are unsafe with some system libraries)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


@dataclass
class LoadJob:
    """What each loading process needs; forked processes inherit it (nothing is pickled)."""

    engine: Engine
    write: WriteContext
    population: Population
    today: date
    seed: int


def load_in_workers(job: LoadJob, workers: int, progress: Progress) -> LoadCounts:
    """Load the city's statements in ``workers`` forked processes. Each generates and
    validates its share of subjects in parallel and appends through the same write path;
    a shared lock lets one append at a time, so SQLite's single writer never waits on a
    busy lock and the audit chain is appended in one order. Subjects' records do not depend
    on which process or in what order they are loaded (seeded per subject, content ids)."""
    total = subject_count(job.population)
    progress.stage("Loading records through the write path", total)
    context = multiprocessing.get_context("fork")
    tasks: multiprocessing.Queue[tuple[int, int] | None] = context.Queue()
    results: multiprocessing.Queue[_PartResult | str | None] = context.Queue()
    for start in range(0, total, WORKER_TASK):
        tasks.put((start, min(total, start + WORKER_TASK)))
    for _ in range(workers):
        tasks.put(None)
    lock = context.Lock()
    processes = [
        context.Process(target=_load_parts, args=(job, tasks, results, lock), daemon=True)
        for _ in range(workers)
    ]
    with warnings.catch_warnings():
        # Python 3.12+ warns when forking a process with threads (the progress bar's). The
        # loaders only use their own connections and queues, never a lock those threads hold.
        warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
        for process in processes:
            process.start()
    try:
        counts = _collect(results, workers, job.write, progress)
    except BaseException:
        for process in processes:
            process.terminate()
        raise
    finally:
        for process in processes:
            process.join()
    checkpoint(job.engine)
    return counts


WORKER_TASK = 4000  # subjects per task (some 70,000 statements): one transaction each


@dataclass
class _PartResult:
    subjects: int
    outcomes: Counter[str]
    rejected: Counter[str]
    changed: set[int]


def _collect(
    results: multiprocessing.Queue[_PartResult | str | None],
    workers: int,
    write: WriteContext,
    progress: Progress,
) -> LoadCounts:
    counts = LoadCounts()
    finished = 0
    while finished < workers:
        result = results.get()
        if result is None:
            finished += 1
        elif isinstance(result, str):  # a worker failed: its traceback
            raise RuntimeError(f"a demo loading process failed:\n{result}")
        else:
            counts.outcomes.update(result.outcomes)
            counts.rejected.update(result.rejected)
            if write.deferred is not None:
                write.deferred |= result.changed
            progress.advance(result.subjects)
    return counts


def _load_parts(
    job: LoadJob,
    tasks: multiprocessing.Queue[tuple[int, int] | None],
    results: multiprocessing.Queue[_PartResult | str | None],
    lock: Any,
) -> None:
    """A loading process: its own connections (never the parent's), its own validators."""
    job.engine.dispose(close=False)
    gc.freeze()  # the inherited city is never garbage: do not scan it on every collection
    gc.set_threshold(50_000, 20, 100)
    if is_sqlite(job.engine):
        event.listen(job.engine, "connect", bulk_load_pragmas)
    try:
        validators = _Validators(job.write.catalogue, job.today)
        while (task := tasks.get()) is not None:
            results.put(_load_part(job, task, validators, lock))
    except BaseException:  # reported to the parent, which raises it
        results.put(traceback.format_exc())
    finally:
        results.put(None)


def _load_part(
    job: LoadJob,
    task: tuple[int, int],
    validators: _Validators,
    lock: Any,
) -> _PartResult:
    write = job.write.deferring()  # this task's changed subjects, sent to the parent
    counts = LoadCounts()
    buffers: dict[str, list[Raw]] = {}
    start, stop = task
    for statements in subject_statements(job.population, job.today, job.seed, start, stop):
        for furnisher_id, raw in statements:
            buffers.setdefault(furnisher_id, []).append(raw)
    batches = [
        prepare_statements(
            write.catalogue,
            furnisher_id,
            validators.valid(furnisher_id, buffer, counts),
            job.engine.dialect,  # rows converted here, outside the lock
        )
        for furnisher_id, buffer in buffers.items()
    ]
    with lock, job.engine.begin() as conn:  # one transaction per task: fewer, larger commits
        for batch in batches:
            _count(append_prepared(conn, write, batch), counts)
    return _PartResult(stop - start, counts.outcomes, counts.rejected, write.deferred or set())


def derive_state(
    engine: Engine, write: WriteContext, progress: Progress, chunk: int = HOOK_CHUNK
) -> None:
    """Run the subject hooks the load deferred (ratings, list entries, prior notices), in
    large set-based passes: the same code the real-time path runs, for many subjects at once."""
    subject_ids = sorted(write.deferred or ())
    progress.stage("Computing ratings, list entries and notices", len(subject_ids))
    for start in range(0, len(subject_ids), chunk):
        part = set(subject_ids[start : start + chunk])
        with engine.begin() as conn:
            run_hooks(conn, write, part)
        progress.advance(len(part))
    if write.deferred is not None:
        write.deferred.clear()


@dataclass
class _Validators:
    """A load's statement validators, one per furnisher, each made when first needed."""

    catalogue: Catalogue
    today: date
    by_furnisher: dict[str, StatementValidator] = field(default_factory=dict)

    def valid(
        self, furnisher_id: str, buffer: list[Raw], counts: LoadCounts
    ) -> list[tuple[int, Statement]]:
        """The buffer's statements that pass validation, by row; the others are counted."""
        validator = self.by_furnisher.get(furnisher_id)
        if validator is None:
            validator = StatementValidator(self.catalogue, furnisher_id, self.today)
            self.by_furnisher[furnisher_id] = validator
        items: list[tuple[int, Statement]] = []
        for row, raw in enumerate(buffer):
            result = validator.validate(raw)
            if isinstance(result, Rejection):
                counts.rejected[result.code] += 1
            else:
                items.append((row, result))
        return items


def _flush(
    engine: Engine,
    write: WriteContext,
    furnisher_id: str,
    buffer: list[Raw],
    validators: _Validators,
    counts: LoadCounts,
) -> None:
    if buffer:
        items = validators.valid(furnisher_id, buffer, counts)
        with engine.begin() as conn:
            _count(append_statements(conn, write, furnisher_id, items), counts)
        buffer.clear()


def _count(outcomes: list[RowOutcome], counts: LoadCounts) -> None:
    for outcome in outcomes:
        key = outcome.outcome if outcome.reason is None else outcome.reason.code
        counts.outcomes[key] += 1


# principal id, display name, and the key printed for the demo. Demo keys are fixed so that
# the README and a re-run can show them; a real registry issues random keys (`credo principal`).
DEMO_PRINCIPALS: dict[Role, tuple[str, str]] = {
    Role.OPERATOR: ("demo-operator", "Demo credit information centre operator"),
    Role.FURNISHER: ("demo-court", "Demo City Intermediate People's Court (clerk)"),
    Role.RELYING_PARTY: ("demo-airline", "Demo City Airlines ticket desk"),
    Role.SUBJECT: ("demo-subject", "Demo subject"),
    Role.AUDITOR: ("demo-auditor", "Demo auditor"),
}


DEMO_RELYING_PARTY = "demo_airline"


def demo_key(role: Role) -> str:
    return f"credo-demo-{role.value.replace('_', '-')}-key"


def create_demo_principals(ctx: AppContext, subject_id: int | None) -> list[Credential]:
    """One principal per role; the subject principal acts for ``subject_id``. Roles whose
    scope the catalogue lacks (no relying party yet) are skipped rather than created without
    a scope."""
    with ctx.engine.begin() as conn:
        scopes = _scopes(ctx.catalogue, subject_id)
        for role, scope in scopes.items():
            principal_id, name = DEMO_PRINCIPALS[role]
            create_principal(
                conn,
                ctx.catalogue,
                principal_id=principal_id,
                role=role,
                display_name=name,
                now=ctx.clock.now(),
                key=demo_key(role),
                **scope,
            )
    return demo_credentials(ctx)


def _scopes(catalogue: Catalogue, subject_id: int | None) -> dict[Role, dict[str, Any]]:
    scopes: dict[Role, dict[str, Any]] = {
        Role.OPERATOR: {},
        Role.FURNISHER: {"furnisher_id": "city_court"},
        Role.AUDITOR: {},
    }
    if DEMO_RELYING_PARTY in catalogue.relying_parties:
        scopes[Role.RELYING_PARTY] = {"relying_party_id": DEMO_RELYING_PARTY}
    if subject_id is not None:
        scopes[Role.SUBJECT] = {"subject_id": subject_id}
    return scopes


def demo_credentials(ctx: AppContext) -> list[Credential]:
    """The demo principals that exist, with their keys and what each acts for."""
    found: list[Credential] = []
    with ctx.engine.connect() as conn:
        for role, (principal_id, _) in DEMO_PRINCIPALS.items():
            principal = find_principal(conn, principal_id)
            if principal is None:
                continue
            acts_for = (
                principal.furnisher_id
                or principal.relying_party_id
                or (f"subject {principal.subject_id}" if principal.subject_id else "")
            )
            found.append(
                Credential(
                    role, principal_id, demo_key(role), acts_for or "-", principal.subject_id
                )
            )
    return found


def statements_of(per_subject: Iterable[list[tuple[str, Raw]]]) -> Iterator[tuple[str, Raw]]:
    for statements in per_subject:
        yield from statements


NEGATIVE_TYPES = ("judgment_defaulter", "administrative_penalty", "tax_arrears")
GROUNDS = (
    "The amount is wrong: it was paid in part before the decision.",
    "The decision was annulled on review; the court has the ruling.",
    "The dates are wrong; the penalty concerned the previous owner.",
)
NOT_ME = "I never dealt with this authority: the identity number on the decision was mistyped."


def open_demo_disputes(
    ctx: AppContext, write: WriteContext, count: int, keep_subject: int | None
) -> int:
    """Open disputes and "not me" claims on records in effect, through the due-process
    service (each stops the record's effect until resolved)."""
    opened = 0
    with ctx.engine.begin() as conn:
        rows = demo_reads.records_in_effect(conn, NEGATIVE_TYPES, ctx.clock.today(), count * 2)
        for index, row in enumerate(r for r in rows if r.subject_id != keep_subject):
            if opened >= count:
                break
            kind = "identity_claim" if index % 7 == 0 else "dispute"
            grounds = NOT_ME if kind == "identity_claim" else GROUNDS[index % len(GROUNDS)]
            open_dispute(conn, write, row.subject_id, row.record_id, grounds, kind=kind)
            opened += 1
    return opened


def apply_demo_repairs(
    ctx: AppContext, write: WriteContext, count: int, keep_subject: int | None
) -> int:
    """Credit-repair applications for records that are eligible; ineligible ones are refused
    by the service and simply skipped."""
    repairable = [t.id for t in ctx.catalogue.record_types.values() if t.repairable.allowed]
    applied = 0
    with ctx.engine.connect() as conn:
        rows = demo_reads.records_in_effect(conn, repairable, ctx.clock.today(), count * 10)
    for row in rows:
        if applied >= count or row.subject_id == keep_subject:
            continue
        condition = ctx.catalogue.record_types[row.record_type].repairable.conditions[0]
        try:
            with ctx.engine.begin() as conn:
                repair.apply(
                    conn,
                    write,
                    row.subject_id,
                    "record",
                    row.record_id,
                    condition,
                    {"document": f"PROOF-{row.record_id[:8]}"},
                )
        except CredoError:
            continue
        applied += 1
    return applied
