"""The one owner of "in effect on date D": when a record, and so every list entry, rating
input and measure built on it, has effect.

Time has two axes (docs/architecture.md, "Time"): the valid time of the event in the world
(``effective_from`` .. ``effect_until``, dates) and the system time at which the registry learnt
it (``received_at``). The current view (``record_current``) is what is known now; the statements
received by a moment give what was known then. Both carry the same columns, so one rule serves
both.

Two halves:

- ``term_of``/``fold_end``: the end of a record's effect, decided once when a statement arrives.
  The decision's own term (an end date, or open-ended until an event) bounded by the record
  type's maximum effect counted from the start or from the furnisher's latest confirmation;
  cut short by an event (performed, delisted). Every end has a reason a person can read
  (``END_REASONS``).
- ``RULE``: the clauses a record must meet on date D, written once as data, rendered here into
  every form an engine needs: a SQLAlchemy clause (SQLite, PostgreSQL), SQL text for the rating
  compiler (DuckDB dialect, transpiled by SQLGlot to SQLite, PostgreSQL, DuckDB and Spark), a
  Polars expression, and a Python predicate that also says why a record is not in effect.

Nothing else in the code base may restate these comparisons.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy import RowMapping

    from credo.catalog.catalogue import Catalogue
    from credo.catalog.models import Duration

# Why a record's effect ends (or never began). Shown to subjects, relying parties and the public.
PERIOD_ENDED = "period_ended"  # the decided term (or the type's own period) ran out
CAPPED = "capped_by_ceiling"  # a longer decided term met the ceiling, with no confirmation
LAPSED = "lapsed_unconfirmed"  # an open-ended term met the ceiling, with no confirmation
DELISTED = "delisted"  # the authority ended it early (a delist statement, a full-list delivery)
PERFORMED = "performed"  # the obligation was performed
ANNULLED = "annulled"  # revoked: the decision was annulled and never had effect
REPAIRED = "repaired"  # credit repair approved (a suppression)
RETENTION_ENDED = "retention_ended"
NOT_YET = "not_yet_in_effect"
NOT_FINAL = "not_final"  # under appeal, and not enforceable pending appeal (G-06)
SUSPENDED = "suspended"  # an open dispute, "not me" claim or unverified record (G-20, G-26)
DELETED = "deleted"  # deleted after a dispute (G-31)
END_REASONS = (PERIOD_ENDED, CAPPED, LAPSED, DELISTED, PERFORMED, ANNULLED, REPAIRED)

# The events that may end an open-ended term (the decision names which).
UNTIL_EVENTS = ("performance", "conditional_release", "revocation")

# Statement actions. ``confirm``: the competent furnisher re-confirms that the decision is still
# in effect (restarts the ceiling); ``delist``: the authority ends it early.
ACTIONS = ("assert", "correct", "revoke", "perform", "confirm", "delist")
STATE_OF_ACTION = {
    "assert": "active",
    "correct": "active",
    "confirm": "active",
    "revoke": "revoked",
    "perform": "performed",
    "delist": "delisted",
}


# -- the end of a record's effect -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """The term a decision set: ``ends_on`` (the first day without effect) or open-ended
    ``until`` an event, with an optional ``review_on``; neither means the type's own period."""

    ends_on: date | None = None
    until: str | None = None
    review_on: date | None = None


def ceiling_end(max_effect: Duration, anchor: date) -> date:
    """The last moment the ceiling allows, counted from the start or the latest confirmation."""
    return max_effect.add_to(anchor)


def term_end(term: Term, ceiling: date) -> tuple[date, str]:
    """The end a term reaches with no event, and why, given the ceiling's end."""
    if term.ends_on is not None:
        if term.ends_on <= ceiling:
            return term.ends_on, PERIOD_ENDED
        return ceiling, CAPPED
    if term.until is not None:
        return ceiling, LAPSED
    return ceiling, PERIOD_ENDED


def cut_short(end: date, reason: str, event_on: date | None, event_reason: str) -> tuple[date, str]:
    """An event (performance, delisting) ends the effect on its date if that comes first."""
    if event_on is not None and event_on < end:
        return event_on, event_reason
    return end, reason


# -- the rule: clauses on date D ---------------------------------------------------------------

AS_OF = object()  # the operand that stands for the date asked about


@dataclass(frozen=True, slots=True)
class Clause:
    """``column op operand``; ``reason``: why a record failing it is not in effect (a column
    name in brackets reads the reason from the row)."""

    column: str
    op: Literal["le", "gt", "ne", "final", "not"]
    operand: Any
    reason: str


RULE: tuple[Clause, ...] = (
    Clause("state", "ne", "revoked", ANNULLED),
    Clause("finality", "final", None, NOT_FINAL),
    Clause("suppressed", "not", None, SUSPENDED),
    Clause("effective_from", "le", AS_OF, NOT_YET),
    Clause("effect_until", "gt", AS_OF, "[end_reason]"),
    Clause("expires_on", "gt", AS_OF, RETENTION_ENDED),
)
# The clauses that do not depend on D: a record meeting them has effect on the days of
# ``interval(row)`` (lists turn those intervals into entries).
STANDING = tuple(c for c in RULE if c.operand is not AS_OF)
# A chain that has not ended by D, whatever else holds (a disputed or appealed decision is still
# on its furnisher's list): what a full-list delivery of D confirms or, when absent, delists.
ONGOING = (Clause("state", "ne", "revoked", ANNULLED), RULE[4])


