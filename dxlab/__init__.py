"""dxlab: municipal digital transformation (自治体DX) research with Japanese official statistics.

The package namespace is lazy (PEP 562): ``import dxlab`` loads nothing heavy; the data layer
(pandas, pandera, pyarrow) is imported on first use of :func:`load`, :func:`catalog`,
:func:`provenance` or :func:`accounting`. So ``import dxlab.paths`` or ``dxlab --help`` stay
fast, and a report's kernel pays for the data layer only when it loads data.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "accounting": "dxlab.data",
    "load": "dxlab.data",
    "provenance": "dxlab.data",
    "catalog": "dxlab.datasets",
    "provenance_markdown": "dxlab.data",
    "accounting_table": "dxlab.data",
}

__all__ = ["__version__", "accounting", "accounting_table", "catalog", "load", "provenance",
           "provenance_markdown"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from dxlab.data import accounting, accounting_table, load, provenance, provenance_markdown
    from dxlab.datasets import catalog


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dxlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
