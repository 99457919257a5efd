"""No registration oracle (issue 11, item 9): a subject that asks about another subject gets
the same 404 whether that other person is registered or not, so a subject key cannot test
whether a resident ID number is on file. Operators still see every subject. On both
databases."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from stdnum.cn import ric

from credo.access.model import Role
from credo.access.service import create_principal
from credo.clock import FixedClock
from credo.context import build_context
from credo.settings import Settings
from credo.web.api.app import create_app
from tests.records.conftest import ZHANG, Writer, defaulter

OTHER = "110105198001010013"  # registered below, not the caller
NOBODY = "110105199002020028"  # valid check digit, never registered
RATINGS = ["tax_credit_grade", "contract_performance"]


def _valid(number: str) -> str:
    return number[:17] + ric.calc_check_digit(number)  # stdnum skips the last character


@pytest.fixture
def client(database_url: str, engine: Engine) -> tuple[TestClient, dict[Role, str]]:
    clock = FixedClock(datetime(2026, 3, 1, 12, 0))
    ctx = build_context(Settings(database_url=database_url), clock=clock, engine=engine)
    writer = Writer(engine, ctx.catalogue, clock)
    mine, other = writer.write(
        "city_court",
        defaulter(),
        defaulter("(2025)京0105执124号", identifiers=[("cn_ric", _valid(OTHER))]),
    )
    assert mine.subject_id and other.subject_id and mine.subject_id != other.subject_id, other
    with engine.begin() as conn:
        keys = {
            role: create_principal(
                conn,
                ctx.catalogue,
                principal_id=role.value,
                role=role,
                display_name=role.value,
                now=clock.now(),
                subject_id=mine.subject_id if role is Role.SUBJECT else None,
            )
            for role in (Role.SUBJECT, Role.OPERATOR)
        }
    return TestClient(create_app(ctx)), keys


def _get(client: TestClient, key: str, path: str) -> tuple[int, str]:
    response = client.get(path, headers={"Authorization": f"Bearer {key}"})
    return response.status_code, response.text


@pytest.mark.parametrize("rating", RATINGS)
@pytest.mark.parametrize("suffix", ["", "/history"])
def test_another_registered_person_is_as_unknown_as_nobody(
    client: tuple[TestClient, dict[Role, str]], rating: str, suffix: str
) -> None:
    api, keys = client
    base = f"/v1/ratings/{rating}/subjects/cn_ric/"
    other, nobody = _valid(OTHER), _valid(NOBODY)
    with api:
        own_status, _ = _get(api, keys[Role.SUBJECT], base + ZHANG[1] + suffix)
        other_status, other_body = _get(api, keys[Role.SUBJECT], base + other + suffix)
        nobody_status, nobody_body = _get(api, keys[Role.SUBJECT], base + nobody + suffix)
        operator_other, _ = _get(api, keys[Role.OPERATOR], base + other + suffix)
        operator_nobody, _ = _get(api, keys[Role.OPERATOR], base + nobody + suffix)
    assert own_status == 200
    assert (other_status, nobody_status) == (404, 404)  # was 403 for the registered one
    # the same answer but for the number asked about
    assert other_body.replace(other, "N") == nobody_body.replace(nobody, "N")
    assert (operator_other, operator_nobody) == (200, 404)


def test_a_malformed_number_is_refused_alike_for_everyone(
    client: tuple[TestClient, dict[Role, str]],
) -> None:
    api, keys = client
    bad = "/v1/ratings/tax_credit_grade/subjects/cn_ric/110105198001010010"  # wrong check
    with api:
        statuses = {_get(api, key, bad)[0] for key in keys.values()}
    assert statuses == {422}
