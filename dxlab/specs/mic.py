"""MIC (総務省): My Number Card issuance tables, Communications Usage Trend Survey figures
quoted in the White Paper, prefecture digital-adoption figures, and the DX case collection."""

from dxlab.sources import mic
from dxlab.sources.checks import value_ranges
from dxlab.sources.spec import Dataset, Drop
from dxlab.sources.steps import ages, bands_do_not_overlap, derive, pref_code_from, prefectures

RATE_EXCEPTIONS = {
    # (reference_date, sex, age_group): why the published rate does not recompute (SOURCES.md
    # 12a, checked against the repository's git history by the collector)
    ("2017-05-15", "total", "25-29"): "published 6.5, cards ÷ population 6.449",
    ("2019-09-16", "male", "30-34"): "population column carries the 2018 base; the published "
    "rate uses the 2019 base",
    ("2019-09-16", "female", "30-34"): "population column carries the 2018 base; the published "
    "rate uses the 2019 base",
}

mic_mynumber_card_age_sex = Dataset(
    name="mic_mynumber_card_age_sex",
    description="My Number Cards issued (cumulative) and resident-register population by sex "
    "and 5-year age group, Japan, 38 count dates 2017-05-15 … 2022-12-31; top band 100+ to "
    "2022-03-01, 90+ from 2022-05-01.",
    fields=("reference_date", "population_reference_date", "cards_reference_date", "sex",
            "age_group", "age_lo", "age_hi", "population", "cards_issued",
            "issuance_rate_percent", "share_of_all_cards_percent", "value_status"),
    key=("reference_date", "sex", "age_group"),
    steps=(ages(totals=("total",), same_as=("age_label_raw", ("全体",))),),
    totals={"age_group": ("total",), "sex": ("total",)},
    checks=(mic.rate_check(known=RATE_EXCEPTIONS, key=("reference_date", "sex", "age_group")),
            bands_do_not_overlap("reference_date", "sex")),
)

mic_mynumber_card_prefecture = Dataset(
    name="mic_mynumber_card_prefecture",
    description="My Number Cards issued (cumulative) and resident-register population by "
    "prefecture, 39 count dates 2017-03-08 … 2022-12-31.",
    fields=("reference_date", "pref_code", "prefecture", "population", "cards_issued",
            "issuance_rate_percent", "population_reference_date", "cards_reference_date",
            "note"),
    key=("reference_date", "pref_code"),
    steps=(prefectures(),),
    nullable=("cards_reference_date", "note"),
    checks=(mic.rate_check(),),
)

# 団体コード lost by the extraction from 2021-08-01 on; the earlier files of the same series
# give 三宅島三宅村 133817 and 八丈島八丈町 134015 (check digits verified in the tests).
MUNICIPAL_NAME_CODES = {("東京都", "三宅村"): "13381", ("東京都", "八丈町"): "13401"}

mic_mynumber_card_municipal = Dataset(
    name="mic_mynumber_card_municipal",
    description="My Number Cards issued (cumulative) and resident-register population (1 "
    "January) for every municipality (1,718 市町村 + 23 特別区; 政令市 as whole cities), 47 count "
    "dates 2017-03-08 … 2022-12-31, one file per date.",
    fields=("reference_date", "pref_code", "prefecture", "municipality", "muni_code5",
            "population", "cards_issued", "issuance_rate_percent",
            "population_reference_date", "cards_reference_date"),
    key=("reference_date", "muni_code5"),
    rename={"算出基準日": "reference_date", "都道府県名": "prefecture",
            "市区町村名": "municipality",
            "総数（人口）": "population", "交付枚数": "cards_issued",
            "人口に対する交付枚数率": "issuance_rate_percent",
            "人口算出基準日": "population_reference_date", "交付件数基準日": "cards_reference_date",
            "団体コード": "muni_code5"},
    steps=(
        derive(("reference_date", "population_reference_date", "cards_reference_date"),
               ("reference_date", "population_reference_date", "cards_reference_date"),
               lambda f, c: f[["reference_date", "population_reference_date",
                               "cards_reference_date"]].apply(lambda s: s.str.replace("/", "-")),
               "dates 'YYYY/MM/DD' → ISO"),
        pref_code_from("prefecture"),
        derive("muni_code5", ("muni_code5", "prefecture", "municipality"),
               lambda f, c: mic.municipal_codes(f, c, by_name=MUNICIPAL_NAME_CODES),
               "団体コード (6 digits with check digit, leading zero lost) → muni_code5, check "
               "digit verified; 三宅村 and 八丈町 (code lost from 2021-08-01) matched by name"),
    ),
    checks=(mic.reference_date_matches_catalog, mic.rate_check()),
)

