"""Ministry of Internal Affairs and Communications (総務省, MIC): My Number Card issuance
tables (マイナンバーカード交付状況), Communications Usage Trend Survey figures (通信利用動向調査)
quoted in the White Paper on Information and Communications, and the MIC DX case studies."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera import Check, Column

from dxlab.clean.ages import parse_age_bands
from dxlab.clean.areas import pref_code as lookup_pref_code
from dxlab.clean.areas import strip_check_digit
from dxlab.clean.numbers import parse_numbers
from dxlab.errors import DataError, ParseError
from dxlab.row_accounting import RowAccount
from dxlab.sources import register
from dxlab.sources.tabular import (
    check_prefectures,
    check_unique,
    check_values,
    read_csv_text,
    to_float,
    to_int,
)

DATE = r"^\d{4}-\d{2}-\d{2}$"

CARD_AGE_SCHEMA = pa.DataFrameSchema(
    {
        "reference_date": Column(str, Check.str_matches(DATE)),
        "population_reference_date": Column(str, Check.str_matches(DATE)),
        "cards_reference_date": Column(str, Check.str_matches(DATE)),
        "sex": Column(str, Check.isin(["male", "female", "total"])),
        "age_group": Column(str),
        "age_lo": Column("Int64", nullable=True),
        "age_hi": Column("Int64", nullable=True),
        "population": Column("int64", Check.gt(0)),
        "cards_issued": Column("int64", Check.ge(0)),
        "issuance_rate_percent": Column(float, Check.in_range(0, 200)),
        "share_of_all_cards_percent": Column(float, Check.in_range(0, 100)),
        "value_status": Column(str),
        "is_total": Column(bool),
    },
    unique=["reference_date", "sex", "age_group"],
    strict=True,
)


@register("mic_mynumber_card_age_sex", CARD_AGE_SCHEMA, {
    "population": "persons (resident register at population_reference_date)",
    "cards_issued": "cards (cumulative issued, 交付枚数)",
    "issuance_rate_percent": "percent (cards_issued / population)",
    "share_of_all_cards_percent": "percent",
})
def read_mynumber_age_sex(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """My Number Card issuance by sex and 5-year age group (男女・年齢別), 38 dates 2017-2022.

    Top band 100+ until 2022-03-01, 90+ from 2022-05-01. 全体 (all ages) and sex=total rows
    are flagged ``is_total``. Rates are as published (one decimal).
    """
    raw = read_csv_text(path, ["reference_date", "population_reference_date",
                               "cards_reference_date", "age_group", "age_label_raw", "sex",
                               "population", "cards_issued", "issuance_rate_percent",
                               "share_of_all_cards_percent", "value_status"])
    check_values(raw["sex"], ["male", "female", "total"], file=path, column="sex")
    ages = parse_age_bands(raw["age_group"], total_labels={"total"})
    is_age_total = ages["age_group"] == "total"
    # the raw label must agree with the normalised one
    raw_ages = parse_age_bands(raw["age_label_raw"], total_labels={"全体"})
    bad = (ages["age_group"] != raw_ages["age_group"])
    if bad.any():
        line = raw.index[bad][0]
        raise DataError("age_group disagrees with age_label_raw", file=path, row=line,
                        column="age_group", value=raw.loc[line, "age_group"],
                        expected=raw_ages.loc[line, "age_group"])
    out = pd.DataFrame({
        "reference_date": raw["reference_date"].astype(str),
        "population_reference_date": raw["population_reference_date"].astype(str),
        "cards_reference_date": raw["cards_reference_date"].astype(str),
        "sex": raw["sex"].astype(str),
        "age_group": ages["age_group"].astype(str),
        "age_lo": ages["age_lo"],
        "age_hi": ages["age_hi"],
        "population": to_int(raw["population"], file=path, column="population").astype("int64"),
        "cards_issued": to_int(raw["cards_issued"], file=path,
                               column="cards_issued").astype("int64"),
        "issuance_rate_percent": to_float(raw["issuance_rate_percent"], file=path),
        "share_of_all_cards_percent": to_float(raw["share_of_all_cards_percent"], file=path),
        "value_status": raw["value_status"].astype(str),
        "is_total": (is_age_total | (raw["sex"] == "total")).astype(bool),
    }, index=raw.index)
    check_unique(out, ["reference_date", "sex", "age_group"], file=path)
    return out, RowAccount(str(path), len(raw))


@register("mic_mynumber_card_prefecture", pa.DataFrameSchema(
    {
        "reference_date": Column(str, Check.str_matches(DATE)),
        "pref_code": Column(str, Check.str_matches(r"^\d{2}$")),
        "prefecture": Column(str),
        "population": Column("int64", Check.gt(0)),
        "cards_issued": Column("int64", Check.ge(0)),
        "issuance_rate_percent": Column(float, Check.in_range(0, 200)),
        "population_reference_date": Column(str, Check.str_matches(DATE)),
        "cards_reference_date": Column(str, nullable=True),
        "note": Column(str, nullable=True),
    },
    unique=["reference_date", "pref_code"], strict=True,
), {"population": "persons (resident register)", "cards_issued": "cards (cumulative)",
    "issuance_rate_percent": "percent"})
def read_mynumber_prefecture(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """My Number Card issuance by prefecture (都道府県別), 39 dates 2017-2022."""
    raw = read_csv_text(path, ["reference_date", "pref_code", "prefecture", "population",
                               "cards_issued", "issuance_rate_percent",
                               "population_reference_date", "cards_reference_date", "note"])
    check_prefectures(raw, file=path)
    out = pd.DataFrame({
        "reference_date": raw["reference_date"].astype(str),
        "pref_code": raw["pref_code"].astype(str),
        "prefecture": raw["prefecture"].astype(str),
        "population": to_int(raw["population"], file=path, column="population").astype("int64"),
        "cards_issued": to_int(raw["cards_issued"], file=path,
                               column="cards_issued").astype("int64"),
        "issuance_rate_percent": to_float(raw["issuance_rate_percent"], file=path),
        "population_reference_date": raw["population_reference_date"].astype(str),
        "cards_reference_date": raw["cards_reference_date"],
        "note": raw["note"],
    }, index=raw.index)
    check_unique(out, ["reference_date", "pref_code"], file=path)
    return out, RowAccount(str(path), len(raw))


MUNICIPAL_COLUMNS = ["算出基準日", "都道府県名", "市区町村名", "総数（人口）", "交付枚数",
                     "人口に対する交付枚数率", "人口算出基準日", "交付件数基準日", "団体コード"]


@register("mic_mynumber_card_municipal", pa.DataFrameSchema(
    {
        "reference_date": Column(str, Check.str_matches(DATE)),
        "pref_code": Column(str),
        "prefecture": Column(str),
        "municipality": Column(str),
        "muni_code5": Column(str, Check.str_matches(r"^\d{5}$"), nullable=True),
        "population": Column("int64", Check.gt(0)),
        "cards_issued": Column("int64", Check.ge(0)),
        "issuance_rate_percent": Column(float),
    },
    strict=True,
), {"population": "persons", "cards_issued": "cards", "issuance_rate_percent": "percent"})
def read_mynumber_municipal(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """My Number Card issuance by municipality (市区町村別, ``all_localgovs.csv`` as extracted by
    Code for Japan): UTF-8 with BOM, dates as 'YYYY/MM/DD', 団体コード as a 6-digit code with
    check digit written as an integer (leading zero lost). The check digit is verified and
    dropped (``muni_code5``); a missing code (三宅村/八丈町 from 2021-08-01) stays missing.
    """
    raw = read_csv_text(path, MUNICIPAL_COLUMNS)
    codes = raw["団体コード"].where(~raw["団体コード"].isin(["<NA>"]), None)
    muni = {}
    for line, code in codes.dropna().items():
        try:
            muni[line] = strip_check_digit(int(code))
        except (ParseError, ValueError) as err:
            if isinstance(err, ParseError):
                raise err.located(file=path, row=line, column="団体コード") from None
            raise DataError("団体コード is not a number", file=path, row=line,
                            column="団体コード", value=code) from None
    prefs = raw["都道府県名"].map(lambda n: lookup_pref_code(n))
    out = pd.DataFrame({
        "reference_date": raw["算出基準日"].str.replace("/", "-").astype(str),
        "pref_code": prefs.astype(str),
        "prefecture": raw["都道府県名"].astype(str),
        "municipality": raw["市区町村名"].astype(str),
        "muni_code5": pd.Series(muni, dtype="object").reindex(raw.index),
        "population": to_int(raw["総数（人口）"], file=path, column="総数（人口）").astype("int64"),
        "cards_issued": to_int(raw["交付枚数"], file=path, column="交付枚数").astype("int64"),
        "issuance_rate_percent": to_float(raw["人口に対する交付枚数率"], file=path),
    }, index=raw.index)
    both = out["muni_code5"].notna()
    mismatch = both & (out["muni_code5"].str[:2] != out["pref_code"])
    if mismatch.any():
        line = out.index[mismatch][0]
        raise DataError("団体コード belongs to another prefecture", file=path, row=line,
                        column="団体コード", value=raw.loc[line, "団体コード"],
                        expected=f"a code starting {out.loc[line, 'pref_code']}")
    return out, RowAccount(str(path), len(raw))


WHITEPAPER_SCHEMA = pa.DataFrameSchema(
    {
        "survey_year": Column(int, Check.in_range(1990, 2100)),
        "reference_label": Column(str),
        "age_group": Column(str),
        "age_lo": Column("Int64", nullable=True),
        "age_hi": Column("Int64", nullable=True),
        "sex": Column(str, Check.isin(["total", "male", "female"])),
        "indicator": Column(str),
        "percent": Column(float, Check.in_range(0, 100)),
        "source_document": Column(str),
        "source_location": Column(str),
        "source_quote": Column(str),
        "note": Column(str, nullable=True),
        "is_total": Column(bool),
    },
    unique=["survey_year", "age_group", "indicator", "sex"],
    strict=True,
)

# Labels used for groups that are not age bands in the white-paper sentences.
ALL_AGES_LABELS = {"6+", "6+ (all)"}
UNSPECIFIED_AGE = "elderly_unspecified"


def _survey_ages(labels: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Ages of survey groups: '6+' is the all-ages total (persons 6+); '高齢者' unspecified."""
    is_total = labels.isin(ALL_AGES_LABELS)
    special = is_total | (labels == UNSPECIFIED_AGE)
    ages = parse_age_bands(labels.where(~special, "年齢不詳"))
    ages["age_group"] = ages["age_group"].where(~special, labels)
    return ages, is_total


