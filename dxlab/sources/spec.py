"""Dataset specs: one declaration per dataset, read by the engine (:mod:`dxlab.sources.engine`).

A :class:`Dataset` declares *what* a tidy dataset is — its fields (names from
:mod:`dxlab.fields`), primary key, published total rows, drop rules with their reasons, the
other datasets it reads — and *how* its raw file differs from a plain CSV: the encoding, the
header line, a column map from raw to field names, and only where something is truly custom,
a reader hook (a wide census table, SSDSE's three header rows) or derivation steps (age labels
to ``age_lo``/``age_hi``, thousands to persons). From it the engine derives the column checks,
the pandera schema, the units, the uniqueness check and the row accounting.

The declarations live in ``dxlab/specs/`` (one module per publisher) and are discovered from
there; the catalog entry in ``data/raw/catalog.toml`` with the same name holds provenance and
the raw file's sha256.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dxlab.fields import FIELDS
from dxlab.row_accounting import RowAccount


@dataclass
class Context:
    """What a hook or step may need while one raw file is read.

    Attributes:
        spec: the dataset being built.
        path: the raw file being read (named in every error).
        account: its row accounting (a hook that reshapes rows records it here).
        file_meta: the catalog's record of this file (for multi-file datasets, e.g. its
            reference date), else ``{}``.
        depends: paths of the files of the datasets named in ``spec.depends_on``.
    """

    spec: Dataset
    path: Path
    account: RowAccount
    file_meta: Mapping[str, Any] = field(default_factory=dict)
    depends: Mapping[str, list[Path]] = field(default_factory=dict)


ReadHook = Callable[[Path, Context], pd.DataFrame]
CheckFunc = Callable[[pd.DataFrame, Context], None]


@dataclass(frozen=True)
class Step:
    """A derivation applied after renaming: ``func(frame, ctx) -> frame``.

    Attributes:
        needs: columns it reads (raw names that were not renamed, or field names).
        produces: fields it writes (already typed; the engine still checks them).
        func: the transformation.
        doc: one line for the data dictionary.
    """

    needs: tuple[str, ...]
    produces: tuple[str, ...]
    func: Callable[[pd.DataFrame, Context], pd.DataFrame]
    doc: str = ""


@dataclass(frozen=True)
class Drop:
    """Rows removed before parsing, with the reason recorded in the row accounting.

    ``when`` is either ``{raw_column: value}`` (equality; a tuple means any of the values;
    ``None`` means the cell is empty) or ``func(raw, ctx)`` returning a boolean mask.
    """

    reason: str
    when: Mapping[str, object] | Callable[[pd.DataFrame, Context], pd.Series]

    def columns(self) -> tuple[str, ...]:
        return tuple(self.when) if isinstance(self.when, Mapping) else ()

    def mask(self, raw: pd.DataFrame, ctx: Context) -> pd.Series:
        if not isinstance(self.when, Mapping):
            return self.when(raw, ctx).fillna(False).astype(bool)
        out = pd.Series(True, index=raw.index)
        for column, value in self.when.items():
            cells = raw[column]
            if value is None:
                out &= cells.isna()
            elif isinstance(value, tuple):
                out &= cells.isin(value)
            else:
                out &= cells == value
        return out.fillna(False).astype(bool)


@dataclass(frozen=True)
class Dataset:
    """The declaration of one tidy dataset.

    Attributes:
        name: the dataset's name (also the catalog entry's name).
        description: one sentence on what a row is.
        fields: output columns in order, each a name in :data:`dxlab.fields.FIELDS`
            (``is_total`` is appended when ``totals`` is declared).
        key: primary key (checked unique, naming the two lines that clash).
        rename: raw column → field name, where they differ.
        encoding: 'auto' (UTF-8 with or without BOM, else CP932), or a codec name.
        header_line: 1-based line of the header in the raw file.
        read: hook that returns the raw frame (text cells, indexed by file line) where the
            file is not a plain CSV; default: the CSV reader.
        drops: rows removed before parsing, each with its reason.
        steps: derivations after renaming (:class:`Step`).
        totals: field → values that mark a published total row ({'sex': ('total',)}).
        nullable: fields allowed to be missing in this dataset.
        values: field → the vocabulary this dataset uses, narrowing the field's own check.
        checks: cross-column checks ``func(frame, ctx)`` raising DataError (e.g. cards ÷
            population = published rate within rounding).
        depends_on: other catalogued datasets whose files this one reads.
        strict: the output has exactly ``fields`` (False for e-Stat tables, whose
            classification columns vary by table).
    """

    name: str
    description: str
    fields: tuple[str, ...]
    key: tuple[str, ...] = ()
    rename: Mapping[str, str] = field(default_factory=dict)
    encoding: str = "auto"
    header_line: int = 1
    read: ReadHook | None = None
    drops: tuple[Drop, ...] = ()
    steps: tuple[Step, ...] = ()
    totals: Mapping[str, tuple] = field(default_factory=dict)
    nullable: tuple[str, ...] = ()
    values: Mapping[str, tuple] = field(default_factory=dict)
    checks: tuple[CheckFunc, ...] = ()
    depends_on: tuple[str, ...] = ()
    strict: bool = True

    def __post_init__(self) -> None:
        names = [*self.fields, *self.key, *self.totals, *self.nullable, *self.values,
                 *self.rename.values(), *(p for s in self.steps for p in s.produces)]
        unknown = sorted({n for n in names if n not in FIELDS})
        if unknown:
            raise ValueError(f"dataset {self.name}: not in the field dictionary: {unknown}")
        for k in (*self.key, *self.totals, *self.nullable, *self.values):
            if k not in self.output_fields:
                raise ValueError(f"dataset {self.name}: {k!r} is not one of its fields")

    @property
    def output_fields(self) -> tuple[str, ...]:
        """The columns of the tidy frame, in order."""
        extra = ("is_total",) if self.totals and "is_total" not in self.fields else ()
        return (*self.fields, *extra)

    def produced(self) -> set[str]:
        """Fields written by steps (not read from raw columns)."""
        return {p for s in self.steps for p in s.produces}

    def raw_columns(self) -> list[str]:
        """Raw columns the default CSV reader requires."""
        inverse = {v: k for k, v in self.rename.items()}
        needed = [f for f in self.fields if f != "is_total" and f not in self.produced()]
        made: set[str] = set()
        for step in self.steps:  # a step's needs are raw unless an earlier step made them
            needed += [n for n in step.needs if n not in made]
            made.update(step.produces)
        cols = [inverse.get(f, f) for f in needed]
        cols += [c for d in self.drops for c in d.columns()]
        return list(dict.fromkeys(cols))

    def raw_name(self, field_name: str) -> str:
        """The raw column a field is read from (for error messages)."""
        inverse = {v: k for k, v in self.rename.items()}
        return inverse.get(field_name, field_name)

    def column_of(self, field_name: str) -> dict[str, str | None]:
        """How errors name the column of a field (``DataError(..., **spec.column_of(f))``):
        the raw column it is read from, noting the field ('団体コード' (field 'muni_code5')),
        or, for a field a step derives, the raw columns it is derived from."""
        raw = self.raw_name(field_name)
        if raw != field_name:
            return {"column": raw, "column_note": f"field '{field_name}'"}
        if field_name in self.produced():
            needs = [n for s in self.steps if field_name in s.produces for n in s.needs]
            if needs and needs != [field_name]:
                listed = ", ".join(f"'{n}'" for n in needs[:3]) + (", …" if len(needs) > 3
                                                                    else "")
                return {"column": field_name, "column_note": f"derived from {listed}"}
        return {"column": field_name, "column_note": None}

    def units(self) -> dict[str, str]:
        """Field → unit, for ``frame.attrs['units']``."""
        return {f: FIELDS[f].unit for f in self.output_fields if FIELDS[f].unit}

    def dtype(self, name: str) -> str:
        return FIELDS[name].dtype(nullable=name in self.nullable)
