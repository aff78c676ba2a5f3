"""Bad input gets a clear error naming file, row/column and what was expected.

Each test damages a small copy of a real raw file (or a real label) in one way.
"""

from __future__ import annotations

import pytest
from conftest import REPO

from dxlab.errors import DataError
from dxlab.sources import census, mic, osaka
from dxlab.sources.tabular import read_csv_text, read_text

RAW = REPO / "data" / "raw"


def damaged(tmp_path, name: str, edit, *, keep_lines: int = 30, encoding="utf-8"):
    """The first ``keep_lines`` lines of a raw file, passed through ``edit(lines)``."""
    lines = (RAW / name).read_text(encoding="utf-8").splitlines()[:keep_lines]
    lines = edit(lines)
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def test_empty_file(tmp_path):
    path = tmp_path / "population_census_japan_1920_2020.csv"
    path.write_bytes(b"\n\n")
    with pytest.raises(DataError, match=r"population_census_japan_1920_2020\.csv: file is "
                       "empty; expected a header line and data rows"):
        census.read_census_population_japan_age_sex(path)


def test_cp932_file_is_detected_and_decoded(tmp_path):
    path = damaged(tmp_path, "population_census_japan_1920_2020.csv", lambda ls: ls,
                   encoding="cp932")
    text, encoding = read_text(path)
    assert encoding == "cp932" and "0~4歳" in text
    frame, _ = census.read_census_population_japan_age_sex(path)
    assert frame["population"].iloc[0] == 3_752_627


def test_undecodable_bytes_are_named(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"year,sex\n\x82\xff\x81\x20\n")  # invalid in UTF-8 and in CP932
    with pytest.raises(DataError, match=r"bad\.csv: file is neither UTF-8 nor CP932"):
        read_text(path)


def test_missing_column(tmp_path):
    path = damaged(tmp_path, "population_census_japan_1920_2020.csv",
                   lambda ls: [ls[0].replace("population", "persons"), *ls[1:]])
    with pytest.raises(DataError, match=r"row 1: missing column\(s\) 'population'"):
        census.read_census_population_japan_age_sex(path)


def test_unknown_age_label(tmp_path):
    path = damaged(tmp_path, "population_census_japan_1920_2020.csv",
                   lambda ls: [*ls[:5], ls[5].replace(",20-24,", ",20歳以下,"), *ls[6:]])
    with pytest.raises(DataError, match=r"row 6, column 'age_group': unknown age label "
                       r"\(got '20歳以下'\)"):
        census.read_census_population_japan_age_sex(path)


def test_unknown_era(tmp_path):
    path = damaged(tmp_path, "osaka_dx_outcome_indicators_fy2023.csv",
                   lambda ls: [*ls[:2], ls[2].replace("令和7年度", "天平7年度"), *ls[3:]])
    with pytest.raises(DataError, match=r"row 3, column 'fiscal_year_raw'.*unknown era '天平'"):
        osaka.read_osaka_kpi(path)


def test_non_numeric_value(tmp_path):
    path = damaged(tmp_path, "population_census_japan_1920_2020.csv",
                   lambda ls: [*ls[:2], ls[2].replace("3467156", "x"), *ls[3:]])
    with pytest.raises(DataError, match=r"row 3, column 'population': not a whole number "
                       r"\(got 'x'\)"):
        census.read_census_population_japan_age_sex(path)


def test_duplicate_keys(tmp_path):
    path = damaged(tmp_path, "population_census_japan_1920_2020.csv",
                   lambda ls: [*ls, ls[3]])
    with pytest.raises(DataError, match=r"duplicate key .* on lines 4 and 31"):
        census.read_census_population_japan_age_sex(path)


def test_prefecture_name_not_found(tmp_path):
    path = damaged(tmp_path, "mynumber_card_by_prefecture.csv",
                   lambda ls: [*ls[:2], ls[2].replace("青森県", "青山県"), *ls[3:]])
    with pytest.raises(DataError, match=r"row 3, column 'prefecture': prefecture name not "
                       r"found \(got '青山県'\)"):
        mic.read_mynumber_prefecture(path)


def test_prefecture_code_not_found_or_mismatched(tmp_path):
    path = damaged(tmp_path, "mynumber_card_by_prefecture.csv",
                   lambda ls: [*ls[:2], ls[2].replace(",02,", ",48,"), *ls[3:]])
    with pytest.raises(DataError, match=r"row 3, column 'pref_code': prefecture code not found"):
        mic.read_mynumber_prefecture(path)
    path = damaged(tmp_path, "mynumber_card_by_prefecture.csv",
                   lambda ls: [*ls[:2], ls[2].replace(",02,", ",03,"), *ls[3:]])
    with pytest.raises(DataError, match=r"code 03 is 岩手県, not 青森県"):
        mic.read_mynumber_prefecture(path)


def test_wrong_check_digit(tmp_path):
    header = ",".join(f'"{c}"' for c in mic.MUNICIPAL_COLUMNS)
    row = ('"2022/12/31","北海道","札幌市","1960668","1070110","54.6","2022/01/01",'
           '"2022/12/31","11003"')  # 札幌市 is 011002
    path = tmp_path / "all_localgovs.csv"
    path.write_text(header + "\n" + row + "\n", encoding="utf-8-sig")
    with pytest.raises(DataError, match=r"row 2, column '団体コード': wrong check digit.*"
                       "expected 011002"):
        mic.read_mynumber_municipal(path)


def test_unit_conflicting_with_schema(tmp_path):
    # line 20 is the first published (male) row; lines 2-19 are derived totals
    path = damaged(tmp_path, "population_japan_age_sex.csv",
                   lambda ls: [*ls[:19], ls[19].replace(",persons,", ",households,"), *ls[20:]])
    with pytest.raises(DataError, match=r"row 20, column 'unit': unit conflicts with the schema "
                       r"\(got 'households'\)"):
        census.read_population_japan_age_sex(path)
    path = damaged(tmp_path, "mic_dx_case_studies_organisation_2023.csv",
                   lambda ls: [ls[0], ls[1].replace("134.2万人", "134.2万円"), *ls[2:]])
    with pytest.raises(DataError, match=r"row 2, column 'population_raw': unit conflicts"):
        mic.read_mic_case_studies(path)


def test_ragged_row(tmp_path):
    path = damaged(tmp_path, "population_census_japan_1920_2020.csv",
                   lambda ls: [*ls[:2], ls[2] + ",extra", *ls[3:]])
    with pytest.raises(DataError, match=r"row 3: row has 6 fields where the header has 5"):
        read_csv_text(path, ["year"])
