"""The command line for scripts (docs/cli.md), run as a script runs it: stdout not a terminal,
COLUMNS=80. Every command's JSON has the keys docs/cli.md shows; tables off a terminal are
tab-separated lines and never cut a value; an error is one line on stderr naming what it
concerns; ``--from FILE`` answers many subjects in one run, one JSON line each."""

from __future__ import annotations

import io
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from rich.console import Console
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

import credo.cli.common
from credo.cli.main import app
from tests.ingest.conftest import NYC_MAPPING, inspection_row, write_csv
from tests.lists.builders import (
    create_principals,
    defaulter,
    make_context,
    org_id,
    person_id,
    submit,
    tax_grade,
)

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "cli.md"
DEMO_CATALOG = REPO / "src" / "credo" / "catalog" / "demo"
PERSON = person_id(date(1980, 5, 6))
ORG_A, ORG_B = org_id(7), org_id(8)
# Documented commands this file does not run, and where they are run instead.
NOT_RUN = {
    "credo catalog propose": "needs a simulation: tests/governance/test_cli.py",
    "credo catalog activate": "needs an approved change: tests/governance/test_cli.py",
    "credo catalog rederive": "re-derives every subject: tests/governance/test_cli.py",
    "credo serve": "builds a demo city: tests/demo/test_build.py",
    "credo ingest FILE --snapshot": "a full-list mapping: tests/lists/test_debarment_list_e2e.py",
    "credo disputes list": "no dispute on this tiny registry: the disputes table's columns",
    "credo furnishers release": "needs a held furnisher: tests/quality/test_holds.py",
}


def run(database_url: str, *args: str) -> Result:
    """As a script runs it: stdout is not a terminal, the terminal 80 columns wide."""
    env = {"CREDO_DATABASE_URL": database_url, "COLUMNS": "80"}
    return CliRunner().invoke(app, list(args), env=env)


def documented() -> dict[str, Any]:
    """Each ``### `credo ...``` heading of docs/cli.md -> its first ```json example."""
    examples: dict[str, Any] = {}
    for section in re.split(r"^### ", DOC.read_text(encoding="utf-8"), flags=re.M)[1:]:
        command = section.split("`")[1]
        block = re.search(r"^```json\n(.*?)^```", section, flags=re.M | re.S)
        if block is not None:
            examples[command] = orjson.loads(block.group(1))
    return examples


# Objects keyed by data (a band, a reason code, a feature id): maps, not fixed keys.
MAPS = {"before", "after", "reasons", "features", "statements", "rejected"}


def missing_keys(shown: Any, got: Any, where: str = "") -> list[str]:
    """The keys of the documented example that the output lacks, nested objects included."""
    if where.rpartition(".")[2] in MAPS:
        return []
    if isinstance(shown, dict):
        if not isinstance(got, dict):
            return [where or "."] if got is not None else []
        found: list[str] = []
        for key, value in shown.items():
            if key not in got:
                found.append(f"{where}.{key}")
            else:
                found += missing_keys(value, got[key], f"{where}.{key}")
        return found
    if isinstance(shown, list) and shown and isinstance(got, list) and got:
        return missing_keys(shown[0], got[0], f"{where}[0]")
    return []


def seed(database_url: str, engine: Engine) -> None:
    ctx = make_context(database_url, engine)
    create_principals(ctx)
    submit(ctx, "city_court", defaulter(PERSON))
    submit(ctx, "city_tax_office", tax_grade(ORG_A, "A"), tax_grade(ORG_B, "D", ref="TG-X"))


