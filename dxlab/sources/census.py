"""Statistics Bureau (総務省統計局) population tables: Population Census (国勢調査) and
Population Estimates (人口推計), as bundled in ``data/raw``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera import Check, Column

from dxlab.clean.ages import parse_age_bands
from dxlab.errors import DataError
from dxlab.row_accounting import RowAccount
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


UNIT_FACTORS = {"persons": 1, "thousand persons": 1_000, "10k persons (万人)": 10_000}


def persons_from(raw: pd.DataFrame, path: Path, *, value: str = "population",
                 unit: str = "unit", allowed: tuple[str, ...] = ("persons", "thousand persons")
                 ) -> tuple[pd.Series, pd.Series]:
    """Convert a count column to persons using the row's unit; returns (persons, rounding).

    ``rounding`` is the unit in persons (1 or 1,000): the precision the source published.

    Raises:
        DataError: a unit outside ``allowed`` (naming the line), or a non-number.
    """
    from dxlab.sources.tabular import check_unit, to_float

    check_unit(raw[unit], allowed, file=path, column=unit)
    factor = raw[unit].map(UNIT_FACTORS).astype("int64")
    number = to_float(raw[value], file=path, column=value)
    return (number * factor).round().astype("int64"), factor


ESTIMATES_SCHEMA = pa.DataFrameSchema(
    {
        "year": Column(int, Check.in_range(1900, 2100)),
        "reference_date": Column(str, Check.str_matches(r"^\d{4}-\d{2}-\d{2}$")),
        "statistic": Column(str, Check.isin(["census", "population_estimates"])),
        "sex": Column(str, Check.isin(["male", "female", "total"])),
        "age_group": Column(str),
        "age_lo": Column("Int64", Check.in_range(0, 125), nullable=True),
        "age_hi": Column("Int64", Check.in_range(0, 125), nullable=True),
        "population": Column("int64", Check.ge(0)),
        "rounding_persons": Column("int64", Check.isin([1, 1000])),
        "is_total": Column(bool),
    },
    unique=["year", "sex", "age_group"],
    strict=True,
)


@register("census_estimates_population_japan_age_sex", ESTIMATES_SCHEMA,
          {**AGE_SEX_UNITS, "rounding_persons": "persons (precision of the published figure)"})
def read_population_japan_age_sex(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """Census 2000-2020 (persons) and Population Estimates 2022 (thousand persons → persons).

    Drops the rows the collector derived as male + female (value_type
    'derived_sum_of_male_and_female'): they are not published figures and would double
    count. Published totals (2022 both sexes; 'total' age rows) are flagged ``is_total``.
    """
    raw = read_csv_text(path, ["year", "age_group", "sex", "population", "unit",
                               "reference_date", "value_type", "statistic"])
    account = RowAccount(str(path), len(raw))
    raw = account.drop(raw, raw["value_type"] == "derived_sum_of_male_and_female",
                       "sex=total derived by the collector as male + female (not published); "
                       "removed to avoid double counting")
    check_values(raw["sex"], ["male", "female", "total"], file=path, column="sex")
    ages = parse_age_bands(raw["age_group"], total_labels={"total"})
    is_age_total = ages["age_group"] == "total"
    population, rounding = persons_from(raw, path)
    statistic = raw["statistic"].str.startswith("国勢調査").map(
        {True: "census", False: "population_estimates"})
    out = pd.DataFrame({
        "year": to_int(raw["year"], file=path, column="year").astype("int64"),
        "reference_date": raw["reference_date"].astype(str),
        "statistic": statistic.astype(str),
        "sex": raw["sex"].astype(str),
        "age_group": ages["age_group"].astype(str),
        "age_lo": ages["age_lo"],
        "age_hi": ages["age_hi"],
        "population": population,
        "rounding_persons": rounding,
        "is_total": (is_age_total | (raw["sex"] == "total")).astype(bool),
    }, index=raw.index)
    check_unique(out, ["year", "sex", "age_group"], file=path)
    return out, account


PREF_TOTAL_SCHEMA = pa.DataFrameSchema(
    {
        "year": Column(int, Check.in_range(1900, 2100)),
        "reference_date": Column(str),
        "pref_code": Column(str, Check.str_matches(r"^\d{2}$")),
        "prefecture": Column(str),
        "population": Column("Int64", Check.ge(0), nullable=True),
        "note": Column(str, nullable=True),
        "is_total": Column(bool),
    },
    unique=["year", "pref_code"],
    strict=True,
)


@register("census_population_prefecture_total", PREF_TOTAL_SCHEMA,
          {"population": "persons", "year": "calendar year"})
def read_census_population_prefecture_total(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """Census total population (age not stated included) by prefecture, 1920-2020.

    pref_code '00' (全国) rows are flagged ``is_total``. 沖縄県 1945 has no value (NA in the
    source) and stays missing, with the source's note.
    """
    from dxlab.sources.tabular import check_prefectures

    raw = read_csv_text(path, ["year", "pref_code", "prefecture", "population", "note"])
    check_prefectures(raw, file=path)
    year = to_int(raw["year"], file=path, column="year").astype("int64")
    out = pd.DataFrame({
        "year": year,
        "reference_date": year.astype(str) + "-10-01",
        "pref_code": raw["pref_code"].astype(str),
        "prefecture": raw["prefecture"].astype(str),
        "population": to_int(raw["population"], file=path, column="population",
                             allow_missing=True),
        "note": raw["note"],
        "is_total": (raw["pref_code"] == "00").astype(bool),
    }, index=raw.index)
    check_unique(out, ["year", "pref_code"], file=path)
    return out, RowAccount(str(path), len(raw))


PREF_AGE_SCHEMA = pa.DataFrameSchema(
    {
        "year": Column(int, Check.in_range(1900, 2100)),
        "reference_date": Column(str),
        "pref_code": Column(str, Check.str_matches(r"^\d{2}$")),
        "prefecture": Column(str),
        "age_group": Column(str),
        "age_lo": Column("Int64", nullable=True),
        "age_hi": Column("Int64", nullable=True),
        "population": Column("int64", Check.ge(0)),
        "rounding_persons": Column("int64"),
        "statistic": Column(str),
        "source_url": Column(str),
        "is_total": Column(bool),
    },
    unique=["year", "pref_code", "age_group", "statistic"],
    strict=True,
)


@register("ipss_population_prefecture_age3", PREF_AGE_SCHEMA,
          {"population": "persons (published in thousands)"})
def read_population_prefecture_age(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """Census / estimates population by prefecture in 0-14, 15-64, 65+ (IPSS 人口統計資料集).

    Partial coverage (see the catalog notes). 'total' age rows and 全国 rows are flagged
    ``is_total``; values are converted from thousands to persons (rounding_persons 1000).
    """
    from dxlab.sources.tabular import check_prefectures

    raw = read_csv_text(path, ["year", "pref_code", "prefecture", "age_band", "sex",
                               "population", "unit", "reference_date", "statistic",
                               "source_url"])
    check_values(raw["sex"], ["total"], file=path, column="sex")
    check_prefectures(raw, file=path)
    ages = parse_age_bands(raw["age_band"], total_labels={"total"})
    is_age_total = ages["age_group"] == "total"
    population, rounding = persons_from(raw, path, allowed=("thousand persons",))
    out = pd.DataFrame({
        "year": to_int(raw["year"], file=path, column="year").astype("int64"),
        "reference_date": raw["reference_date"].astype(str),
        "pref_code": raw["pref_code"].astype(str),
        "prefecture": raw["prefecture"].astype(str),
        "age_group": ages["age_group"].astype(str),
        "age_lo": ages["age_lo"],
        "age_hi": ages["age_hi"],
        "population": population,
        "rounding_persons": rounding,
        "statistic": raw["statistic"].astype(str),
        "source_url": raw["source_url"].astype(str),
        "is_total": (is_age_total | (raw["pref_code"] == "00")).astype(bool),
    }, index=raw.index)
    check_unique(out, ["year", "pref_code", "age_group", "statistic"], file=path)
    return out, RowAccount(str(path), len(raw))


C03_COLUMNS = ["都道府県コード", "都道府県名", "年齢5歳階級", "元号", "和暦（年）", "西暦（年）",
               "人口（総数）", "人口（男）", "人口（女）"]


@register("census_c03_prefecture_age_sex", pa.DataFrameSchema(
    {
        "year": Column(int),
        "pref_code": Column(str, Check.str_matches(r"^\d{2}$")),
        "prefecture": Column(str),
        "sex": Column(str, Check.isin(["male", "female", "total"])),
        "age_group": Column(str),
        "age_lo": Column("Int64", nullable=True),
        "age_hi": Column("Int64", nullable=True),
        "population": Column("Int64", Check.ge(0), nullable=True),
        "is_total": Column(bool),
    },
    unique=["year", "pref_code", "sex", "age_group"],
), {"population": "persons"})
def read_census_c03(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """Census time series CSV c03 (男女，年齢（5歳階級）別人口 － 都道府県, 1920-2015), as the
    Statistics Bureau publishes it: wide male/female/total columns, era and Western year,
    labels with U+301C wave dashes, '総数' rows, a trailing footnote line.

    Returns long rows (sex = male/female/total); 総数 rows and sex=total are ``is_total``.
    The footnote line ('注）総数には年齢「不詳」を含む。') is dropped and recorded. The 1950
    '70歳以上' rows (沖縄県 only, overlapping 70-74 … 80+) are dropped with their reason.
    """
    raw = read_csv_text(path, C03_COLUMNS)
    account = RowAccount(str(path), len(raw))
    raw = account.drop(raw, raw["都道府県名"].isna() | raw["都道府県コード"].str.startswith("注"),
                       "footnote line, not a record")
    raw = account.drop(raw, raw["年齢5歳階級"] == "70歳以上",
                       "'70歳以上' summary band (1950/1955 沖縄県) overlaps the 5-year bands")
    from dxlab.clean.dates import to_gregorian_year
    from dxlab.sources.tabular import check_prefectures

    year = to_int(raw["西暦（年）"], file=path, column="西暦（年）")
    era = to_gregorian_year(raw["元号"].astype(str) + raw["和暦（年）"].astype(str) + "年")
    bad = era != year
    if bad.any():
        line = raw.index[bad.fillna(True)][0]
        label = f"{raw.loc[line, '元号']}{raw.loc[line, '和暦（年）']}"
        raise DataError("era year and Western year disagree", file=path, row=line,
                        column="和暦（年）", value=label, expected=str(year.loc[line]))
    frame = pd.DataFrame({"pref_code": raw["都道府県コード"].str.zfill(2),
                          "prefecture": raw["都道府県名"]}, index=raw.index)
    check_prefectures(frame, file=path)
    ages = parse_age_bands(raw["年齢5歳階級"], total_labels={"総数"})
    is_total_age = ages["age_group"] == "total"
    parts = []
    for sex, col in (("total", "人口（総数）"), ("male", "人口（男）"), ("female", "人口（女）")):
        values = raw[col].where(raw[col] != "-", None)
        parts.append(pd.DataFrame({
            "year": year.astype("int64"),
            "pref_code": frame["pref_code"].astype(str),
            "prefecture": frame["prefecture"].astype(str),
            "sex": sex,
            "age_group": ages["age_group"].astype(str),
            "age_lo": ages["age_lo"],
            "age_hi": ages["age_hi"],
            "population": to_int(values, file=path, column=col, allow_missing=True),
            "is_total": (is_total_age | (sex == "total")).astype(bool),
        }, index=raw.index))
    out = pd.concat(parts)
    # Wide to long: each kept record carries three values (総数, 男, 女), so the accounting
    # counts values: rows in = 3 x records kept + records dropped.
    account.rows_in += 2 * len(raw)
    return out, account
