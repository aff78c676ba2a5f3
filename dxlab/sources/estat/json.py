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


def parse_stats_data(doc: dict, *, file: str | Path = "<response>") -> pd.DataFrame:
    """A decoded getStatsData document → tidy frame.

    Raises:
        DataError: not a getStatsData document, API error STATUS, no VALUE rows, a code not
            listed in CLASS_INF, or a value that is neither a number nor a NOTE marker —
            naming the JSON path (``VALUE[i]``).
    """
    root = doc.get("GET_STATS_DATA") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise DataError("not an e-Stat getStatsData response", file=file,
                        column="GET_STATS_DATA", expected="a top-level GET_STATS_DATA object")
    check_status(root.get("RESULT", {}), file)
    data = root.get("STATISTICAL_DATA", {})
    class_objs = as_list(data.get("CLASS_INF", {}).get("CLASS_OBJ"))
    classes = {c["@id"]: c.get("@name", c["@id"]) for c in class_objs}
    labels = {c["@id"]: {k["@code"]: k.get("@name", "") for k in as_list(c.get("CLASS"))}
              for c in class_objs}
    units = {c["@id"]: {k["@code"]: k.get("@unit") for k in as_list(c.get("CLASS"))}
             for c in class_objs}
    info = data.get("DATA_INF", {})
    notes = notes_from((n.get("@char"), text_of(n)) for n in as_list(info.get("NOTE"))
                       if isinstance(n, dict))
    values = as_list(info.get("VALUE"))
    if not values:
        raise DataError("response holds no VALUE rows", file=file, column="DATA_INF.VALUE")
    frame = pd.DataFrame.from_records(values).rename(columns={"$": "value_raw", "@unit": "unit"})
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
    table = data.get("TABLE_INF", {})
    return finish(tidy, classes, notes, {k: text_of(v) for k, v in table.items()} if table else {})


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
    return parse_stats_data(doc, file=path)
