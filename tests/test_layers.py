"""The layers are kept by import-linter (pyproject.toml `[tool.importlinter]`).

`python3 dev.py test` runs `lint-imports` over the real tree; these tests show that the
contracts have teeth: each adds one import that breaks a rule, to a copy of the source, and
expects lint-imports to name exactly that import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of src/credo and the contracts; each test appends one import to one module."""
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(
        ROOT / "src" / "credo",
        root / "src" / "credo",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates"),
    )
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def lint_with_added_import(root: Path, module: str, statement: str) -> tuple[int, str]:
    path = root / "src" / Path(*module.split(".")).with_suffix(".py")
    original = path.read_text()
    path.write_text(original + f"\n{statement}  # added by tests/test_layers.py\n")
    try:
        env = {**os.environ, "PYTHONPATH": str(root / "src"), "COLUMNS": "200"}
        done = subprocess.run(
            [str(LINT_IMPORTS), "--no-cache", "pyproject.toml"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        path.write_text(original)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("module", "statement", "expected"),
    [
        # A domain reaching up to the edge.
        ("credo.records.effect", "import credo.cli.main", "credo.records.effect -> credo.cli.main"),
        # The core reaching up into a domain.
        (
            "credo.catalog.vocab",
            "import credo.ratings.service",
            "credo.catalog.vocab -> credo.ratings.service",
        ),
        # A domain reading another domain's tables instead of asking its service.
        (
            "credo.lists.service",
            "import credo.subjects.tables",
            "credo.lists.service -> credo.subjects.tables",
        ),
    ],
    ids=["domain-imports-cli", "core-imports-domain", "foreign-tables"],
)
def test_an_import_against_the_layers_fails_lint_imports(
    source_copy: Path, module: str, statement: str, expected: str
) -> None:
    code, output = lint_with_added_import(source_copy, module, statement)
    assert code != 0, output
    assert expected in output, output
