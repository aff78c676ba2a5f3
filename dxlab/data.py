"""``dxlab.load``: a catalogued dataset → verified, cleaned, validated tidy frame (cached).

Steps: look the catalog entry up; verify the sha256 of every raw file it reads, its
dependencies' files included; return the parquet cache when its key matches; else build the
frame with the dataset's spec (:mod:`dxlab.sources.engine`) and write the cache atomically.

The cache key holds the sha256 of every file read, :func:`dxlab.fingerprint.source_sha256`
(the whole dxlab package source: engine, hooks, cleaning helpers, field dictionary, specs) and
a hash of the catalog entries (the provenance the frame carries), so a change to any of them
rebuilds the frame; a stale or unreadable cache is rebuilt, never
trusted. ``data/processed`` can be deleted at any time.

The frame carries ``attrs['provenance']`` (the catalog entry), ``attrs['accounting']`` (rows
in, dropped with reasons) and ``attrs['units']`` (column → unit). A result derived from
frames and cached elsewhere (e.g. :func:`dxlab.areas.load`) keeps their :class:`Provenance`
instead of the frames, keys its cache on :func:`fingerprint` and calls :func:`verify_inputs`
when it is served, so it is checked and listed like the frames it came from.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dxlab import __version__, paths
from dxlab.datasets import Entry, entry, verify
from dxlab.fingerprint import source_sha256
from dxlab.row_accounting import RowAccount
from dxlab.specs import spec as lookup_spec

SOURCES_LOG_ENV = "DXLAB_SOURCES_LOG"
TOTAL_REASON = ("published total row (all ages, both sexes or all areas); removed to avoid "
                "double counting; load(..., totals=True) keeps it")


def _cache_path(item: Entry) -> Path:
    return paths.processed_dir() / f"{item.name}.parquet"


def _cache_key(item: Entry, depends: dict[str, Entry]) -> dict[str, str]:
    files = {f.path: f.sha256 for f in item.files}
    for dep in depends.values():
        files.update({f.path: f.sha256 for f in dep.files})
    entries = [item.as_dict(), *(d.as_dict() for d in depends.values())]
    provenance = hashlib.sha256(json.dumps(entries, sort_keys=True, ensure_ascii=False,
                                           default=str).encode()).hexdigest()
    return {"files": json.dumps(files, sort_keys=True), "dxlab_version": __version__,
            "dxlab_source_sha256": source_sha256(), "catalog_entry_sha256": provenance}


def _read_cache(item: Entry, key: dict) -> pd.DataFrame | None:
    path = _cache_path(item)
    if not path.is_file():
        return None
    try:
        frame = pd.read_parquet(path)
    except Exception:  # a corrupt cache is rebuilt, never trusted
        return None
    if frame.attrs.get("dxlab_cache") != key:
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


def _log_source(item: Entry) -> None:
    log = os.environ.get(SOURCES_LOG_ENV)
    if not log:
        return
    record = {k: getattr(item, k) for k in
              ("name", "title", "publisher", "table_id", "source_url", "sha256")}
    try:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError:
        pass  # the runner's log is for the index; loading must not fail because of it


def fingerprint(name: str) -> str:
    """sha256 of everything a frame of ``name`` is built from: the catalogued sha256 of every
    raw file it reads (its dependencies' too), dxlab's version and source, and the catalog
    entries. :func:`load`'s cache is keyed on the same; derived caches key on this."""
    item = entry(name)
    depends = {d: entry(d) for d in lookup_spec(item.spec_name).depends_on}
    return hashlib.sha256(json.dumps(_cache_key(item, depends), sort_keys=True).encode()
                          ).hexdigest()


def verify_inputs(*names: str) -> None:
    """Check the raw files of datasets (and of their dependencies) against their catalogued
    sha256, and list the datasets as sources of the running report, as :func:`load` does —
    without reading them. For a result derived from them and served from its own cache.

    Raises:
        CatalogError: unknown name or missing raw file; ChecksumError: a raw file changed.
    """
    for name in names:
        _checked(name)


def _checked(name: str):
    """What :func:`load` does before reading: the entry of ``name``, its spec and its
    dependencies' entries, with every raw file checked against its sha256 (their paths
    returned) and the dataset listed as a source of the running report."""
    item = entry(name)
    spec = lookup_spec(item.spec_name)
    depends = {d: entry(d) for d in spec.depends_on}
    files = verify(item)
    dep_paths = {d: verify(e) for d, e in depends.items()}
    _log_source(item)
    return item, spec, depends, files, dep_paths


def load(name: str, *, totals: bool = False, cache: bool = True) -> pd.DataFrame:
    """Load a catalogued dataset as a tidy, validated DataFrame.

    Args:
        name: a name from :func:`dxlab.catalog` (e.g. 'census_population_japan_age_sex').
        totals: keep the published total rows (全体, 総数, 全国, both sexes) with an
            ``is_total`` column; by default they are dropped, and the drop is recorded in the
            accounting.
        cache: use and refresh the parquet cache in ``data/processed``.
    Returns:
        The tidy frame (RangeIndex) with ``attrs`` 'provenance', 'accounting', 'units'.
    Raises:
        CatalogError: unknown name or missing raw file; ChecksumError: a raw file changed;
        DataError: a raw file does not read or validate (naming file, line and column).
    """
    item, spec, depends, files, dep_paths = _checked(name)
    key = _cache_key(item, depends)
    frame = _read_cache(item, key) if cache else None
    if frame is None:
        frame = _build(item, spec, files, dep_paths)
        if cache:
            stored = frame.copy()
            stored.attrs = {**frame.attrs, "dxlab_cache": key}
            _write_cache(item, stored)
    frame.attrs.pop("dxlab_cache", None)
    return _apply_totals(frame, totals)


def _build(item: Entry, spec, files: list[Path], dep_paths: dict) -> pd.DataFrame:
    from dxlab.sources.engine import build

    records = [(path, f.meta) for path, f in zip(files, item.files, strict=True)]
    labels = [f.path for f in item.files] if len(files) > 1 else ()
    frame, account = build(spec, records, depends=dep_paths, labels=labels)
    frame = frame.reset_index(drop=True)
    frame.attrs = {
        "provenance": item.as_dict(),
        "accounting": account.to_dict(),
        "units": spec.units(),
    }
    return frame


def _apply_totals(frame: pd.DataFrame, totals: bool) -> pd.DataFrame:
    if "is_total" not in frame.columns or totals:
        return frame
    attrs = frame.attrs
    account = RowAccount.from_dict(attrs["accounting"])
    kept = account.drop(frame, frame["is_total"], TOTAL_REASON, index_is_line=False)
    kept = kept.drop(columns="is_total").reset_index(drop=True)
    account.check(len(kept))
    kept.attrs = {**attrs, "accounting": account.to_dict()}
    return kept


@dataclass(frozen=True)
class Provenance:
    """What a report's data section shows of a loaded frame, without the frame: its attrs
    (catalog entry, row accounting, units) and its number of rows. Accepted wherever this
    module takes a loaded frame for its provenance or accounting.
    """

    attrs: dict
    rows: int

    @classmethod
    def of(cls, frame: pd.DataFrame | Provenance) -> Provenance:
        if isinstance(frame, Provenance):
            return frame
        # through JSON: what a cache serves equals what was built
        return cls(json.loads(json.dumps(frame.attrs)), len(frame))

    def to_json(self) -> dict:
        return {"attrs": self.attrs, "rows": self.rows}

    @classmethod
    def from_json(cls, data: dict) -> Provenance:
        return cls(dict(data["attrs"]), int(data["rows"]))


Loaded = pd.DataFrame | Provenance


def _rows(frame: Loaded) -> int:
    return frame.rows if isinstance(frame, Provenance) else len(frame)


def accounting(frame: Loaded) -> pd.DataFrame:
    """The row accounting of a loaded frame (or its :class:`Provenance`) as a small table
    (for a notebook's data section)."""
    acc = RowAccount.from_dict(frame.attrs["accounting"])
    return acc.to_frame(rows_out=_rows(frame))


def provenance(frame: Loaded) -> pd.Series:
    """The catalog entry a loaded frame (or its :class:`Provenance`) came from."""
    return pd.Series(frame.attrs["provenance"], name="provenance")


def provenance_markdown(*frames: Loaded) -> str:
    """The provenance of loaded frames as a Markdown list, for a report's data section: one
    item per dataset with title, statistic, publisher, table, reference dates, link, the copy
    it came through, quality and a short sha256 — nothing truncated."""
    items, seen = [], set()
    for frame in frames:
        p = frame.attrs.get("provenance", {})
        if not p or p.get("name") in seen:
            continue
        seen.add(p["name"])
        url = p.get("source_url", "")
        link = f"<{url}>" if url.startswith("http") else url
        items.append(
            f"- **{p.get('title', p['name'])}** (`{p['name']}`)  \n"
            f"  {p.get('statistic', '')}; {p.get('publisher', '')}; {p.get('table_id', '')}  \n"
            f"  reference dates: {p.get('reference_dates', '')}; unit: {p.get('unit', '')}  \n"
            f"  source: {link}  \n"
            f"  retrieved via: {p.get('retrieved_via', '') or '—'}  \n"
            f"  quality: {p.get('source_quality', '')}; sha256 `{str(p.get('sha256', ''))[:12]}`"
        )
    return "\n".join(items)


def accounting_table(*frames: Loaded) -> pd.DataFrame:
    """:func:`accounting` of several frames (or :class:`Provenance`) in one table, with a
    ``dataset`` column."""
    parts = [accounting(f).assign(dataset=f.attrs["provenance"]["name"]) for f in frames]
    return pd.concat(parts, ignore_index=True)[["dataset", "what", "rows"]]
