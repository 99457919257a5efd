"""Exports of what is public anyway, within G-50.

- A rating's results: organisations and public bodies one by one (only for a rating the
  catalogue publishes); everyone else, natural persons always, only as counts per subject kind
  and band, with cells below the catalogue's ``registry.min_cell_size`` suppressed
  (``credo.statistics.aggregate``).
- A list's entries: a public list exactly as the public register shows it, with the register's
  own masking (``credo.register``: a person's resident ID masked, case numbers that could
  hold one masked); a list that is not public only as counts per subject kind and year.

Rows are read in chunks and written at once (``credo.exports.writers``): an export of any size
holds one chunk in memory. Every export, and every page of one through the API, is an audit
entry (G-47) naming who, what, the filters and the number of rows that left."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO, Literal

import pyarrow as pa
from sqlalchemy import Connection

from credo.audit import service as audit
from credo.catalog.catalogue import Catalogue
from credo.catalog.ratings import NOT_RATED, PENDING
from credo.context import AppContext
from credo.errors import Forbidden, NotFound, ValidationFailed
from credo.exports import rows as export_rows
from credo.exports.writers import Column, Format, open_writer
from credo.ratings.compiler import Probe, compile_rating
from credo.ratings.queries import dialect_of
from credo.ratings.service import find_rating, source_for
from credo.register import service as register
from credo.statistics import Aggregate, aggregate

What = Literal["rating", "list"]
MAX_SUBJECT_ID = 2**31 - 1  # subjects.id is an INTEGER (32-bit on PostgreSQL)

RATING_COLUMNS = (
    Column("rating", pa.string()),
    Column("subject_id", pa.int64()),
    Column("kind", pa.string()),
    Column("name", pa.string()),
    Column("uscc", pa.string()),
    Column("as_of", pa.date32()),
    Column("band", pa.string()),
    Column("total", pa.float64()),
    Column("reason", pa.string()),
)
# The public register's columns (web/portal/templates/defaulters.html), as values, not labels.
LIST_COLUMNS = (
    Column("name", pa.string()),
    Column("id", pa.string()),
    Column("kind", pa.string()),
    Column("organisation_id", pa.int64()),
    Column("case", pa.string()),
    Column("amount", pa.float64()),
    Column("date", pa.date32()),
    Column("until", pa.date32()),
)


@dataclass(frozen=True)
class Plan:
    """What one export reads: a rating (its stored state, or evaluated on ``as_of``) or a
    list on ``on``, and which subject kinds may leave one by one (none: aggregate only)."""

    what: What
    name: str  # the rating's key or the list's id
    on: date
    evaluated: bool  # a rating evaluated on ``on`` rather than its stored state
    row_kinds: frozenset[str]
    group_by: str  # the aggregate's second key: band (ratings) or year (lists)
    groups: tuple[str, ...]  # every group, so that empty cells show as 0
    aggregate_kinds: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def aggregate_columns(self) -> tuple[Column, ...]:
        return (
            Column("kind", pa.string()),
            Column(self.group_by, pa.string()),
            Column("count", pa.int64()),
            Column("shown", pa.string()),
        )

    def filters(self) -> dict[str, Any]:
        key = "as_of" if self.what == "rating" else "on"
        return {self.what: self.name, key: self.on.isoformat(), "evaluated": self.evaluated}


@dataclass
class Summary:
    plan: Plan
    mode: Literal["rows", "aggregate"]
    rows: int
    withheld: Aggregate[tuple[str, str]]
    audit_seq: int = 0
    fmt: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "export": self.plan.what,
            **self.plan.filters(),
            "mode": self.mode,
            "format": self.fmt,
            "rows": self.rows,
            "withheld": aggregate_json(self.plan, self.withheld),
            "audit_seq": self.audit_seq,
        }


@dataclass
class Page:
    plan: Plan
    items: list[dict[str, Any]]
    next_cursor: str | None
    audit_seq: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


# -- plans ---------------------------------------------------------------------------------


def _check_day(day: date, today: date, option: str) -> None:
    if day > today:
        raise ValidationFailed(
            f"{option} {day.isoformat()} is after today ({today.isoformat()}): "
            "an export describes what was, not what may be"
        )


def rating_plan(catalogue: Catalogue, ref: str, as_of: date | None, today: date) -> Plan:
    """A rating's export: its stored state (``as_of`` None: what the register shows today)
    or its evaluation on ``as_of`` by the effect rules, from today's records."""
    rating = find_rating(catalogue, ref)
    if as_of is not None:
        _check_day(as_of, today, "--as-of")
    row_kinds = frozenset(register.ORGANISATION_KINDS) if rating.public else frozenset()
    labels = tuple(rating.bands.labels) if rating.bands else ()
    return Plan(
        what="rating",
        name=rating.key,
        on=as_of or today,
        evaluated=as_of is not None,
        row_kinds=row_kinds,
        group_by="band",
        groups=(*labels, PENDING, NOT_RATED),
        aggregate_kinds=tuple(sorted({str(k) for k in rating.subject_kinds} - row_kinds)),
        columns=RATING_COLUMNS,
    )


