"""National Institute of Population and Social Security Research (IPSS, 国立社会保障・人口問題
研究所): population projections."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera import Check, Column

from dxlab.clean.ages import parse_age_bands
from dxlab.clean.dates import to_gregorian_year
from dxlab.errors import DataError, ParseError
from dxlab.row_accounting import RowAccount
from dxlab.sources import register
from dxlab.sources.census import AGE_SEX_SCHEMA, AGE_SEX_UNITS, UNIT_FACTORS, tidy_age_sex
from dxlab.sources.tabular import (
    check_prefectures,
    check_unique,
    check_unit,
    check_values,
    read_csv_text,
    to_float,
    to_int,
)

PROJECTION_SCHEMA = AGE_SEX_SCHEMA.add_columns(
    {"series": Column(str, Check.isin(["jump_off_base_population", "projection"]))}
)


@register("ipss2017_projection_japan_age_sex", PROJECTION_SCHEMA, AGE_SEX_UNITS)
def read_ipss2017_projection(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """IPSS 日本の将来推計人口（平成29年推計）表1-9A, medium fertility / medium mortality:
    population by sex and 5-year age group (0-4 … 95-99, 100+), 2015 (base) to 2065.

    Values are persons (the official thousands with three decimals × 1000; nine float
    artefacts were rounded by the collector, raw strings kept in the raw file).
    """
    raw = read_csv_text(path, ["year", "sex", "age_group", "population", "series"])
    check_values(raw["series"], ["jump_off_base_population", "projection"], file=path,
                 column="series")
    out = tidy_age_sex(raw, path)
    out["series"] = raw["series"].astype(str)
    return out, RowAccount(str(path), len(raw))


@register("ipss2018_projection_prefecture_total", pa.DataFrameSchema(
    {
        "year": Column(int, Check.in_range(2015, 2045)),
        "pref_code": Column(str, Check.str_matches(r"^\d{2}$")),
        "prefecture": Column(str),
        "population": Column("int64", Check.ge(0)),
        "series": Column(str, Check.isin(["base_census_2015", "projection"])),
    },
    unique=["year", "pref_code"], strict=True,
), {"population": "persons"})
def read_ipss2018_prefecture(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """IPSS 日本の地域別将来推計人口（平成30年推計）: total population by prefecture, 2015-2045."""
    raw = read_csv_text(path, ["year", "pref_code", "prefecture", "population", "series"])
    check_prefectures(raw, file=path)
    out = pd.DataFrame({
        "year": to_int(raw["year"], file=path, column="year").astype("int64"),
        "pref_code": raw["pref_code"].astype(str),
        "prefecture": raw["prefecture"].astype(str),
        "population": to_int(raw["population"], file=path, column="population").astype("int64"),
        "series": raw["series"].astype(str),
    }, index=raw.index)
    check_unique(out, ["year", "pref_code"], file=path)
    return out, RowAccount(str(path), len(raw))


@register("projection_japan_age3", pa.DataFrameSchema(
    {
        "projection_vintage": Column(str),
        "variant": Column(str),
        "series_type": Column(str, Check.isin(["actual", "projection",
                                               "projection_long_range_auxiliary"])),
        "year": Column(int, Check.in_range(1900, 2100)),
        "age_group": Column(str),
        "age_lo": Column("Int64", nullable=True),
        "age_hi": Column("Int64", nullable=True),
        "indicator": Column(str, Check.isin(["population", "share_of_total"])),
        "value": Column(float),
        "unit": Column(str, Check.isin(["persons", "percent"])),
        "rounding": Column(float),
        "source_quality": Column(str),
        "source_url": Column(str),
        "raw_label": Column(str, nullable=True),
        "is_total": Column(bool),
    },
    strict=True,
), {"value": "persons or percent (see unit)", "rounding": "precision of the published value"})
def read_projection_japan_age3(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """Population in 0-14 / 15-64 / 65+ : actuals and IPSS projections (2017 vintage, official
    via 日本の統計 2018; 2023 vintage headline figures from secondary pages, flagged per row in
    ``source_quality``).

    Counts are converted to persons (thousands ×1000, 万人 ×10000; ``rounding`` keeps the
    published precision). The year of each row is checked against its era label
    (平成32年 = 2020 …) where the label is an era year.
    """
    raw = read_csv_text(path, ["projection_vintage", "variant", "series_type", "year",
                               "age_band", "indicator", "value", "unit", "source_quality",
                               "source_url", "raw_label"])
    check_unit(raw["unit"], [*UNIT_FACTORS, "percent"], file=path)
    year = to_int(raw["year"], file=path, column="year")
    for line, label in raw["raw_label"].dropna().items():
        try:
            era_year = to_gregorian_year(label)
        except ParseError:
            continue  # quotations that do not start with a year ('今回は 2043年の…')
        if era_year != year.loc[line]:
            raise DataError("year disagrees with its era label", file=path, row=line,
                            column="year", value=int(year.loc[line]),
                            expected=f"{era_year} ({label})")
    ages = parse_age_bands(raw["age_band"], total_labels={"total"})
    is_total = ages["age_group"] == "total"
    number = to_float(raw["value"], file=path, column="value")
    factor = raw["unit"].map({**UNIT_FACTORS, "percent": 1}).astype(float)
    out = pd.DataFrame({
        "projection_vintage": raw["projection_vintage"].astype(str),
        "variant": raw["variant"].astype(str),
        "series_type": raw["series_type"].astype(str),
        "year": year.astype("int64"),
        "age_group": ages["age_group"].astype(str),
        "age_lo": ages["age_lo"],
        "age_hi": ages["age_hi"],
        "indicator": raw["indicator"].astype(str),
        "value": number * factor,
        "unit": raw["unit"].map(lambda u: "percent" if u == "percent" else "persons"),
        "rounding": factor,
        "source_quality": raw["source_quality"].astype(str),
        "source_url": raw["source_url"].astype(str),
        "raw_label": raw["raw_label"],
        "is_total": is_total.astype(bool),
    }, index=raw.index)
    check_unique(out, ["projection_vintage", "series_type", "year", "age_group", "indicator"],
                 file=path)
    return out, RowAccount(str(path), len(raw))
