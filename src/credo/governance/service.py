"""The assessment is the gate (G-48, G-25, G-08): a simulation is stored with the change it
assesses, and a catalogue goes live only when its change is approved and its simulation is of
this very catalogue, on this registry, recent enough.

"Current" (docs/governance.md): the simulation ran on this registry (the audit entry it
names still has the hash it recorded, so the chain it saw was not rewritten), on the live
catalogue the registry last activated, and both its run and the date it simulated are within
``max_age`` of activation. Records keep arriving in a live registry, so "no statement since"
would never hold for long; the statements accepted since the simulation are reported."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping

from credo.audit import approvals
from credo.audit.service import append, hash_at
from credo.catalog.catalogue import Catalogue
from credo.clock import Clock
from credo.context import subject_hooks
from credo.errors import Conflict, NotFound, ValidationFailed
from credo.governance import repository as repo
from credo.governance.fingerprint import content_hash, document_hash, rules_of
from credo.governance.simulate import FORMAT, summary_text
from credo.jsonvalue import utc
from credo.records.queries import feed_head, subjects_with_records
from credo.records.service import WriteContext, nothing_held, run_hooks

HEX64 = frozenset("0123456789abcdef")


def _is_hash(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= HEX64


def _field(document: Mapping[str, Any], path: str) -> Any:
    value: Any = document
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            raise ValidationFailed(
                f"the simulation has no {path!r}: attach the JSON of credo simulate"
            )
        value = value[key]
    return value


def _parse(document: Mapping[str, Any]) -> dict[str, Any]:
    """The stored columns of a simulation document, or a one-line error naming the field."""
    if _field(document, "format") != FORMAT:
        raise ValidationFailed(f"the simulation's format is not {FORMAT!r}")
    for path in ("catalogue.proposed.hash", "catalogue.live.hash", "registry.audit_hash"):
        if not _is_hash(_field(document, path)):
            raise ValidationFailed(f"the simulation's {path} is not a SHA-256 hex digest")
    numbers = {p: _field(document, p) for p in ("registry.audit_seq", "registry.feed_seq")}
    for path, number in numbers.items():
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise ValidationFailed(f"the simulation's {path} is not a sequence number")
    try:
        as_of = date.fromisoformat(_field(document, "as_of"))
        ran_at = datetime.fromisoformat(_field(document, "generated_at"))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"the simulation's as_of or generated_at is not ISO: {exc}") from exc
    summary = _field(document, "summary")
    if not isinstance(summary, Mapping):
        raise ValidationFailed("the simulation's summary is not an object")
    return {
        "catalogue_hash": document["catalogue"]["proposed"]["hash"],
        "live_catalogue_hash": document["catalogue"]["live"]["hash"],
        "as_of": as_of,
        "engine": str(_field(document, "engine"))[:16],
        "audit_seq": numbers["registry.audit_seq"],
        "audit_hash": document["registry"]["audit_hash"],
        "feed_seq": numbers["registry.feed_seq"],
        "ran_at": utc(ran_at),
        "summary": dict(summary),
    }


def store_simulation(
    conn: Connection, change_id: int, document: Mapping[str, Any], at: datetime
) -> dict[str, Any]:
    """Store the simulation a change is proposed with; refuse one not run on this registry.
    Returns what the audit entry records of it (its SHA-256 among them)."""
    row = _parse(document)
    if hash_at(conn, row["audit_seq"]) != row["audit_hash"]:
        raise ValidationFailed(
            f"the simulation names audit entry {row['audit_seq']} with a hash this registry's "
            "log does not have: it was not run on this registry"
        )
    sha = document_hash(dict(document))
    repo.insert_simulation(
        conn,
        {
            **row,
            "change_id": change_id,
            "document": dict(document),
            "sha256": sha,
            "created_at": at,
        },
    )
    return {
        "sha256": sha,
        "catalogue_hash": row["catalogue_hash"],
        "as_of": row["as_of"].isoformat(),
        "audit_seq": row["audit_seq"],
    }


@dataclass(frozen=True)
class Activation:
    version_id: int
    catalogue_hash: str
    rules: list[dict[str, Any]]  # the rule versions this activation records
    statements_since: int  # accepted after the simulation ran (informational)
    summary: str


def activate(
    conn: Connection,
    proposed: Catalogue,
    change_id: int,
    actor: str,
    now: datetime,
    max_age: timedelta,
) -> Activation:
    """Record ``proposed`` as the live catalogue for approved change ``change_id``, if its
    simulation is of this catalogue and current (G-48); the rules it adds or changes get a
    version with the published summary of the assessment (G-25, G-08)."""
    change = approvals.get_change(conn, change_id)
    if change is None:
        raise NotFound(f"no catalogue change {change_id}")
    if change.status != "approved":
        raise Conflict(
            f"catalogue change {change_id} is {change.status}, not approved: a second "
            "operator must approve it first (G-48)",
            code="change_not_approved",
        )
    simulation = repo.simulation_of_change(conn, change_id)
    if simulation is None:
        raise Conflict(
            f"catalogue change {change_id} has no simulation attached: nothing goes live "
            "without its assessment (G-48)",
            code="simulation_missing",
        )
    digest = content_hash(proposed)
    _check_current(conn, simulation, digest, now, max_age)
    return _record(conn, proposed, change_id, simulation, digest, actor, now)


def _check_current(
    conn: Connection, simulation: RowMapping, digest: str, now: datetime, max_age: timedelta
) -> None:
    if simulation["catalogue_hash"] != digest:
        raise Conflict(
            f"the simulation is of catalogue {simulation['catalogue_hash'][:12]}, not of this "
            f"one ({digest[:12]}): simulate this catalogue and propose it again",
            code="simulation_other_catalogue",
        )
    ran_at = utc(simulation["ran_at"])
    oldest = now - max_age
    if ran_at < oldest or simulation["as_of"] < oldest.date():
        raise Conflict(
            f"the simulation ran {ran_at.date().isoformat()} as of "
            f"{simulation['as_of'].isoformat()}, more than {max_age.days} days ago: simulate "
            "again on the current registry and propose it again (G-48)",
            code="simulation_stale",
        )
    if hash_at(conn, simulation["audit_seq"]) != simulation["audit_hash"]:
        raise Conflict(
            "the registry the simulation ran on is not this one (its audit entry differs)",
            code="simulation_other_registry",
        )
    live = repo.latest_version(conn)
    if live is not None and live["catalogue_hash"] != simulation["live_catalogue_hash"]:
        raise Conflict(
            "the simulation compared against a catalogue that is no longer the live one "
            f"({simulation['live_catalogue_hash'][:12]}, live: {live['catalogue_hash'][:12]})",
            code="simulation_other_baseline",
        )


def _record(
    conn: Connection,
    proposed: Catalogue,
    change_id: int,
    simulation: RowMapping,
    digest: str,
    actor: str,
    now: datetime,
) -> Activation:
    rules = rules_of(proposed)
    previous = repo.latest_version(conn)
    summary = summary_text(simulation["summary"])
    changed = _rule_rows(rules, previous["rules"] if previous else None, summary, now)
    seq = append(
        conn,
        f"operator:{actor}",
        "catalogue.activate",
        None,
        {
            "change_id": change_id,
            "catalogue_hash": digest,
            "simulation_sha256": simulation["sha256"],
            "rules": [f"{r['section']}:{r['rule_id']}:{r['change']}" for r in changed],
        },
        now,
    )
    version_id = repo.insert_version(
        conn,
        {
            "catalogue_hash": digest,
            "change_id": change_id,
            "simulation_id": simulation["id"],
            "activated_by": actor,
            "activated_at": now,
            "rules": rules,
            "summary": dict(simulation["summary"]),
            "audit_seq": seq,
        },
    )
    repo.insert_rule_versions(conn, [{**r, "version_id": version_id} for r in changed])
    approvals.mark_activated(conn, change_id)
    since = feed_head(conn) - int(simulation["feed_seq"])
    return Activation(version_id, digest, changed, since, summary)


def _rule_rows(
    rules: Mapping[str, Mapping[str, Mapping[str, Any]]],
    previous: Mapping[str, Mapping[str, Mapping[str, Any]]] | None,
    summary: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """The rules this activation adds, changes or removes (every rule, the first time)."""
    rows = []
    for section, entries in rules.items():
        before = (previous or {}).get(section, {})
        for rule_id, rule in entries.items():
            old = before.get(rule_id)
            if old is not None and old["hash"] == rule["hash"]:
                continue
            rows.append(
                _rule_row(
                    section, rule_id, rule, "added" if old is None else "changed", summary, now
                )
            )
        for rule_id in sorted(set(before) - set(entries)):
            rows.append(_rule_row(section, rule_id, before[rule_id], "removed", summary, now))
    return rows


def _rule_row(
    section: str, rule_id: str, rule: Mapping[str, Any], change: str, summary: str, now: datetime
) -> dict[str, Any]:
    return {
        "section": section,
        "rule_id": rule_id,
        "rule_version": rule.get("version"),
        "rule_hash": rule["hash"],
        "change": change,
        "activated_at": now,
        "summary": summary,
    }


# -- after activation: derived state under the new rules ------------------------------------


def rederive(
    engine: Engine,
    catalogue: Catalogue,
    clock: Clock,
    chunk: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Re-derive every subject's rating state, list entries and notices under ``catalogue``
    (the real-time hooks, as a bulk load's last pass runs them): the registry then says
    what the simulation said. Returns the subjects re-derived."""
    hooks = tuple(subject_hooks(catalogue, clock))
    write = WriteContext(
        catalogue, clock, hooks, holds=nothing_held
    )  # runs hooks, writes no record
    with engine.connect() as conn:
        subject_ids = subjects_with_records(conn)
    for start in range(0, len(subject_ids), chunk):
        with engine.begin() as conn:
            run_hooks(conn, write, set(subject_ids[start : start + chunk]))
        if progress:
            progress(min(start + chunk, len(subject_ids)), len(subject_ids))
    return len(subject_ids)


