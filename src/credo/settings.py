"""Runtime settings, read once at the edge (CLI, server start-up) and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_CATALOG = Path(__file__).parent / "catalog" / "demo"


class Settings(BaseSettings):
    """Settings from the environment (prefix ``CREDO_``); never a module-level global."""

    model_config = SettingsConfigDict(env_prefix="CREDO_", frozen=True)

    database_url: str = Field(default="sqlite:///credo.db")
    catalog_path: Path = Field(default=DEMO_CATALOG)
    profile: str | None = Field(default=None, description="Overrides the catalogue's profile")
    host: str = "127.0.0.1"
    port: int = 8000
    simulation_max_age_days: int = Field(
        default=7,
        ge=1,
        description="Activating a catalogue needs a simulation of it run and dated within "
        "this many days (credo.governance.service.activate, G-48)",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Let webhooks go to http:// and private, loopback or link-local addresses "
        "(tests and closed test networks only; off in production)",
    )
    inquiry_commit_wait_ms: float = Field(
        default=1.0,
        ge=0,
        le=100,
        description="How long the inquiry writer waits after a check's inquiry arrives for "
        "more to share its commit (group commit, credo.checks.inquiries); every check waits "
        "for its commit, so this is added to a check's latency when the writer is idle",
    )
