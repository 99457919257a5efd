"""``credo audit verify``: recompute the hash chain, check the record statements and inquiries
against it, and report the first problem (G-47); ``--checkpoint FILE`` also checks a signed
checkpoint of the head. ``credo audit checkpoint``: sign the head with a key kept outside the
database (``credo.audit.checkpoint``)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer

from credo.audit import checkpoint as checkpoints
from credo.audit import service as audit
from credo.audit.integrity import AuditedData
from credo.checks.service import audited_inquiries
from credo.cli.common import JSON, context_from_env, fail, print_json, say
from credo.errors import CredoError
from credo.records.queries import audited_statements

KEY_HELP = "The Ed25519 signing key (PEM; made, owner-only, if missing), outside the database"
TRUST_HELP = "The signer's public key (base64, as `credo audit public-key` prints it) to insist on"


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
    app.add_typer(audit_app, name="audit")

    @audit_app.command("verify")
    def verify(
        as_json: bool = JSON,
        checkpoint: Path | None = typer.Option(
            None, "--checkpoint", help="Also check this signed checkpoint of the head"
        ),
        public_key: str | None = typer.Option(
            None, "--public-key", envvar="CREDO_AUDIT_PUBLIC_KEY", help=TRUST_HELP
        ),
    ) -> None:
        """Recompute every link of the audit chain and check every record statement and
        inquiry against its entry; exit 1 at the first problem (with --json, the JSON is
        printed first)."""
        ctx = context_from_env()
        with ctx.engine.connect() as conn:
            result = audit.verify(conn, _audited())
            anchored = _check_checkpoint(conn, checkpoint, public_key) if checkpoint else None
        if as_json:
            print_json(_as_json(result, anchored))
        broken = result.broken
        if broken is not None:
            fail(f"first broken link at entry {broken.seq} ({broken.problem}): {broken.detail}")
        if anchored is not None and not anchored.ok:
            entry = f" at entry {anchored.seq}" if anchored.seq is not None else ""
            fail(f"checkpoint {checkpoint} does not hold{entry}: {anchored.problem}")
        if not as_json:
            _print_ok(result, anchored)

    @audit_app.command("checkpoint")
    def checkpoint(
        key: Path = typer.Option(..., "--key", envvar="CREDO_AUDIT_KEY", help=KEY_HELP),
        out: Path | None = typer.Option(None, "--out", help="Write it here (default: print)"),
        as_json: bool = JSON,
    ) -> None:
        """Verify the log, sign its head and record the checkpoint (published at
        GET /v1/audit/checkpoint). Without --out, or with --json, print it as JSON."""
        ctx = context_from_env()
        try:
            signer = checkpoints.load_or_create_key(key)
            with ctx.engine.begin() as conn:
                written = checkpoints.write_checkpoint(conn, signer, ctx.clock.now(), _audited())
        except CredoError as exc:
            fail(exc.detail)
        if out is not None:
            checkpoints.write_file(out, written)
        if out is None or as_json:
            print_json(written)
            return
        say(f"checkpoint of entry {written['seq']} signed by key {written['key_id']}: {out}")

    @audit_app.command("public-key")
    def public_key_of(
        key: Path = typer.Option(..., "--key", envvar="CREDO_AUDIT_KEY", help=KEY_HELP),
        as_json: bool = JSON,
    ) -> None:
        """Print the public key that verifiers pin (base64)."""
        try:
            text = checkpoints.public_key_text(checkpoints.load_or_create_key(key))
        except CredoError as exc:
            fail(exc.detail)
        if as_json:
            print_json({"public_key": text})
        else:
            say(text)


def _audited() -> AuditedData:
    """The rows the log vouches for, read through their owners' functions."""
    return AuditedData(audited_statements(), audited_inquiries())


def _check_checkpoint(conn: Any, path: Path, trusted: str | None) -> checkpoints.CheckpointCheck:
    try:
        return checkpoints.verify_checkpoint(conn, checkpoints.read_file(path), trusted)
    except CredoError as exc:
        fail(exc.detail)


def _as_json(
    result: audit.Verification, anchored: checkpoints.CheckpointCheck | None
) -> dict[str, Any]:
    broken = result.broken
    return {
        "ok": result.ok and (anchored is None or anchored.ok),
        "checked": result.checked,
        "rows": None if result.data is None else asdict(result.data),
        "first_broken": None
        if broken is None
        else {"seq": broken.seq, "problem": broken.problem, "detail": broken.detail},
        "checkpoint": None if anchored is None else asdict(anchored),
    }


def _print_ok(result: audit.Verification, anchored: checkpoints.CheckpointCheck | None) -> None:
    say(f"audit chain intact: {result.checked} entries verified", style="green")
    if result.data is not None:
        d = result.data
        say(
            f"data matches the log: {d.statements} record statements "
            f"({d.tombstones} erased at retention end), {d.inquiries} inquiries "
            f"({d.inquiries_purged} purged after retention)",
            style="green",
        )
    if anchored is not None:
        say(
            f"checkpoint holds: entry {anchored.seq}, signed by key {anchored.key_id}",
            style="green",
        )
