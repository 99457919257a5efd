"""A food-hygiene inspection rating in the UK FHRS style, written from an empty folder: three
component scores on their grids (hygiene and structure 0-25 in steps of 5, confidence in
management one of 0, 5, 10, 20, 30), the total banded, and the rating capped by the worst
single component. ``published`` is the published rule in plain Python, the oracle the engines
are checked against (tests/ratings/test_inspection_rating.py, test_engine_agreement.py)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from tests.ratings.agreement import record

HYGIENE = STRUCTURE = (0, 5, 10, 15, 20, 25)
MANAGEMENT = (0, 5, 10, 20, 30)
GRIDS = {"hygiene": HYGIENE, "structure": STRUCTURE, "confidence_in_management": MANAGEMENT}
COMPONENTS = tuple(GRIDS)
LABELS = ["5", "4", "3", "2", "1", "0"]
INSPECTION = "hygiene_inspection"
TEXT = {"en": "Food hygiene rating", "zh": "食品卫生评级"}


# The published rule: total score at most -> rating; highest single component at most -> rating.
TOTAL_BANDS = ((15, 5), (20, 4), (30, 3), (40, 2), (50, 1))
CAPS = ((5, 5), (10, 4), (10, 3), (15, 2), (20, 1))


def total_rating(hygiene: int, structure: int, management: int) -> int:
    total = hygiene + structure + management
    return next((rating for top, rating in TOTAL_BANDS if total <= top), 0)


def cap_rating(hygiene: int, structure: int, management: int) -> int:
    worst = max(hygiene, structure, management)
    return next((rating for top, rating in CAPS if worst <= top), 0)


def published(hygiene: int, structure: int, management: int) -> str:
    """The published rule: the total's band, capped by the highest single component."""
    scores = (hygiene, structure, management)
    return str(min(total_rating(*scores), cap_rating(*scores)))


def _component(name: str) -> dict[str, Any]:
    return {
        "id": name,
        "op": "latest",
        "field": name,
        "record_types": [INSPECTION],
        "missing": "not_rated",
    }


def _reason(code: str, en: str, zh: str) -> dict[str, Any]:
    return {"code": code, "text": {"en": en, "zh": zh}}


def _bins(edges: list[tuple[float | None, float | None, str]]) -> list[dict[str, Any]]:
    found = []
    for low, high, band in edges:
        item: dict[str, Any] = {"band": band}
        if low is not None:
            item["from"] = low
        if high is not None:
            item["to"] = high
        found.append(item)
    return found


def score_field(**grid: Any) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "maximum": 30, **grid}


CATALOGUE: dict[str, dict[str, Any]] = {
    "registry.yaml": {
        "registry": {"name": TEXT, "jurisdiction": "GB-ENG", "profile": "EU"},
    },
    "schemes.yaml": {
        "schemes": [
            {
                "id": "fhrs_id",
                "kind": "issuer_reference",
                "name": {"en": "Food business establishment number", "zh": "食品经营场所编号"},
                "subject_kinds": ["organisation"],
                "pattern": "^FB-[0-9]{6}$",
                "example": "FB-000001",
                "issuer": "Local food authority",
            }
        ]
    },
    "record_types.yaml": {
        "record_types": [
            {
                "id": INSPECTION,
                "name": {"en": "Food hygiene inspection", "zh": "食品卫生检查"},
                "purpose": "The component scores of an official food hygiene inspection.",
                "legal_basis": {
                    "instrument": "Food Hygiene Rating (Wales) Act 2013; FSA Brand Standard",
                    "article": "s. 2; Annex 5",
                    "jurisdiction": "GB",
                    "text": "Food authorities inspect food businesses, score three components "
                    "and publish the resulting food hygiene rating.",
                },
                "issuing_authority_kind": "food_safety_authority",
                "domain": "food_safety",
                "subject_kinds": ["organisation"],
                "polarity": "neutral",
                "severity_tier": "minor",
                "assessment": True,
                "creates_subject": True,
                "min_publicity": "0d",
                "max_effect": "1y",
                "retention_max": "3y",
                "evidence_kind": ["inspection_report"],
                "exit_conditions": ["term_end", "annulment"],
                "repairable": {"allowed": False},
                "impact_assessment_ref": "FHRS-DPIA-1",
                "public": True,
                "payload": {
                    "hygiene": score_field(maximum=25, step=5),
                    "structure": score_field(maximum=25, step=5),
                    "confidence_in_management": score_field(grid=list(MANAGEMENT)),
                },
            }
        ]
    },
    "furnishers.yaml": {
        "furnishers": [
            {
                "id": "food_authority",
                "name": {"en": "Local food authority", "zh": "地方食品监管机构"},
                "authority_kind": "food_safety_authority",
                "remit": [INSPECTION],
            }
        ]
    },
    "ratings.yaml": {
        "ratings": [
            {
                "id": "fhrs",
                "name": TEXT,
                "purpose": "The food hygiene rating a food business must display, 5 to 0.",
                "domain": "food_safety",
                "subject_kinds": ["organisation"],
                "inputs": [INSPECTION],
                "public": True,
                "features": [
                    *(_component(name) for name in COMPONENTS),
                    {"id": "total_score", "compute": {"sum": list(COMPONENTS)}},
                    {"id": "worst_component", "compute": {"max": list(COMPONENTS)}},
                ],
                "bands": {
                    "labels": LABELS,
                    "rules": [
                        {
                            "over": "total_score",
                            "monotonic": "decreasing",
                            "bins": _bins(
                                [
                                    (None, 20, "5"),
                                    (20, 25, "4"),
                                    (25, 35, "3"),
                                    (35, 45, "2"),
                                    (45, 55, "1"),
                                    (55, None, "0"),
                                ]
                            ),
                            "reason": _reason(
                                "FHRS_TOTAL",
                                "Total of the inspection's component scores",
                                "检查各项得分合计",
                            ),
                        },
                        {
                            "over": "worst_component",
                            "monotonic": "decreasing",
                            "bins": _bins(
                                [
                                    (None, 10, "5"),
                                    (10, 15, "4"),
                                    (15, 20, "2"),
                                    (20, 25, "1"),
                                    (25, None, "0"),
                                ]
                            ),
                            "reason": _reason(
                                "FHRS_WORST_COMPONENT",
                                "The worst single component caps the rating",
                                "单项最差得分限制了评级",
                            ),
                        },
                    ],
                },
            }
        ]
    },
}


def write_catalogue(folder: Path, documents: dict[str, dict[str, Any]] | None = None) -> Path:
    """The catalogue's YAML files (``documents``, by default ``CATALOGUE``) in ``folder``,
    a new folder."""
    folder.mkdir(parents=True, exist_ok=False)
    for name, document in (documents or CATALOGUE).items():
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def inspection(
    index: int, subject: int, scores: dict[str, int], occurred: date, days: int = 365
) -> dict[str, Any]:
    """A ``record_current`` row of an inspection (a component left out is missing)."""
    return record(index, INSPECTION, dict(scores), subject=subject, occurred=occurred, days=days)


def stale(index: int, subject: int, scores: dict[str, int], on: date) -> dict[str, Any]:
    """An inspection whose year of effect ended before ``on``."""
    return inspection(index, subject, scores, on - timedelta(days=400))
