"""Shared fixtures: repository paths, the optional ../shared folder, tiny notebooks."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DXLAB_SHARED_DIR", REPO.parent / "shared"))
MIRROR = SHARED / "mirror"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Each test session caches parquet in a temp folder, never in data/processed."""
    cache = tmp_path_factory.getbasetemp() / "processed-cache"
    monkeypatch.setenv("DXLAB_CACHE_DIR", str(cache))
    monkeypatch.delenv("DXLAB_SOURCES_LOG", raising=False)


def needs_mirror(*parts: str):
    """Skip unless ../shared/mirror/<parts> exists (a user's clone has no mirror)."""
    path = MIRROR.joinpath(*parts)
    return pytest.mark.skipif(
        not path.exists(),
        reason=f"official byte copies not available: {path} is absent (../shared/mirror is "
        "only present in the dxlab workspace, never in a clone)",
    )
