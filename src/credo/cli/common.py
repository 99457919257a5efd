"""Shared CLI helpers: building the context from the environment, printing errors."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer
from rich.console import Console

from credo.context import AppContext, build_context
from credo.errors import CatalogueError, CredoError
from credo.settings import Settings

console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def context_from_env() -> AppContext:
    """Settings from CREDO_* variables; an invalid catalogue stops the command."""
    try:
        return build_context(Settings())
    except CatalogueError as exc:
        for problem in exc.problems:
            errors.print(str(problem), highlight=False, markup=False)
        fail(f"the catalogue is invalid ({len(exc.problems)} problem(s)); nothing was started")
    except CredoError as exc:
        fail(exc.detail)


def print_json(data: object) -> None:
    import orjson

    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
