"""Exports within G-50, on both databases: a rating's results leave one by one only for
organisations and public bodies, natural persons only as counts with cells below the minimum
suppressed; a public list leaves exactly as the public register shows it (same masking); dates
follow the effect rules; every export and every API page is an audit entry; the API pages by
keyset for operators and auditors only."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from credo.access.model import Role
from credo.access.service import create_principal
from credo.audit import repository as audit_repo
from credo.cli.main import app as cli
from credo.context import AppContext
from credo.errors import Forbidden, ValidationFailed
from credo.exports import service
from credo.web.api.app import create_app
from tests.lists.builders import (
    change,
    create_principals,
    defaulter,
    make_context,
    org_id,
    person_id,
    submit,
    tax_grade,
)

ORGS = [org_id(n) for n in range(1, 8)]  # seven graded companies
GRADED_A = [person_id(date(1960 + n, 1, 1 + n)) for n in range(6)]
GRADED_D = [person_id(date(1990 + n, 2, 1 + n)) for n in range(2)]  # band B: a cell of 2
MINIMUM = 5  # the catalogue's smallest cell, lowered from 10 to keep the registry small
LISTED = person_id(date(1975, 7, 7))
ANNULLED = person_id(date(1976, 8, 8))
PERFORMED_ORG = org_id(77)
RATING = "tax_credit_grade"
LIST = "judgment_defaulters"


def _person_grade(ident: str, grade: str) -> dict[str, Any]:
    row = tax_grade(ident, grade, ref="TGP")
    row["subject"] = {"kind": "person", "identifiers": [{"scheme": "cn_ric", "value": ident}]}
    return row


def _registry(database_url: str, engine: Engine) -> AppContext:
    ctx = make_context(database_url, engine)
    registry = ctx.catalogue.registry.model_copy(update={"min_cell_size": MINIMUM})
    ctx = replace(ctx, catalogue=replace(ctx.catalogue, registry=registry))
    grades = [tax_grade(o, "A" if n else "D") for n, o in enumerate(ORGS)]  # ORGS[0]: B
    people = [_person_grade(p, "A") for p in GRADED_A] + [_person_grade(p, "D") for p in GRADED_D]
    submit(ctx, "city_tax_office", *grades, *people)
    # a case number that holds the resident ID: the register masks it, so must the export
    listed = defaulter(LISTED, ref=f"(2026)京0105执{LISTED}号")
    listed["subject"]["name"] = "Zhang San"
    annulled = defaulter(ANNULLED, ref="(2026)京0105执8号")
    performed = defaulter(PERFORMED_ORG, ref="(2026)京0105执9号", kind="organisation")
    standing = defaulter(ORGS[1], ref="(2026)京0105执2号", kind="organisation")
    submit(ctx, "city_court", listed, annulled, performed, standing)
    submit(ctx, "city_court", change(performed, "perform", 1, "2026-03-01"))
    submit(ctx, "city_court", change(annulled, "revoke", 1, "2026-04-01"))
    return ctx


def _export(ctx: AppContext, plan: service.Plan, fmt: str, mode: str = "rows") -> Any:
    out = io.BytesIO()
    summary = service.export(ctx, "test:exporter", plan, fmt, out, mode)  # type: ignore[arg-type]
    return summary, out.getvalue()


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def test_g50_a_rating_leaves_for_organisations_and_persons_only_in_suppressed_counts(
    database_url: str, engine: Engine
) -> None:
    """G-50: seven companies one by one, in every format; eight graded persons never one by
    one, their counts per band (6 and 2) both suppressed: 2 is below the catalogue's minimum
    (5), and 6 would give it away from a total known elsewhere; every export is audited with
    who, what and how many.
    A date follows the effect rules; a rating the catalogue does not publish leaves only in
    aggregate; no date after today is exported."""
    ctx = _registry(database_url, engine)
    today = ctx.clock.today()
    plan = service.rating_plan(ctx.catalogue, RATING, None, today)
    summary, data = _export(ctx, plan, "csv")
    rows = _csv(data)
    assert sorted(r["uscc"] for r in rows) == sorted(ORGS)
    assert {r["kind"] for r in rows} == {"organisation"} and summary.rows == 7
    assert {r["uscc"]: r["band"] for r in rows}[ORGS[0]] == "B"
    for person in GRADED_A + GRADED_D:
        assert person not in data.decode() and person[:6] + "*" * 8 not in data.decode()
    cells = {(c["kind"], c["band"]): c for c in summary.as_json()["withheld"]["cells"]}
    assert cells[("person", "B")]["shown"] == "<5" and cells[("person", "B")]["count"] is None
    assert cells[("person", "A")]["shown"] == "<5"  # secondary suppression
    assert cells[("person", "C")]["shown"] == "0"
    assert ("organisation", "A") not in cells  # they left as rows

    _, parquet = _export(ctx, plan, "parquet")
    assert pq.read_table(io.BytesIO(parquet)).to_pylist() == [
        {**r, "as_of": date.fromisoformat(r["as_of"])}
        for r in json.loads("[" + ",".join(_export(ctx, plan, "jsonl")[1].decode().split()) + "]")
    ]
    _, data = _export(ctx, plan, "csv", mode="aggregate")
    assert {(r["kind"], r["band"], r["shown"]) for r in _csv(data)} >= {
        ("person", "A", "<5"), ("person", "B", "<5")
    }  # fmt: skip
    assert not any(r["count"] not in ("", "0") and int(r["count"]) < MINIMUM for r in _csv(data))

    with engine.connect() as conn:
        logged = audit_repo.entries_with_actions(conn, ["export.rating"])
    assert len(logged) == 4
    first = json.loads(logged[0]["payload"])
    assert logged[0]["actor"] == "test:exporter"
    assert first == {
        "rating": "tax_credit_grade@1", "as_of": today.isoformat(), "evaluated": False,
        "format": "csv", "mode": "rows", "rows": 7, "complete": True,
    }  # fmt: skip
    assert json.loads(logged[3]["payload"])["mode"] == "aggregate"

    # --as-of evaluates the rating on that day: before its D grade took effect (2026-04-01)
    # the first company was graded A, after it B (the cap)
    after = service.rating_plan(ctx.catalogue, RATING, date(2026, 5, 1), today)
    rows = _csv(_export(ctx, after, "csv")[1])
    assert {r["uscc"]: r["band"] for r in rows}[ORGS[0]] == "B"
    assert {r["as_of"] for r in rows} == {"2026-05-01"}
    before = service.rating_plan(ctx.catalogue, RATING, date(2026, 3, 1), today)
    assert {r["uscc"]: r["band"] for r in _csv(_export(ctx, before, "csv")[1])}[ORGS[0]] == "A"
    private = service.rating_plan(ctx.catalogue, "contract_performance", None, today)
    with pytest.raises(Forbidden, match="only in aggregate"):
        _export(ctx, private, "csv")
    with pytest.raises(ValidationFailed, match="after today"):
        service.rating_plan(ctx.catalogue, RATING, date(2026, 6, 2), today)


def _register_rows(client: TestClient) -> list[list[str]]:
    page = client.get("/register/defaulters").text
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells.findall(tr)]
        for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_a_public_list_leaves_exactly_as_the_register_shows_it_on_each_date(
    database_url: str, engine: Engine
) -> None:
    """The export's name, identifier and case columns equal the register page's, a resident ID
    masked wherever it stood; today the performed and the annulled entries are gone; on a day
    before the performance that entry is there, the annulled one never (it had no effect).
    Through the API: pages by keyset, for operators and auditors only, each page audited."""
    ctx = _registry(database_url, engine)
    today = ctx.clock.today()
    summary, data = _export(ctx, service.list_plan(ctx.catalogue, LIST, None, today), "jsonl")
    lines = [json.loads(line) for line in data.decode().splitlines()]
    with TestClient(create_app(ctx)) as client:
        shown = _register_rows(client)
    masked = LISTED[:6] + "*" * 8 + LISTED[-4:]
    # G-50: the register shows the listed person one page at a time; a bulk export counts them.
    # A name not on record is null in the export and "—" on the page.
    assert sorted([r["name"] or "—", r["id"], r["case"]] for r in lines) == sorted(
        [cells[0], cells[1], cells[3]] for cells in shown if cells[1] != masked
    )
    assert any(cells[1] == masked for cells in shown)
    assert LISTED not in data.decode() and masked not in data.decode()
    assert ANNULLED[-4:] + '"' not in data.decode()
    assert {r["id"] for r in lines} == {ORGS[1]}
    assert summary.rows == 1
    assert [(c.key, c.suppressed) for c in summary.withheld.cells] == [(("person", "2026"), True)]
    assert [r["date"] for r in lines] == ["2026-01-25"]

    earlier = service.list_plan(ctx.catalogue, LIST, date(2026, 2, 15), today)
    ids = {r["id"] for r in _csv(_export(ctx, earlier, "csv")[1])}
    assert ids == {ORGS[1], PERFORMED_ORG}
    private = service.list_plan(ctx.catalogue, "poor_contract_performers", None, today)
    with pytest.raises(Forbidden):
        _export(ctx, private, "csv")
    _api_pages_by_keyset_for_operators_and_auditors_and_audits_each_page(ctx, engine)


def _api_pages_by_keyset_for_operators_and_auditors_and_audits_each_page(
    ctx: AppContext, engine: Engine
) -> None:
    keys = create_principals(ctx)
    with engine.begin() as conn:
        keys["auditor"] = create_principal(
            conn, ctx.catalogue, principal_id="auditor", role=Role.AUDITOR,
            display_name="auditor", now=ctx.clock.now(),
        )  # fmt: skip
    url = f"/v1/exports/ratings/{RATING}"
    auditor = {"Authorization": f"Bearer {keys['auditor']}"}
    with TestClient(create_app(ctx)) as client:
        seen: list[str] = []
        cursor = ""
        for _ in range(4):
            page = client.get(url, params={"limit": 3, "cursor": cursor}, headers=auditor)
            assert page.status_code == 200, page.text
            seen += [item["uscc"] for item in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        assert seen == [r for r in seen] and sorted(seen) == sorted(ORGS) and len(seen) == 7
        assert (
            client.get(url, headers={"Authorization": f"Bearer {keys['bank']}"}).status_code == 403
        )
        assert client.get(url).status_code == 401
        assert client.get(url, params={"limit": 1001}, headers=auditor).status_code == 422
        assert client.get(url, params={"cursor": "x"}, headers=auditor).status_code == 422
        private = client.get("/v1/exports/ratings/contract_performance", headers=auditor)
        assert private.status_code == 403 and private.json()["code"] == "not_public"
        counted = client.get(f"{url}/aggregate", headers=auditor).json()
        assert {(c["kind"], c["group"]): c["shown"] for c in counted["cells"]}[
            ("person", "B")
        ] == "<5"
        entries = client.get(f"/v1/exports/lists/{LIST}", headers=auditor).json()
        assert len(entries["items"]) == 1 and entries["next_cursor"] is None
    with engine.connect() as conn:
        logged = audit_repo.entries_with_actions(conn, ["export.rating", "export.list"])[-5:]
    assert [(e["actor"], json.loads(e["payload"])["mode"]) for e in logged] == [
        ("auditor:auditor", "page")
    ] * 3 + [("auditor:auditor", "aggregate"), ("auditor:auditor", "page")]
    assert [json.loads(e["payload"])["rows"] for e in logged[:3]] == [3, 3, 1]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_cli_writes_the_file_whole_prints_json_and_refuses_in_one_line(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    _registry(database_url, engine)
    env = {"CREDO_DATABASE_URL": database_url, "COLUMNS": "80"}
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "defaulters.parquet"
    args = ["lists", "export", LIST, "--on", "2026-06-01", "--format", "parquet"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "--json"], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"] == 1 and summary["out"] == str(out) and summary["audit_seq"] > 0
    assert {r["id"] for r in pq.read_table(out).to_pylist()} == {ORGS[1]}  # persons counted
    assert [p.name for p in folder.iterdir()] == [out.name]  # no partial file left
    refused = CliRunner().invoke(
        cli, ["lists", "export", "poor_contract_performers", "--format", "csv", "--out",
              str(folder / "x.csv")], env=env,
    )  # fmt: skip
    assert refused.exit_code == 1 and "only in aggregate" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert [p.name for p in folder.iterdir()] == [out.name]
    bad = CliRunner().invoke(cli, ["rating", "export", RATING, "--format", "xls"], env=env)
    assert bad.exit_code == 1 and "--format 'xls'" in bad.stderr
