"""Shared CLI helpers: the context from the environment, and the one path every command's
output and errors take (docs/cli.md).

- ``--json`` (``JSON``) prints one JSON document on stdout; ``print_json_line`` prints JSON
  Lines for batch look-ups. Dates and times are ISO strings.
- A table is a Rich table only when stdout is a terminal, with values folded, never cut;
  anywhere else it is tab-separated lines: a header, then one line per row.
- A message is one line on stdout; an error is one line on stderr (``error: ...``), never
  wrapped, then the exit status (1 unless the command documents another).
"""

from __future__ import annotations

import getpass
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn, TextIO

import orjson
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from credo.context import AppContext, build_context
from credo.errors import CatalogueError, CredoError
from credo.settings import Settings

console = Console()  # stdout, for what only a terminal sees (tables, colour)
errors = Console(stderr=True)  # stderr: one-line errors, progress bars on a terminal

JSON = typer.Option(False, "--json", help="Print JSON (its shape: docs/cli.md)")
# a subject named by one identifier: SCHEME VALUE
SCHEME = typer.Argument(..., help="Identifier scheme, e.g. cn_ric")
VALUE = typer.Argument(..., help="Identifier value")
ENGINE = typer.Option(
    "polars", help="polars (embedded), duckdb, spark, or the database: sqlite, postgres"
)
FAILED = 1  # the exit status of an error, unless a command documents another

_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def one_line(text: str) -> str:
    """The text with its line breaks folded into spaces: one message, one line."""
    return _LINE_BREAKS.sub(" ", text).strip()


def is_terminal() -> bool:
    """Whether stdout is a terminal: tables and colour for eyes, plain lines otherwise."""
    return sys.stdout.isatty()


def _write(stream: TextIO, line: str) -> None:
    stream.write(line + "\n")
    stream.flush()


# -- errors ----------------------------------------------------------------------------------


def report_error(message: str, prefix: str = "error: ") -> None:
    """One line on stderr, never wrapped, whatever the terminal's width."""
    line = one_line(message)
    if sys.stderr.isatty():
        errors.print(Text.assemble((prefix, "bold red"), line), soft_wrap=True)
    else:
        _write(sys.stderr, prefix + line)


def note(message: str) -> None:
    """A progress line on stderr (one line): stdout keeps the result alone."""
    report_error(message, prefix="")


def fail(message: str, code: int = FAILED) -> NoReturn:
    """Report one error (name the file, key or row it concerns) and stop with ``code``."""
    report_error(message)
    raise typer.Exit(code)


def fail_on_catalogue(exc: CatalogueError, summary: str) -> NoReturn:
    """Every catalogue problem on its own line (``file: key: message``), then the summary."""
    for problem in exc.problems:
        report_error(str(problem), prefix="")
    fail(summary)


def parse_date(text: str | None, option: str) -> date | None:
    """The date given to ``option`` (None when it was not given); one line of error if it is
    no date."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date (YYYY-MM-DD)")


def cli_actor() -> str:
    """Who a command acts as in the audit log: ``cli:`` and the user running it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def context_from_env() -> AppContext:
    """Settings from CREDO_* variables; an invalid catalogue stops the command."""
    try:
        return build_context(Settings())
    except CatalogueError as exc:
        fail_on_catalogue(
            exc, f"the catalogue is invalid ({len(exc.problems)} problem(s)); nothing was started"
        )
    except CredoError as exc:
        fail(exc.detail)


# -- output ----------------------------------------------------------------------------------


def _default(value: Any) -> Any:
    """What orjson does not write itself (it writes dates and times as ISO strings)."""
    if isinstance(value, Decimal | Path):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def to_json(data: object, indent: bool = True) -> str:
    # the database keeps times in UTC; SQLite returns them naive
    option = orjson.OPT_NON_STR_KEYS | orjson.OPT_NAIVE_UTC | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(data, default=_default, option=option).decode()


def print_json(data: object) -> None:
    """One JSON document on stdout (indented)."""
    _write(sys.stdout, to_json(data))


def print_json_line(data: object) -> None:
    """One JSON object on one line (JSON Lines), flushed: a batch answers as it goes."""
    _write(sys.stdout, to_json(data, indent=False))


