"""G-49: the catalogue's furnisher_quality section is checked by the loader: a threshold
looser than the registry allows (above 0.5), or not a share at all, a window outside 30 to
365 days and a second section are refused, each with a one-line message naming the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from credo.catalog.loader import load_catalogue
from credo.errors import CatalogueError
from credo.settings import DEMO_CATALOG


def test_g49_the_loader_refuses_invalid_quality_thresholds(tmp_path: Path) -> None:
    folder = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, folder)
    (folder / "furnisher_quality.yaml").write_text(
        "furnisher_quality:\n"
        "  window_days: 7\n"
        "  thresholds: {correction_rate: 0.8, dispute_rate: 0}\n"
    )
    (folder / "zz_more.yaml").write_text("furnisher_quality: {min_records: 5}\n")
    with pytest.raises(CatalogueError) as refused:
        load_catalogue(folder)
    problems = {p.key: p for p in refused.value.problems}
    assert set(problems) == {
        "furnisher_quality.window_days",
        "furnisher_quality.thresholds.correction_rate",
        "furnisher_quality.thresholds.dispute_rate",
        "furnisher_quality",
    }
    loose = problems["furnisher_quality.thresholds.correction_rate"]
    assert loose.file == "furnisher_quality.yaml"
    assert "0.8 is not a threshold" in loose.message and "G-49" in loose.message
    assert "given twice (first in furnisher_quality.yaml)" in problems["furnisher_quality"].message
    assert all("\n" not in str(p) for p in refused.value.problems)


def test_g49_the_demo_catalogue_sets_its_thresholds() -> None:
    policy = load_catalogue(DEMO_CATALOG).furnisher_quality
    assert policy.window_days == 90 and policy.thresholds.dispute_rate == 0.15  # not the default
