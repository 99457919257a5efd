"""Integer ids are bounded: every route of the app (API and portal) with a path parameter,
and every integer query parameter, is called by every role with numbers the database's id
columns cannot hold (2^64, 2^63; ids are INTEGER columns, at most 2^31 - 1 on PostgreSQL)
and with edge values, with a body that is otherwise valid. Nothing answers 500; the API
answers 422 and the portal's pages 404. Enumerated from the app's routes, so a new route is
covered when it is added. On both databases."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel

from credo.access.model import Role
from credo.context import AppContext
from credo.web.api.app import create_app
from credo.web.params import MAX_ID, parse_id
from tests.api.conftest import Registry
from tests.portal.conftest import form_token, sign_in

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


def test_no_route_answers_500_to_an_id_beyond_a_database_integer(registry: Registry) -> None:
    ctx, keys = registry.ctx, registry.keys
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
    assert len(portal_ids) >= 4, sorted(refused)
    for key, statuses in portal_ids.items():
        assert statuses == {404}, (key, statuses)


# -- integers in request bodies ----------------------------------------------------------------

INT64 = (-(2**63), 2**63 - 1)
BODY_HUGE = 2**64  # beyond every 64-bit integer: orjson, which writes the JSON columns, refuses it


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    ref = node.get("$ref")
    if ref is None:
        return None, node
    target: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return ref, target


def _numbers(
    spec: dict[str, Any], node: dict[str, Any], at: tuple[str | int, ...], seen: frozenset[str]
) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any] | None]]:
    """(where, schema) of every number a request body may hold under ``node``; the schema is
    None where the body may hold anything (an untyped value or free-form object)."""
    ref, node = _resolve(spec, node)
    if ref in seen:
        return  # a recursive type (free-form JSON): its numbers were met on the way in
    seen = seen | {ref} if ref else seen
    branches = [*node.get("anyOf", []), *node.get("oneOf", []), *node.get("allOf", [])]
    for branch in branches:
        yield from _numbers(spec, branch, at, seen)
    kind = node.get("type")
    if kind in ("integer", "number"):
        yield at, node
    elif kind == "array" and "items" in node:
        yield from _numbers(spec, node["items"], (*at, 0), seen)
    elif kind == "object" or "properties" in node:
        for name, child in node.get("properties", {}).items():
            yield from _numbers(spec, child, (*at, name), seen)
        extra = node.get("additionalProperties", not node.get("properties"))
        if extra is True or extra == {}:
            yield (*at, "n"), None
        elif isinstance(extra, dict):
            yield from _numbers(spec, extra, (*at, "n"), seen)
    elif kind is None and not branches:
        yield at, None  # untyped: any JSON value


def _request_body_numbers(
    spec: dict[str, Any],
) -> Iterator[tuple[str, str, dict[str, Any], tuple[str | int, ...], dict[str, Any] | None]]:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                for at, schema in _numbers(spec, content["schema"], (), frozenset()):
                    yield method.upper(), path, operation, at, schema


def _placed(at: tuple[str | int, ...], value: Any) -> Any:
    """A body holding ``value`` at ``at`` and nothing else."""
    for step in reversed(at):
        value = [value] if isinstance(step, int) else {step: value}
    return value


def _place(where: str) -> str:
    """The place an error names, without the union branches pydantic names on the way into
    free-form JSON: ``body.n.list[...].0.constrained-int`` is ``body.n.0.constrained-int``."""
    kept, depth = [], 0
    for char in where:
        depth += char == "["
        if depth == 0:
            kept.append(char)
        depth -= char == "]"
    return ".".join(s for s in "".join(kept).split(".") if s not in ("list", "dict"))


def _url(path: str, operation: dict[str, Any]) -> str:
    for param in operation.get("parameters", []):
        if param["in"] == "path":
            value = param["schema"].get("enum", ["1"])[0]
            path = path.replace("{" + param["name"] + "}", str(value))
    return path


def test_every_number_in_a_request_body_is_bounded_in_the_schema(registry: Registry) -> None:
    """Issue 11, item 8 for bodies: every integer (and number) a request body may hold has a
    minimum and a maximum within 64 bits in the OpenAPI document, free-form JSON included
    (evidence, information, proof, a catalogue change); nothing is left untyped."""
    with TestClient(create_app(registry.ctx)) as client:
        spec = client.get("/openapi.json").json()
    found = list(_request_body_numbers(spec))
    unbounded = [
        f"{method} {path} body.{'.'.join(map(str, at))}"
        for method, path, _, at, schema in found
        if schema is None
        or not INT64[0] <= schema.get("minimum", INT64[0] - 1) <= schema.get("maximum", 2**64)
        or schema.get("maximum", 2**64) > INT64[1]
    ]
    assert not unbounded, "\n".join(unbounded)
    assert len({(m, p) for m, p, *_ in found}) >= 7, found  # records, disputes, audit changes


def test_a_huge_integer_anywhere_in_a_body_is_a_422_naming_where_it_is(registry: Registry) -> None:
    """Issue 11, item 8 for bodies: 2^64 at each place a request body may hold a number, sent
    by every caller, is never a 500; the caller who may use the route gets a 422 problem whose
    errors name that place. On both databases."""
    failures: list[str] = []
    with TestClient(create_app(registry.ctx), raise_server_exceptions=False) as client:
        spec = client.get("/openapi.json").json()
        probed = set()
        for method, path, operation, at, _ in _request_body_numbers(spec):
            url, where = _url(path, operation), ".".join(map(str, ("body", *at)))
            if (method, url, where) in probed:
                continue
            probed.add((method, url, where))
            named = False
            for caller, headers in registry.callers().items():
                response = client.request(method, url, json=_placed(at, BODY_HUGE), headers=headers)
                if response.status_code >= 500:
                    failures.append(f"{method} {url} {where} as {caller}: {response.status_code}")
                elif response.status_code == 422:
                    errors = response.json().get("errors", [])
                    named = named or any(_place(e["where"]).startswith(where) for e in errors)
            if not named:
                failures.append(f"{method} {url}: no caller was told about {where}")
    assert not failures, "\n".join(failures)
    assert len(probed) >= 8, sorted(probed)