def say(text: str, style: str | None = None) -> None:
    """One message line on stdout: coloured on a terminal, never wrapped or cut."""
    if is_terminal():
        console.print(Text(one_line(text), style=style or ""), soft_wrap=True)
    else:
        _write(sys.stdout, one_line(text))


def masked_url(url: str) -> str:
    """A database URL fit to print: without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def print_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    title: str | None = None,
    right: Sequence[str] = (),
) -> None:
    """A Rich table on a terminal (values fold onto more lines, never cut with '…');
    elsewhere the title on its own line, then tab-separated lines: header, rows."""
    if not is_terminal():
        if title:
            _write(sys.stdout, one_line(title))
        _write(sys.stdout, "\t".join(columns))
        for row in rows:
            _write(sys.stdout, "\t".join(_cell(v) for v in row))
        return
    cells = [[_cell(v) for v in row] for row in rows]
    widest = [
        max([len(row[i]) for row in cells] + [len(word) for word in name.split()])
        for i, name in enumerate(columns)
    ]
    fitted = _fitted_widths(widest, console.width)
    table = Table(title=title)
    for index, name in enumerate(columns):
        table.add_column(
            name,
            overflow="fold",
            justify="right" if name in right else "left",
            width=None if fitted is None else fitted[index],
        )
    for row in cells:
        table.add_row(*row)
    console.print(table)


def _fitted_widths(widest: list[int], width: int) -> list[int] | None:
    """Column widths for a table wider than the terminal: the narrowest columns (dates,
    codes) whole, as many as fit, the rest sharing what is left (their values fold). None:
    the table fits as it is, or the terminal is too narrow to choose."""
    budget = width - 3 * len(widest) - 1  # borders and padding
    if sum(widest) <= budget or budget < 4 * len(widest):
        return None
    fitted = [0] * len(widest)
    order = sorted(range(len(widest)), key=widest.__getitem__)
    for done, index in enumerate(order):
        if widest[index] + 4 * (len(widest) - done - 1) > budget:
            break
        fitted[index] = widest[index]
        budget -= widest[index]
    rest = [i for i in order if not fitted[i]]
    share = sum(widest[i] for i in rest)
    for i in rest:
        fitted[i] = max(4, budget * widest[i] // share)
    return fitted


class OneLineErrors(TyperGroup):
    """The root command group: a usage error (a missing argument, an unknown option, a bad
    value) is one line on stderr naming the command, exit status 2, instead of a boxed panel
    wrapped at the terminal's width."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        def run() -> Any:
            return super(OneLineErrors, self).main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )

        if not standalone_mode:
            return run()
        try:
            done = run()
        except typer.TyperException as exc:  # Typer's own click raises these
            if type(exc).__name__ == "NoArgsIsHelpError":
                done = exc.exit_code  # the help is the answer to no arguments; it was printed
            else:
                context = getattr(exc, "ctx", None)
                # named as typed ("credo lists entries"), whatever the program's file is called
                path = context.command_path.split()[1:] if context is not None else None
                where = " ".join(["credo", *path]) + ": " if path is not None else ""
                report_error(where + exc.format_message())
                done = exc.exit_code
        except typer.Abort:
            report_error("aborted")
            done = FAILED
        sys.exit(done if isinstance(done, int) else 0)


# -- batch look-ups --------------------------------------------------------------------------


def read_identifiers(path: Path, scheme: str | None = None) -> list[tuple[str, str]]:
    """``(scheme, value)`` per line of ``path`` (``-``: stdin) for ``--from FILE``: a line is
    ``SCHEME:VALUE``, or the whole line is the value when ``scheme`` is given; blank lines
    and ``#`` comments are skipped. A bad line stops the command naming the file and line."""
    try:
        if str(path) == "-":
            lines = sys.stdin.read().splitlines()
        else:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        fail(f"{path}: cannot be read ({exc.strerror or exc})")
    except UnicodeDecodeError:
        fail(f"{path}: is not UTF-8 text")
    found: list[tuple[str, str]] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if scheme is not None:
            found.append((scheme, line))
            continue
        named, sep, value = line.partition(":")
        if not sep or not named.strip() or not value.strip():
            fail(f"{path}:{number}: {line!r} is not SCHEME:VALUE")
        found.append((named.strip(), value.strip()))
    if not found:
        fail(f"{path}: names no subject (one SCHEME:VALUE per line)")
    return found
