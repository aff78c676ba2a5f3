"""The report cache: rebuild a report only when something that made it changed.

A report's key is the sha256 of its *inputs*:

- ``notebook_sha256``: the notebook file's bytes;
- ``parameters``: every parameter's value (given or default);
- ``show_code``;
- ``datasets``: name -> catalogued sha256 of every dataset the report loaded last time
  (recorded by ``dxlab.load`` in the report's process; the first build has none yet, so it
  always runs);
- ``dxlab_source_sha256`` (:func:`dxlab.fingerprint.source_sha256`, every .py file of the
  installed package, the runner and its HTML template included);
- ``environment_sha256`` (:func:`dxlab.fingerprint.environment_sha256`, every installed
  distribution and version) and the Python version.

The key, its inputs and the sha256 of the report's files are written beside the report as
``NAME.key.json``. A report is served from cache only when it last built *ok*, its key is
unchanged and its ``.html`` and ``.ipynb`` still have the recorded sha256; otherwise the
reason it is rebuilt is recorded in its index row (``rebuilt_because``). A failed report is
always run again.

Shortcut: the current sha256 of a dataset is ``read_catalog()[name].sha256``; reading the
catalog imports the data layer (pandas), which would be most of an unchanged rerun's time.
So the sidecar also records the sha256 of the catalog files (``data/raw/**/*.toml``); while
those bytes are unchanged the recorded dataset hashes are still the catalog's, and the
catalog is read only when they changed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from pathlib import Path

from dxlab import paths

KEY_SUFFIX = ".key.json"
EXPLAIN = ("This report is rebuilt when any value under 'inputs' changes (or its files no "
           "longer match 'outputs'); otherwise dxlab run serves it as 'cached'. "
           "dxlab run --force rebuilds everything.")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str | None:
    try:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()
    except OSError:
        return None


def catalog_files_sha256() -> str:
    """sha256 over the catalog files' paths and bytes (see the module docstring)."""
    raw = paths.raw_dir()
    h = hashlib.sha256(str(raw.resolve()).encode())
    for p in sorted(raw.rglob("*.toml")) if raw.is_dir() else []:
        h.update(p.relative_to(raw).as_posix().encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()


def environment_fingerprint() -> str:
    """:func:`dxlab.fingerprint.environment_sha256` (the install folders only, so the value
    does not depend on how and where ``dxlab run`` is started)."""
    from dxlab import fingerprint

    return fingerprint.environment_sha256()


@functools.cache
def fingerprints() -> dict[str, str]:
    """The source and environment fingerprints, computed once per process."""
    from dxlab.fingerprint import source_sha256

    return {"dxlab_source_sha256": source_sha256(),
            "environment_sha256": environment_fingerprint(),
            "python": sys.version.split()[0]}


def key_inputs(notebook_sha256: str, parameters: dict, show_code: bool,
               datasets: dict[str, str]) -> dict:
    """The inputs a report's key is made of (see the module docstring)."""
    return {"notebook_sha256": notebook_sha256, "parameters": parameters,
            "show_code": bool(show_code), "datasets": dict(sorted(datasets.items())),
            **fingerprints()}


def key_of(inputs: dict) -> str:
    """sha256 of the canonical JSON of ``inputs``."""
    text = json.dumps(inputs, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return sha256_bytes(text.encode("utf-8"))


def read_sidecar(out_dir: Path, name: str) -> dict | None:
    """A report's ``NAME.key.json`` (None when absent or unreadable)."""
    try:
        data = json.loads((out_dir / f"{name}{KEY_SUFFIX}").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("record"), dict) else None


class DatasetHashes:
    """Current catalogued sha256 of datasets, read lazily (catalog only when it changed)."""

    def __init__(self) -> None:
        self._catalog_files: str | None = None
        self._catalog: dict[str, str] | None = None

    @property
    def catalog_files(self) -> str:
        if self._catalog_files is None:
            self._catalog_files = catalog_files_sha256()
        return self._catalog_files

    def current(self, recorded: dict[str, str], recorded_catalog: str | None
                ) -> dict[str, str]:
        """The current sha256 of each dataset in ``recorded`` ('' if no longer catalogued)."""
        if recorded_catalog and recorded_catalog == self.catalog_files:
            return dict(recorded)
        if self._catalog is None:
            from dxlab.datasets import read_catalog

            try:
                self._catalog = {k: e.sha256 for k, e in read_catalog().items()}
            except Exception:  # an unreadable catalog: rebuild, the notebook will say why
                self._catalog = {}
        return {name: self._catalog.get(name, "") for name in recorded}


def why_rebuild(sidecar: dict | None, inputs_now: dict, out_dir: Path, name: str) -> str:
    """'' when the report can be served from cache, else the reason to rebuild it."""
    if sidecar is None:
        return "first build (no cache key recorded)"
    rec = sidecar["record"]
    if rec.get("status") != "ok":
        return "it failed last time"
    old = sidecar.get("inputs") or {}
    if sidecar.get("key") != key_of(inputs_now):
        labels = {"notebook_sha256": "the notebook changed",
                  "parameters": "its parameters changed",
                  "show_code": "--show-code changed",
                  "dxlab_source_sha256": "the dxlab source changed",
                  "environment_sha256": "the installed packages changed",
                  "python": "the Python version changed"}
        for k, label in labels.items():
            if old.get(k) != inputs_now.get(k):
                return label
        changed = sorted(k for k in set(old.get("datasets", {})) | set(inputs_now["datasets"])
                         if old.get("datasets", {}).get(k) != inputs_now["datasets"].get(k))
        if changed:
            return "dataset changed: " + ", ".join(changed)
        return "its cache key changed"
    for fname, digest in (sidecar.get("outputs") or {}).items():
        if sha256_file(out_dir / fname) != digest:
            return f"{fname} is missing or was modified"
    if not sidecar.get("outputs"):
        return "no output files recorded"
    return ""
