"""Signed checkpoints of the audit log's head (issue 11): written by ``credo audit checkpoint``
with an Ed25519 key kept outside the database, published at ``GET /v1/audit/checkpoint`` and
verified by ``credo audit verify --checkpoint FILE``; a log rewritten behind the checkpoint,
a forged signature or another signer's key is caught."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from credo.audit import checkpoint as checkpoints
from credo.audit import service as audit
from credo.audit.service import canonical_payload, link_hash
from credo.cli.main import app
from credo.clock import FixedClock
from credo.context import build_context
from credo.settings import Settings
from credo.web.api.app import create_app
from harness.audited import AUDITED

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {"CREDO_DATABASE_URL": database_url}


def _log(engine: Engine, n: int) -> None:
    with engine.begin() as conn:
        for i in range(n):
            audit.append(conn, "operator:ann", "test.step", None, {"i": i}, T0)


def _checkpoint(env: dict[str, str], key: Path, out: Path) -> dict[str, object]:
    result = CliRunner().invoke(
        app, ["audit", "checkpoint", "--key", str(key), "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    return dict(orjson.loads(out.read_bytes()))


def _verify(env: dict[str, str], out: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify", "--checkpoint", str(out), *extra], env=env)
    return result.exit_code, " ".join(result.output.split())


def test_a_checkpoint_is_signed_recorded_and_verified(
    engine: Engine, env: dict[str, str], tmp_path: Path
) -> None:
    _log(engine, 3)
    key, out = tmp_path / "keys" / "audit.pem", tmp_path / "checkpoint.json"
    written = _checkpoint(env, key, out)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600  # the key is the signer's alone
    assert (written["seq"], written["format"]) == (3, checkpoints.FORMAT)
    _log(engine, 2)  # the log grows after the checkpoint: it still holds
    code, said = _verify(env, out)
    assert code == 0, said
    assert f"checkpoint holds: entry 3, signed by key {written['key_id']}" in said
    public = CliRunner().invoke(app, ["audit", "public-key", "--key", str(key)], env=env)
    code, said = _verify(env, out, "--public-key", public.output.strip())
    assert code == 0, said
    with engine.connect() as conn:
        assert checkpoints.latest(conn) == written  # recorded in the log (entry 4)


def test_a_rewritten_log_fails_the_checkpoint(
    engine: Engine, env: dict[str, str], tmp_path: Path
) -> None:
    """Someone who can rewrite the whole chain and its head passes the chain check, but not
    a checkpoint taken before."""
    _log(engine, 3)
    out = tmp_path / "checkpoint.json"
    _checkpoint(env, tmp_path / "audit.pem", out)
    _rewrite_chain(engine, seq=2, payload={"i": 99})
    with engine.connect() as conn:
        assert audit.verify(conn, AUDITED).ok  # the chain alone cannot tell
    code, said = _verify(env, out)
    assert code == 1
    assert f"checkpoint {out} does not hold at entry 3: hash_mismatch" in said


def _rewrite_chain(engine: Engine, seq: int, payload: dict[str, int]) -> None:
    """Change entry ``seq`` and recompute every later hash and the head."""
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT * FROM audit_log ORDER BY seq")).mappings().all()
        prev = rows[seq - 2]["hash"] if seq > 1 else audit.GENESIS
        for row in rows[seq - 1 :]:
            body = canonical_payload(payload) if row["seq"] == seq else row["payload"]
            digest = link_hash(row["seq"], row["at"], row["actor"], row["action"], None, body, prev)
            conn.execute(
                text("UPDATE audit_log SET payload = :p, prev_hash = :v, hash = :h WHERE seq = :s"),
                {"p": body, "v": prev, "h": digest, "s": row["seq"]},
            )
            prev = digest
        conn.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})


def test_a_forged_or_foreign_checkpoint_fails(
    engine: Engine, env: dict[str, str], tmp_path: Path
) -> None:
    _log(engine, 2)
    out = tmp_path / "checkpoint.json"
    written = _checkpoint(env, tmp_path / "audit.pem", out)
    forged = tmp_path / "forged.json"
    checkpoints.write_file(forged, {**written, "seq": 1})
    assert _verify(env, forged)[1].endswith("does not hold: bad_signature")
    other = checkpoints.public_key_text(checkpoints.load_or_create_key(tmp_path / "other.pem"))
    code, said = _verify(env, out, "--public-key", other)
    assert code == 1 and "does not hold at entry 2: untrusted_key" in said


def test_a_broken_log_is_never_signed(engine: Engine, env: dict[str, str], tmp_path: Path) -> None:
    _log(engine, 2)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'operator:eve' WHERE seq = 1"))
    result = CliRunner().invoke(
        app, ["audit", "checkpoint", "--key", str(tmp_path / "k.pem")], env=env
    )
    assert result.exit_code == 1
    assert "no checkpoint signed" in " ".join(result.output.split())


def test_the_newest_checkpoint_is_public(
    engine: Engine, database_url: str, env: dict[str, str], tmp_path: Path
) -> None:
    ctx = build_context(Settings(database_url=database_url), clock=FixedClock(T0), engine=engine)
    with TestClient(create_app(ctx)) as client:
        assert client.get("/v1/audit/checkpoint").status_code == 404
        _log(engine, 2)
        written = _checkpoint(env, tmp_path / "audit.pem", tmp_path / "c.json")
        published = client.get("/v1/audit/checkpoint")  # no key: the public may read it
    assert published.status_code == 200
    assert published.json() == written


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_demo_writes_a_checkpoint_that_verifies(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"CREDO_DATABASE_URL": database_url}
    built = CliRunner().invoke(
        app,
        ["demo", "--no-serve", "--size", "tiny", "--persons", "30", "--organisations", "8"],
        env=env,
    )
    assert built.exit_code == 0, built.output
    assert stat.S_IMODE((tmp_path / "credo-audit-key.pem").stat().st_mode) == 0o600
    code, said = _verify(env, tmp_path / "credo-checkpoint.json")
    assert code == 0, said
    assert "checkpoint holds: entry" in said and "data matches the log" in said
