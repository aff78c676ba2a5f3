"""e-Stat (政府統計の総合窓口): the getStatsData JSON and the CSV download read into one tidy
frame (see :mod:`.common` for its columns and dtypes, identical for both formats), and the
API client (:mod:`.api`). ``dxlab fetch estat`` (:mod:`dxlab.fetch`) stores and catalogues.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxlab.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from dxlab.sources.estat.csv import read_csv
    from dxlab.sources.estat.json import parse_stats_data, read_json

# The readers (pandas, pyarrow) load on first use, so that the API client (.api) and
# `dxlab fetch` start — and fail on a network error — without them.
_LAZY = {"read_csv": "csv", "parse_stats_data": "json", "read_json": "json"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def read(path: str | Path) -> pd.DataFrame:
    """Read an e-Stat file, JSON or CSV, told apart by its content (not its name).

    Raises:
        DataError: empty or unreadable file, or any error of the format's reader.
    """
    from dxlab.sources.tabular import read_bytes

    path = Path(path)
    head = read_bytes(path, limit=64)
    if not head.strip():
        raise DataError("file is empty", file=path, expected="e-Stat JSON or CSV")
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first in (b"{", b"["):
        from dxlab.sources.estat.json import read_json

        return read_json(path)
    from dxlab.sources.estat.csv import read_csv

    return read_csv(path)


def read_hook(path: Path, ctx) -> pd.DataFrame:
    """Dataset hook for catalogued e-Stat files (every VALUE row is kept)."""
    frame = read(path)
    frame.attrs = {}
    return frame


__all__ = ["parse_stats_data", "read", "read_csv", "read_hook", "read_json"]
