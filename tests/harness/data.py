"""Where the shared real data sets are: ``CREDO_SHARED_DATA`` if set, else ``../shared/data``
beside the repository (CI), else ``/work/shared/data`` (the development machines)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def shared_data() -> Path:
    candidates = [REPO.parent / "shared" / "data", Path("/work/shared/data")]
    if os.environ.get("CREDO_SHARED_DATA"):
        candidates.insert(0, Path(os.environ["CREDO_SHARED_DATA"]))
    return next((c for c in candidates if c.is_dir()), candidates[0])


NYC_DIR = shared_data() / "nyc-restaurant-inspections"
NYC_FILE = NYC_DIR / "nyc_violations.csv.gz"
