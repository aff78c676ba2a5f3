"""The data catalog: one entry per raw file in ``data/raw/catalog.toml``.

Each entry names the statistic, publisher, table id, reference dates, unit, source URL,
licence and the file's sha256, plus the reader that turns it into a tidy frame.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import pandas as pd

from dxlab import paths
from dxlab.errors import CatalogError, ChecksumError

CATALOG_FILE = "catalog.toml"
REQUIRED = (
    "name", "file", "title", "statistic", "publisher", "table_id", "reference_dates",
    "unit", "source_url", "licence", "sha256", "reader",
)


@dataclass(frozen=True)
class Entry:
    """One catalogued raw file. Field meanings follow the README's data section."""

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
    reader: str
    source_quality: str = "official"
    retrieved_via: str = ""
    notes: str = ""
    extra: dict = field(default_factory=dict)

    def path(self, raw: Path | None = None) -> Path:
        return (raw or paths.raw_dir()) / self.file

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("extra")
        return {**d, **self.extra}


def read_catalog(raw: Path | None = None) -> dict[str, Entry]:
    """Parse ``catalog.toml`` into entries keyed by name.

    Raises:
        CatalogError: missing file, a missing required field (naming entry and field), or a
            duplicate name.
    """
    raw = raw or paths.raw_dir()
    path = raw / CATALOG_FILE
    if not path.is_file():
        raise CatalogError(f"{path}: catalog not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: not valid TOML: {exc}") from None
    known = {f.name for f in fields(Entry)} - {"extra"}
    entries: dict[str, Entry] = {}
    for i, item in enumerate(data.get("dataset", []), start=1):
        missing = [k for k in REQUIRED if not item.get(k)]
        if missing:
            label = item.get("name", f"entry #{i}")
            raise CatalogError(f"{path}: dataset {label!r} lacks {', '.join(missing)}")
        if item["name"] in entries:
            raise CatalogError(f"{path}: dataset {item['name']!r} is listed twice")
        base = {k: v for k, v in item.items() if k in known}
        extra = {k: v for k, v in item.items() if k not in known}
        entries[item["name"]] = Entry(**base, extra=extra)
    return entries


def entry(name: str, raw: Path | None = None) -> Entry:
    """The catalog entry called ``name``; CatalogError lists the names when unknown."""
    entries = read_catalog(raw)
    if name not in entries:
        raise CatalogError(
            f"no dataset {name!r} in the catalog; known: {', '.join(sorted(entries))}"
        )
    return entries[name]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(item: Entry, raw: Path | None = None) -> Path:
    """Check the raw file exists and matches its recorded sha256; return its path.

    Raises:
        CatalogError: the file is missing.
        ChecksumError: the bytes differ from the catalogued sha256.
    """
    path = item.path(raw)
    if not path.is_file():
        raise CatalogError(f"{path}: raw file of dataset {item.name!r} is missing")
    actual = sha256_of(path)
    if actual != item.sha256:
        raise ChecksumError(
            f"{path}: sha256 is {actual}, catalog says {item.sha256}; the raw file changed "
            "(restore it, or re-catalog it with its provenance if the change is deliberate)"
        )
    return path


def catalog(raw: Path | None = None) -> pd.DataFrame:
    """All catalog entries as a DataFrame (one row per dataset)."""
    rows = [e.as_dict() for e in read_catalog(raw).values()]
    return pd.DataFrame(rows).set_index("name")
