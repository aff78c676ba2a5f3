"""``dxlab.load``: catalogued raw file → verified, cleaned, validated tidy frame (cached).

Steps: look the entry up; verify the raw file's sha256; return the parquet cache when its
recorded raw sha256, dxlab version and reader source hash all match (a stale or unreadable
cache is rebuilt, never trusted); else run the registered reader, check the row accounting
balances, validate with the reader's pandera schema, and write the cache atomically.

The frame carries ``attrs['provenance']`` (the catalog entry), ``attrs['accounting']``
(rows in, dropped with reasons) and ``attrs['units']`` (column → unit).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pandera.errors as pa_errors

from dxlab import __version__, paths
from dxlab import sources as _sources
from dxlab.datasets import Entry, entry, verify
from dxlab.errors import CatalogError, DataError
from dxlab.row_accounting import RowAccount

# Importing the source modules registers their readers.
from dxlab.sources import census, estat, ipss, mic, nstac, osaka  # noqa: F401

SOURCES_LOG_ENV = "DXLAB_SOURCES_LOG"


def _cache_path(item: Entry) -> Path:
    return paths.processed_dir() / f"{item.name}.parquet"


def _reader_fingerprint(item: Entry) -> str:
    """sha256 of the source file defining the dataset's reader: a changed reader invalidates
    the cache even when the dxlab version is unchanged (as during development)."""
    reader = _sources.READERS.get(item.reader)
    if reader is None:
        return ""
    module = sys.modules.get(reader.read.__module__)
    source = getattr(module, "__file__", None)
    return hashlib.sha256(Path(source).read_bytes()).hexdigest() if source else ""


def _cache_key(item: Entry) -> dict[str, str]:
    return {"raw_sha256": item.sha256, "dxlab_version": __version__,
            "reader_sha256": _reader_fingerprint(item)}


def _read_cache(item: Entry) -> pd.DataFrame | None:
    path = _cache_path(item)
    if not path.is_file():
        return None
    try:
        frame = pd.read_parquet(path)
    except Exception:  # a corrupt cache is rebuilt, never trusted
        return None
    if frame.attrs.get("dxlab_cache") != _cache_key(item):
        return None
    return frame


def _write_cache(item: Entry, frame: pd.DataFrame) -> None:
    path = _cache_path(item)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{item.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        pass  # the cache is an optimisation; a read-only checkout still loads


def _validate(reader: _sources.Reader, frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    try:
        return reader.schema.validate(frame, lazy=True)
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.iloc[0]
        line = first.get("index")
        raise DataError(
            f"fails schema check {first['check']!s} ({len(cases)} failure(s) in all)",
            file=path,
            row=None if pd.isna(line) else f"line {int(line)}" if str(line).isdigit() else line,
            column=None if pd.isna(first["column"]) else str(first["column"]),
            value=first["failure_case"],
        ) from None


def _log_source(item: Entry) -> None:
    log = os.environ.get(SOURCES_LOG_ENV)
    if not log:
        return
    record = {k: getattr(item, k) for k in ("name", "title", "publisher", "source_url", "sha256")}
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")


TOTAL_REASON = ("published total row (all ages, both sexes or all areas); removed to avoid "
                "double counting; load(..., totals=True) keeps it")


def load(name: str, *, totals: bool = False, cache: bool = True) -> pd.DataFrame:
    """Load a catalogued dataset as a tidy, validated DataFrame.

    Args:
        name: a name from :func:`dxlab.catalog` (e.g. 'census_population_japan_age_sex').
        totals: keep the published total rows (全体, 総数, 全国) with an ``is_total`` column;
            by default they are dropped, and the drop is recorded in the accounting.
        cache: use and refresh the parquet cache in ``data/processed``.
    Returns:
        The tidy frame (RangeIndex) with ``attrs`` 'provenance', 'accounting', 'units'.
    Raises:
        CatalogError: unknown name or missing raw file; ChecksumError: raw file changed;
        DataError: the raw file does not read or validate (naming file, line and column).
    """
    item = entry(name)
    path = verify(item)
    _log_source(item)
    frame = _read_cache(item) if cache else None
    if frame is None:
        frame = _build(item, path, cache=cache)
    frame.attrs.pop("dxlab_cache", None)
    return _apply_totals(frame, totals)


def _apply_totals(frame: pd.DataFrame, totals: bool) -> pd.DataFrame:
    if "is_total" not in frame.columns:
        return frame
    if totals:
        return frame
    attrs = frame.attrs
    account = RowAccount.from_dict(attrs["accounting"])
    kept = account.drop(frame, frame["is_total"], TOTAL_REASON, index_is_line=False)
    kept = kept.drop(columns="is_total").reset_index(drop=True)
    account.check(len(kept))
    kept.attrs = {**attrs, "accounting": account.to_dict()}
    return kept


def _build(item: Entry, path: Path, *, cache: bool) -> pd.DataFrame:
    reader = _sources.READERS.get(item.reader)
    if reader is None:
        raise CatalogError(f"dataset {item.name!r} names unknown reader {item.reader!r}")
    frame, account = reader.read(path)
    account.check(len(frame))
    frame = _validate(reader, frame, path).reset_index(drop=True)
    frame.attrs = {
        "provenance": item.as_dict(),
        "accounting": account.to_dict(),
        "units": dict(reader.units),
    }
    if cache:
        stored = frame.copy()
        stored.attrs = {**frame.attrs, "dxlab_cache": _cache_key(item)}
        _write_cache(item, stored)
    return frame


def accounting(frame: pd.DataFrame) -> pd.DataFrame:
    """The row accounting of a loaded frame as a small table (for a notebook's data section)."""
    acc = RowAccount.from_dict(frame.attrs["accounting"])
    return acc.to_frame(rows_out=len(frame))


def provenance(frame: pd.DataFrame) -> pd.Series:
    """The catalog entry a loaded frame came from."""
    return pd.Series(frame.attrs["provenance"], name="provenance")
