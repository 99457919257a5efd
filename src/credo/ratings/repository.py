"""All SQL of the ratings engine: running compiled rating queries on the system of record,
extracting records for the batch engines, the real-time state and the snapshots."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlalchemy import (
    Connection,
    Date,
    Engine,
    Float,
    Integer,
    RowMapping,
    String,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.sql.expression import column as text_column

from credo.db.sql import chunks, rows_where, stream, upsert
from credo.ratings.tables import (
    rating_pointers,
    rating_snapshot_results,
    rating_snapshots,
    rating_state,
)

if TYPE_CHECKING:  # not at run time: the SQLite rescore child (adbc_child) imports this module
    import polars as pl

    from credo.ratings.compiler import Dialect


def dialect_of(conn: Connection) -> Dialect:
    return "postgres" if conn.dialect.name == "postgresql" else "sqlite"


def run_compiled(conn: Connection, sql: str) -> list[dict[str, Any]]:
    """Run a query made by credo.ratings.compiler on the system of record. The SQL is complete
    (no parameters), so it goes to the driver as it is: SQLAlchemy's ``text()`` scans and
    caches every distinct statement, which cost more than SQLite's own run of it."""
    return [dict(row) for row in conn.exec_driver_sql(sql).mappings()]


# -- Arrow reads for batch rescoring (ADBC: no Python row objects) ---------------------------

# The record_current columns the compiled rating and the Polars engine read (compiler's
# ``_records_query``), with the Arrow type each engine expects.
_INPUT_SCHEMA = pa.schema(
    [
        ("subject_id", pa.int64()),
        ("record_id", pa.string()),
        ("chain_id", pa.string()),
        ("record_type", pa.string()),
        ("state", pa.string()),
        ("occurred_on", pa.date32()),
        ("effective_from", pa.date32()),
        ("effect_until", pa.date32()),
        ("expires_on", pa.date32()),
        ("finality", pa.string()),
        ("payload", pa.string()),
    ]
)
_OPEN_SUPPRESSIONS = pa.schema([("chain_id", pa.string()), ("closed_at", pa.timestamp("us"))])


Span = tuple[int, int] | None  # a subject-id range [low, high), or every subject


def read_partitions(
    engine: Engine, record_types: Sequence[str], spans: Sequence[Span]
) -> Iterator[dict[str, pa.Table]]:
    """``read_inputs`` for each span in turn, through ADBC into Arrow.

    PostgreSQL: in this process. SQLite: in one child process that reads the next span while
    this one rates the current one, handing each over as an Arrow IPC file mapped into memory.
    ADBC links its own copy of SQLite, and two copies in one process break SQLite's POSIX
    locks (closing one copy's file releases the other's locks: "disk I/O error", or worse),
    so it never opens the file beside SQLAlchemy's connections. All spans are read in one
    read transaction: one snapshot of the registry."""
    if engine.dialect.name == "postgresql":
        import adbc_driver_postgresql.dbapi

        uri = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with adbc_driver_postgresql.dbapi.connect(uri) as adbc:
            with adbc.cursor() as cursor:  # every span from one snapshot of the registry
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            for span in spans:
                yield read_inputs(adbc, record_types, span, postgres=True)
        return
    yield from _sqlite_partitions(engine.url.database or "", record_types, spans)


def _sqlite_partitions(
    database: str, record_types: Sequence[str], spans: Sequence[Span]
) -> Iterator[dict[str, pa.Table]]:
    import json
    import subprocess
    import sys
    import tempfile

    command = [sys.executable, "-m", "credo.ratings.adbc_child", database, *record_types]
    with (
        tempfile.TemporaryDirectory(prefix="credo-rescore-") as folder,
        subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        ) as child,
    ):
        assert child.stdin is not None and child.stdout is not None

        def ask(index: int) -> None:
            request = {"span": spans[index], "stem": f"{folder}/{index}"}
            child.stdin.write(json.dumps(request) + "\n")  # type: ignore[union-attr]
            child.stdin.flush()  # type: ignore[union-attr]

        if spans:
            ask(0)
        for index in range(len(spans)):
            stem = child.stdout.readline().strip()
            if not stem:
                raise RuntimeError(f"reading {database} failed (exit {child.wait()})")
            if index + 1 < len(spans):  # the child reads the next partition meanwhile
                ask(index + 1)
            yield {name: _mapped(f"{stem}.{name}.arrow") for name in _INPUT_TABLES}
        child.stdin.close()


