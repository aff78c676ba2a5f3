"""Every bundled dataset loads; row accounting balances; loaders agree with published or
cross-source totals."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from conftest import REPO

import dxlab
from dxlab.datasets import read_catalog

NAMES = sorted(read_catalog(REPO / "data" / "raw"))


@pytest.mark.parametrize("name", NAMES)
def test_every_dataset_loads_and_accounts_for_its_rows(name):
    frame = dxlab.load(name)
    acc = frame.attrs["accounting"]
    assert acc["rows_in"] == len(frame) + acc["rows_dropped"]
    for drop in acc["drops"]:
        assert drop["reason"] and drop["rows"] > 0
    assert frame.attrs["provenance"]["name"] == name
    with_totals = dxlab.load(name, totals=True)
    assert len(with_totals) >= len(frame)


def test_totals_are_dropped_by_default_with_a_reason():
    cards = dxlab.load("mic_mynumber_card_age_sex")
    assert "total" not in set(cards["age_group"]) and "total" not in set(cards["sex"])
    reasons = [d["reason"] for d in cards.attrs["accounting"]["drops"]]
    assert any("double counting" in r for r in reasons)


def test_mynumber_bands_sum_to_the_published_cards_total():
    """SOURCES.md 12a: cards of the age bands equal 全体 on every date, for each sex."""
    cards = dxlab.load("mic_mynumber_card_age_sex", totals=True)
    bands = cards[cards["age_group"] != "total"].groupby(["reference_date", "sex"])[
        "cards_issued"].sum()
    total = cards[cards["age_group"] == "total"].set_index(["reference_date", "sex"])[
        "cards_issued"]
    assert (bands.sort_index() == total.sort_index()).all()


def test_prefecture_cards_sum_to_the_national_total():
    pref = dxlab.load("mic_mynumber_card_prefecture")
    ages = dxlab.load("mic_mynumber_card_age_sex", totals=True)
    national = ages[(ages["age_group"] == "total") & (ages["sex"] == "total")].set_index(
        "reference_date")["cards_issued"]
    summed = pref.groupby("reference_date")["cards_issued"].sum()
    shared = summed.index.intersection(national.index)
    assert len(shared) > 25
    assert (summed[shared] == national[shared]).all()


def test_projection_base_year_is_the_2015_census():
    proj = dxlab.load("ipss2017_projection_japan_age_sex")
    assert proj.loc[proj["year"] == 2015, "population"].sum() == 127_094_745


def test_ipss2018_prefectures_sum_to_the_national_projection():
    """SOURCES.md section 8: 47-prefecture sums equal the national 2017 projection, 2015-2045."""
    pref = dxlab.load("ipss2018_projection_prefecture_total").groupby("year")["population"].sum()
    nat = dxlab.load("ipss2017_projection_japan_age_sex").groupby("year")["population"].sum()
    assert (pref == nat.loc[pref.index]).all()


def test_osaka_kpi_values_parsed_with_qualifiers():
    kpi = dxlab.load("osaka_dx_kpi_fy2023").set_index(["indicator_id", "record", "fiscal_year"])
    actual = kpi.loc[("online_procedures", "actual", 2023)]
    assert (actual["value"], actual["unit"], actual["approx"]) == (1100, "件", True)
    target = kpi.loc[("data_viz_usage", "target", 2026)]
    assert (target["value"], target["bound"]) == (70, ">=")
    assert kpi.loc[("training_attendees", "target", 2023), "per"] == "year"
    assert kpi.loc[("external_experts", "target", 2023), "unit_name"] == "persons"


def test_case_study_populations_from_man_units():
    cases = dxlab.load("mic_dx_case_studies_2023").set_index("organisation_ja")
    assert cases.loc["愛媛県", "population"] == 1_342_000
    assert cases.loc["横浜市", "population"] == 3_756_000


def test_secondary_row_superseded_by_the_official_one():
    sec = dxlab.load("mic_internet_usage_by_age_secondary")
    reasons = [d["reason"] for d in sec.attrs["accounting"]["drops"]]
    assert any("superseded by the official" in r for r in reasons)
    assert not ((sec["survey_year"] == 2009) & (sec["age_group"] == "65-69")).any()


def test_data_list_and_show():
    out = subprocess.run([sys.executable, "-m", "dxlab.cli", "data", "list"],
                         capture_output=True, text=True, check=True).stdout
    for name in NAMES:
        assert name in out
    show = subprocess.run([sys.executable, "-m", "dxlab.cli", "data", "show",
                           "mic_mynumber_card_age_sex"], capture_output=True, text=True,
                          check=True).stdout
    assert "[OK]" in show and "issuance_rate_percent" in show and "percent" in show
    assert "source_url" in show and "rows" in show and "double counting" in show


# ---------------------------------------------------------------- bundled official byte copies


def test_c03_reproduces_published_census_totals():
    """2015 census total population (incl. age not stated) 127,094,745; 2000 census 0-14 =
    18,472,499 and 65+ = 22,005,152 (Cabinet Office white paper 2006; 日本の統計 2018)."""
    c03 = dxlab.load("census_c03_prefecture_age_sex", totals=True)
    both = c03[c03["sex"] == "total"]
    assert both.loc[(both["year"] == 2015) & (both["age_group"] == "total"),
                    "population"].sum() == 127_094_745
    y2000 = both[both["year"] == 2000]
    assert y2000.loc[y2000["age_hi"] <= 14, "population"].sum() == 18_472_499
    assert y2000.loc[y2000["age_lo"] >= 65, "population"].sum() == 22_005_152
    reasons = [d["reason"] for d in c03.attrs["accounting"]["drops"]]
    assert any("footnote" in r for r in reasons) and any("70歳以上" in r for r in reasons)


def test_c03_1945_is_the_survey_with_shifted_bands():
    """MIRROR.md A1: 1945 (人口調査, 1 November) publishes 1〜5歳, 6〜10歳 … 86歳以上."""
    c03 = dxlab.load("census_c03_prefecture_age_sex")
    bands = set(c03.loc[c03["year"] == 1945, "age_group"])
    assert {"1-5", "6-10", "86+"} <= bands and "0-4" not in bands


def test_c03_prefecture_totals_equal_the_e_stat_extraction():
    c03 = dxlab.load("census_c03_prefecture_age_sex", totals=True)
    a = c03[(c03["sex"] == "total") & (c03["age_group"] == "total") & (c03["year"] == 2015)]
    b = dxlab.load("census_population_prefecture_total")
    b = b[b["year"] == 2015]
    assert dict(zip(a["pref_code"], a["population"], strict=True)) == \
        dict(zip(b["pref_code"], b["population"], strict=True))


def test_ssdse_a_sums_to_the_2020_census_total():
    """2020 census total population of Japan: 126,146,099; 双葉町 (07546): 0 persons."""
    a = dxlab.load("ssdse_a_2025_municipal")
    assert a["muni_code5"].nunique() == 1741
    total = a[a["item_code"] == "A1101"].set_index("muni_code5")["value"]
    assert total.sum() == 126_146_099
    assert total["07546"] == 0


@pytest.fixture(scope="module")
def municipal():
    return dxlab.load("mic_mynumber_card_municipal")


def test_municipal_tables_have_1741_municipalities_on_every_date(municipal):
    per_date = municipal.groupby("reference_date")["muni_code5"].nunique()
    assert len(per_date) == 47 and (per_date == 1741).all()
    sapporo = municipal[(municipal["municipality"] == "札幌市")]
    assert set(sapporo["muni_code5"]) == {"01100"}  # file has 11002 = 011002 with check digit


def test_municipal_cards_sum_to_the_published_national_total_on_every_shared_date(municipal):
    ages = dxlab.load("mic_mynumber_card_age_sex", totals=True)
    national = ages[(ages["age_group"] == "total") & (ages["sex"] == "total")].set_index(
        "reference_date")["cards_issued"]
    summed = municipal.groupby("reference_date")["cards_issued"].sum()
    shared = summed.index.intersection(national.index)
    assert len(shared) >= 30
    assert (summed[shared] == national[shared]).all()


def test_miyake_and_hachijo_keep_their_codes_when_the_extraction_lost_them(municipal):
    """From 2021-08-01 the extraction has no 団体コード for 三宅村 and 八丈町; earlier files
    give 133817 and 134015. Check digits by hand (weights 6,5,4,3,2; (11 − sum mod 11) mod 10):
    13381: 6+15+12+24+2 = 59, 59 mod 11 = 4, 11 − 4 = 7 → 133817;
    13401: 6+15+16+0+2 = 39, 39 mod 11 = 6, 11 − 6 = 5 → 134015."""
    from dxlab.clean import with_check_digit

    assert with_check_digit("13381") == "133817" and with_check_digit("13401") == "134015"
    names_of = {"13381": {"三宅村", "三宅島三宅村"}, "13401": {"八丈町", "八丈島八丈町"}}
    for code, names in names_of.items():
        rows = municipal[municipal["muni_code5"] == code]
        assert len(rows) == 47 and set(rows["municipality"]) <= names
    late = municipal[municipal["reference_date"] >= "2021-08-01"]
    assert late["muni_code5"].notna().all()


def test_model_populations_have_their_published_totals():
    """昭和60年モデル人口 120,287,000; 平成27年モデル人口 125,319,000 (SOURCES.md 13 §2)."""
    m = dxlab.load("model_population_japan").groupby("standard")["population"].sum()
    assert sorted(m.tolist()) == [120_287_000, 125_319_000]


def test_single_year_census_equals_the_five_year_table_in_2020():
    """fmsb Jpop 2020, summed by sex: 123,214,261 = the age-known 2020 census total, the band
    sum of census_population_japan_age_sex (SOURCES.md 13 §1, check 2)."""
    single = dxlab.load("census_single_year_age_fmsb")
    jpop = single[single["source_object"].isin(["Jpop$M2020", "Jpop$F2020"])]
    assert jpop["population"].sum() == 123_214_261
    bands = dxlab.load("census_population_japan_age_sex")
    assert bands.loc[bands["year"] == 2020, "population"].sum() == 123_214_261


def test_white_paper_series_agree_with_the_white_paper_text():
    """f00310 gives 78.0 (2009) and 78.2 (2010); the white-paper sentences (a separate
    dataset, SOURCES.md 10) state the same 6+ totals."""
    f = dxlab.load("mic_whitepaper_internet_use_individuals").set_index("year")["percent"]
    text = dxlab.load("mic_internet_usage_by_age_whitepaper", totals=True)
    quoted = text[text["age_group"].isin(["6+", "6+ (all)"])].set_index("survey_year")["percent"]
    assert f[2009] == quoted[2009] == 78.0 and f[2010] == quoted[2010] == 78.2
    assert list(f.index) == list(range(1997, 2024))


def test_household_devices_keep_gaps_as_gaps():
    """SOURCES.md 13 §5: 240 cells, 51 empty (not surveyed) → 189 rows; no 2008 row;
    smartphones from 2010 (9.7 %); 1999 固定電話 '-' kept as missing."""
    d = dxlab.load("mic_whitepaper_household_devices")
    assert len(d) == 189 and 2008 not in set(d["year"])
    smart = d[d["indicator"] == "smartphone"].set_index("year")["percent"]
    assert smart.index.min() == 2010 and smart[2010] == 9.7
    fixed = d[(d["indicator"] == "fixed_telephone") & (d["year"] == 1999)]
    assert fixed["percent"].isna().all()
    assert d.loc[d["year"] == 2006, "sample_size_n"].iloc[0] == 4999


def test_case_studies_match_their_source_document():
    """自治体DX推進参考事例集【1.体制整備】 (総務省, 2023-04-28), each case's 【参考情報】 line:
    愛媛県 134.2万人, 福島県 184.1, 上里町 3.1, 舟形町 0.5, あわら市 (no population printed),
    都城市 16.3, 西会津町 0.6, 酒田市 9.9, 大分県 113.1, 横浜市 375.6, 神戸市 151.8
    (万人 × 10,000)."""
    cases = dxlab.load("mic_dx_case_studies_2023").set_index("case_no")
    printed = {1: 1_342_000, 2: 1_841_000, 3: 31_000, 4: 5_000, 6: 163_000, 7: 6_000,
               8: 99_000, 9: 1_131_000, 10: 3_756_000, 11: 1_518_000}
    assert list(cases.index) == list(range(1, 12))
    assert cases["population"].drop(5).to_dict() == printed
    assert pd.isna(cases.loc[5, "population"]) and cases.loc[5, "organisation_ja"] == "あわら市"
    assert cases["category_no"].tolist() == [1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert dxlab.accounting(cases.reset_index())["rows"].tolist() == [11, 11]


def test_advisor_dispatch_matches_its_report():
    """地域情報化アドバイザー制度活用報告書 (大阪市 ICT戦略室, 2021-12): 2021年12月2日
    14時00分-16時00分, 休憩 10分, 活動 110分, 講演（オンライン）, 120 人."""
    row = dxlab.load("osaka_dx_advisor_dispatch_2021").iloc[0]
    assert (row["dispatch_date"], row["start_time"], row["end_time"]) == (
        "2021-12-02", "14:00", "16:00")
    assert (row["break_minutes"], row["activity_minutes"], row["audience_count"]) == (10, 110, 120)


def test_1945_is_dated_as_the_population_survey_of_1_november():
    """1945 was not a census: the 人口調査 of 1 November 1945 (SOURCES.md 6; MIRROR.md A1)."""
    census = dxlab.load("census_population_japan_age_sex")
    assert set(census.loc[census["year"] == 1945, "reference_date"]) == {"1945-11-01"}
    assert set(census.loc[census["year"] == 1950, "reference_date"]) == {"1950-10-01"}


def test_rounding_follows_the_printed_precision():
    """'11.9' percent is precise to 0.1 point; '18472' thousand persons to 1,000 persons;
    '3653' 万人 to 10,000 persons (SOURCES.md 3a, 3b)."""
    p = dxlab.load("projection_japan_age3", totals=True)
    share = p[(p["year"] == 2020) & (p["unit"] == "percent") & (p["age_group"] == "0-14")]
    assert set(share["rounding"]) == {0.1}
    actual = p[(p["year"] == 2000) & (p["age_group"] == "0-14")]
    assert actual["rounding"].iloc[0] == 1000 and actual["value"].iloc[0] == 18_472_000
    man = p[(p["year"] == 2025) & (p["age_group"] == "65+") & (p["unit"] == "persons")
            & p["projection_vintage"].str.startswith("令和5年")]
    assert (man["value"].iloc[0], man["rounding"].iloc[0]) == (36_530_000, 10_000)
