"""Web pages (server-rendered). For now: the landing page that links to the API docs."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from credo.api.deps import get_ctx
from credo.context import AppContext

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def landing(ctx: AppContext = Depends(get_ctx)) -> str:
    name = ctx.catalogue.registry.name.en
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{name}</title></head><body><main>
<h1>{name}</h1>
<p>A credit-information registry: every record has a legal basis, every decision names its
reasons, and every subject can see, dispute and repair what is held.</p>
<ul><li><a href="/docs">API documentation (OpenAPI)</a></li>
<li><a href="/openapi.json">OpenAPI document</a></li>
<li><a href="/v1/catalog">The public catalogue: record types and their legal bases</a></li></ul>
</main></body></html>"""
