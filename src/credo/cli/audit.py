"""``credo audit verify``: recompute the hash chain and report the first broken link (G-47)."""

from __future__ import annotations

import typer

from credo.audit import service as audit
from credo.cli.common import console, context_from_env, fail, print_json


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
    app.add_typer(audit_app, name="audit")

    @audit_app.command("verify")
    def verify(as_json: bool = typer.Option(False, "--json", help="Print JSON")) -> None:
        """Recompute every link of the audit chain; exit 1 at the first broken one."""
        ctx = context_from_env()
        with ctx.engine.connect() as conn:
            result = audit.verify(conn)
        broken = result.broken
        if as_json:
            print_json(
                {
                    "ok": result.ok,
                    "checked": result.checked,
                    "first_broken": None
                    if broken is None
                    else {"seq": broken.seq, "problem": broken.problem, "detail": broken.detail},
                }
            )
        if broken is not None:
            fail(f"first broken link at entry {broken.seq} ({broken.problem}): {broken.detail}")
        if not as_json:
            console.print(f"[green]audit chain intact[/]: {result.checked} entries verified")
