"""The demo catalogue, as the due-process tests load it."""

from __future__ import annotations

from tests.disputes.conftest import catalogue

__all__ = ["catalogue"]
