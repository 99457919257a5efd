"""The API's reference page, /docs (Swagger UI), served with no CDN.

FastAPI's own page loads its script from a CDN: on a registry without internet /docs was
blank, and no strict Content-Security-Policy could allow it. The files come from the pinned
``fastapi-offline`` distribution (requirements/lock.txt) and are served from
:data:`ASSETS_PATH`, so the page's policy (credo.web.security) admits only this site.
There is no /redoc: ReDoc writes inline styles at run time, which a hash-only policy refuses."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

ASSETS_PATH = "/docs-assets"
DOCS_URL = "/docs"


def assets_folder() -> Path:
    """Swagger UI's files as the pinned distribution ships them."""
    return Path(str(resources.files("fastapi_offline") / "static"))


def install_docs(app: FastAPI) -> None:
    """Add /docs and its assets to an app built with ``docs_url=None``."""
    openapi_url = app.openapi_url or "/openapi.json"
    app.mount(ASSETS_PATH, StaticFiles(directory=assets_folder()), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        )