_INPUT_TABLES = ("record_current", "record_suppressions")


def read_to_files(adbc: Any, record_types: Sequence[str], span: Span, stem: str) -> str:
    """One span's inputs written as Arrow IPC files ``<stem>.<table>.arrow`` (in the child
    process, ``credo.ratings.adbc_child``), batch by batch: the child holds one batch, not
    the partition."""
    for name, (sql, schema) in _input_queries(record_types, span, postgres=False).items():
        path = f"{stem}.{name}.arrow"
        with (
            pa.OSFile(path, "wb") as sink,
            pa.ipc.new_file(sink, schema) as writer,
            adbc.cursor() as cursor,
        ):
            # ADBC's SQLite driver hands out 1,024 rows a batch by default: thousands of tiny
            # batches made every later step (cast, IPC, Polars) slow. 64 k rows keep it small.
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": "65536"})
            cursor.execute(sql)
            for batch in cursor.fetch_record_batch():
                writer.write_batch(_typed(batch, schema))
    return stem


def _mapped(path: str) -> pa.Table:
    """An IPC file's table, memory-mapped (unlinked at once: the mapping keeps it alive)."""
    import os

    with pa.memory_map(path) as source:
        table = pa.ipc.open_file(source).read_all()
    os.unlink(path)
    return table


def read_inputs(
    adbc: Any, record_types: Sequence[str], subjects: Span, *, postgres: bool
) -> dict[str, pa.Table]:
    """The rating inputs of the subjects in ``[low, high)`` (all: None) as Arrow tables, as
    ``extract_tables`` gives them for today's knowledge: ``record_current`` (the columns the
    rating reads, payload as JSON text) and ``record_suppressions`` (open ones: chain_id and a
    null closed_at)."""
    queries = _input_queries(record_types, subjects, postgres)
    return {name: _fetch(adbc, sql, schema) for name, (sql, schema) in queries.items()}


def _input_queries(
    record_types: Sequence[str], subjects: Span, postgres: bool
) -> dict[str, tuple[str, pa.Schema]]:
    names = ", ".join(f"r.{field.name}" for field in _INPUT_SCHEMA)
    types = ", ".join("'" + t.replace("'", "''") + "'" for t in record_types)
    where = f"r.record_type IN ({types or 'NULL'})"
    if subjects is not None:
        where += f" AND r.subject_id >= {int(subjects[0])} AND r.subject_id < {int(subjects[1])}"
    payload = "r.payload::text" if postgres else "r.payload"
    sql = f"SELECT {names.replace('r.payload', payload)} FROM record_current r WHERE {where}"
    open_sql = (
        "SELECT DISTINCT s.chain_id, NULL AS closed_at FROM record_suppressions s "
        "WHERE s.closed_at IS NULL"
    )
    return {
        "record_current": (sql, _INPUT_SCHEMA),
        "record_suppressions": (open_sql, _OPEN_SUPPRESSIONS),
    }


def _fetch(adbc: Any, sql: str, schema: pa.Schema) -> pa.Table:
    """Run ``sql`` and cast its columns to ``schema`` (SQLite gives dates as ISO text and
    types an empty result as it likes)."""
    with adbc.cursor() as cursor:
        cursor.execute(sql)
        table = cursor.fetch_arrow_table()
    return pa.Table.from_batches([_typed(b, schema) for b in table.to_batches()], schema=schema)


