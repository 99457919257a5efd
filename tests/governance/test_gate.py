"""G-48: nothing goes live without its assessment. Activation is refused without a simulation,
with a stale one, with one of another catalogue, on another registry's log, or before a
second operator approves; a successful one records the version and the rules it changed,
which the public catalogue page shows with the published summary (G-25, G-08)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from credo.audit import service as audit
from credo.audit.approvals import decide, propose
from credo.errors import Conflict, ValidationFailed
from credo.governance import repository as repo
from credo.governance import service
from credo.governance.fingerprint import content_hash
from credo.web.api.app import create_app

from .conftest import MAX_AGE, Registry

SUMMARY = "Simulated on the registry as of 2026-06-01"
# the refusals are decided in Python over what the registry stored: one back end suffices
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _proposed(registry: Registry, document: dict[str, Any] | None, approve: bool = True) -> int:
    ctx = registry.ctx
    with ctx.engine.begin() as conn:
        assess = service.simulation_assessment(conn, document, ctx.clock.now())
        change_id = propose(
            conn, "ann", "Raise the threshold", {"x": 1}, "IA-17", ctx.clock.now(), assess
        )
        if approve:
            decide(conn, change_id, "bob", True, "", ctx.clock.now())
    return change_id


def _activate(registry: Registry, change_id: int, catalogue: Any = None) -> service.Activation:
    ctx = registry.ctx
    with ctx.engine.begin() as conn:
        return service.activate(
            conn, catalogue or registry.proposed, change_id, "ann", ctx.clock.now(), MAX_AGE
        )


def _refused(registry: Registry, change_id: int, code: str, catalogue: Any = None) -> None:
    with pytest.raises(Conflict) as refused:
        _activate(registry, change_id, catalogue)
    assert refused.value.code == code, refused.value.detail
    with registry.ctx.engine.connect() as conn:
        assert repo.latest_version(conn) is None


@SQLITE_ONLY
def test_g48_activation_without_a_simulation_is_refused(registry: Registry) -> None:
    _refused(registry, _proposed(registry, None), "simulation_missing")


@SQLITE_ONLY
def test_g48_activation_before_approval_is_refused(registry: Registry) -> None:
    change_id = _proposed(registry, registry.simulate(), approve=False)
    _refused(registry, change_id, "change_not_approved")


@SQLITE_ONLY
def test_g48_a_stale_simulation_is_refused(registry: Registry) -> None:
    change_id = _proposed(registry, registry.simulate())
    registry.ctx.clock.advance(days=8)  # type: ignore[attr-defined]
    _refused(registry, change_id, "simulation_stale")


@SQLITE_ONLY
def test_g48_a_simulation_of_another_catalogue_is_refused(registry: Registry) -> None:
    change_id = _proposed(registry, registry.simulate())
    _refused(registry, change_id, "simulation_other_catalogue", registry.live)


def test_g48_a_simulation_not_run_on_this_registry_is_refused_at_proposal(
    registry: Registry,
) -> None:
    document = registry.simulate()
    forged = {**document, "registry": {**document["registry"], "audit_hash": "0" * 64}}
    with pytest.raises(ValidationFailed, match="not run on this registry"):
        _proposed(registry, forged)


def test_g48_g25_g08_activation_records_the_version_and_publishes_its_summary(
    registry: Registry,
) -> None:
    ctx = registry.ctx
    document = registry.simulate()
    change_id = _proposed(registry, document)
    done = _activate(registry, change_id)
    assert done.catalogue_hash == content_hash(registry.proposed)
    # the first activation versions every rule; a second one only what it changes
    assert {(r["section"], r["rule_id"]) for r in done.rules} >= {
        ("ratings", "contract_performance"),
        ("measures", "licensing_review_defaulter"),
    }
    with ctx.engine.connect() as conn:
        logged = audit.verify(conn)
        entries = [dict(row) for row in repo.rule_history(conn)]
    assert logged.ok
    assert all(e["summary"].startswith(SUMMARY) for e in entries)
    # the same change cannot go live twice
    with ctx.engine.begin() as conn, pytest.raises(Conflict):
        service.activate(conn, registry.proposed, change_id, "ann", ctx.clock.now(), MAX_AGE)
    with TestClient(create_app(ctx)) as client:
        page = client.get("/catalogue").text
    assert 'data-rule="ratings:contract_performance"' in page
    assert "v2 · added" in page and SUMMARY in page


def test_g48_the_audit_log_holds_the_simulation_hash(registry: Registry) -> None:
    from credo.audit import repository as audit_repo
    from credo.governance.fingerprint import document_hash

    document = registry.simulate()
    _proposed(registry, document, approve=False)
    with registry.ctx.engine.connect() as conn:
        entry = audit_repo.last_entry_with_action(conn, "catalogue.propose")
        stored = repo.simulation_of_change(conn, 1)
    assert entry is not None and stored is not None
    assert document_hash(document) in entry["payload"] and stored["sha256"] == document_hash(
        document
    )


def test_g48_a_later_change_needs_a_simulation_against_the_live_baseline(
    registry: Registry,
) -> None:
    """After the proposal went live, a simulation made against the old catalogue is stale."""
    old_baseline = registry.simulate()
    _activate(registry, _proposed(registry, registry.simulate()))
    registry.ctx.clock.advance(days=1)  # type: ignore[attr-defined]
    change_id = _proposed(registry, old_baseline)
    _refused_after_first(registry, change_id)


def _refused_after_first(registry: Registry, change_id: int) -> None:
    with pytest.raises(Conflict) as refused:
        _activate(registry, change_id)
    assert refused.value.code == "simulation_other_baseline"


def test_max_age_is_a_setting() -> None:
    from credo.settings import Settings

    assert Settings(simulation_max_age_days=3).simulation_max_age_days == 3
    assert timedelta(days=Settings().simulation_max_age_days) == MAX_AGE
