"""Fixtures for ingestion tests: the shipped NYC mapping, a write context on the demo
catalogue, synthetic NYC-shaped rows, and a second fresh database on the same back end."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from credo.catalog.catalogue import Catalogue
from credo.clock import FixedClock
from credo.records.service import WriteContext, nothing_held
from harness import sqlite as sqlite_harness

REPO = Path(__file__).resolve().parents[2]
NYC_MAPPING = REPO / "mappings" / "nyc_restaurant_inspections.yaml"
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
COLUMNS = [
    "camis",
    "boro",
    "zipcode",
    "cuisine_code",
    "inspection_date",
    "inspection_type",
    "action",
    "violation_code",
    "critical_flag",
    "score",
    "grade",
    "grade_date",
    "record_date",
]


@pytest.fixture
def write_ctx(catalogue: Catalogue) -> WriteContext:
    return WriteContext(catalogue, FixedClock(NOW), holds=nothing_held)


def inspection_row(i: int, **overrides: str) -> dict[str, str]:
    """A valid NYC-shaped row; ``i`` varies the establishment, date and violation."""
    day = date(2015, 1, 1) + timedelta(days=i % 300)
    row = {
        "camis": f"{40000000 + i % 97:08d}",
        "boro": "BRONX",
        "zipcode": "10462",
        "cuisine_code": "8",
        "inspection_date": day.isoformat(),
        "inspection_type": "Cycle Inspection / Initial Inspection",
        "action": "Violations were cited in the following area(s).",
        "violation_code": f"{i % 89:02d}A",
        "critical_flag": "Critical" if i % 2 else "Not Critical",
        "score": str(i % 40),
        "grade": "A" if i % 40 < 14 else "",
        "grade_date": day.isoformat() if i % 40 < 14 else "",
        "record_date": "2016-01-06",
    }
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def other_database_url(
    database_url: str,
    request: pytest.FixtureRequest,
    migrate: Callable[[str], None],
    database_templates: Any,
    tmp_path: Path,
) -> Iterator[str]:
    """A second fresh, migrated database on the same back end as ``database_url``."""
    if database_url.startswith("sqlite"):
        template = database_templates.sqlite(migrate)
        yield sqlite_harness.clone(template, tmp_path / "other.db")
        return
    server = request.getfixturevalue("postgres_server")
    name, url = server.clone(database_templates.postgres(server, migrate))
    try:
        yield url
    finally:
        server.drop_database(name)
