"""HTTP API for audit (placeholder: the owning package fills this in)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["audit"])
