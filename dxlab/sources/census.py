"""Statistics Bureau (総務省統計局) population tables: Population Census (国勢調査) and
Population Estimates (人口推計), as bundled in ``data/raw``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera import Check, Column

from dxlab.accounting import RowAccount
from dxlab.clean.ages import parse_age_bands
from dxlab.errors import DataError
from dxlab.sources import register
from dxlab.sources.tabular import check_unique, check_values, read_csv_text, to_int

AGE_SEX_UNITS = {"population": "persons", "year": "calendar year",
                 "reference_date": "ISO date", "age_lo": "years", "age_hi": "years"}

AGE_SEX_SCHEMA = pa.DataFrameSchema(
    {
        "year": Column(int, Check.in_range(1900, 2100)),
        "reference_date": Column(str, Check.str_matches(r"^\d{4}-\d{2}-\d{2}$")),
        "sex": Column(str, Check.isin(["male", "female"])),
        "age_group": Column(str),
        "age_lo": Column("Int64", Check.in_range(0, 125)),
        "age_hi": Column("Int64", Check.in_range(0, 125), nullable=True),
        "population": Column("int64", Check.ge(0)),
    },
    unique=["year", "sex", "age_group"],
    strict=True,
)


def tidy_age_sex(raw: pd.DataFrame, path: Path, *, reference_month_day: str = "10-01"
                 ) -> pd.DataFrame:
    """Common part of the age × sex population readers: parse ages, type the columns."""
    check_values(raw["sex"], ["male", "female"], file=path, column="sex")
    ages = parse_age_bands(raw["age_group"])
    if ages["age_lo"].isna().any():
        line = ages.index[ages["age_lo"].isna()][0]
        raise DataError("age unknown rows are not expected in this table", file=path,
                        row=line, column="age_group", value=raw.loc[line, "age_group"])
    year = to_int(raw["year"], file=path, column="year")
    out = pd.DataFrame(
        {
            "year": year.astype("int64"),
            "reference_date": year.astype(str) + "-" + reference_month_day,
            "sex": raw["sex"].astype(str),
            "age_group": ages["age_group"].astype(str),
            "age_lo": ages["age_lo"],
            "age_hi": ages["age_hi"],
            "population": to_int(raw["population"], file=path, column="population"
                                 ).astype("int64"),
        },
        index=raw.index,
    )
    check_unique(out, ["year", "sex", "age_group"], file=path)
    return out


@register("census_population_japan_age_sex", AGE_SEX_SCHEMA, AGE_SEX_UNITS)
def read_census_population_japan_age_sex(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """Population Census, Japan, by sex and 5-year age group, 1920–2020 (e-Stat 0003410380).

    Input columns: year, sex (male/female), age_group ('0-4' … '85+' or '100+'), population
    (persons), source_age_label (the label as published, kept in the raw file only).
    Top band: 85+ for 1920–2000, 100+ (with 85-89, 90-94, 95-99) for 2005–2020.
    Age 'not stated' (年齢不詳) is not in this table, so band sums fall short of the census
    totals from 1980 on (see the catalog notes).
    """
    raw = read_csv_text(path, ["year", "sex", "age_group", "population", "source_age_label"])
    account = RowAccount(str(path), len(raw))
    return tidy_age_sex(raw, path), account
