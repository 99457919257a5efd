"""The FastAPI application: thin routers over the domain services."""

from __future__ import annotations

from fastapi import FastAPI

from credo import __version__
from credo.context import AppContext
from credo.web.api import (
    audit,
    catalog,
    checks,
    disputes,
    exports,
    lists,
    quality,
    ratings,
    records,
    review,
    reviews,
    subjects,
)
from credo.web.api.docs import install_docs
from credo.web.portal import routes as portal_routes
from credo.web.problems import PROBLEM_RESPONSES
from credo.web.problems import install as install_problems
from credo.web.security import SecurityHeaders


def create_app(ctx: AppContext) -> FastAPI:
    app = FastAPI(
        title="Credo",
        version=__version__,
        description="Credit-information registry API. Every decision names its legal basis "
        "and reasons; every subject can see who looked, dispute and repair.",
        # No OpenTelemetry: its per-request provider look-up (os.environ) cost about a tenth
        # of a check's CPU, and Credo exports nothing to a collector.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        responses=PROBLEM_RESPONSES,  # every route's errors, as RFC 9457 problems
        docs_url=None,  # /docs without a CDN: credo.web.api.docs
        redoc_url=None,  # ReDoc writes inline styles at run time: no strict CSP admits it
    )
    app.state.ctx = ctx
    install_problems(app)
    install_docs(app)
    routers = (catalog, records, subjects, review, ratings, lists, checks, reviews, disputes, audit)
    for module in routers:
        app.include_router(module.router)
    app.include_router(quality.router)  # G-49
    app.include_router(exports.router)  # G-50: public rows, aggregates, audited
    app.include_router(portal_routes.router)
    checks.install(app)  # POST /v1/checks, the hot path, and its OpenAPI operation
    app.add_middleware(SecurityHeaders)  # outermost: every response, the fast path's too
    return app
