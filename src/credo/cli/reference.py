"""``credo catalog reference``: write the generated catalogue reference and JSON Schemas."""

from __future__ import annotations

from pathlib import Path

import typer

from credo.catalog.reference import write_reference
from credo.ingest.mapping import Mapping


def register(catalog_app: typer.Typer) -> None:
    catalog_app.command("reference")(reference)


def reference(
    out: Path = typer.Option(
        Path("docs"), "--out", help="Folder for catalogue-reference.md and schemas/"
    ),
) -> None:
    """Write docs/catalogue-reference.md and docs/schemas/*.schema.json from the models."""
    written = write_reference(out, Mapping)
    typer.echo(f"wrote {len(written)} files under {out}")
