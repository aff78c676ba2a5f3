"""What the e-Stat JSON and CSV readers share: number syntax, special markers interpreted
with the table's own NOTE list, time codes, and the dtypes of the tidy frame.

Tidy frame (both formats): for every classification id (``tab``, ``cat01`` …, ``area``,
``time``) a code column ``<id>_code`` and a label column ``<id>``, then ``unit``, ``value``
(float64), ``marker`` (the raw special character where the cell holds no number: '-', '…',
'***', 'X', full-width '－' …), ``marker_meaning`` (from the NOTE list), and for the time
classification ``year`` (Int64), ``period`` ('year', 'fiscal_year', 'month', 'quarter' …) and
``period_start`` (ISO date). Code, label, unit, marker and period columns are categoricals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from dxlab.clean.dates import parse_time
from dxlab.clean.text import normalize_text
from dxlab.errors import DataError, ParseError

NUMBER = r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$"
CATEGORY_SUFFIXES = ("_code",)


def as_list(node) -> list:
    """e-Stat sends a one-element list as a bare object; normalise to a list."""
    if node is None:
        return []
    return node if isinstance(node, list) else [node]


def text_of(node) -> str:
    return node.get("$", "") if isinstance(node, dict) else str(node)


def check_status(result: dict, file: str | Path) -> None:
    """RESULT.STATUS must be 0; otherwise a DataError carrying ERROR_MSG."""
    status = result.get("STATUS") if isinstance(result, dict) else None
    try:
        code = int(status)
    except (TypeError, ValueError):
        raise DataError("e-Stat RESULT has no numeric STATUS", file=file, column="RESULT.STATUS",
                        value=status) from None
    if code != 0:
        raise DataError(f"e-Stat API error {code}: {result.get('ERROR_MSG', '(no message)')}",
                        file=file, column="RESULT.STATUS", expected="STATUS 0")


def notes_from(pairs: Iterable[tuple[object, object]]) -> dict[str, str]:
    """(marker, meaning) pairs → {normalised marker: meaning}."""
    return {normalize_text(str(char)): str(meaning) for char, meaning in pairs
            if char is not None}


def interpret_markers(distinct: Iterable[str], notes: dict[str, str], *, file: str | Path,
                      locate: Callable[[str], object]) -> dict[str, str]:
    """Meaning of every distinct non-numeric cell, from the table's NOTE list.

    Args:
        distinct: the distinct raw strings that are not numbers.
        notes: {normalised marker: meaning} (:func:`notes_from`).
        locate: raw string → row label of its first occurrence (for the error).
    Returns:
        {raw string: meaning}.
    Raises:
        DataError: a cell that is neither a number nor a declared marker.
    """
    out = {}
    for raw in distinct:
        norm = normalize_text(raw or "")
        if norm not in notes:
            listed = ", ".join(repr(k) for k in notes) or "none declared"
            raise DataError("value is neither a number nor a declared special marker",
                            file=file, row=locate(raw), column="value", value=raw,
                            expected=f"a number or a NOTE marker ({listed})")
        out[raw] = notes[norm]
    return out


def categorical(values) -> pd.Series:
    """A Series of labels as a categorical (missing stays missing)."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    return series.astype("category")


def time_columns(codes: pd.Series, labels: pd.Series) -> pd.DataFrame:
    """``year``, ``period``, ``period_start`` from categorical time codes and labels.

    Parsed once per distinct code (with its first label: e-Stat codes are YYYYKKFFTT; tables
    with their own codes fall back to the label) and broadcast by category codes, so a
    million rows cost a few hundred parses. An unparseable time gives period 'unparsed'.
    """
    codes, labels = codes.astype("category"), labels.astype("category")
    code_idx = codes.cat.codes.to_numpy()
    label_idx = labels.cat.codes.to_numpy()
    first_label = pd.Series(label_idx).groupby(code_idx).first()
    years, periods, starts = [], [], []
    for ci, li in zip(first_label.index, first_label.to_numpy(), strict=True):
        code = str(codes.cat.categories[ci])
        label = None if li < 0 else str(labels.cat.categories[li])
        try:
            tp = parse_time(code, label)
            years.append(tp.year)
            periods.append(tp.period)
            starts.append(tp.start.isoformat())
        except ParseError:
            years.append(pd.NA)
            periods.append("unparsed")
            starts.append(None)
    lookup = np.full(len(codes.cat.categories), -1, dtype=np.int64)
    lookup[first_label.index.to_numpy()] = np.arange(len(first_label))
    rows = lookup[code_idx]
    year = pd.array([*years, pd.NA], dtype="Int64")[rows]
    return pd.DataFrame({
        "year": year,
        "period": pd.Categorical(np.array([*periods, None], dtype=object)[rows]),
        "period_start": pd.Categorical(np.array([*starts, None], dtype=object)[rows]),
    }, index=codes.index)


def finish(tidy: pd.DataFrame, classes: dict, notes: dict, table: dict) -> pd.DataFrame:
    """Common dtypes and attrs of both readers' output (see the module docstring)."""
    for col in tidy.columns:
        if col in ("value", "year"):
            continue
        if not isinstance(tidy[col].dtype, pd.CategoricalDtype):
            tidy[col] = tidy[col].astype("category")
    tidy["value"] = tidy["value"].astype("float64")
    if "time_code" in tidy.columns:
        tidy = pd.concat([tidy, time_columns(tidy["time_code"], tidy["time"])], axis=1)
    tidy.attrs["classes"] = classes
    tidy.attrs["notes"] = notes
    tidy.attrs["table"] = table
    return tidy