@register("mic_internet_usage_by_age_whitepaper", WHITEPAPER_SCHEMA,
          {"percent": "percent of persons in the age group"})
def read_internet_usage_official(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """Internet use by age as quoted in the text of the White Paper on Information and
    Communications (情報通信白書, MIC), 2002-2016: scattered official points, each with its
    quote and location. '6+' rows are all-ages totals (``is_total``); 'elderly_unspecified'
    (高齢者, no age range stated) keeps missing ages.
    """
    raw = read_csv_text(path, ["survey_year", "reference_label", "age_group",
                               "source_age_label", "sex", "indicator", "percent",
                               "source_document", "source_location", "source_quote", "note"])
    ages, is_total = _survey_ages(raw["age_group"])
    out = pd.DataFrame({
        "survey_year": to_int(raw["survey_year"], file=path, column="survey_year"
                              ).astype("int64"),
        "reference_label": raw["reference_label"].astype(str),
        "age_group": ages["age_group"].astype(str),
        "age_lo": ages["age_lo"],
        "age_hi": ages["age_hi"],
        "sex": raw["sex"].astype(str),
        "indicator": raw["indicator"].astype(str),
        "percent": to_float(raw["percent"], file=path, column="percent"),
        "source_document": raw["source_document"].astype(str),
        "source_location": raw["source_location"].astype(str),
        "source_quote": raw["source_quote"].astype(str),
        "note": raw["note"],
        "is_total": is_total.astype(bool),
    }, index=raw.index)
    check_unique(out, ["survey_year", "age_group", "indicator", "sex"], file=path)
    return out, RowAccount(str(path), len(raw))


OFFICIAL_INTERNET_FILE = "internet_usage_by_age_official.csv"


@register("mic_internet_usage_by_age_secondary", pa.DataFrameSchema(
    {
        "survey_year": Column(int),
        "age_group": Column(str),
        "age_lo": Column("Int64", nullable=True),
        "age_hi": Column("Int64", nullable=True),
        "indicator": Column(str),
        "indicator_label": Column(str),
        "percent": Column(float, Check.in_range(0, 100)),
        "reference_label": Column(str),
        "source_quality": Column(str),
        "source_url": Column(str),
        "is_total": Column(bool),
    },
    unique=["survey_year", "age_group", "indicator"], strict=True,
), {"percent": "percent"})
def read_internet_usage_secondary(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """Internet/mobile use by age from mostly secondary pages (2007-2009) plus 2023 national
    totals from the white paper.

    Rule (README, data section): a row from a secondary page is dropped where the official
    file (``internet_usage_by_age_official.csv``, read from the same folder) has the same
    year, age group and indicator; secondary rows with no official counterpart are kept and
    labelled by ``source_quality``.
    """
    raw = read_csv_text(path, ["survey_year", "age_group", "indicator", "percent",
                               "reference_date", "source_quality", "source_url"])
    account = RowAccount(str(path), len(raw))
    indicator = raw["indicator"].str.extract(r"^(\S+)")[0]
    official_path = path.parent / OFFICIAL_INTERNET_FILE
    if official_path.is_file():
        official = read_csv_text(official_path, ["survey_year", "age_group", "indicator"])
        keys = set(zip(official["survey_year"], official["age_group"], official["indicator"],
                       strict=True))
        age_key = raw["age_group"].str.replace(" (all)", "", regex=False)
        superseded = pd.Series([(y, a, i) in keys for y, a, i in
                                zip(raw["survey_year"], age_key, indicator, strict=True)],
                               index=raw.index)
        superseded &= raw["source_quality"].str.startswith("secondary")
        raw = account.drop(raw, superseded, "secondary figure superseded by the official "
                           f"figure in {OFFICIAL_INTERNET_FILE}")
        indicator = indicator.loc[raw.index]
    ages, is_total = _survey_ages(raw["age_group"])
    out = pd.DataFrame({
        "survey_year": to_int(raw["survey_year"], file=path, column="survey_year"
                              ).astype("int64"),
        "age_group": ages["age_group"].astype(str),
        "age_lo": ages["age_lo"],
        "age_hi": ages["age_hi"],
        "indicator": indicator.astype(str),
        "indicator_label": raw["indicator"].astype(str),
        "percent": to_float(raw["percent"], file=path, column="percent"),
        "reference_label": raw["reference_date"].astype(str),
        "source_quality": raw["source_quality"].astype(str),
        "source_url": raw["source_url"].astype(str),
        "is_total": is_total.astype(bool),
    }, index=raw.index)
    return out, account


@register("mic_digital_adoption_prefecture", pa.DataFrameSchema(
    {
        "year": Column(int),
        "pref_code": Column(str, Check.str_matches(r"^\d{2}$")),
        "prefecture": Column(str),
        "indicator": Column(str),
        "value": Column(float, Check.ge(0)),
        "unit": Column(str, Check.isin(["percent", "respondents", "persons", "cards"])),
        "reference_label": Column(str),
        "source_quality": Column(str),
        "source_url": Column(str),
        "is_total": Column(bool),
    },
    unique=["year", "pref_code", "indicator", "reference_label"], strict=True,
), {"value": "see unit"})
def read_digital_adoption_prefecture(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """Internet use by prefecture (2020 survey, white-paper figure, prefectures 01-39) and My
    Number Card rates for 2023-2025 from secondary pages (no official figure in dxlab's data
    for those dates; labelled by ``source_quality``). Rows whose value was cut off in the
    source excerpt are dropped with that reason.
    """
    raw = read_csv_text(path, ["year", "pref_code", "prefecture", "indicator", "value", "unit",
                               "reference_date", "source_quality", "raw", "source_url"])
    account = RowAccount(str(path), len(raw))
    raw = account.drop(raw, raw["value"].isna() & (raw["raw"] == "truncated in source excerpt"),
                       "value truncated in the source excerpt (no figure published there)")
    check_prefectures(raw, file=path)
    out = pd.DataFrame({
        "year": to_int(raw["year"], file=path, column="year").astype("int64"),
        "pref_code": raw["pref_code"].astype(str),
        "prefecture": raw["prefecture"].astype(str),
        "indicator": raw["indicator"].astype(str),
        "value": to_float(raw["value"], file=path, column="value"),
        "unit": raw["unit"].astype(str),
        "reference_label": raw["reference_date"].astype(str),
        "source_quality": raw["source_quality"].astype(str),
        "source_url": raw["source_url"].astype(str),
        "is_total": (raw["pref_code"] == "00").astype(bool),
    }, index=raw.index)
    check_unique(out, ["year", "pref_code", "indicator", "reference_label"], file=path)
    return out, account


@register("mic_dx_case_studies_2023", pa.DataFrameSchema(
    {
        "case_no": Column(int),
        "category_no": Column(int),
        "category_en": Column(str),
        "organisation_ja": Column(str),
        "prefecture_ja": Column(str),
        "pref_code": Column(str, Check.str_matches(r"^\d{2}$")),
        "organisation_level": Column(str, Check.isin(
            ["prefecture", "designated_city", "city", "town", "village", "ward"])),
        "population": Column(float, Check.gt(0), nullable=True),
        "population_raw": Column(str, nullable=True),
    },
    unique=["case_no"], strict=True,
), {"population": "persons (published in 万人, one decimal)"})
def read_mic_case_studies(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """Organisations of the MIC DX case studies (2023) with their population as printed
    ('134.2万人' → 1,342,000 persons). A missing population stays missing."""
    raw = read_csv_text(path, ["case_no", "category_no", "category_en", "organisation_ja",
                               "prefecture_ja", "organisation_level", "population_raw"])
    parsed = parse_numbers(raw["population_raw"])
    units = parsed["unit"].dropna()
    if not units.isin(["人"]).all():
        line = units.index[~units.isin(["人"])][0]
        raise DataError("unit conflicts with the schema", file=path, row=line,
                        column="population_raw", value=raw.loc[line, "population_raw"],
                        expected="persons (人)")
    out = pd.DataFrame({
        "case_no": to_int(raw["case_no"], file=path, column="case_no").astype("int64"),
        "category_no": to_int(raw["category_no"], file=path, column="category_no"
                              ).astype("int64"),
        "category_en": raw["category_en"].astype(str),
        "organisation_ja": raw["organisation_ja"].astype(str),
        "prefecture_ja": raw["prefecture_ja"].astype(str),
        "pref_code": raw["prefecture_ja"].map(lookup_pref_code).astype(str),
        "organisation_level": raw["organisation_level"].astype(str),
        "population": parsed["value"],
        "population_raw": raw["population_raw"],
    }, index=raw.index)
    return out, RowAccount(str(path), len(raw))