@dataclass(frozen=True)
class EffectRule:
    """The rule with the catalogue's record types that are enforceable pending appeal (G-06)."""

    pending_appeal_types: tuple[str, ...] = ()

    @classmethod
    def of(cls, catalogue: Catalogue) -> EffectRule:
        return cls(pending_appeal_types(catalogue))

    # -- Python ---------------------------------------------------------------------------

    def why_not(self, row: Mapping[str, Any], on: date | None) -> str | None:
        """None if ``row`` is in effect on ``on`` (``None``: the standing clauses only), else
        the reason. ``row`` has the record columns and ``suppressed`` (a bool or the reason of
        an open suppression, such as ``repaired``)."""
        for clause in RULE if on is not None else STANDING:
            if not self._holds(clause, row, on):
                return self._reason(clause, row)
        return None

    def holds(self, row: Mapping[str, Any], on: date) -> bool:
        return self.why_not(row, on) is None

    def _holds(self, clause: Clause, row: Mapping[str, Any], on: date | None) -> bool:
        value = row[clause.column]
        operand = on if clause.operand is AS_OF else clause.operand
        if clause.op == "le":
            return bool(value <= operand)
        if clause.op == "gt":
            return bool(value > operand)
        if clause.op == "ne":
            return bool(value != operand)
        if clause.op == "final":
            return value == "final" or row["record_type"] in self.pending_appeal_types
        return not value

    @staticmethod
    def _reason(clause: Clause, row: Mapping[str, Any]) -> str:
        if clause.column == "suppressed" and isinstance(row["suppressed"], str):
            return row["suppressed"] if row["suppressed"] in (REPAIRED, DELETED) else SUSPENDED
        if clause.reason.startswith("["):
            return str(row.get(clause.reason[1:-1]) or PERIOD_ENDED)
        return clause.reason

    # -- SQLAlchemy -----------------------------------------------------------------------

    def sqlalchemy(
        self,
        columns: Any,
        on: date | Any | None,
        suppressed: Any = None,
        clauses: tuple[Clause, ...] | None = None,
    ) -> Any:
        """A clause over a table's ``columns`` (``table.c``) for ``on`` (a date or a column;
        ``None``: the standing clauses only); ``suppressed``: a boolean SQL expression;
        ``clauses``: a part of the rule instead of all of it (``ONGOING``)."""
        from sqlalchemy import and_, not_, or_

        def render(clause: Clause) -> Any:
            if clause.column == "suppressed":
                return not_(suppressed)
            column = columns[clause.column]
            operand = on if clause.operand is AS_OF else clause.operand
            if clause.op == "le":
                return column <= operand
            if clause.op == "gt":
                return column > operand
            if clause.op == "ne":
                return column != operand
            final = column == "final"
            if self.pending_appeal_types:
                final = or_(final, columns["record_type"].in_(list(self.pending_appeal_types)))
            return final

        chosen = clauses if clauses is not None else (RULE if on is not None else STANDING)
        return and_(*[render(c) for c in chosen])

    # -- SQL text for the rating compiler (DuckDB dialect, transpiled by SQLGlot) ----------

    def sql(self, alias: str, on: str) -> str:
        """The rule over ``alias``'s columns (with a boolean ``suppressed`` column) for the SQL
        date expression ``on``."""
        from sqlglot import exp

        def literal(value: str) -> str:
            return exp.Literal.string(value).sql(dialect="duckdb")

        def render(clause: Clause) -> str:
            column = f"{alias}.{clause.column}"
            operand = on if clause.operand is AS_OF else literal(str(clause.operand))
            if clause.op == "le":
                return f"{column} <= {operand}"
            if clause.op == "gt":
                return f"{column} > {operand}"
            if clause.op == "ne":
                return f"{column} <> {operand}"
            if clause.op == "final":
                appeal = ", ".join(literal(t) for t in self.pending_appeal_types)
                extra = f" OR {alias}.record_type IN ({appeal})" if appeal else ""
                return f"({column} = 'final'{extra})"
            return f"NOT {column}"

        return " AND ".join(render(c) for c in RULE)

    # -- Polars ---------------------------------------------------------------------------

    def polars(self, on: date) -> pl.Expr:
        """The rule over a frame with the record columns and a boolean ``suppressed``."""
        import polars as pl

        renders: dict[str, Callable[[Clause], pl.Expr]] = {
            "le": lambda c: pl.col(c.column) <= on,
            "gt": lambda c: pl.col(c.column) > on,
            "ne": lambda c: pl.col(c.column) != c.operand,
            "not": lambda c: ~pl.col(c.column),
            "final": lambda c: (
                (pl.col(c.column) == "final")
                | pl.col("record_type").is_in(list(self.pending_appeal_types))
            ),
        }
        expr = pl.lit(True)
        for clause in RULE:
            expr = expr & renders[clause.op](clause)
        return expr


def interval(row: Mapping[str, Any] | RowMapping) -> tuple[date, date]:
    """The days [start, end) on which a record meeting the standing clauses has effect: the
    date clauses of ``RULE`` as an interval (the end is the earlier of its effect's end and
    its retention)."""
    return row["effective_from"], min(row["effect_until"], row["expires_on"])


def pending_appeal_types(catalogue: Catalogue) -> tuple[str, ...]:
    """The record types that take effect before they are final (G-06): the one place this
    catalogue flag is read."""
    return tuple(
        sorted(t.id for t in catalogue.record_types.values() if t.enforceable_pending_appeal)
    )


def end_reason_of(row: Mapping[str, Any] | RowMapping) -> str:
    return str(row.get("end_reason") or PERIOD_ENDED)
