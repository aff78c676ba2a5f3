"""National Statistics Center (独立行政法人統計センター, NSTAC): SSDSE, the Standardized
Statistical Data Set for Education."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera import Check, Column

from dxlab.clean.areas import prefecture as lookup_prefecture
from dxlab.errors import DataError, ParseError
from dxlab.row_accounting import RowAccount
from dxlab.sources import register
from dxlab.sources.tabular import (
    check_prefectures,
    check_unique,
    read_csv_text,
    read_text,
    to_float,
    to_int,
)

SSDSE_UNITS = {"value": "per item (see NSTAC's 解説書; the CSV carries no units)"}


@register("ssdse_b_2026_prefecture", pa.DataFrameSchema(
    {
        "year": Column(int, Check.in_range(2012, 2023)),
        "pref_code": Column(str, Check.str_matches(r"^\d{2}$")),
        "prefecture": Column(str),
        "item_code": Column(str),
        "item_name_ja": Column(str),
        "value": Column(float),
    },
    unique=["year", "pref_code", "item_code"], strict=True,
), SSDSE_UNITS)
def read_ssdse_b(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """SSDSE-B 2026 (prefecture × year 2012-2023 × 109 items), long form."""
    raw = read_csv_text(path, ["year", "pref_code", "prefecture", "item_code", "item_name_ja",
                               "value"])
    check_prefectures(raw, file=path)
    out = pd.DataFrame({
        "year": to_int(raw["year"], file=path, column="year").astype("int64"),
        "pref_code": raw["pref_code"].astype(str),
        "prefecture": raw["prefecture"].astype(str),
        "item_code": raw["item_code"].astype(str),
        "item_name_ja": raw["item_name_ja"].astype(str),
        "value": to_float(raw["value"], file=path, column="value"),
    }, index=raw.index)
    check_unique(out, ["year", "pref_code", "item_code"], file=path)
    return out, RowAccount(str(path), len(raw))


@register("ssdse_e_2026_prefecture", pa.DataFrameSchema(
    {
        "reference_year": Column(int, Check.in_range(2015, 2030)),
        "pref_code": Column(str, Check.str_matches(r"^\d{2}$")),
        "prefecture": Column(str),
        "item_code": Column(str),
        "item_name_ja": Column(str),
        "value": Column(float),
        "is_total": Column(bool),
    },
    unique=["pref_code", "item_code"], strict=True,
), SSDSE_UNITS)
def read_ssdse_e(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """SSDSE-E 2026 (全国 + 47 prefectures × 93 items, one reference year per item), long form.
    全国 rows are flagged ``is_total``."""
    raw = read_csv_text(path, ["reference_year", "pref_code", "prefecture", "item_code",
                               "item_name_ja", "value"])
    check_prefectures(raw, file=path)
    out = pd.DataFrame({
        "reference_year": to_int(raw["reference_year"], file=path,
                                 column="reference_year").astype("int64"),
        "pref_code": raw["pref_code"].astype(str),
        "prefecture": raw["prefecture"].astype(str),
        "item_code": raw["item_code"].astype(str),
        "item_name_ja": raw["item_name_ja"].astype(str),
        "value": to_float(raw["value"], file=path, column="value"),
        "is_total": (raw["pref_code"] == "00").astype(bool),
    }, index=raw.index)
    check_unique(out, ["pref_code", "item_code"], file=path)
    return out, RowAccount(str(path), len(raw))


@register("ssdse_a_municipal", pa.DataFrameSchema(
    {
        "muni_code5": Column(str, Check.str_matches(r"^\d{5}$")),
        "pref_code": Column(str, Check.str_matches(r"^\d{2}$")),
        "prefecture": Column(str),
        "municipality": Column(str),
        "item_code": Column(str),
        "item_name_ja": Column(str),
        "reference_year": Column(int),
        "value": Column(float, nullable=True),
    },
    unique=["muni_code5", "item_code"],
), SSDSE_UNITS)
def read_ssdse_a(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """SSDSE-A (municipalities) as NSTAC distributes it: CP932, CRLF, three header rows
    (item codes; reference year per item; item names), region codes 'R' + 5 digits.

    Returns long rows (one per municipality × item); the accounting counts values.
    """
    text, _encoding = read_text(path)
    lines = text.splitlines()
    if len(lines) < 4:
        raise DataError("SSDSE-A needs three header rows and data", file=path)
    import csv

    codes, years, _names = (next(csv.reader([lines[i]])) for i in range(3))
    if not codes or not codes[0].startswith("SSDSE-A"):
        raise DataError("not an SSDSE-A file", file=path, row=1, value=codes[:1],
                        expected="first cell 'SSDSE-A-YYYY'")
    frame = read_csv_text(path, [], text="\n".join(lines[2:]))
    frame.index = frame.index + 2  # header of this frame is file line 3
    item_cols = list(frame.columns[3:])
    item_codes = codes[3:]
    region = frame.iloc[:, 0].astype(str)
    bad = ~region.str.fullmatch(r"R\d{5}")
    if bad.any():
        line = frame.index[bad][0]
        raise DataError("region code is not 'R' + 5 digits", file=path, row=line,
                        column=frame.columns[0], value=region.loc[line])
    prefs = frame.iloc[:, 1].astype(str)
    for line, name in prefs.drop_duplicates().items():
        try:
            lookup_prefecture(name)
        except ParseError as err:
            raise err.located(file=path, row=line, column=frame.columns[1]) from None
    wide = pd.DataFrame({c: to_float(frame[c], file=path, column=c, markers=["-", "***", "X"],
                                     allow_missing=True) for c in item_cols}, index=frame.index)
    long = wide.set_axis(item_codes, axis=1).stack(future_stack=True).rename("value")
    long = long.reset_index(level=1).rename(columns={"level_1": "item_code"})
    meta = pd.DataFrame({"item_code": item_codes, "item_name_ja": item_cols,
                         "reference_year": [int(y) for y in years[3:]]})
    long = long.join(pd.DataFrame({
        "muni_code5": region.str[1:], "pref_code": region.str[1:3], "prefecture": prefs,
        "municipality": frame.iloc[:, 2].astype(str)}), how="left")
    out = long.merge(meta, on="item_code", how="left")
    out = out[["muni_code5", "pref_code", "prefecture", "municipality", "item_code",
               "item_name_ja", "reference_year", "value"]]
    check_prefectures(out.drop_duplicates("pref_code").set_index("pref_code", drop=False),
                      file=path)
    return out, RowAccount(str(path), len(out))
