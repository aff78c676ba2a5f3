"""e-Stat (政府統計の総合窓口): the getStatsData JSON and the CSV download read into one tidy
frame (see :mod:`.common` for its columns and dtypes, identical for both formats), and the
API client (:mod:`.api`). ``dxlab fetch estat`` (:mod:`dxlab.fetch`) stores and catalogues.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dxlab.errors import DataError
from dxlab.sources.estat.csv import read_csv
from dxlab.sources.estat.json import parse_stats_data, read_json
from dxlab.sources.tabular import read_bytes


def read(path: str | Path) -> pd.DataFrame:
    """Read an e-Stat file, JSON or CSV, told apart by its content (not its name).

    Raises:
        DataError: empty or unreadable file, or any error of the format's reader.
    """
    path = Path(path)
    head = read_bytes(path, limit=64)
    if not head.strip():
        raise DataError("file is empty", file=path, expected="e-Stat JSON or CSV")
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return read_json(path) if first in (b"{", b"[") else read_csv(path)


def read_hook(path: Path, ctx) -> pd.DataFrame:
    """Dataset hook for catalogued e-Stat files (every VALUE row is kept)."""
    frame = read(path)
    frame.attrs = {}
    return frame


__all__ = ["parse_stats_data", "read", "read_csv", "read_hook", "read_json"]
