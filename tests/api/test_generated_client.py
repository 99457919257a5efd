"""The OpenAPI document is enough for a typed client (issue 13): openapi-python-client
generates a client from ``create_app(...).openapi()`` without a single warning, mypy --strict
type-checks the generated package with a short script that uses it, and the script runs
against the live app and gets typed objects back. A route whose schema is wrong fails here:
the generator refuses a schema it cannot read, mypy a field the script uses that the schema
lacks, and the generated parser an answer that does not match its schema. One database."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from credo.access.model import Role
from credo.web.api.app import create_app
from tests.api.conftest import Registry
from tests.records.conftest import ACME

PACKAGE = "credo_client"
BIN = Path(sys.executable).parent
# The script that uses the client: three endpoints, one public and two behind a key.
SCRIPT = """
from datetime import date

from credo_client import AuthenticatedClient, Client
from credo_client.api.catalogue_public import record_type_v1_catalog_record_types_type_id_get
from credo_client.api.due_process import my_report_v1_me_report_get
from credo_client.api.subjects_operators import get_subject_v1_subjects_scheme_value_get
from credo_client.models import RecordType, SubjectReport, SubjectWithRecords


def record_type_name(client: Client, type_id: str) -> str:
    found = record_type_v1_catalog_record_types_type_id_get.sync(type_id, client=client)
    assert isinstance(found, RecordType), found
    return found.name.en


def first_record(client: AuthenticatedClient, scheme: str, value: str) -> tuple[str, date]:
    subject = get_subject_v1_subjects_scheme_value_get.sync(scheme, value, client=client)
    assert isinstance(subject, SubjectWithRecords), subject
    record = subject.records[0]
    return record.record_id, record.occurred_on


def my_records(client: AuthenticatedClient) -> tuple[str, list[str]]:
    report = my_report_v1_me_report_get.sync(client=client)
    assert isinstance(report, SubjectReport), report
    return report.generated_at, [r.effect for r in report.records]
"""
# The generator's own client.py passes ``*args: object`` to httpx's typed __exit__: its
# template, not the document; every generated module is strict otherwise.
MYPY_INI = """
[mypy]
strict = True
[mypy-credo_client.client]
disable_error_code = arg-type
"""


def _run(args: list[str], cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(args[:2])}:\n{done.stdout}\n{done.stderr}"


def generate(spec: dict[str, object], where: Path) -> None:
    """The client package ``credo_client`` and the script, in ``where``, type-checked."""
    (where / "spec.json").write_text(json.dumps(spec))
    generator = [str(BIN / "openapi-python-client"), "generate", "--path", "spec.json"]
    (where / "generator.yaml").write_text("post_hooks: []\n")  # no formatting: not read
    options = ["--output-path", PACKAGE, "--meta", "none", "--config", "generator.yaml"]
    options.append("--fail-on-warning")
    _run([*generator, *options], where)
    (where / "use_client.py").write_text(SCRIPT)
    (where / "mypy.ini").write_text(MYPY_INI)
    cache = Path(__file__).resolve().parents[2] / ".mypy_cache" / "generated-client"
    checker = [sys.executable, "-m", "mypy", "--config-file", "mypy.ini"]
    _run([*checker, "--cache-dir", str(cache), "use_client.py", PACKAGE], where)


@pytest.fixture
def script(tmp_path: Path) -> Iterator[ModuleType]:
    """The typed script, importable (its package leaves ``sys.modules`` afterwards)."""
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("use_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "use_client" or n.startswith(PACKAGE)]:
            del sys.modules[name]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_generated_client_type_checks_and_reads_the_answers(
    registry: Registry, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    app = create_app(registry.ctx)
    generate(app.openapi(), tmp_path)
    use = request.getfixturevalue("script")
    client = importlib.import_module(PACKAGE)

    def as_(role: Role | None) -> object:
        headers = {"Authorization": f"Bearer {registry.keys[role]}"} if role else {}
        transport = TestClient(app, headers=headers)  # the app in process, no lifespan
        if role is None:
            return client.Client(base_url=str(transport.base_url)).set_httpx_client(transport)
        typed = client.AuthenticatedClient(base_url=str(transport.base_url), token="")
        return typed.set_httpx_client(transport)

    assert use.record_type_name(as_(None), "administrative_licence") == "Administrative licence"
    record_id, occurred = use.first_record(as_(Role.OPERATOR), *ACME)
    assert len(record_id) == 32 and occurred.isoformat() == "2025-01-10"
    generated_at, effects = use.my_records(as_(Role.SUBJECT))
    assert generated_at == registry.ctx.clock.now().isoformat()  # as the report writes it
    assert effects == ["no effect: period ended"]  # a licence of 2025, as its type says
