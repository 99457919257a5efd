"""Integer ids are bounded: every route of the app (API and portal) with a path parameter,
and every integer query parameter, is called by every role with numbers the database's id
columns cannot hold (2^64, 2^63; ids are INTEGER columns, at most 2^31 - 1 on PostgreSQL)
and with edge values, with a body that is otherwise valid. Nothing answers 500; the API
answers 422 and the portal's pages 404. Enumerated from the app's routes, so a new route is
covered when it is added. On both databases."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine

from credo.access.model import Role
from credo.access.service import create_principal
from credo.api.app import create_app
from credo.api.params import MAX_ID, parse_id
from credo.clock import FixedClock
from credo.context import AppContext, build_context
from credo.settings import Settings
from tests.portal.conftest import form_token, sign_in
from tests.records.conftest import Writer, licence

HUGE = [str(2**64), str(2**63), "914553019912259108864"]
EDGE = [str(MAX_ID), str(MAX_ID + 1), str(2**63 - 1), "0", "-1", "007"]
# a valid value for each body or form field the routes with ids take
FIELD_VALUES: dict[str, Any] = {
    "information": {"note": "a court letter"},
    "outcome": "upheld",
    "reasons": "checked against the file",
    "approve": True,
    "resolution": "same person, merged",
    "reviewer": "Wang Fang",  # POST /v1/reviews/{review_id} (G-37)
}
FORM_VALUES = {**FIELD_VALUES, "approve": "yes"}


@pytest.fixture
def registry(database_url: str, engine: Engine) -> tuple[AppContext, dict[Role, str]]:
    clock = FixedClock(datetime(2026, 3, 1, 12, 0))
    ctx = build_context(Settings(database_url=database_url), clock=clock, engine=engine)
    [written] = Writer(engine, ctx.catalogue, clock).write("market_regulator", licence())
    roles: list[tuple[Role, dict[str, Any]]] = [
        (Role.OPERATOR, {}),
        (Role.FURNISHER, {"furnisher_id": "market_regulator"}),
        (Role.RELYING_PARTY, {"relying_party_id": next(iter(ctx.catalogue.relying_parties))}),
        (Role.SUBJECT, {"subject_id": written.subject_id}),
        (Role.AUDITOR, {}),
    ]
    with engine.begin() as conn:
        keys = {
            role: create_principal(
                conn,
                ctx.catalogue,
                principal_id=role.value,
                role=role,
                display_name=role.value,
                now=clock.now(),
                **extra,
            )
            for role, extra in roles
        }
    return ctx, keys


def routes(ctx: AppContext) -> Iterator[tuple[str, str, APIRoute]]:
    for context in iter_route_contexts(create_app(ctx).routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path:
            for method in sorted(route.methods):
                yield method, context.path, route


def _fill(path: str, route: APIRoute, target: str, value: str) -> str:
    """``path`` with ``value`` in the parameter ``target`` and a valid value elsewhere."""
    for param in route.dependant.path_params:
        annotation = param.field_info.annotation
        if param.name == target:
            other = value
        elif typing.get_origin(annotation) is typing.Literal:
            other = str(typing.get_args(annotation)[0])
        else:
            other = "1"
        path = path.replace("{" + param.name + "}", other)
    return path


def _body(route: APIRoute) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(json, form) valid for the body of a route with an id (an integer, or the portal's
    text that must be one), so that only the id can be wrong."""
    params = route.dependant.path_params
    if not any(p.field_info.annotation is int or p.name.endswith("_id") for p in params):
        return None, None
    json_body: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    for param in route.dependant.body_params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = annotation.model_fields
            unknown = [n for n, f in fields.items() if f.is_required() and n not in FIELD_VALUES]
            assert not unknown, f"add a valid value for {unknown} of {route.path}"
            json_body = {n: FIELD_VALUES[n] for n in fields if n in FIELD_VALUES}
        elif type(param.field_info).__name__ == "Form":
            form = {**(form or {}), param.name: FORM_VALUES.get(param.name, "x")}
    return json_body, form


def test_parse_id_accepts_only_database_ids() -> None:
    assert parse_id("1") == 1 and parse_id(str(MAX_ID)) == MAX_ID
    for text in [*HUGE, str(MAX_ID + 1), "0", "-1", "", "1e3", "٣", " 1", "1 ", "0x10"]:
        assert parse_id(text) is None, text


def test_no_route_answers_500_to_an_id_beyond_a_database_integer(
    registry: tuple[AppContext, dict[Role, str]],
) -> None:
    ctx, keys = registry
    failures: list[str] = []
    refused: dict[str, set[int]] = {}
    probed = 0
    api = TestClient(create_app(ctx), raise_server_exceptions=False)
    portal = TestClient(create_app(ctx), raise_server_exceptions=False)
    with api, portal:
        sign_in(portal, keys[Role.OPERATOR])  # the console's forms, with their token
        token = form_token(portal)
        for method, path, route in routes(ctx):
            json_body, form = _body(route)
            is_api = path.startswith("/v1/")
            if form is not None and not is_api:
                form = {**form, "csrf": token}
            client = api if is_api else portal
            callers = [{}, *({"Authorization": f"Bearer {k}"} for k in keys.values())]
            for param in route.dependant.path_params:
                kind = "int" if param.field_info.annotation is int else "str"
                for value in HUGE + EDGE:
                    url = _fill(path, route, param.name, value)
                    for headers in callers if is_api else [{}]:
                        response = client.request(
                            method, url, json=json_body, data=form, headers=headers
                        )
                        probed += 1
                        if response.status_code >= 500:
                            failures.append(f"{method} {url} -> {response.status_code}")
                        if value in HUGE:
                            key = f"{kind} {method} {path} {param.name}"
                            refused.setdefault(key, set()).add(response.status_code)
            for query in route.dependant.query_params:
                if query.field_info.annotation is not int:
                    continue
                url = _fill(path, route, "", "")
                for value in HUGE + EDGE:
                    for headers in callers:
                        response = client.request(
                            method, url, params={query.name: value}, headers=headers
                        )
                        probed += 1
                        if response.status_code >= 500:
                            failures.append(f"{method} {url}?{query.name}={value} -> 500")
    assert not failures, "\n".join(failures[:20])
    assert probed > 500
    # an id beyond a database integer: the API's schema refuses it (422) for the caller who
    # may use the route; the portal's pages say "not found"
    api_ids = {key: statuses for key, statuses in refused.items() if key.startswith("int ")}
    assert len(api_ids) >= 6, sorted(refused)
    for key, statuses in api_ids.items():
        assert 422 in statuses, (key, statuses)
    portal_ids = {
        key: statuses
        for key, statuses in refused.items()
        if " /v1/" not in key and key.endswith("_id")
    }
    assert len(portal_ids) == 4, sorted(refused)
    for key, statuses in portal_ids.items():
        assert statuses == {404}, (key, statuses)
