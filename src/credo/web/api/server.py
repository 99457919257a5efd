"""The ASGI entry point for uvicorn workers: builds the app from CREDO_* settings."""

from __future__ import annotations

from fastapi import FastAPI

from credo.context import build_context
from credo.settings import Settings
from credo.web.api.app import create_app


def app() -> FastAPI:
    return create_app(build_context(Settings()))