def commands(database_url: str, tmp_path: Path) -> dict[str, list[str]]:
    """The command for each documented example, in an order that gives each data to show."""
    own = "postgres" if database_url.startswith("postgres") else "sqlite"
    (tmp_path / "subjects.txt").write_text(f"cn_uscc:{ORG_A}\ncn_uscc:{ORG_B}\n")
    (tmp_path / "people.txt").write_text(f"# people\n{PERSON}\n\n")
    csv = write_csv(tmp_path / "inspections.csv", [inspection_row(1), inspection_row(2)])
    key = str(tmp_path / "audit-key.pem")
    rating = ("tax_credit_grade", "--as-of", "2026-06-01")
    return {
        "credo catalog check": ["catalog", "check", str(DEMO_CATALOG)],
        "credo db upgrade": ["db", "upgrade"],
        "credo principal create": ["principal", "create", "bank9", "--role", "relying_party",
                                   "--name", "Bank", "--relying-party", "demo_bank"],
        "credo ingest FILE": ["ingest", str(csv), "--mapping", str(NYC_MAPPING),
                              "--report", str(tmp_path / "report.json")],
        "credo ingest snapshots": ["ingest", "snapshots"],
        "credo rescore": ["rescore", "--engine", own, "--as-of", "2026-06-01"],
        "credo rating eval": ["rating", "eval", *rating, "--subject", f"cn_uscc:{ORG_A}"],
        "credo rating eval --from FILE": ["rating", "eval", *rating,
                                          "--from", str(tmp_path / "subjects.txt")],
        "credo rating history": ["rating", "history", "tax_credit_grade",
                                 "--subject", f"cn_uscc:{ORG_A}"],
        "credo lists entries": ["lists", "entries", "cn_ric", PERSON, "--on", "2026-02-01"],
        "credo lists entries --from FILE": ["lists", "entries", "cn_ric", "--on", "2026-02-01",
                                            "--from", str(tmp_path / "people.txt")],
        "credo checks inquiries": ["checks", "inquiries", "cn_ric", PERSON],
        "credo jobs run": ["jobs", "run", "--as-of", "2026-06-02"],
        "credo notices send": ["notices", "send", f"file:{tmp_path / 'outbox'}"],
        "credo furnishers quality": ["furnishers", "quality"],
        "credo audit verify": ["audit", "verify"],
        "credo audit checkpoint": ["audit", "checkpoint", "--key", key],
        "credo audit public-key": ["audit", "public-key", "--key", key],
    }  # fmt: skip


def parsed(result: Result, lines: bool) -> list[Any]:
    if lines:
        return [orjson.loads(line) for line in result.stdout.splitlines()]
    return [orjson.loads(result.stdout)]


