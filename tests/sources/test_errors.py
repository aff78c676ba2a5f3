"""Bad input gets a clear error naming the file, the row and column, and what was expected.

One table: each case damages a small copy of a real raw file in one way and states the
fragment of the message a user must see (the file name always included). The damaged copy
goes through the real loader (the dataset's spec in the engine), as ``dxlab.load`` would read
it, minus the sha256 check that would (rightly) refuse any edited file first.
"""

from __future__ import annotations

import re

import pytest
from conftest import RAW, at, damaged, read_file

from dxlab.errors import DataError

CENSUS = "population_census_japan_1920_2020.csv"
ESTIMATES = "population_japan_age_sex.csv"
CARDS = "mynumber_card_by_age_sex.csv"
PREF_CARDS = "mynumber_card_by_prefecture.csv"
MUNI = "mynumbercard/20221231/all_localgovs.csv"
KPI = "osaka_dx_outcome_indicators_fy2023.csv"
CASES = "mic_dx_case_studies_organisation_2023.csv"
WHITEPAPER = "internet_usage_by_age_official.csv"
C03 = "census_time_series/c03.csv"
FMSB = "census_single_year_age_fmsb.csv"
DISPATCH = "advisor_dispatch_osaka_2021.csv"
SSDSE_B = "ssdse_b_2026_long.csv"


# (id, dataset, raw file, edit, expected message fragment after the file name)
DAMAGE = [
    ("empty file", "census_population_japan_age_sex", CENSUS, lambda ls: ["", ""],
     r": file is empty; expected a header line and data rows"),
    ("missing column", "census_population_japan_age_sex", CENSUS,
     at(1, "population", "persons"), r", row 1: missing column\(s\) 'population'"),
    ("ragged row", "census_population_japan_age_sex", CENSUS, at(3, "3467156", "3467156,9"),
     r", row 3: row has 6 fields where the header has 5"),
    ("unknown age label", "census_population_japan_age_sex", CENSUS,
     at(6, ",20-24,", ",20歳前後,"),
     r", row 6, column 'age_group': unknown age label \(got '20歳前後'\)"),
    ("overlapping age bands", "census_population_japan_age_sex", CENSUS,
     at(6, ",20-24,", ",0-20,"),
     r", row 6, column 'age_group': age bands '0-4' and '0-20' overlap \(line 2\)"),
    ("non-numeric count", "census_population_japan_age_sex", CENSUS, at(3, "3467156", "x"),
     r", row 3, column 'population': not a whole number \(got 'x'\)"),
    ("negative count", "census_population_japan_age_sex", CENSUS, at(3, "3467156", "-3"),
     r", row 3, column 'population': value breaks the rule: >= 0 .*\(got -3\)"),
    ("empty required cell", "census_population_japan_age_sex", CENSUS, at(3, "3467156", ""),
     r", row 3, column 'population': missing value where a whole number is required"),
    ("value outside the vocabulary", "census_population_japan_age_sex", CENSUS,
     at(3, ",male,", ",unknown,"),
     r", row 3, column 'sex': value breaks the rule: one of male, female .*\(got 'unknown'\)"),
    ("duplicate key", "census_population_japan_age_sex", CENSUS, lambda ls: [*ls, ls[3]],
     r", row 41, column 'year,sex,age_group': duplicate key .* on lines 4 and 41"),
    ("unit conflicting with the schema", "census_estimates_population_japan_age_sex", ESTIMATES,
     at(20, ",persons,", ",households,"),
     r", row 20, column 'unit': unit conflicts with the schema \(got 'households'\)"),
    ("unknown era", "osaka_dx_kpi_fy2023", KPI, at(3, "令和7年度", "天平7年度"),
     r", row 3, column 'fiscal_year_raw': .*unknown era '天平'"),
    ("KPI value without a number", "osaka_dx_kpi_fy2023", KPI, at(2, "1,000件", "未定"),
     r", row 2, column 'value_raw': no number found \(got '未定'\)"),
    ("KPI value with an unknown unit", "osaka_dx_kpi_fy2023", KPI,
     at(2, "1,000件", "1,000件くらい?"),
     r", row 2, column 'value_raw': unit not recognised \(got '1,000件くらい\?'\)"),
    ("prefecture name not found", "mic_mynumber_card_prefecture", PREF_CARDS,
     at(3, "青森県", "青山県"),
     r", row 3, column 'prefecture': prefecture name not found \(got '青山県'\)"),
    ("prefecture code not found", "mic_mynumber_card_prefecture", PREF_CARDS,
     at(3, ",02,", ",48,"), r", row 3, column 'pref_code': prefecture code not found"),
    ("prefecture code and name disagree", "mic_mynumber_card_prefecture", PREF_CARDS,
     at(3, ",02,", ",03,"), r", row 3, column 'pref_code': code 03 is 岩手県, not 青森県"),
    ("date that does not exist", "mic_mynumber_card_prefecture", PREF_CARDS,
     at(2, "2017-03-08,01", "2017-02-30,01"),
     r", row 2, column 'reference_date': value breaks the rule: an ISO date YYYY-MM-DD that "
     r"exists on the calendar"),
    ("published rate disagrees with cards / population", "mic_mynumber_card_prefecture",
     PREF_CARDS, at(2, ",7.5,", ",8.5,"),
     r", row 2, column 'issuance_rate_percent': published rate disagrees with cards ÷ "
     r"population \(got 8\.5\); expected 7\.494 rounded to 0\.1"),
    ("age label disagrees with the published label", "mic_mynumber_card_age_sex", CARDS,
     at(5, ",0-4,", ",5-9,"), r", row 5, column 'age_group': age_group disagrees with "
     r"age_label_raw \(got '5-9'\); expected 0-4"),
    ("wrong check digit", "mic_mynumber_card_municipal", MUNI, at(2, ",11002", ",11003"),
     r", row 2, column '団体コード': wrong check digit .*expected 011002"),
    ("code of another prefecture", "mic_mynumber_card_municipal", MUNI,
     at(2, ",11002", ",131016"),
     r", row 2, column '団体コード': 団体コード belongs to another prefecture"),
    ("code missing for an unknown name", "mic_mynumber_card_municipal", MUNI,
     at(2, ",11002", ",<NA>"),
     r", row 2, column '団体コード': 団体コード is missing and the name is not in the spec's"),
    ("unknown age label in a survey table", "mic_internet_usage_by_age_whitepaper", WHITEPAPER,
     at(2, ",60+,", ",sixty+,"), r", row 2, column 'age_group': unknown age label"),
    ("unit of a printed population", "mic_dx_case_studies_2023", CASES,
     at(2, "134.2万人", "134.2万円"),
     r", row 2, column 'population_raw': unit conflicts with the schema"),
    ("unknown prefecture in a case", "mic_dx_case_studies_2023", CASES,
     at(2, "愛媛県,愛媛県", "愛媛県,伊予国"),
     r", row 2, column 'prefecture_ja': prefecture not found \(got '伊予国'\)"),
    ("era year disagrees with the Western year", "census_c03_prefecture_age_sex", C03,
     at(3, ",大正,9,1920,", ",大正,10,1920,"),
     r", row 3, column '和暦（年）': era year and Western year disagree"),
    ("year disagrees with a quoted year label", "projection_japan_age3",
     "population_projection_japan.csv", at(33, "actual,2020,0-14", "actual,2021,0-14"),
     r", row 33, column 'year': year disagrees with its era label \(got '2021'\); "
     r"expected 2020 \(2020年の"),
    ("not a true/false flag", "census_single_year_age_fmsb", FMSB, at(2, "FALSE", "maybe"),
     r", row 2, column 'age_is_open_top': not a true/false flag"),
    ("activity minutes disagree with the times", "osaka_dx_advisor_dispatch_2021", DISPATCH,
     at(2, ",16:00,", ",16:30,"),
     r", row 2, column 'activity_minutes': activity minutes disagree with the times"),
    ("bad time of day", "osaka_dx_advisor_dispatch_2021", DISPATCH, at(2, ",14:00,", ",2pm,"),
     r", row 2, column 'start_time': value breaks the rule: a time of day HH:MM .*\(got '2pm'\)"),
    ("non-numeric indicator value", "ssdse_b_2026_prefecture", SSDSE_B,
     at(2, ",5092000", ",約5百万"),
     r", row 2, column 'value': not a number"),
]


