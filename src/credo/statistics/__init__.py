"""Statistics that leave the registry: aggregates only, small cells suppressed (G-50)."""

from credo.statistics.cells import DEFAULT_MIN_CELL, Aggregate, Cell, aggregate

__all__ = ["DEFAULT_MIN_CELL", "Aggregate", "Cell", "aggregate"]
