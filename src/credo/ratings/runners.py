"""Where compiled rating SQL runs: the system of record (SQLite or PostgreSQL, through the
repository), DuckDB in process, or Spark. Each runner takes the same compiled query."""

from __future__ import annotations

from typing import Any, Protocol

import polars as pl
import pyarrow as pa
from sqlalchemy import Connection

from credo.ratings import repository
from credo.ratings.compiler import Dialect


class Runner(Protocol):
    dialect: Dialect

    def rows(self, sql: str) -> list[dict[str, Any]]: ...


class DatabaseRunner:
    """Runs on the caller's connection (and so inside its transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect: Dialect = repository.dialect_of(conn)

    def rows(self, sql: str) -> list[dict[str, Any]]:
        return repository.run_compiled(self.conn, sql)


class DuckDBRunner:
    dialect: Dialect = "duckdb"

    def __init__(self, con: Any = None) -> None:
        import duckdb

        self.con = con if con is not None else duckdb.connect()

    def load(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            self.con.register(f"{name}_arrow", table)
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
            self.con.unregister(f"{name}_arrow")

    def rows(self, sql: str) -> list[dict[str, Any]]:
        relation = self.con.sql(sql)
        columns = relation.columns
        return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]

    def frame(self, sql: str) -> pl.DataFrame:
        """The result as a Polars frame (columnar, no Python row objects)."""
        return self.con.sql(sql).pl()


class SparkRunner:
    dialect: Dialect = "spark"

    def __init__(self, spark: Any) -> None:
        self.spark = spark

    def load(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def rows(self, sql: str) -> list[dict[str, Any]]:
        return [row.asDict() for row in self.spark.sql(sql).collect()]

    def frame(self, sql: str) -> pl.DataFrame:
        found = pl.from_arrow(self.spark.sql(sql).toArrow())
        assert isinstance(found, pl.DataFrame)
        return found


def local_spark(cores: int = 2) -> Any:
    """A local Spark session sized for one machine (tests, benchmarks, small rescoring)."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("credo-ratings")
        .config("spark.sql.shuffle.partitions", str(cores * 2))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
