"""SQLite test databases: migrate one template file per session, copy it for each test."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path


def url_for(path: Path) -> str:
    return f"sqlite:///{path}"


def create_template(path: Path, migrate: Callable[[str], None]) -> Path:
    """Run `migrate(url)` on a new SQLite file at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    migrate(url_for(path))
    return path


def clone(template: Path, dest: Path) -> str:
    """Copy `template` to `dest` (with SQLite's backup API, so WAL content comes along)."""
    source = sqlite3.connect(template)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return url_for(dest)
