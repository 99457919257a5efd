"""The lists API (the public register with masked identifiers as it stands today; any date
for operators) and the lists and checks CLI commands, on both databases."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from credo.cli.main import app as cli
from credo.web.api.app import create_app
from tests.lists.builders import create_principals, defaulter, make_context, person_id, submit

ADULT = person_id(date(1980, 5, 6))


def test_public_register_shows_masked_entries_in_effect_on_a_date(
    database_url: str, engine: Engine
) -> None:
    ctx = make_context(database_url, engine)
    keys = create_principals(ctx)
    submit(ctx, "city_court", defaulter(ADULT))
    with TestClient(create_app(ctx)) as client:
        catalogue = client.get("/v1/lists").json()
        assert "judgment_defaulters" in {li["id"] for li in catalogue["lists"]}
        url = "/v1/lists/judgment_defaulters/entries"
        [entry] = client.get(url).json()["entries"]  # today, for anyone
        assert entry["subject"] == "cn_ric:110105********0010"
        assert entry["effective_on"] == "2026-01-25"
        operator = {"Authorization": f"Bearer {keys['operator']}"}  # other dates: history
        [entry] = client.get(url, params={"on": "2026-03-01"}, headers=operator).json()["entries"]
        assert entry["subject"] == "cn_ric:110105********0010"
        notice = client.get(url, params={"on": "2026-01-20"}, headers=operator)
        assert notice.json()["entries"] == []  # still in its notice period then
        assert client.get(url, params={"on": "2026-03-01"}).status_code == 403
        assert client.get("/v1/lists/nope/entries").status_code == 404


def test_cli_shows_entries_for_a_date_and_the_inquiry_log(
    database_url: str, engine: Engine
) -> None:
    ctx = make_context(database_url, engine)
    keys = create_principals(ctx)
    submit(ctx, "city_court", defaulter(ADULT))
    with TestClient(create_app(ctx)) as client:
        client.post(
            "/v1/checks",
            json={
                "identifiers": [{"scheme": "cn_ric", "value": ADULT}],
                "purpose": "air_ticket_sale",
                "transaction_ref": "PNR-1",
            },
            headers={"Authorization": f"Bearer {keys['airline']}"},
        )
    env = {"CREDO_DATABASE_URL": database_url, "COLUMNS": "80"}  # off a terminal: never cut
    runner = CliRunner()
    notified = runner.invoke(
        cli, ["lists", "entries", "cn_ric", ADULT, "--on", "2026-01-12"], env=env
    )
    assert notified.exit_code == 0, notified.output
    assert "notified" in notified.output
    effective = runner.invoke(
        cli, ["lists", "entries", "cn_ric", ADULT, "--on", "2026-02-01"], env=env
    )
    assert "effective" in effective.output
    as_json = runner.invoke(
        cli, ["lists", "entries", "cn_ric", ADULT, "--on", "2026-02-01", "--json"], env=env
    )
    assert as_json.exit_code == 0, as_json.output
    [answer] = json.loads(as_json.output)["answers"]
    [entry] = answer["entries"]
    assert (entry["list"], entry["status"]) == ("judgment_defaulters", "effective")
    assert entry["ends_because"] in ("period_ended", "term_end")
    log = runner.invoke(cli, ["checks", "inquiries", "cn_ric", ADULT], env=env)
    assert log.exit_code == 0, log.output
    assert "demo_airline" in log.output
    assert "restricted" in log.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_questions_file_names_a_bad_line(database_url: str, tmp_path: Path) -> None:
    questions = tmp_path / "q.csv"
    questions.write_text("value,on\n110105194912310025,2026-01-01\n110105194912310025,soon\n")
    result = CliRunner().invoke(
        cli,
        ["lists", "entries", "cn_ric", "--questions", str(questions), "--json"],
        env={"CREDO_DATABASE_URL": database_url, "COLUMNS": "80"},
    )
    assert result.exit_code == 1
    assert f"{questions}:3: 'on' 'soon' is not a date (YYYY-MM-DD)" in result.output
