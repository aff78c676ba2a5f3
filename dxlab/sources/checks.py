"""Checks a spec lists in ``checks`` (``func(frame, ctx)``, raising DataError): value ranges
that depend on what a row's value *is* (the ``unit`` of a multi-indicator table, the SSDSE
``item_code``), and totals that must equal — or bound — the sum of their parts where a table
states both.

Each check's first docstring line is what the data dictionary prints for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from dxlab.errors import DataError
from dxlab.sources.spec import Context

Range = tuple[float | None, float | None]


def _num(x: float) -> str:
    """A number as published: whole numbers without decimals or exponent."""
    return f"{int(x)}" if float(x).is_integer() else f"{x}"


def _range_text(r: Range) -> str:
    lo, hi = r
    if lo is not None and hi is not None:
        return f"between {lo:g} and {hi:g}"
    return f">= {lo:g}" if lo is not None else f"<= {hi:g}" if hi is not None else "any value"


def value_ranges(by: str, ranges: Mapping[str, Range], *, default: Range | None = None,
                 column: str = "value", label: str | None = None, doc: str = ""):
    """Each row's ``column`` must lie in the range (inclusive; None = open) declared for the
    row's ``by`` value; rows whose ``by`` value is not listed get ``default`` (None: no check).

    Args:
        by: the column saying what the value is ('unit', 'item_code').
        ranges: ``by`` value → (low, high).
        default: the range of unlisted ``by`` values.
        label: a column naming the item in words, quoted in the error ('item_name_ja').
        doc: the first line of the check's docstring (the data dictionary prints it).
    Raises (from the returned check):
        DataError: naming the first line out of range, what the value is and the range.
    """
    ranges = dict(ranges)

    def check(frame: pd.DataFrame, ctx: Context) -> None:
        keys = frame[by].astype("str")
        distinct = keys.unique()
        bounds = {k: ranges.get(k, default) or (None, None) for k in distinct}
        lo = keys.map({k: np.nan if b[0] is None else b[0] for k, b in bounds.items()})
        hi = keys.map({k: np.nan if b[1] is None else b[1] for k, b in bounds.items()})
        value = pd.to_numeric(frame[column], errors="coerce")
        bad = value.notna() & ((lo.notna() & (value < lo)) | (hi.notna() & (value > hi)))
        bad = bad.to_numpy(dtype=bool)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            key = keys.iloc[pos]
            named = f" {frame[label].iloc[pos]!r}" if label else ""
            raise DataError(f"value out of range for {by} {key}{named}", file=ctx.path,
                            row=frame.index[pos], **ctx.spec.column_of(column),
                            value=frame[column].iloc[pos],
                            expected=_range_text(ranges.get(key, default)))

    listed = "; ".join(f"{k}: {_range_text(r)}" for k, r in ranges.items())
    auto = f"{column} within the range for its {by} ({listed}" + (
        f"; any other: {_range_text(default)})" if default else ")")
    check.__doc__ = doc or auto
    return check


def items_add_up(total: str, parts: Sequence[str], *, by: str = "item_code",
                 column: str = "value", relation: str = "==",
                 within: float | Callable[[pd.Index], np.ndarray] = 0.0,
                 label: str | None = "item_name_ja", doc: str = ""):
    """In a long multi-item table, for every unit of observation (the spec's key without
    ``by``), the ``total`` item must equal (``relation`` '==') or be at least (``'>='``) the
    sum of the ``parts`` items, within ``within`` (a number, or a function of the index of
    observations giving one per observation: the published rounding). Observations lacking
    any of the items are not checked.

    Raises (from the returned check):
        DataError: naming the line of the total, the total and the sum of its parts.
    """
    parts = tuple(parts)
    if relation not in ("==", ">="):
        raise ValueError(relation)

    def check(frame: pd.DataFrame, ctx: Context) -> None:
        keys = [k for k in ctx.spec.key if k != by]
        rows = frame[frame[by].isin((total, *parts))]
        if rows.empty:
            return
        wide = rows.pivot(index=keys, columns=by, values=column)
        if total not in wide.columns or any(p not in wide.columns for p in parts):
            return
        summed = wide[list(parts)].sum(axis=1, min_count=len(parts))
        diff = (wide[total] - summed).to_numpy(dtype="float64")
        tol = np.asarray(within(wide.index) if callable(within) else within, dtype="float64")
        bad = np.abs(diff) > tol + 1e-9 if relation == "==" else diff < -tol - 1e-9
        bad &= ~np.isnan(diff)
        if not bad.any():
            return
        pos = int(np.flatnonzero(bad)[0])
        where = wide.index[pos]
        match = rows[by] == total
        for k, v in zip(keys, where if isinstance(where, tuple) else (where,), strict=True):
            match &= rows[k] == v
        line = rows.index[match.to_numpy(dtype=bool)][0]
        name = f" {rows.loc[match, label].iloc[0]!r}" if label else ""
        shown = " + ".join(_num(wide[p].iloc[pos]) for p in parts)
        tol_here = float(np.broadcast_to(tol, diff.shape)[pos])
        rel = "is not" if relation == "==" else "is less than"
        raise DataError(
            f"{by} {total}{name} {rel} the sum of {', '.join(parts)}", file=ctx.path,
            row=line, **ctx.spec.column_of(column), value=wide[total].iloc[pos],
            expected=f"{'' if relation == '==' else '>= '}{_num(summed.iloc[pos])} = {shown}"
            + (f" (within {_num(tol_here)}, the published rounding)" if tol_here else ""))

    check.__doc__ = doc or (f"{by} {total} {'=' if relation == '==' else '>='} "
                            f"{' + '.join(parts)}")
    return check
