"""Readers, one module per publisher's format.

Each reader turns one raw file into a tidy frame plus a :class:`~dxlab.accounting.RowAccount`,
and registers itself under the catalog's ``reader`` key with the pandera schema its output
must satisfy. :func:`dxlab.load` looks readers up here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from dxlab.row_accounting import RowAccount

ReadFunc = Callable[[Path], tuple[pd.DataFrame, RowAccount]]


@dataclass(frozen=True)
class Reader:
    """A registered reader: the function, the schema of its output, and column units."""

    name: str
    read: ReadFunc
    schema: pa.DataFrameSchema
    units: dict[str, str]


READERS: dict[str, Reader] = {}


def register(name: str, schema: pa.DataFrameSchema, units: dict[str, str]):
    """Decorator: register ``func`` as the reader called ``name``."""

    def deco(func: ReadFunc) -> ReadFunc:
        READERS[name] = Reader(name, func, schema, units)
        return func

    return deco
