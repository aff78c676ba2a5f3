"""Where dxlab finds its data and writes its outputs.

The repository layout is fixed: ``data/raw`` (read-only input with ``catalog.toml``),
``data/processed`` (rebuildable cache), ``reports``. Environment variables override the
defaults for tests and unusual set-ups: ``DXLAB_DATA_DIR`` (the folder holding raw/ and
processed/), ``DXLAB_CACHE_DIR`` (processed cache) and ``DXLAB_REPORTS_DIR``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def data_dir() -> Path:
    """The folder holding ``raw/`` and ``processed/``."""
    env = os.environ.get("DXLAB_DATA_DIR")
    if env:
        return Path(env)
    if (REPO_DIR / "data" / "raw").is_dir():
        return REPO_DIR / "data"
    return Path.cwd() / "data"


def raw_dir() -> Path:
    """Read-only raw inputs and their catalog."""
    return data_dir() / "raw"


def processed_dir() -> Path:
    """Cache of cleaned frames (parquet); safe to delete at any time."""
    env = os.environ.get("DXLAB_CACHE_DIR")
    return Path(env) if env else data_dir() / "processed"


def reports_dir() -> Path:
    """Where ``dxlab run`` writes reports."""
    env = os.environ.get("DXLAB_REPORTS_DIR")
    return Path(env) if env else REPO_DIR / "reports"


def notebooks_dir() -> Path:
    """The notebooks folder holding ``reports.toml``."""
    return REPO_DIR / "notebooks"


FOLDER_ENV = ("DXLAB_DATA_DIR", "DXLAB_CACHE_DIR", "DXLAB_REPORTS_DIR", "DXLAB_SHARED_DIR")


def pinned_environment(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for a process that will run in another working directory (a report runs in
    its notebook's folder): the folder variables (:data:`FOLDER_ENV`) made absolute against
    this process's working directory, and, when dxlab is not in a checkout, the data folder
    :func:`data_dir` falls back to (``./data`` here), so both processes use the same
    folders."""
    out = dict(env)
    for name in FOLDER_ENV:
        if out.get(name):
            out[name] = os.path.abspath(out[name])
    if not out.get("DXLAB_DATA_DIR") and not (REPO_DIR / "data" / "raw").is_dir():
        out["DXLAB_DATA_DIR"] = str(Path.cwd().absolute() / "data")  # data_dir()'s fallback
    return out


def shared_dir() -> Path | None:
    """``../shared`` beside the repository (reference data and the offline mirror), if present."""
    env = os.environ.get("DXLAB_SHARED_DIR")
    path = Path(env) if env else REPO_DIR.parent / "shared"
    return path if path.is_dir() else None
