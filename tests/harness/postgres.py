"""A throwaway PostgreSQL cluster for the test session, and databases cloned from a template.

`PostgresServer.start()` runs initdb and `pg_ctl start` in a fresh directory under /tmp
(through `runuser -u postgres` when running as root: initdb refuses to run as root) and
listens on 127.0.0.1 on a free port. `PostgresServer.external(url)` uses an existing server
instead (CREDO_TEST_POSTGRES_URL). Either way, tests get fresh databases created from a
migrated template database, which takes a fraction of a second.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url


class PostgresUnavailable(RuntimeError):
    """The harness could not start or reach PostgreSQL."""


def find_bindir() -> Path:
    """The newest /usr/lib/postgresql/*/bin holding initdb and pg_ctl."""
    candidates = [
        Path(d)
        for d in glob.glob("/usr/lib/postgresql/*/bin")
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists()
    ]
    if not candidates:
        raise PostgresUnavailable(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
            "(install them with `apt-get install -y postgresql`)"
        )
    return max(candidates, key=lambda p: _version_key(p.parent.name))


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PostgresServer:
    """A PostgreSQL server the tests may create and drop databases in."""

    def __init__(self, url: URL, workdir: Path | None = None, bindir: Path | None = None):
        self.url = url.set(drivername="postgresql+psycopg")
        self.workdir = workdir
        self.bindir = bindir

    @property
    def owned(self) -> bool:
        """True for a cluster this harness started (and stops), False for an external one."""
        return self.bindir is not None

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    def external(cls, url: str) -> PostgresServer:
        server = cls(make_url(url))
        try:
            server.execute("select 1")
        except psycopg.Error as exc:
            raise PostgresUnavailable(f"cannot connect to CREDO_TEST_POSTGRES_URL: {exc}") from exc
        return server

    @classmethod
    def start(cls, attempts: int = 3) -> PostgresServer:
        """initdb + pg_ctl start in a new directory under /tmp; remove it again on failure."""
        bindir = find_bindir()
        workdir = Path(tempfile.mkdtemp(prefix="credo-pg-", dir="/tmp"))
        server = None
        try:
            data, sockets = workdir / "data", workdir / "sockets"
            sockets.mkdir()
            if os.geteuid() == 0:
                for path in (workdir, sockets):
                    shutil.chown(path, "postgres", "postgres")
            _run_as_postgres(
                [bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust",
                 "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"],
                cwd=workdir,
            )  # fmt: skip
            with (data / "postgresql.conf").open("a") as conf:
                conf.write(
                    "\n# credo test harness\n"
                    "listen_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{sockets}'\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                    "max_connections = 200\n"
                )
            for attempt in range(attempts):
                port = free_port()
                try:
                    _run_as_postgres(
                        [bindir / "pg_ctl", "-D", data, "-l", workdir / "postgres.log",
                         "-o", f"-p {port}", "-w", "-t", "60", "start"],
                        cwd=workdir,
                    )  # fmt: skip
                    break
                except PostgresUnavailable:
                    if attempt == attempts - 1:  # maybe another worker took the port: retry
                        raise
            url = URL.create("postgresql+psycopg", username="postgres", host="127.0.0.1",
                             port=port, database="postgres")  # fmt: skip
            server = cls(url, workdir=workdir, bindir=bindir)
            server.execute("select 1")
            return server
        except BaseException as exc:
            log = workdir / "postgres.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            if server is not None:
                server.stop()
            else:
                shutil.rmtree(workdir, ignore_errors=True)
            if isinstance(exc, PostgresUnavailable | psycopg.Error):
                raise PostgresUnavailable(f"{exc}\n{tail}".strip()) from exc
            raise

    def stop(self) -> None:
        """Stop a cluster this harness started and delete its directory; no-op otherwise."""
        if self.workdir is None or self.bindir is None:
            return
        with contextlib.suppress(PostgresUnavailable):
            _run_as_postgres(
                [self.bindir / "pg_ctl", "-D", self.workdir / "data", "-m", "immediate",
                 "-w", "stop"],
                cwd=self.workdir,
            )  # fmt: skip
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.workdir = None

    # -- databases -------------------------------------------------------------------------

    def url_for(self, database: str) -> str:
        """A SQLAlchemy URL, e.g. postgresql+psycopg://postgres@127.0.0.1:PORT/NAME."""
        return self.url.set(database=database).render_as_string(hide_password=False)

    def conninfo(self, database: str | None = None) -> str:
        url = self.url.set(drivername="postgresql")
        if database is not None:
            url = url.set(database=database)
        return url.render_as_string(hide_password=False)

    def execute(self, statement: str | sql.Composable, params: Sequence[object] = ()) -> None:
        with psycopg.connect(self.conninfo(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(statement, params)  # type: ignore[arg-type]

    def create_database(self, name: str, template: str | None = None) -> str:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        self.execute(statement)
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        self.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def create_template(self, name: str, migrate: Callable[[str], None]) -> str:
        """Create database `name`, run `migrate(url)` on it and freeze it as a template."""
        self.drop_database(name)
        self.create_database(name)
        migrate(self.url_for(name))
        # Clones need the template to have no sessions; migrations may leave pooled ones open.
        self.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        self.execute(
            sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(sql.Identifier(name))
        )
        return name

    def clone(self, template: str) -> tuple[str, str]:
        """A fresh database made from `template`: (name, SQLAlchemy URL)."""
        name = f"credo_test_{uuid.uuid4().hex[:12]}"
        return name, self.create_database(name, template=template)


def _run_as_postgres(cmd: list[str | Path], cwd: Path) -> None:
    argv = [str(c) for c in cmd]
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    try:
        result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PostgresUnavailable(f"{' '.join(argv)}: {exc}") from exc
    if result.returncode != 0:
        raise PostgresUnavailable(
            f"{' '.join(argv)} exited with {result.returncode}:\n{result.stdout}{result.stderr}"
        )
