"""IPSS (国立社会保障・人口問題研究所) projection tables: the hooks that are custom to them."""

from __future__ import annotations

import re

import pandas as pd

from dxlab.clean.dates import to_gregorian_year
from dxlab.errors import DataError, ParseError
from dxlab.sources.spec import Context
from dxlab.sources.steps import UNIT_FACTORS
from dxlab.sources.tabular import check_unit, to_float

AGE3_UNITS = (*UNIT_FACTORS, "percent")


_LEADING_YEAR = re.compile(r"^\s*(\S+?年)")


def check_era_labels(frame: pd.DataFrame, ctx: Context) -> None:
    """Where a row's raw label starts with a year — an era year ('平成32年') or a quotation
    that opens with one ('2020年の1,503万人', '令和19年に33.3%') — that year must be the row's
    year. Labels that do not start with a year ('今回は 2043年の…') are not checked (61 of
    the 66 labels of the bundled file are)."""
    for line, label in frame["raw_label"].dropna().items():
        m = _LEADING_YEAR.match(label)
        try:
            era_year = to_gregorian_year(m[1]) if m else None
        except ParseError:
            era_year = None
        if era_year is None:
            continue
        if str(era_year) != str(frame.loc[line, "year"]).strip():
            raise DataError("year disagrees with its era label", file=ctx.path, row=line,
                            column="year", value=frame.loc[line, "year"],
                            expected=f"{era_year} ({label})")


def age3_values(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Counts in thousands or 万人 → persons; percent stays percent. ``unit`` becomes
    'persons' or 'percent'; ``rounding`` is the published precision in that unit: the unit
    factor times the last printed decimal place ('11.9' percent → 0.1; '1503' 万人 →
    10,000 persons; '11,284.5' 万人 → 1,000)."""
    check_unit(frame["unit"], AGE3_UNITS, file=ctx.path)
    number = to_float(frame["value"], file=ctx.path, column="value")
    factor = frame["unit"].map({**UNIT_FACTORS, "percent": 1}).astype(float)
    decimals = frame["value"].astype(str).str.extract(r"\.(\d+)$")[0].str.len().fillna(0)
    return pd.DataFrame({
        "value": number * factor,
        "unit": frame["unit"].map(lambda u: "percent" if u == "percent" else "persons"),
        "rounding": factor * 10.0 ** (-decimals.astype(float)),
    }, index=frame.index)
