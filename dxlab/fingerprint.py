"""Fingerprints of what built a result: dxlab's own source and the installed environment.

Caches (the processed-data parquet files, built reports) are keyed on these, so a change to
any file of the dxlab package, or to any installed distribution, invalidates them. Hashing the
whole package is the simplest honest choice: it covers the engine, the hooks, the cleaning
helpers, the field dictionary and the dataset specs without a hand-kept list of which module
affects which output.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


@functools.cache
def source_sha256() -> str:
    """sha256 over every ``.py`` file of the installed dxlab package (paths and bytes).

    Computed once per process (about 1 ms per file).
    """
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        h.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def install_paths() -> list[str]:
    """The interpreter's own install folders (site-packages; the user site where enabled):
    what ``python -I`` would see, without the current folder, ``PYTHONPATH`` entries or the
    scratch folders of a dask worker."""
    import site

    paths = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        paths.append(site.getusersitepackages())
    return paths


@functools.cache
def environment_sha256() -> str:
    """sha256 over the sorted, de-duplicated ``name==version`` list of the distributions
    installed in :func:`install_paths`.

    Only the install folders count, so the value does not depend on where or how dxlab is
    started (a checkout's ``dxlab.egg-info`` beside ``python -m``, a worker's ``/tmp``).
    """
    pins = sorted({
        f"{(d.metadata['Name'] or '').lower()}=={d.version}"
        for d in metadata.distributions(path=install_paths())
    })
    return hashlib.sha256("\n".join(pins).encode()).hexdigest()
