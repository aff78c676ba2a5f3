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


RAW = REPO / "data" / "raw"


def read_file(name: str, path, meta: dict | None = None, depends: dict | None = None):
    """Read one raw file with dataset ``name``'s spec through the engine (no catalog, no
    sha256 check): how the tests feed damaged copies of real files to the real loader."""
    from dxlab.sources.engine import build
    from dxlab.specs import spec

    return build(spec(name), [(path, meta or {})], depends=depends or {})


def damaged(tmp_path, name: str, edit, *, keep_lines: int = 30, encoding: str = "utf-8",
            source_encoding: str = "utf-8"):
    """The first ``keep_lines`` lines of a raw file (``name`` relative to data/raw), passed
    through ``edit(lines)`` and written under the same file name in ``tmp_path``."""
    lines = (RAW / name).read_text(encoding=source_encoding).splitlines()[:keep_lines]
    lines = edit(lines)
    path = tmp_path / name.split("/")[-1]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def at(i: int, old: str, new: str):
    """An edit for :func:`damaged`: replace ``old`` by ``new`` on line ``i`` (1-based) only."""

    def edit(lines):
        assert old in lines[i - 1], f"{old!r} not on line {i}: {lines[i - 1]!r}"
        return [*lines[: i - 1], lines[i - 1].replace(old, new, 1), *lines[i:]]

    return edit