# -- what the console and the public catalogue page show ------------------------------------


def proposals(conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
    """The newest catalogue changes, each with its simulation's summary (its columns None
    where it has none)."""
    changes = approvals.changes(conn)[::-1][:limit]
    simulations = repo.simulations_of_changes(conn, [change.id for change in changes])
    return [
        {**asdict(change), **_simulation_summary(simulations.get(change.id))} for change in changes
    ]


def _simulation_summary(found: RowMapping | None) -> dict[str, Any]:
    names = ("simulation_id", "catalogue_hash", "as_of", "ran_at", "sha256", "summary")
    return {name: found[name] if found else None for name in names}


def simulation_document(conn: Connection, change_id: int) -> dict[str, Any]:
    found = repo.simulation_of_change(conn, change_id)
    if found is None:
        raise NotFound(f"catalogue change {change_id} has no simulation attached")
    return dict(found["document"])


def rule_history(conn: Connection) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(section, rule id) -> its recorded versions, oldest first, each with the date it went
    live and the published summary of its assessment (G-25, G-08)."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in repo.rule_history(conn):
        out.setdefault((row["section"], row["rule_id"]), []).append(dict(row))
    return out


def simulation_assessment(
    conn: Connection, simulation: Mapping[str, Any] | None, at: datetime
) -> approvals.Assess | None:
    """What ``approvals.propose`` takes to attach ``simulation`` to the change it records
    (G-48): stored with the change, its SHA-256 in the proposal's audit entry. None without a
    simulation."""
    if simulation is None:
        return None
    return lambda change_id: store_simulation(conn, change_id, simulation, at)
