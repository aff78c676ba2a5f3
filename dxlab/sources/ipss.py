"""IPSS (国立社会保障・人口問題研究所) projection tables: the hooks that are custom to them."""

from __future__ import annotations

import pandas as pd

from dxlab.clean.dates import to_gregorian_year
from dxlab.errors import DataError, ParseError
from dxlab.sources.spec import Context
from dxlab.sources.steps import UNIT_FACTORS
from dxlab.sources.tabular import check_unit, to_float

AGE3_UNITS = (*UNIT_FACTORS, "percent")


def check_era_labels(frame: pd.DataFrame, ctx: Context) -> None:
    """Where a row's raw label is an era year (平成32年), it must be the row's year (2020).
    Quotations that do not start with a year ('今回は 2043年の…') are not checked."""
    for line, label in frame["raw_label"].dropna().items():
        try:
            era_year = to_gregorian_year(label)
        except ParseError:
            continue
        if str(era_year) != str(frame.loc[line, "year"]).strip():
            raise DataError("year disagrees with its era label", file=ctx.path, row=line,
                            column="year", value=frame.loc[line, "year"],
                            expected=f"{era_year} ({label})")


def age3_values(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Counts in thousands or 万人 → persons; percent stays percent. ``unit`` becomes
    'persons' or 'percent'; ``rounding`` is the published precision in that unit."""
    check_unit(frame["unit"], AGE3_UNITS, file=ctx.path)
    number = to_float(frame["value"], file=ctx.path, column="value")
    factor = frame["unit"].map({**UNIT_FACTORS, "percent": 1}).astype(float)
    return pd.DataFrame({
        "value": number * factor,
        "unit": frame["unit"].map(lambda u: "percent" if u == "percent" else "persons"),
        "rounding": factor,
    }, index=frame.index)
