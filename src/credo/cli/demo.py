"""CLI commands for demo (placeholder: the owning package fills this in)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