def list_plan(catalogue: Catalogue, list_id: str, on: date | None, today: date) -> Plan:
    """A list's export on ``on`` (default today): a public list's entries of organisations
    and public bodies as the register shows them; persons, and every entry of a list that
    is not public, counts only."""
    list_def = catalogue.lists.get(list_id)
    if list_def is None:
        raise NotFound(f"no list {list_id!r}", code="unknown_list")
    if on is not None:
        _check_day(on, today, "--on")
    public = list_def.publicity == "public_masked"
    kinds = {str(k) for k in list_def.subject_kinds}
    # Identifiable bulk exports of persons do not exist (G-50): even a public list's
    # persons, whom the register shows one page at a time, leave only counted.
    row_kinds = frozenset(kinds & set(register.ORGANISATION_KINDS)) if public else frozenset()
    return Plan(
        what="list",
        name=list_def.id,
        on=on or today,
        evaluated=False,
        row_kinds=row_kinds,
        group_by="year",
        groups=(),
        aggregate_kinds=tuple(sorted(kinds - row_kinds)),
        columns=LIST_COLUMNS,
    )


def require_rows(plan: Plan) -> None:
    """Rows leave only for what is public; the rest only in aggregate (G-50)."""
    if not plan.row_kinds:
        raise Forbidden(
            f"{plan.what} {plan.name!r} is not public: its results leave the registry only "
            "in aggregate (G-50)",
            code="not_public",
        )


# -- reading -------------------------------------------------------------------------------


def _rating_line(key: str, row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "rating": key,
        "subject_id": row["subject_id"],
        "kind": row["kind"],
        "name": row["display_name"],
        "uscc": row["uscc"],
        "as_of": row["as_of"],
        "band": row["band"],
        "total": row["total"],
        "reason": row["reason"],
    }


def _list_line(row: Mapping[str, Any], payloads: Mapping[str, Any]) -> dict[str, Any]:
    """One line of a public list, masked by the register's own functions."""
    payload = register.entry_payload(row["record_ids"], payloads)
    amount = payload.get("amount")
    return {
        "name": row["display_name"],
        "id": register.shown_identifier(row["kind"], _identifiers(row)),
        "kind": row["kind"],
        "organisation_id": row["subject_id"] if row["kind"] != "person" else None,
        "case": register.mask_text(payload.get("case_number", "—")),
        "amount": amount
        if isinstance(amount, int | float) and not isinstance(amount, bool)
        else None,
        "date": row["effective_on"],
        "until": row["ends_on"],
    }


def _identifiers(row: Mapping[str, Any]) -> dict[str, str]:
    """The identifiers an export row carries, by scheme (as the register reads a subject's)."""
    columns = (("ric", "cn_ric"), ("uscc", "cn_uscc"))  # the export rows' identifier columns
    return {scheme: row[column] for column, scheme in columns if row.get(column)}