def test_every_documented_json_has_its_keys(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    """docs/cli.md shows each command's JSON; the command prints those keys, nested ones too,
    and nothing but the JSON on stdout (no progress bar, no note)."""
    seed(database_url, engine)
    examples = documented()
    to_run = commands(database_url, tmp_path)
    assert set(examples) == set(to_run) | set(NOT_RUN)  # a new example needs a run here
    for command, args in to_run.items():
        batch = "--from" in args
        result = run(database_url, *args, *([] if batch else ["--json"]))
        assert result.exit_code == 0, (command, result.output)
        for document in parsed(result, lines=batch):
            assert not missing_keys(examples[command], document), (command, document)


def test_the_batch_form_answers_every_subject_in_one_run(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    """``--from FILE``: one JSON line per subject (and date), in the file's order, keyed by
    the identifier; a subject that cannot be answered says why and the others go on."""
    seed(database_url, engine)
    unknown_person = person_id(date(1980, 1, 1))
    people = tmp_path / "people.txt"
    people.write_text(f"cn_ric:{PERSON}\n# a comment\n\ncn_ric:{unknown_person}\n")
    result = run(database_url, "lists", "entries", "--from", str(people),
                 "--on", "2026-01-12", "--on", "2026-02-01")  # fmt: skip
    assert result.exit_code == 0, result.output
    answers = parsed(result, lines=True)
    assert [(a["identifier"], a["on"]) for a in answers] == [
        (f"cn_ric:{PERSON}", "2026-01-12"),
        (f"cn_ric:{PERSON}", "2026-02-01"),
        (f"cn_ric:{unknown_person}", "2026-01-12"),
        (f"cn_ric:{unknown_person}", "2026-02-01"),
    ]
    assert [e["status"] for a in answers[:2] for e in a["entries"]] == ["notified", "effective"]
    assert answers[2]["problem"] == "no subject has this identifier"
    subjects = tmp_path / "subjects.txt"
    subjects.write_text(f"cn_uscc:{ORG_B}\ncn_uscc:nope\ncn_uscc:{org_id(99)}\ncn_uscc:{ORG_A}\n")
    result = run(database_url, "rating", "eval", "tax_credit_grade", "--as-of", "2026-06-01",
                 "--from", str(subjects))  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = parsed(result, lines=True)
    assert [line["subject"] for line in lines] == [
        f"cn_uscc:{v}" for v in (ORG_B, "nope", org_id(99), ORG_A)
    ]
    assert [line.get("result", {}).get("band") for line in lines] == ["B", None, None, "A"]
    assert [line.get("error", {}).get("code") for line in lines] == [
        None, "invalid_identifier", "not_found", None
    ]  # fmt: skip


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_table_off_a_terminal_is_tab_separated_and_never_cut(
    database_url: str, engine: Engine
) -> None:
    """At 80 columns, a list entry's line is longer than 80 characters and comes whole."""
    seed(database_url, engine)
    shown = run(database_url, "lists", "entries", "cn_ric", PERSON, "--on", "2026-02-01")
    assert shown.exit_code == 0, shown.output
    [record] = orjson.loads(
        run(
            database_url, "lists", "entries", "cn_ric", PERSON, "--on", "2026-02-01", "--json"
        ).stdout
    )["answers"][0]["entries"][0]["records"]
    header, row = shown.stdout.splitlines()[1:]
    assert header.split("\t")[:2] == ["list", "status"]
    assert row.split("\t") == [
        "judgment_defaulters", "effective", "2026-01-10", "2026-01-25", "2029-01-10",
        "period_ended", record,
    ]  # fmt: skip
    assert len(row) > 80 and "…" not in shown.stdout


def test_a_table_on_a_terminal_folds_long_values_rather_than_cutting_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On an 80-column terminal a value too long for its column folds onto more lines; every
    character of it is shown ("mdb_deb…" was the bug)."""
    screen = Console(file=io.StringIO(), width=80, force_terminal=True, color_system=None)
    monkeypatch.setattr(credo.cli.common, "console", screen)
    monkeypatch.setattr(credo.cli.common, "is_terminal", lambda: True)
    long = "mdb_debarment_" + "".join(f"{i:02d}" for i in range(60))
    credo.cli.common.print_table(("list", "status", "records"), [(long, "effective", long)])
    text = screen.file.getvalue()  # type: ignore[attr-defined]
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "│ effective │" in text  # a short value stays whole; the long ones fold
    for column in (0, 2):  # each column's cells, top to bottom, read back the whole value
        cells = [line.split("│")[column + 1].strip() for line in text.splitlines() if "│" in line]
        assert "".join(cells) == long  # the header row is drawn with ┃


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_error_is_one_line_on_stderr_naming_the_file(database_url: str, tmp_path: Path) -> None:
    """At 80 columns, an error with a long path is one line on stderr, path whole, exit 1;
    a bad line of a --from file is named by file and line; a usage error is one line, exit 2."""
    missing = tmp_path / ("a-long-folder-name-" * 6) / "inspections.csv"
    result = run(database_url, "ingest", str(missing), "--mapping", str(NYC_MAPPING))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"error: {missing}: no such file"]
    assert result.stdout == ""
    subjects = tmp_path / "subjects.txt"
    subjects.write_text(f"cn_uscc:{ORG_A}\n{ORG_B}\n")
    result = run(database_url, "rating", "eval", "tax_credit_grade", "--from", str(subjects))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"error: {subjects}:2: '{ORG_B}' is not SCHEME:VALUE"]
    result = run(database_url, "rating", "eval", "--subject", f"cn_uscc:{ORG_A}")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: credo rating eval: Missing argument 'rating'."]


def test_an_invalid_catalogue_is_one_line_per_problem(tmp_path: Path) -> None:
    """Each problem on its own line with its file and key, then one error line; with --json
    the problems are in the JSON too."""
    folder = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, folder)
    (folder / "broken.yaml").write_text("record_types: [\n", encoding="utf-8")
    result = run("sqlite://", "catalog", "check", str(folder))
    assert result.exit_code == 1
    *problems, last = result.stderr.splitlines()
    assert problems and all(line.startswith("broken.yaml: ") for line in problems)
    assert last == f"error: {len(problems)} problem(s) in {folder.resolve()}"
    as_json = run("sqlite://", "catalog", "check", str(folder), "--json")
    assert as_json.exit_code == 1
    document = orjson.loads(as_json.stdout)
    assert document["valid"] is False
    assert [p["file"] for p in document["problems"]] == ["broken.yaml"] * len(problems)
