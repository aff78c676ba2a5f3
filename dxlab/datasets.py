"""The data catalog: ``data/raw/catalog.toml``, one ``[[dataset]]`` entry per dataset.

Each entry is the dataset's provenance: statistic, publisher, table id, reference dates, unit,
source URL, licence, the copy it was retrieved through, and the sha256 of every raw file. A
single-file dataset names ``file`` and ``sha256``; a multi-file dataset (the 47 dated MIC
municipal tables) lists ``[[dataset.files]]`` with ``path``, ``sha256`` and per-file facts
such as ``reference_date``. How a dataset is *read* is declared separately, in its spec
(``dxlab/specs``); ``reader`` names the spec when it differs from the dataset's name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

from dxlab import paths
from dxlab.errors import CatalogError, ChecksumError

if TYPE_CHECKING:
    import pandas as pd

CATALOG_FILE = "catalog.toml"
REQUIRED = (
    "name", "title", "statistic", "publisher", "table_id", "reference_dates",
    "unit", "source_url", "licence",
)


@dataclass(frozen=True)
class RawFile:
    """One raw file of a dataset: path relative to ``data/raw``, sha256, per-file facts."""

    path: str
    sha256: str
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    """One catalogued dataset. Field meanings follow the README's data section.

    ``file`` and ``sha256`` are the raw file and its digest; for a multi-file dataset,
    ``file`` is the folder holding the files and ``sha256`` a digest of all their digests
    (so it still changes when any file changes).
    """

    name: str
    file: str
    title: str
    statistic: str
    publisher: str
    table_id: str
    reference_dates: str
    unit: str
    source_url: str
    licence: str
    sha256: str
    reader: str = ""
    source_quality: str = "official"
    retrieved_via: str = ""
    notes: str = ""
    files: tuple[RawFile, ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def spec_name(self) -> str:
        """The dataset spec that reads this entry (``reader``, default its own name)."""
        return self.reader or self.name

    def path(self, raw: Path | None = None) -> Path:
        return (raw or paths.raw_dir()) / self.file

    def paths(self, raw: Path | None = None) -> list[Path]:
        """Every raw file of the dataset, in catalog order."""
        raw = raw or paths.raw_dir()
        return [raw / f.path for f in self.files]

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("extra")
        d["files"] = [{"path": f.path, "sha256": f.sha256, **f.meta} for f in self.files] \
            if len(self.files) > 1 else []
        if not d["files"]:
            d.pop("files")
        return {**d, **self.extra}


def combined_sha256(files: list[RawFile]) -> str:
    """Digest of a multi-file dataset: sha256 over the lines 'path sha256'."""
    text = "\n".join(f"{f.path} {f.sha256}" for f in files)
    return hashlib.sha256(text.encode()).hexdigest()


def _entry(item: dict, path: Path, i: int) -> Entry:
    label = item.get("name", f"entry #{i}")
    missing = [k for k in REQUIRED if not item.get(k)]
    listed = item.get("files")
    if listed:
        for j, f in enumerate(listed, start=1):
            if not f.get("path") or not f.get("sha256"):
                raise CatalogError(f"{path}: dataset {label!r}: file #{j} lacks path or sha256")
        raw_files = tuple(RawFile(f["path"], f["sha256"],
                                  {k: v for k, v in f.items() if k not in ("path", "sha256")})
                          for f in listed)
        folder = os.path.commonpath([f.path for f in raw_files]) if len(raw_files) > 1 \
            else raw_files[0].path
        item = {**item, "file": item.get("file") or folder,
                "sha256": combined_sha256(list(raw_files))}
    else:
        missing += [k for k in ("file", "sha256") if not item.get(k)]
        raw_files = (RawFile(item.get("file", ""), item.get("sha256", "")),)
    if missing:
        raise CatalogError(f"{path}: dataset {label!r} lacks {', '.join(missing)}")
    known = {f.name for f in fields(Entry)} - {"extra", "files"}
    base = {k: v for k, v in item.items() if k in known}
    extra = {k: v for k, v in item.items() if k not in known and k != "files"}
    return Entry(**base, files=raw_files, extra=extra)


_last_parsed: tuple[str, dict] | None = None


def _parse_toml(text: str) -> dict:
    """``tomllib.loads`` with a one-entry memo keyed by the text itself (a report reads the
    catalog several times; parsing it costs ~15 ms each time). Keyed by content, not by
    modification time, so a catalog rewritten within the same clock tick is still re-read.
    Callers get a deep copy, so nothing they change reaches the memo."""
    import copy

    global _last_parsed
    memo = _last_parsed  # one read: another thread may replace the memo meanwhile
    if memo is None or memo[0] != text:
        memo = _last_parsed = (text, tomllib.loads(text))
    return copy.deepcopy(memo[1])


def read_catalog(raw: Path | None = None) -> dict[str, Entry]:
    """Parse ``catalog.toml`` into entries keyed by name.

    Raises:
        CatalogError: missing or invalid file, a missing required field (naming entry and
            field), or a duplicate name.
    """
    raw = raw or paths.raw_dir()
    path = raw / CATALOG_FILE
    if not path.is_file():
        raise CatalogError(f"{path}: catalog not found")
    try:
        data = _parse_toml(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: not valid TOML: {exc}") from None
    entries: dict[str, Entry] = {}
    items = data.get("dataset", [])
    if not isinstance(items, list):
        raise CatalogError(f"{path}: 'dataset' must be a list of [[dataset]] tables")
    for i, item in enumerate(items, start=1):
        e = _entry(item, path, i)
        if e.name in entries:
            raise CatalogError(f"{path}: dataset {e.name!r} is listed twice")
        entries[e.name] = e
    return entries


def entry(name: str, raw: Path | None = None) -> Entry:
    """The catalog entry called ``name``; CatalogError lists near names when unknown."""
    entries = read_catalog(raw)
    if name not in entries:
        import difflib

        near = difflib.get_close_matches(name, entries, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise CatalogError(f"no dataset {name!r} in the catalog{hint}; known: "
                           f"{', '.join(sorted(entries))}")
    return entries[name]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(item: Entry, raw: Path | None = None) -> list[Path]:
    """Check every raw file exists and matches its recorded sha256; return their paths.

    Raises:
        CatalogError: a file is missing or unreadable.
        ChecksumError: a file's bytes differ from the catalogued sha256.
    """
    raw = raw or paths.raw_dir()
    out = []
    for f in item.files:
        path = raw / f.path
        if not path.is_file():
            what = "is missing" if not path.exists() and not path.is_symlink() else (
                "is not a regular file (a directory)" if path.is_dir() else
                "is a broken symbolic link" if not path.exists() else
                "is not a regular file (a FIFO, socket or device)")
            raise CatalogError(f"{path}: raw file of dataset {item.name!r} {what}")
        try:
            actual = sha256_of(path)
        except OSError as exc:
            raise CatalogError(f"{path}: cannot read raw file of dataset {item.name!r}: "
                               f"{exc.strerror or exc}") from None
        if actual != f.sha256:
            raise ChecksumError(
                f"{path}: sha256 is {actual}, catalog says {f.sha256}; the raw file changed "
                "(restore it, or re-catalog it with its provenance if the change is deliberate)"
            )
        out.append(path)
    return out


def catalog(raw: Path | None = None) -> pd.DataFrame:
    """All catalog entries as a DataFrame (one row per dataset)."""
    import pandas as pd  # lazily: `dxlab fetch` needs the catalog, not pandas, to fail fast

    rows = [e.as_dict() for e in read_catalog(raw).values()]
    return pd.DataFrame(rows).set_index("name")


@contextlib.contextmanager
def _locked(folder: Path):
    """An exclusive lock on ``folder`` (flock on the directory itself, so no lock file is
    left behind); no-op where flock does not exist."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover (Windows)
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def append_entry(raw: Path, item: dict) -> None:
    """Add one ``[[dataset]]`` entry to ``raw/catalog.toml`` atomically.

    The new catalog is written to a temporary file beside the old one and renamed over it,
    so a crash leaves either the old or the new catalog, never half of one; the read, the
    check and the rename happen under an exclusive lock on ``raw``, so two processes adding
    entries at once both keep theirs.

    Raises:
        CatalogError: an entry with that name exists, or the entry lacks a required field.
    """
    with _locked(raw):
        _append_entry(raw, item)


def _append_entry(raw: Path, item: dict) -> None:
    import tomli_w

    path = raw / CATALOG_FILE
    existing = read_catalog(raw) if path.is_file() else {}
    if item.get("name") in existing:
        raise CatalogError(f"{path}: a dataset called {item['name']!r} exists")
    _entry(item, path, len(existing) + 1)  # validates the fields
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    text = old.rstrip("\n") + "\n\n" + tomli_w.dumps({"dataset": [item]})
    fd, tmp = tempfile.mkstemp(dir=raw, prefix=".catalog.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        tomllib.loads(text)  # never rename a catalog that does not parse
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
