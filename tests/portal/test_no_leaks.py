"""No public surface leaks a full resident identity number: crawl every page reachable
without signing in (in both languages), every public API response, and search results, and
scan each body for any resident ID in the database."""

from __future__ import annotations

import re
from collections import deque
from datetime import date

from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import given
from hypothesis import strategies as st

from credo.demo.identifiers import AREA_CODES, resident_id
from credo.web.portal.views import mask_text
from tests.portal.conftest import Portal

LINK = re.compile(r'href="(/[^"#]*)"')
MAX_PAGES = 400


def _crawl(portal: Portal, start: list[str]) -> dict[str, str]:
    """Follow every same-site link from ``start`` (GET only, no sign-in)."""
    seen: dict[str, str] = {}
    queue = deque(start)
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft().replace("&amp;", "&")
        if url in seen or url.startswith("/lang/"):
            continue
        response = portal.client.get(url)
        seen[url] = response.text
        if "html" in response.headers.get("content-type", ""):
            queue.extend(LINK.findall(response.text))
    return seen


def _public_api_urls(portal: Portal) -> list[str]:
    """Every GET endpoint without path parameters, asked without a key."""
    # Included routers are nested: walk them (app.routes alone lists the routers, not routes).
    contexts = iter_route_contexts(portal.client.app.routes)  # type: ignore[attr-defined]
    urls = [
        context.path
        for context in contexts
        if isinstance(context.original_route, APIRoute)
        and "GET" in context.original_route.methods
        and "{" not in context.path
    ]
    assert len(urls) > 10, urls  # the walk finds the API's GET endpoints
    return urls


def test_no_public_page_or_response_contains_a_full_resident_id(portal: Portal) -> None:
    ids = portal.resident_ids()
    assert len(ids) > 100
    searches = [f"/register/search?q={q}" for q in ("Co", "有限", "Wang", "王", "Li", "Zhang")]
    lists = [f"/v1/lists/{list_id}/entries" for list_id in portal.ctx.catalogue.lists]
    start = ["/", "/register/defaulters", "/catalogue", *searches, *lists]
    start += _public_api_urls(portal)
    pages = {}
    for lang in ("en", "zh"):
        portal.client.get(f"/lang/{lang}")
        pages.update({f"{lang}:{url}": body for url, body in _crawl(portal, start).items()})
    assert len(pages) > 40
    assert any("/register/organisations/" in url for url in pages)
    leaks = [(url, ric) for url, body in pages.items() for ric in ids if ric in body]
    assert leaks == []
    # The masked form is what the public sees.
    assert any(re.search(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]", body) for body in pages.values())


@given(
    st.sampled_from(AREA_CODES),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(0, 999),
    st.text(max_size=20),
    st.text(max_size=20),
)
def test_mask_text_hides_any_resident_id_in_free_text(
    area: str, birth: date, sequence: int, before: str, after: str
) -> None:
    ric = resident_id(area, birth, sequence)
    assert ric not in mask_text(f"{before}{ric}{after}")  # even glued to other text
    masked = mask_text(f"{before} {ric} {after}")
    assert ric not in masked
    assert ric[:6] + "*" * 8 + ric[-4:] in masked
