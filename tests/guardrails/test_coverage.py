"""G-51: the guardrails are executable. docs/guardrails.md lists G-01 ... G-51 (the project's own
words for the specification's rules); every one of them needs a test that names it, and the
service refuses to start on a catalogue that breaks a static rule.

A test names a guardrail by "G-NN" in its docstring, its class's docstring or its module's
docstring, or by ``gNN`` in its name (``test_g28_...``); a comment or an assertion's message
does not count. The checks read the repository only, so they run from a clean clone."""

from __future__ import annotations

import ast
import re
import shutil
from functools import cache
from pathlib import Path

import pytest
import yaml

from credo.errors import CatalogueError
from credo.settings import DEMO_CATALOG

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "guardrails.md"
ROW = re.compile(r"^\| (G-\d{2}) \| ([^|]+?) \| ([^|]+?) \| ([^|]*?) \|$", re.MULTILINE)
CITED = re.compile(r"`([^`]+\.py)`")
IN_TEXT = re.compile(r"\bG-(\d{2})\b")
IN_NAME = re.compile(r"(?:^|_)g_?(\d{2})(?=_|$)")
EXPECTED = [f"G-{n:02d}" for n in range(1, 52)]


@cache
def table() -> dict[str, tuple[str, str, str]]:
    """Guardrail id -> (title, where it is enforced, the tests cited)."""
    rows: dict[str, tuple[str, str, str]] = {}
    for found in ROW.finditer(DOC.read_text(encoding="utf-8")):
        gid, title, enforced, tests = found.groups()
        assert gid not in rows, f"{gid} appears twice in {DOC.name}"
        rows[gid] = (title.strip(), enforced.strip(), tests.strip())
    return rows


def guardrails_named_by(path: Path) -> set[str]:
    """The guardrails a test module's tests name (empty for a module without tests)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    tests = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    ]
    if not tests:
        return set()
    texts = [ast.get_docstring(tree) or ""]
    texts += [
        ast.get_docstring(node) or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test")
    ]
    texts += [ast.get_docstring(test) or "" for test in tests]
    named = {f"G-{n}" for text in texts for n in IN_TEXT.findall(text)}
    return named | {f"G-{n}" for test in tests for n in IN_NAME.findall(test.name.lower())}


@cache
def named_by_tests() -> dict[str, set[str]]:
    """Guardrail id -> the test files (relative to the repository) whose tests name it."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        for gid in guardrails_named_by(path):
            found.setdefault(gid, set()).add(path.relative_to(ROOT).as_posix())
    return found


def test_g51_the_list_holds_g01_to_g51_once_each_with_a_title() -> None:
    assert list(table()) == EXPECTED, f"{DOC.name} must list {EXPECTED[0]} to {EXPECTED[-1]}"
    for gid, (title, enforced, _) in table().items():
        assert len(title) > 10 and enforced, f"{gid}: a title and where it is enforced"


def test_g51_every_guardrail_has_a_test_that_names_it() -> None:
    """G-51: the list of guardrails that no test names is empty."""
    named = named_by_tests()
    missing = [gid for gid in table() if gid not in named]
    assert not missing, (
        f"{len(missing)} of {len(table())} guardrails have no test that names them: "
        + ", ".join(missing)
    )


def test_g51_the_files_the_list_cites_exist_and_its_tests_name_their_guardrail() -> None:
    wrong: list[str] = []
    for gid, (_, enforced, tests) in table().items():
        for code in CITED.findall(enforced):
            if not (ROOT / "src" / "credo" / code).is_file():
                wrong.append(f"{gid}: src/credo/{code} does not exist")
        for test in CITED.findall(tests):
            if not (ROOT / test).is_file():
                wrong.append(f"{gid}: {test} does not exist")
            elif test not in named_by_tests().get(gid, set()):
                wrong.append(f"{gid}: no test in {test} names {gid}")
    assert not wrong, "\n".join(wrong)


def test_g51_the_scan_finds_names_in_docstrings_and_test_names_only(tmp_path: Path) -> None:
    """The rule itself: a docstring or a test's name counts; a comment, an assertion's text
    or a range ("G-26..G-31" names G-26 and G-31 only) does not."""
    module = tmp_path / "test_sample.py"
    module.write_text(
        '"""About G-01 and G-26..G-31."""\n'
        "def test_g07_by_name():\n"
        '    """Also G-12."""\n'
        "def test_other():\n"
        '    assert "G-40" in "G-40"  # G-41\n'
        "def helper():\n"
        '    """G-42 (not a test)."""\n',
        encoding="utf-8",
    )
    assert guardrails_named_by(module) == {"G-01", "G-26", "G-31", "G-07", "G-12"}
    (tmp_path / "test_empty.py").write_text('"""G-02, but no test here."""\n', "utf-8")
    assert guardrails_named_by(tmp_path / "test_empty.py") == set()


def test_g51_the_service_refuses_to_start_on_a_catalogue_violation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """G-51: the loader runs every static check when the service starts (the ASGI entry
    point that uvicorn workers call), and a violation stops it before the database is opened:
    a serious record type kept nine years (G-01), then the demo's cross-domain measures under
    the EU profile, which forbids them (G-10)."""
    from credo.web.api import server

    folder = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, folder)
    path = folder / "record_types.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    defaulter = next(t for t in document["record_types"] if t["id"] == "judgment_defaulter")
    defaulter.update(max_effect="9y", retention_max="10y")
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    database = tmp_path / "never.db"
    monkeypatch.setenv("CREDO_DATABASE_URL", f"sqlite:///{database}")
    for catalogue, profile, rule in ((folder, "CN", "(G-01)"), (DEMO_CATALOG, "EU", "(G-10)")):
        monkeypatch.setenv("CREDO_CATALOG_PATH", str(catalogue))
        monkeypatch.setenv("CREDO_PROFILE", profile)
        with pytest.raises(CatalogueError) as refused:
            server.app()
        text = "\n".join(str(p) for p in refused.value.problems)
        assert rule in text, text
    assert not database.exists()  # refused before the database was touched