@pytest.mark.parametrize(("dataset", "raw", "edit", "expected"),
                         [c[1:] for c in DAMAGE], ids=[c[0] for c in DAMAGE])
def test_damaged_file_gives_a_clear_error(tmp_path, dataset, raw, edit, expected):
    keep = 6 if raw == DISPATCH else 40
    path = damaged(tmp_path, raw, edit, keep_lines=keep)
    meta = {"reference_date": "2022-12-31"} if raw == MUNI else None
    with pytest.raises(DataError) as info:
        read_file(dataset, path, meta)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert re.search(re.escape(str(path)) + expected, message), message


def test_undecodable_bytes_are_named(tmp_path):
    path = tmp_path / CENSUS
    path.write_bytes(b"year,sex\n\x82\xff\x81\x20\n")  # 9 bytes, then invalid in UTF-8 and CP932
    with pytest.raises(DataError, match=re.escape(str(path)) + r", row 2: file is neither UTF-8 "
                       r"nor CP932 \(Shift_JIS\); first bad byte at offset 9"):
        read_file("census_population_japan_age_sex", path)


def test_cp932_file_is_detected_and_decoded(tmp_path):
    path = damaged(tmp_path, CENSUS, lambda ls: ls, encoding="cp932")
    frame, _ = read_file("census_population_japan_age_sex", path)
    assert frame["population"].iloc[0] == 3_752_627


def test_count_date_must_match_the_catalog(tmp_path):
    path = damaged(tmp_path, MUNI, lambda ls: ls)
    with pytest.raises(DataError, match=r"all_localgovs\.csv, row 2, column '算出基準日': count "
                       r"date differs from the catalog's date for this file"):
        read_file("mic_mynumber_card_municipal", path, {"reference_date": "2022-11-30"})


def test_cp932_ssdse_a_with_a_bad_region_code(tmp_path):
    src = RAW / "ssdse" / "SSDSE-A-2025.csv"
    lines = src.read_bytes().decode("cp932").splitlines()[:8]
    lines[4] = lines[4].replace("R01202", "X01202", 1)
    path = tmp_path / "SSDSE-A-2025.csv"
    path.write_bytes("\r\n".join(lines).encode("cp932"))
    with pytest.raises(DataError, match=r"SSDSE-A-2025\.csv, row 5, column '地域コード': region "
                       r"code is not 'R' \+ 5 digits \(got 'X01202'\)"):
        read_file("ssdse_a_2025_municipal", path)
