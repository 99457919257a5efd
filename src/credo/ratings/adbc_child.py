"""The child process that reads a SQLite registry through ADBC for batch rescoring
(``credo.ratings.repository.read_partitions``): ADBC links its own copy of SQLite, which must
not open the file in a process where sqlite3 has it open.

    python -m credo.ratings.adbc_child DATABASE RECORD_TYPE...

Reads one request per line on stdin, ``{"span": [low, high] | null, "stem": path}``, writes
that span's inputs as Arrow IPC files and answers with the stem on stdout."""

from __future__ import annotations

import json
import sys

import adbc_driver_sqlite.dbapi

from credo.ratings.repository import read_to_files


def main(database: str, record_types: list[str]) -> None:
    """Every span in one read transaction (ADBC's default): one snapshot of the registry."""
    with adbc_driver_sqlite.dbapi.connect(database) as adbc:
        for line in sys.stdin:
            request = json.loads(line)
            span = tuple(request["span"]) if request["span"] is not None else None
            stem = read_to_files(adbc, record_types, span, request["stem"])
            print(stem, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
