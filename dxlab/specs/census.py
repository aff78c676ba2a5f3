"""Statistics Bureau (総務省統計局): Population Census (国勢調査) and Population Estimates
(人口推計) datasets."""

from dxlab.sources import census
from dxlab.sources.spec import Dataset, Drop, Step
from dxlab.sources.steps import (
    ages,
    bands_do_not_overlap,
    date_from_year,
    derive,
    persons,
    prefectures,
)

# 1945 is not a census: the population survey (人口調査) of 1 November 1945.
SURVEY_1945 = {"1945": "11-01"}

census_population_japan_age_sex = Dataset(
    name="census_population_japan_age_sex",
    description="Persons by census year, sex and 5-year age group, Japan, 1920-2020; age not "
    "stated (年齢不詳) is not in the table.",
    fields=("year", "reference_date", "sex", "age_group", "age_lo", "age_hi", "population"),
    key=("year", "sex", "age_group"),
    steps=(ages(), date_from_year("10-01", special=SURVEY_1945)),
    values={"sex": ("male", "female")},
    checks=(bands_do_not_overlap("year", "sex"),),
)

census_estimates_population_japan_age_sex = Dataset(
    name="census_estimates_population_japan_age_sex",
    description="Persons by year, sex and 5-year age group: census 2000-2020 (persons) and "
    "population estimates 2022 (published in thousands).",
    fields=("year", "reference_date", "statistic", "sex", "age_group", "age_lo", "age_hi",
            "population", "rounding_persons"),
    key=("year", "sex", "age_group"),
    drops=(Drop("sex=total derived by the collector as male + female (not published); removed "
                "to avoid double counting", {"value_type": "derived_sum_of_male_and_female"}),),
    steps=(ages(totals=("total",)), persons(),
           derive("statistic", ("statistic",), lambda f, _c: f["statistic"].str.startswith(
               "国勢調査").map({True: "census", False: "population_estimates"}),
               "statistic: 'census' where the source names 国勢調査, else 'population_estimates'")),
    totals={"age_group": ("total",), "sex": ("total",)},
    checks=(bands_do_not_overlap("year", "sex"),),
)

census_population_prefecture_total = Dataset(
    name="census_population_prefecture_total",
    description="Census total population (age not stated included) by prefecture and 全国, "
    "1920-2020; 沖縄県 1945 has no figure.",
    fields=("year", "reference_date", "pref_code", "prefecture", "population", "note"),
    key=("year", "pref_code"),
    steps=(prefectures(), date_from_year("10-01", special=SURVEY_1945)),
    totals={"pref_code": ("00",)},
    nullable=("population", "note"),
)

# c03 lines whose published 総数 is not 男 + 女 (checked against the file's own sums).
C03_SEX_EXCEPTIONS = {
    (1925, "34", "80-84"): "広島県 1925 80〜84歳: 総数 7,648, 男 3,064, 女 4,534 (3,064 + 4,534 = "
    "7,598). The female cell is the odd one: the female bands sum to 799,364 against the "
    "published female 総数 799,414 (50 short), while the 総数 bands sum to the published "
    "1,617,680 and the male bands to 818,266; 7,648 − 3,064 = 4,584 = 4,534 + 50. Kept as "
    "published.",
}

census_c03_prefecture_age_sex = Dataset(
    name="census_c03_prefecture_age_sex",
    description="Persons by prefecture, census year (1920-2015), sex and 5-year age group as "
    "the Statistics Bureau's time-series file c03 publishes them; 1945 is the 1 November 1945 "
    "population survey with bands shifted by one year (1-5, 6-10 … 86+); top band 80+, 85+ "
    "or 86+ by year; 総数 includes age not stated.",
    fields=("year", "pref_code", "prefecture", "sex", "age_group", "age_lo", "age_hi",
            "population"),
    key=("year", "pref_code", "sex", "age_group"),
    drops=(
        Drop("footnote line, not a record",
             lambda raw, _c: raw["都道府県名"].isna() | raw["都道府県コード"].str.startswith("注")),
        Drop("'70歳以上' summary band (1950/1955 沖縄県) overlaps the 5-year bands",
             {"年齢5歳階級": "70歳以上"}),
    ),
    steps=(
        Step(tuple(census.C03_COLUMNS),
             ("year", "pref_code", "prefecture", "sex", "age_group", "population"),
             census.c03_wide_to_long,
             "wide 総数/男/女 columns → one row per sex; era year checked against 西暦"),
        prefectures(),
        ages(totals=("総数",)),
    ),
    totals={"age_group": ("total",), "sex": ("total",)},
    nullable=("population",),
    checks=(bands_do_not_overlap("year", "pref_code", "sex"),
            census.c03_sexes_add_up(C03_SEX_EXCEPTIONS)),
)

census_single_year_age_fmsb = Dataset(
    name="census_single_year_age_fmsb",
    description="Persons by census year, sex and single year of age (0 … open top), as "
    "transcribed in the R package fmsb (Jpop, Jpopl); age not stated excluded; see the "
    "catalog notes for the years that differ from the official 5-year table.",
    fields=("source_object", "year", "sex", "age", "age_is_open_top", "population",
            "population_scope", "note"),
    key=("source_object", "age"),
    nullable=("note",),
    values={"sex": ("male", "female")},
)
