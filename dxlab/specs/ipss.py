"""IPSS (国立社会保障・人口問題研究所) projections and reprinted census tables."""

from dxlab.sources import ipss
from dxlab.sources.checks import value_ranges
from dxlab.sources.spec import Dataset
from dxlab.sources.steps import (
    ages,
    allowed,
    bands_do_not_overlap,
    check,
    date_from_year,
    derive,
    persons,
    prefectures,
)

ipss2017_projection_japan_age_sex = Dataset(
    name="ipss2017_projection_japan_age_sex",
    description="Projected persons by year, sex and 5-year age group, Japan, 2015 (base) to "
    "2065: IPSS 平成29年推計, medium fertility and mortality (表1-9A × 1000).",
    fields=("year", "reference_date", "sex", "age_group", "age_lo", "age_hi", "population",
            "series"),
    key=("year", "sex", "age_group"),
    steps=(ages(), date_from_year("10-01")),
    values={"sex": ("male", "female"), "series": ("jump_off_base_population", "projection")},
    checks=(bands_do_not_overlap("year", "sex"),),
)

ipss2018_projection_prefecture_total = Dataset(
    name="ipss2018_projection_prefecture_total",
    description="Projected total population by prefecture, 2015 (census base) to 2045: IPSS "
    "地域別将来推計人口 平成30年推計.",
    fields=("year", "pref_code", "prefecture", "population", "series"),
    key=("year", "pref_code"),
    steps=(prefectures(),),
    values={"series": ("base_census_2015", "projection")},
)

projection_japan_age3 = Dataset(
    name="projection_japan_age3",
    description="Population in 0-14 / 15-64 / 65+ and their shares: actuals and IPSS "
    "projections (2017 vintage official; 2023 vintage headline figures from secondary pages, "
    "flagged per row). Multi-indicator: ``indicator`` is 'population' (value in persons) or "
    "'share_of_total' (value in percent).",
    fields=("projection_vintage", "variant", "series_type", "year", "age_group", "age_lo",
            "age_hi", "indicator", "value", "unit", "rounding", "source_quality", "source_url",
            "raw_label"),
    key=("projection_vintage", "series_type", "year", "age_group", "indicator"),
    rename={"age_band": "age_group"},
    steps=(check(("raw_label", "year"), ipss.check_era_labels,
                 "year checked against the era year of raw_label (平成32年 = 2020)"),
           ages(totals=("total",)),
           derive(("value", "unit", "rounding"), ("value", "unit"), ipss.age3_values,
                  "thousands and 万人 → persons; percent kept; rounding = published precision")),
    totals={"age_group": ("total",)},
    nullable=("raw_label",),
    values={"indicator": ("population", "share_of_total"), "unit": ("persons", "percent")},
    checks=(value_ranges("unit", {"persons": (0, None), "percent": (0, 100)},
                         doc="value >= 0 persons; shares within 0-100 percent"),),
)

ipss_population_prefecture_age3 = Dataset(
    name="ipss_population_prefecture_age3",
    description="Population by prefecture in 0-14 / 15-64 / 65+ as tabulated in IPSS 人口統計"
    "資料集 (census years 1960-2015 and the 2003 estimates); partial prefecture coverage.",
    fields=("year", "reference_date", "pref_code", "prefecture", "age_group", "age_lo", "age_hi",
            "population", "rounding_persons", "source_table", "source_url"),
    key=("year", "pref_code", "age_group", "source_table"),
    rename={"age_band": "age_group", "statistic": "source_table"},
    steps=(allowed("sex", ("total",)), prefectures(), ages(totals=("total",)),
           persons(allowed=("thousand persons",))),
    totals={"age_group": ("total",), "pref_code": ("00",)},
    checks=(bands_do_not_overlap("year", "pref_code", "source_table"),),
)