def _typed(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    columns = [
        batch.column(i).cast(field.type) if batch.num_rows else pa.nulls(0, field.type)
        for i, field in enumerate(schema)
    ]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


# -- real-time state ------------------------------------------------------------------------


def replace_state(
    conn: Connection, rating_key: str, subject_ids: Iterable[int], rows: Sequence[dict[str, Any]]
) -> None:
    """Set the state of ``subject_ids``: the given rows, and no row for the others."""
    ids = sorted(set(subject_ids))
    for part in chunks(ids, 900):
        conn.execute(
            delete(rating_state).where(
                rating_state.c.rating_key == rating_key, rating_state.c.subject_id.in_(part)
            )
        )
    if rows:
        upsert(
            conn,
            rating_state,
            rows,
            ["rating_key", "subject_id"],
            ["as_of", "band", "total", "features", "evaluated_at", "reason"],
        )


def state_rows(conn: Connection, rating_key: str) -> list[RowMapping]:
    s = rating_state.c
    return rows_where(conn, rating_state, s.rating_key == rating_key, s.subject_id)


# -- snapshots ------------------------------------------------------------------------------


def create_snapshot(
    conn: Connection, rating_key: str, as_of: date, engine: str, now: datetime
) -> int:
    result = conn.execute(
        rating_snapshots.insert().values(
            rating_key=rating_key,
            as_of=as_of,
            engine=engine,
            status="building",
            subjects=0,
            summary={},
            created_at=now,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def insert_results(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    for part in chunks(list(rows), 5000):
        conn.execute(rating_snapshot_results.insert(), list(part))


_RESULT_COLUMNS = ("snapshot_id", "subject_id", "band", "total", "features", "reason")


def insert_result_frame(conn: Connection, snapshot_id: int, frame: pl.DataFrame) -> None:
    """A snapshot's rows (``service.SNAPSHOT_SCHEMA``, features as JSON text) in bulk, in the
    caller's transaction: PostgreSQL ``COPY`` of CSV written by Polars, SQLite one prepared
    ``executemany`` per slice."""
    import polars as pl

    rows = frame.select(
        pl.lit(snapshot_id, pl.Int64).alias("snapshot_id"),
        "subject_id",
        "band",
        "total",
        "features",
        "reason",
    )
    names = ", ".join(_RESULT_COLUMNS)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            copy_sql = f"COPY rating_snapshot_results ({names}) FROM STDIN (FORMAT csv)"
            with cursor.copy(copy_sql) as copy:
                for part in rows.iter_slices(100_000):
                    copy.write(part.write_csv(include_header=False))
        finally:
            cursor.close()
        return
    sql = f"INSERT INTO rating_snapshot_results ({names}) VALUES (?, ?, ?, ?, ?, ?)"
    for part in rows.iter_slices(100_000):
        conn.exec_driver_sql(sql, part.rows())


def band_counts(conn: Connection, snapshot_id: int) -> dict[str, int]:
    rows = conn.execute(
        select(rating_snapshot_results.c.band, func.count())
        .where(rating_snapshot_results.c.snapshot_id == snapshot_id)
        .group_by(rating_snapshot_results.c.band)
    )
    return {band: int(count) for band, count in rows}


def finish_snapshot(
    conn: Connection, snapshot_id: int, status: str, subjects: int, summary: dict[str, Any]
) -> None:
    conn.execute(
        update(rating_snapshots)
        .where(rating_snapshots.c.id == snapshot_id)
        .values(status=status, subjects=subjects, summary=summary)
    )


def current_snapshot_id(conn: Connection, rating_key: str) -> int | None:
    return conn.execute(
        select(rating_pointers.c.snapshot_id).where(rating_pointers.c.rating_key == rating_key)
    ).scalar()


def switch_pointer(conn: Connection, rating_key: str, snapshot_id: int, now: datetime) -> None:
    upsert(
        conn,
        rating_pointers,
        [{"rating_key": rating_key, "snapshot_id": snapshot_id, "switched_at": now}],
        ["rating_key"],
        ["snapshot_id", "switched_at"],
    )


def snapshots_of(conn: Connection, rating_key: str) -> list[RowMapping]:
    s = rating_snapshots.c
    return rows_where(conn, rating_snapshots, s.rating_key == rating_key, s.id)


def snapshot_results(conn: Connection, snapshot_id: int) -> list[RowMapping]:
    r = rating_snapshot_results.c
    return rows_where(conn, rating_snapshot_results, r.snapshot_id == snapshot_id, r.subject_id)


def subject_snapshot_history(
    conn: Connection, rating_key: str, subject_id: int
) -> list[RowMapping]:
    """What each valid snapshot said about one subject, oldest first."""
    return list(
        conn.execute(
            select(
                rating_snapshots.c.id,
                rating_snapshots.c.as_of,
                rating_snapshots.c.created_at,
                rating_snapshot_results.c.band,
                rating_snapshot_results.c.total,
                rating_snapshot_results.c.reason,
            )
            .join(
                rating_snapshot_results,
                rating_snapshot_results.c.snapshot_id == rating_snapshots.c.id,
            )
            .where(
                rating_snapshots.c.rating_key == rating_key,
                rating_snapshots.c.status == "valid",
                rating_snapshot_results.c.subject_id == subject_id,
            )
            .order_by(rating_snapshots.c.id)
        ).mappings()
    )


# -- reads for other domains (credo.ratings.queries) ----------------------------------------


def states_of_subject(
    conn: Connection, subject_id: int, rating_keys: Sequence[str] | None
) -> list[RowMapping]:
    s = rating_state.c
    where = s.subject_id == subject_id
    if rating_keys is not None:
        where = where & s.rating_key.in_(list(rating_keys))
    return rows_where(conn, rating_state, where, s.rating_key)


def states_after(conn: Connection, rating_key: str, after: int, limit: int) -> list[RowMapping]:
    """One page of a rating's state, by subject id after ``after`` (keyset)."""
    query = (
        select(rating_state)
        .where(rating_state.c.rating_key == rating_key, rating_state.c.subject_id > after)
        .order_by(rating_state.c.subject_id)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def current_bands(
    conn: Connection, rating_keys: Sequence[str], subject_ids: Sequence[int] | None
) -> list[tuple[int, str, str, date]]:
    """(subject id, rating key, band, as of) of ``rating_keys``, for ``subject_ids`` (all:
    None)."""
    s = rating_state.c
    query = select(s.subject_id, s.rating_key, s.band, s.as_of).where(
        s.rating_key.in_(list(rating_keys))
    )
    parts = (
        [query]
        if subject_ids is None
        else [query.where(s.subject_id.in_(part)) for part in chunks(list(subject_ids), 900)]
    )
    return [(int(i), str(k), str(b), a) for part in parts for i, k, b, a in conn.execute(part)]


def band_counts_by_rating(conn: Connection) -> list[tuple[str, str, int]]:
    s = rating_state.c
    query = (
        select(s.rating_key, s.band, func.count())
        .group_by(s.rating_key, s.band)
        .order_by(s.rating_key, s.band)
    )
    return [(str(key), str(band), int(n)) for key, band, n in conn.execute(query)]


RESULT_COLUMNS = ("subject_id", "as_of", "total", "band", "reason")


def _state_results(rating_key: str) -> Any:
    """The real-time state of a rating (what the public register shows today)."""
    s = rating_state.c
    query = select(*(s[name] for name in RESULT_COLUMNS)).where(s.rating_key == rating_key)
    return query.subquery("r")


def _evaluated_results(compiled_sql: str) -> Any:
    """The results of a compiled rating query (``credo.ratings.compiler``) as a subquery. Its
    text is complete SQL with no parameters: colons are escaped so that none reads as one."""
    types: tuple[Any, ...] = (Integer, Date, Float, String, String)
    columns = [text_column(name, kind) for name, kind in zip(RESULT_COLUMNS, types, strict=True)]
    return text(compiled_sql.replace(":", r"\:")).columns(*columns).subquery("r")


def results_after(
    conn: Connection, rating_key: str, compiled_sql: str | None, after: int, chunk: int
) -> Iterator[list[dict[str, Any]]]:
    """A rating's results in subject-id order after ``after``, streamed in lists of ``chunk``:
    the stored state when ``compiled_sql`` is None, else the compiled query's."""
    r = _state_results(rating_key) if compiled_sql is None else _evaluated_results(compiled_sql)
    query = select(r).where(r.c.subject_id > after).order_by(r.c.subject_id)
    yield from stream(conn, query, chunk)
