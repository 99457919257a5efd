"""The application context: settings, catalogue, engine and clock, built once at the edge
(CLI command or server start-up) and passed to services. No module-level state."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from credo.catalog.catalogue import Catalogue
from credo.catalog.loader import load_catalogue
from credo.checks import subscriptions
from credo.clock import Clock, SystemClock
from credo.db.connect import make_engine
from credo.lists import realtime as lists_realtime
from credo.notices import list_notices, record_notices
from credo.quality.hold import held_rejections
from credo.ratings import realtime as ratings_realtime
from credo.records.service import SubjectHook, WriteContext
from credo.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    catalogue: Catalogue
    engine: Engine
    clock: Clock
    hooks: list[SubjectHook] = field(default_factory=list)

    def write_context(self) -> WriteContext:
        return WriteContext(self.catalogue, self.clock, tuple(self.hooks), holds=held_rejections)


def subject_hooks(catalogue: Catalogue, clock: Clock) -> list[SubjectHook]:
    """The re-evaluations that run in the write transaction when a subject's records change.
    Each domain that derives state from records (ratings, list entries, the subscribers'
    outbox, notices) contributes one."""
    return [
        ratings_realtime.make_hook(catalogue, clock),
        lists_realtime.make_hook(catalogue, clock),
        subscriptions.make_hook(catalogue, clock),
        list_notices.make_hook(catalogue, clock),  # after the lists hook: G-22 prior notice
        record_notices.make_hook(catalogue, clock),  # delistings, confirmations beyond ceiling
    ]


def build_context(
    settings: Settings, clock: Clock | None = None, engine: Engine | None = None
) -> AppContext:
    """Load the catalogue (raises CatalogueError when invalid) and open the database."""
    catalogue = load_catalogue(settings.catalog_path, settings.profile)
    clock = clock or SystemClock()
    engine = engine or make_engine(settings.database_url)
    return AppContext(settings, catalogue, engine, clock, subject_hooks(catalogue, clock))
