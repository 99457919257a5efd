"""Builders for furnisher-quality tests (G-49): the demo catalogue with small, explicit
quality thresholds, so a handful of records is enough to judge a furnisher."""

from __future__ import annotations

from dataclasses import replace

import pytest

from credo.catalog.catalogue import Catalogue
from credo.catalog.loader import load_catalogue
from credo.catalog.models import FurnisherQuality, QualityThresholds
from credo.settings import DEMO_CATALOG

POLICY = FurnisherQuality(
    window_days=90,
    min_records=5,
    min_disputes_due=2,
    thresholds=QualityThresholds(
        dispute_rate=0.5, correction_rate=0.1, overturn_rate=0.5, late_response_rate=0.5
    ),
)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return replace(load_catalogue(DEMO_CATALOG), furnisher_quality=POLICY)