mic_internet_usage_by_age_whitepaper = Dataset(
    name="mic_internet_usage_by_age_whitepaper",
    description="Internet use by age as quoted in the text of 情報通信白書, 2002-2016: "
    "scattered official points, each with its quote and location; '6+' rows are all-ages "
    "totals; 'elderly_unspecified' (高齢者, no age range stated) has no ages.",
    fields=("survey_year", "reference_label", "age_group", "age_lo", "age_hi", "sex",
            "indicator", "percent", "source_document", "source_location", "source_quote",
            "note"),
    key=("survey_year", "age_group", "indicator", "sex"),
    steps=(ages(keep=("6+", "6+ (all)", "elderly_unspecified")),),
    totals={"age_group": ("6+", "6+ (all)")},
    nullable=("note",),
)

mic_internet_usage_by_age_secondary = Dataset(
    name="mic_internet_usage_by_age_secondary",
    description="Mobile-internet use by age 2007-2009 from secondary reproductions of MIC "
    "tables, and the 2023 national totals from the white paper; a secondary row is dropped "
    "where the official white-paper file has the same year, age and indicator.",
    fields=("survey_year", "age_group", "age_lo", "age_hi", "indicator", "indicator_label",
            "percent", "reference_label", "source_quality", "source_url"),
    key=("survey_year", "age_group", "indicator"),
    rename={"reference_date": "reference_label"},
    drops=(Drop("secondary figure superseded by the official figure in "
                "internet_usage_by_age_official.csv", mic.superseded_by_official),),
    steps=(ages(keep=("6+", "6+ (all)", "elderly_unspecified")),
           derive(("indicator", "indicator_label"), ("indicator",), mic.survey_indicator,
                  "indicator = first word of the published indicator; indicator_label = all")),
    totals={"age_group": ("6+", "6+ (all)")},
    depends_on=("mic_internet_usage_by_age_whitepaper",),
)

mic_digital_adoption_prefecture = Dataset(
    name="mic_digital_adoption_prefecture",
    description="Internet use by prefecture (2020 survey, white-paper figure, prefectures "
    "01-39) and My Number Card rates 2023-2025 from secondary pages (labelled). "
    "Multi-indicator: ``indicator`` says what ``value`` is and ``unit`` its unit.",
    fields=("year", "pref_code", "prefecture", "indicator", "value", "unit", "reference_label",
            "source_quality", "source_url"),
    key=("year", "pref_code", "indicator", "reference_label"),
    rename={"reference_date": "reference_label"},
    drops=(Drop("value truncated in the source excerpt (no figure published there)",
                {"value": None, "raw": "truncated in source excerpt"}),),
    steps=(prefectures(),),
    totals={"pref_code": ("00",)},
    values={"unit": ("percent", "respondents", "persons", "cards")},
    checks=(value_ranges("unit", {"percent": (0, 100)}, default=(0, None),
                         doc="value within 0-100 for percent; >= 0 for respondents, persons "
                         "and cards"),),
)


mic_dx_case_studies_2023 = Dataset(
    name="mic_dx_case_studies_2023",
    description="The 11 organisations of MIC's DX case collection 【1.体制整備】 (2023) with their "
    "population as printed ('134.2万人' → 1,342,000 persons); one population is not printed.",
    fields=("case_no", "category_no", "category_en", "organisation_ja", "prefecture_ja",
            "pref_code", "organisation_level", "population", "rounding_persons", "population_raw"),
    key=("case_no",),
    steps=(pref_code_from("prefecture_ja"),
           derive("population", ("population_raw",), mic.case_population,
                  "population_raw ('134.2万人') → persons; unit must be 人"),
           derive("rounding_persons", ("population",),
                  lambda f, _c: f["population"].notna().map({True: 1000, False: None}),
                  "rounding_persons: 1,000 (printed as 万人 with one decimal)")),
    nullable=("population", "rounding_persons", "population_raw"),
)