def _raw_chunks(
    conn: Connection,
    catalogue: Catalogue,
    plan: Plan,
    today: date,
    after: str,
    limit: int | None,
    kinds: frozenset[str] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    if plan.what == "rating":
        compiled = (
            compile_rating(
                find_rating(catalogue, plan.name),
                dialect_of(conn),
                Probe(as_of=plan.on),
                source_for(catalogue),
            )
            if plan.evaluated
            else None
        )
        start = _subject_cursor(after)
        yield from export_rows.rating_results(conn, plan.name, compiled, start, limit, kinds)
    else:
        yield from export_rows.list_entries_on(conn, plan.name, plan.on, today, after, limit, kinds)


def _subject_cursor(after: str) -> int:
    """A rating page's cursor: the last subject id of the page before."""
    if not after:
        return 0
    if not after.isdigit() or int(after) > MAX_SUBJECT_ID:
        raise ValidationFailed(f"cursor {after!r} is not one this export gave (a subject id)")
    return int(after)


def _lines(conn: Connection, plan: Plan, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if plan.what == "rating":
        return [_rating_line(plan.name, row) for row in rows]
    record_ids = [rid for row in rows for rid in (row["record_ids"] or [])[:1]]
    payloads = register.payloads_of_records(conn, record_ids) if record_ids else {}
    return [_list_line(row, payloads) for row in rows]


def _group_of(plan: Plan, row: Mapping[str, Any]) -> str:
    return str(row["band"]) if plan.what == "rating" else str(row["effective_on"].year)


def public_chunks(
    conn: Connection, catalogue: Catalogue, plan: Plan, today: date, tally: Counter[Any]
) -> Iterator[list[dict[str, Any]]]:
    """Every row of the export in chunks: those that may leave one by one as export lines,
    the others only counted in ``tally`` by (kind, group)."""
    for chunk in _raw_chunks(conn, catalogue, plan, today, "", None):
        shown = []
        for row in chunk:
            if row["kind"] in plan.row_kinds:
                shown.append(row)
            else:
                tally[(str(row["kind"]), _group_of(plan, row))] += 1
        yield _lines(conn, plan, shown)


def withheld(plan: Plan, tally: Counter[Any], minimum: int) -> Aggregate[tuple[str, str]]:
    """The counts of what did not leave one by one, small cells suppressed (G-50)."""
    kinds = sorted(set(plan.aggregate_kinds) | {kind for kind, _ in tally})
    groups = list(plan.groups) + sorted({g for _, g in tally} - set(plan.groups))
    counts = {(k, g): tally.get((k, g), 0) for k in kinds for g in groups}
    return aggregate(counts, minimum)


def aggregate_lines(plan: Plan, counted: Aggregate[tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {"kind": c.key[0], plan.group_by: c.key[1], "count": c.count, "shown": c.shown}
        for c in counted.cells
    ]


def aggregate_json(plan: Plan, counted: Aggregate[tuple[str, str]]) -> dict[str, Any]:
    return {
        "grouped_by": ["kind", plan.group_by],
        "minimum": counted.minimum,
        "total_shown": counted.total,
        "suppressed": counted.suppressed,
        "cells": aggregate_lines(plan, counted),
    }


# -- audit ---------------------------------------------------------------------------------


def _audit(conn: Connection, actor: str, plan: Plan, now: datetime, **facts: Any) -> int:
    return audit.append(conn, actor, f"export.{plan.what}", None, {**plan.filters(), **facts}, now)


# -- whole exports (the CLI) ---------------------------------------------------------------


def export(
    ctx: AppContext,
    actor: str,
    plan: Plan,
    fmt: Format,
    out: BinaryIO,
    mode: Literal["rows", "aggregate"] = "rows",
) -> Summary:
    """Stream the export onto ``out`` and audit it; an export that fails half-way is audited
    too, with the rows that had left and ``complete: false``."""
    if mode == "rows":
        require_rows(plan)
    tally: Counter[Any] = Counter()
    rows, complete = 0, False
    minimum = ctx.catalogue.registry.min_cell_size
    today = ctx.clock.today()
    try:
        columns = plan.columns if mode == "rows" else plan.aggregate_columns
        writer = open_writer(fmt, out, columns)
        with ctx.engine.connect() as conn:
            for lines in public_chunks(conn, ctx.catalogue, plan, today, tally):
                if mode == "rows":
                    writer.write(lines)
                    rows += len(lines)
        counted = withheld(plan, tally, minimum)
        if mode == "aggregate":
            cells = aggregate_lines(plan, counted)
            writer.write(cells)
            rows = len(cells)
        writer.close()
        complete = True
    finally:
        with ctx.engine.begin() as conn:
            seq = _audit(
                conn, actor, plan, ctx.clock.now(),
                format=fmt, mode=mode, rows=rows, complete=complete,
            )  # fmt: skip
    return Summary(plan, mode, rows, counted, seq, fmt)


# -- pages and aggregates (the API) --------------------------------------------------------


def page(
    conn: Connection,
    ctx: AppContext,
    actor: str,
    plan: Plan,
    cursor: str,
    limit: int,
) -> Page:
    """One page of public rows after ``cursor`` (keyset: the last key of the page before),
    audited in the caller's transaction."""
    require_rows(plan)
    today = ctx.clock.today()
    raw = next(_raw_chunks(conn, ctx.catalogue, plan, today, cursor, limit, plan.row_kinds), [])
    items = _lines(conn, plan, raw)
    key = "subject_id" if plan.what == "rating" else "id"
    next_cursor = str(raw[-1][key]) if len(raw) == limit else None
    seq = _audit(
        conn, actor, plan, ctx.clock.now(),
        mode="page", cursor=cursor, limit=limit, rows=len(items),
    )  # fmt: skip
    return Page(plan, items, next_cursor, seq)


def counts(conn: Connection, ctx: AppContext, actor: str, plan: Plan) -> Aggregate[Any]:
    """The aggregate of what does not leave one by one, audited in the caller's transaction."""
    tally: Counter[Any] = Counter()
    for _ in public_chunks(conn, ctx.catalogue, plan, ctx.clock.today(), tally):
        pass
    counted = withheld(plan, tally, ctx.catalogue.registry.min_cell_size)
    _audit(
        conn, actor, plan, ctx.clock.now(),
        mode="aggregate", rows=len(counted.cells),
    )  # fmt: skip
    return counted
