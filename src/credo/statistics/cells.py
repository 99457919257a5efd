"""Counts about people become aggregates with small cells suppressed (G-50).

Every statistic about natural persons that leaves the registry (the operator console's charts,
a simulation's report, an export) goes through :func:`aggregate`. A cell counting fewer than
``minimum`` people (but more than none) is suppressed: it is shown as ``<minimum`` and its
count is not given. So that no suppressed count can be worked out by subtraction:

- the total is the sum of the cells shown, never of the suppressed ones;
- when exactly one cell is suppressed, the next smallest non-zero cell is suppressed with it
  (secondary suppression), so that a total known from elsewhere does not reveal it either.

Zero cells are shown: "nobody" identifies nobody."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

DEFAULT_MIN_CELL = 10
SMALLEST_MIN_CELL = 5  # below this a "minimum" protects no one (the catalogue's floor too)


@dataclass(frozen=True, slots=True)
class Cell(Generic[K]):
    key: K
    count: int | None  # None: suppressed
    shown: str  # the count, or "<minimum"

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True, slots=True)
class Aggregate(Generic[K]):
    cells: tuple[Cell[K], ...]
    total: int  # of the cells shown only
    minimum: int

    @property
    def suppressed(self) -> int:
        return sum(cell.suppressed for cell in self.cells)


def aggregate(counts: Mapping[K, int], minimum: int = DEFAULT_MIN_CELL) -> Aggregate[K]:
    """The cells of ``counts`` (group key -> number of people), in the given order, with every
    cell below ``minimum`` suppressed and shown as ``<minimum`` (G-50)."""
    if minimum < SMALLEST_MIN_CELL:
        raise ValueError(
            f"a minimum cell size of {minimum} protects no one (at least {SMALLEST_MIN_CELL})"
        )
    if any(n < 0 for n in counts.values()):
        raise ValueError("counts cannot be negative")
    hidden = {key for key, n in counts.items() if 0 < n < minimum}
    if len(hidden) == 1:  # alone, it would follow from a known total minus the others
        others = [
            (n, i) for i, (key, n) in enumerate(counts.items()) if n > 0 and key not in hidden
        ]
        if others:
            smallest = min(others)[1]
            hidden.add(list(counts)[smallest])
    cells = tuple(
        Cell(key, None, f"<{minimum}") if key in hidden else Cell(key, n, str(n))
        for key, n in counts.items()
    )
    total = sum(cell.count for cell in cells if cell.count is not None)
    return Aggregate(cells, total, minimum)
