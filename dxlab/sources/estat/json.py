"""e-Stat API 3.0 getStatsData responses (JSON) → the tidy frame of :mod:`.common`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from dxlab.errors import DataError
from dxlab.sources.estat.common import (
    NUMBER,
    as_list,
    check_status,
    finish,
    interpret_markers,
    notes_from,
    text_of,
)
from dxlab.sources.tabular import read_text


def _object(node, path: str, file, *, required: bool = True) -> dict:
    """``node`` if it is a JSON object ({} when absent and not required), else DataError
    naming its JSON path."""
    if node is None and not required:
        return {}
    if not isinstance(node, dict):
        got = "missing" if node is None else f"a {type(node).__name__}"
        raise DataError(f"{path} is {got}, expected an object", file=file, column=path,
                        expected="an e-Stat getStatsData document")
    return node


def _objects(node, path: str, file) -> list[dict]:
    """A one-or-many node (e-Stat sends one element bare) as a list of objects."""
    items = as_list(node)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise DataError(f"{path}[{i}] is a {type(item).__name__}, expected an object",
                            file=file, row=f"{path}[{i}]", column=path,
                            expected="an e-Stat getStatsData document")
    return items


def _scalar_text(value, path: str, file) -> str:
    if isinstance(value, dict | list) or value is None:
        raise DataError(f"{path} is {'missing' if value is None else type(value).__name__}, "
                        "expected a code", file=file, column=path)
    return str(value)


def _check_cells(frame: pd.DataFrame, file) -> None:
    """Every VALUE attribute and value must be a string or number, not an object or list."""
    for col in frame.columns:
        if frame[col].dtype != object:
            continue
        nested = frame[col].map(lambda v: isinstance(v, dict | list)).to_numpy(dtype=bool)
        if nested.any():
            pos = int(np.flatnonzero(nested)[0])
            name = "$" if col == "value_raw" else "@unit" if col == "unit" else col
            raise DataError(f"a VALUE cell is a {type(frame[col].iloc[pos]).__name__}, "
                            "expected a string or number", file=file, row=f"VALUE[{pos}]",
                            column=name)


def parse_stats_data(doc: dict, *, file: str | Path = "<response>") -> pd.DataFrame:
    """A decoded getStatsData document → tidy frame.

    Raises:
        DataError: not a getStatsData document (a node of the wrong type names its JSON
            path), API error STATUS, no VALUE rows, a code not listed in CLASS_INF, or a value
            that is neither a number nor a NOTE marker — naming the JSON path (``VALUE[i]``).
    """
    root = doc.get("GET_STATS_DATA") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise DataError("not an e-Stat getStatsData response", file=file,
                        column="GET_STATS_DATA", expected="a top-level GET_STATS_DATA object")
    check_status(root.get("RESULT", {}), file)
    data = _object(root.get("STATISTICAL_DATA"), "GET_STATS_DATA.STATISTICAL_DATA", file)
    class_inf = _object(data.get("CLASS_INF"), "STATISTICAL_DATA.CLASS_INF", file,
                        required=False)
    class_objs = _objects(class_inf.get("CLASS_OBJ"), "CLASS_INF.CLASS_OBJ", file)
    classes, labels, units = {}, {}, {}
    for i, c in enumerate(class_objs):
        cid = _scalar_text(c.get("@id"), f"CLASS_INF.CLASS_OBJ[{i}].@id", file)
        members = _objects(c.get("CLASS"), f"CLASS_OBJ[{i}].CLASS", file)
        classes[cid] = str(c.get("@name", cid))
        codes = [_scalar_text(k.get("@code"), f"CLASS_OBJ[{i}].CLASS[{j}].@code", file)
                 for j, k in enumerate(members)]
        labels[cid] = dict(zip(codes, (str(k.get("@name", "")) for k in members), strict=True))
        units[cid] = dict(zip(codes, (k.get("@unit") for k in members), strict=True))
    info = _object(data.get("DATA_INF"), "STATISTICAL_DATA.DATA_INF", file)
    notes = notes_from((n.get("@char"), text_of(n)) for n in as_list(info.get("NOTE"))
                       if isinstance(n, dict))
    values = _objects(info.get("VALUE"), "VALUE", file)
    if not values:
        raise DataError("response holds no VALUE rows", file=file, column="DATA_INF.VALUE")
    frame = pd.DataFrame.from_records(values).rename(columns={"$": "value_raw", "@unit": "unit"})
    _check_cells(frame, file)
    out = {}
    for cid in classes:
        col = f"@{cid}"
        if col not in frame.columns:
            raise DataError(f"VALUE rows lack the classification {cid!r}", file=file, column=col)
        codes = frame[col].astype(str)
        names = codes.map(labels[cid])
        unknown = names.isna()
        if unknown.any():
            pos = int(np.flatnonzero(unknown.to_numpy())[0])
            raise DataError(f"code not listed in CLASS_INF for {cid!r}", file=file,
                            row=f"VALUE[{pos}]", column=col, value=codes.iloc[pos])
        out[f"{cid}_code"] = codes
        out[cid] = names
    tidy = pd.DataFrame(out, index=frame.index)
    unit = frame["unit"] if "unit" in frame.columns else pd.Series(pd.NA, index=frame.index)
    if "tab" in classes:  # the unit may only be declared on the tab class
        unit = unit.fillna(tidy["tab_code"].map(units["tab"]))
    tidy["unit"] = unit.astype("object")
    raw = frame["value_raw"].astype("object") if "value_raw" in frame.columns else \
        pd.Series(None, index=frame.index, dtype="object")
    raw = raw.where(raw.isna() | raw.map(lambda v: isinstance(v, str)), raw.astype(str))
    numeric = raw.str.fullmatch(NUMBER).fillna(False).astype(bool)
    value = pd.Series(np.nan, index=frame.index)
    value[numeric] = pd.to_numeric(raw[numeric].str.replace(",", "", regex=False))
    rest = raw[~numeric]

    def locate(s: str) -> str:
        hits = np.flatnonzero((raw == s).to_numpy()) if s is not None else \
            np.flatnonzero(raw.isna().to_numpy())
        return f"VALUE[{int(hits[0])}]"

    meaning = interpret_markers(list(pd.unique(rest)), notes, file=file, locate=locate)
    tidy["value"] = value
    tidy["marker"] = rest.reindex(frame.index)
    tidy["marker_meaning"] = tidy["marker"].map(meaning)
    table = _object(data.get("TABLE_INF"), "STATISTICAL_DATA.TABLE_INF", file, required=False)
    return finish(tidy, classes, notes, {str(k): text_of(v) for k, v in table.items()})


def read_json(path: str | Path) -> pd.DataFrame:
    """Read a stored getStatsData JSON file (see :func:`parse_stats_data`).

    Raises:
        DataError: unreadable file, truncated or invalid JSON (naming line and column), API
            error status.
    """
    text, _enc = read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"invalid or truncated JSON: {exc.msg}", file=path,
                        row=f"line {exc.lineno}", column=f"char {exc.colno}",
                        expected="a complete getStatsData JSON document") from None
    except RecursionError:
        raise DataError("JSON nested too deeply to read", file=path,
                        expected="a getStatsData document (a few levels deep)") from None
    return parse_stats_data(doc, file=path)
