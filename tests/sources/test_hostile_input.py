"""Hostile and subtly wrong input (issue 8, items 8, 11 and 12): each case damages a small copy
of a real raw file and states the message a user must see — file, line, column and what was
expected — or, for valid input, that it loads. Through the real loader (the dataset's spec in
the engine), as in ``test_errors.py``.

Expected numbers are worked by hand from the lines quoted in each comment.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from conftest import RAW, at, damaged, read_file

from dxlab.errors import DataError
from dxlab.sources import estat
from dxlab.sources.tabular import read_csv_text

CENSUS = "population_census_japan_1920_2020.csv"
ESTIMATES = "population_japan_age_sex.csv"
CARDS = "mynumber_card_by_age_sex.csv"
MUNI = "mynumbercard/20221231/all_localgovs.csv"
C03 = "census_time_series/c03.csv"
SSDSE_B = "ssdse_b_2026_long.csv"
SSDSE_E = "ssdse_e_2026_long.csv"
CASES = "mic_dx_case_studies_organisation_2023.csv"
ADOPTION = "digital_adoption_prefecture.csv"
AGE3 = "population_projection_japan.csv"
KPI = "osaka_dx_outcome_indicators_fy2023.csv"
DISPATCH = "advisor_dispatch_osaka_2021.csv"


# (id, dataset, raw file, edit, lines kept, expected message after the file name)
DAMAGE = [
    # --- item 8: value ranges the field dictionary and the specs now state
    # SSDSE-B line 2: 2023,01,北海道,A1101,総人口,5092000
    ("negative 総人口 (SSDSE-B)", "ssdse_b_2026_prefecture", SSDSE_B,
     at(2, ",5092000", ",-5092000"), 30,
     r", row 2, column 'value': value out of range for item_code A1101 '総人口' "
     r"\(got -5092000.0\); expected >= 0"),
    ("'inf' 総人口 (SSDSE-B)", "ssdse_b_2026_prefecture", SSDSE_B,
     at(2, ",5092000", ",inf"), 30,
     r", row 2, column 'value': (value breaks the rule: finite|not a number)"),
    ("negative 総人口 (SSDSE-E)", "ssdse_e_2026_prefecture", SSDSE_E,
     at(2, ",123802000", ",-1"), 30,
     r", row 2, column 'value': value out of range for item_code A1101 '総人口'"),
    # projection_japan_age3 line 2: -,-,actual,2000,0-14,population,18472,thousand persons
    ("negative population in a multi-indicator table", "projection_japan_age3", AGE3,
     at(2, ",18472,", ",-18472,"), 30,
     r", row 2, column 'value' \(derived from 'value', 'unit'\): value out of range for unit "
     r"persons \(got -18472000.0\); expected >= 0"),
    ("share over 100", "mic_digital_adoption_prefecture", ADOPTION,
     at(2, ",83.0,", ",183.0,"), 30,
     r", row 2, column 'value': value out of range for unit percent \(got 183.0\); expected "
     r"between 0 and 100"),
    ("the same dispatch twice", "osaka_dx_advisor_dispatch_2021", DISPATCH,
     lambda ls: [*ls, ls[1]], 6,
     r", row 3, column 'organisation_ja,dispatch_date,start_time': duplicate key"),
    # --- item 8: totals and their parts
    # c03 line 3: 01,北海道,0〜4歳,大正,9,1920,376676,190044,186632 (190044 + 186632 = 376676)
    ("c03 総数 is not 男 + 女", "census_c03_prefecture_age_sex", C03,
     at(3, ",190044,", ",190045,"), 30,
     r", row 3, column '人口（総数）': 人口（総数） is not 人口（男） \+ 人口（女） "
     r"\(got 376676\); expected 376677 = 190045 \+ 186632"),
    # SSDSE-B lines 2-4 (2023, estimates in thousands): 5092000 vs 2405000 + 2688000 = 5093000
    # (1,000 apart: within the rounding). 2407000 makes the parts 5095000: 3,000 apart.
    ("SSDSE-B 総人口 is not 男 + 女 beyond the rounding", "ssdse_b_2026_prefecture", SSDSE_B,
     at(3, ",2405000", ",2407000"), 30,
     r", row 2, column 'value': item_code A1101 '総人口' is not the sum of A110101, A110102 "
     r"\(got 5092000.0\); expected 5095000 = 2407000 \+ 2688000 \(within 1000, the published "
     r"rounding\)"),
    # SSDSE-B lines 329-331 (2020 census, persons): 5224614 = 2465088 + 2759526 exactly;
    # one person more among the men is an error in a census year (no rounding).
    ("SSDSE-B 総人口 off by one person in a census year", "ssdse_b_2026_prefecture", SSDSE_B,
     lambda ls: [ls[0], ls[328], ls[329].replace(",2465088", ",2465089"), ls[330]],
     400, r", row 2, column 'value': item_code A1101 '総人口' is not the sum of A110101, "
     r"A110102 \(got 5224614.0\); expected 5224615 = 2465089 \+ 2759526$"),
    # cards line 2: cards 6201644 / population 62464685 = 9.928% → published 9.9
    ("card rate disagrees (age × sex table)", "mic_mynumber_card_age_sex", CARDS,
     at(2, ",9.9,", ",8.9,"), 30,
     r", row 2, column 'issuance_rate_percent': published rate disagrees with cards ÷ "
     r"population \(got 8.9\); expected 9.928 rounded to 0.1"),
    # municipal line 2: 札幌市 1113718 / 1960668 = 56.803% → published 56.8
    ("card rate disagrees (municipal table)", "mic_mynumber_card_municipal", MUNI,
     at(2, ",56.8,", ",57.8,"), 30,
     r", row 2, column '人口に対する交付枚数率' \(field 'issuance_rate_percent'\): published rate "
     r"disagrees with cards ÷ population \(got 57.8\); expected 56.803 rounded to 0.1"),
    # a negative count is reported as such, not as the rate check it also breaks
    ("negative cards", "mic_mynumber_card_age_sex", CARDS, at(2, ",6201644,", ",-6201644,"),
     30, r", row 2, column 'cards_issued': value breaks the rule: >= 0"),
    # --- dates must exist on the calendar (field rule, through the loaders)
    ("29 February in a common year", "mic_mynumber_card_age_sex", CARDS,
     at(2, "2017-05-15,2016-01-01", "2017-05-15,2017-02-29"), 30,
     r", row 2, column 'population_reference_date': value breaks the rule: an ISO date "
     r"YYYY-MM-DD that exists on the calendar"),
    ("month 13 in a slash date", "mic_mynumber_card_municipal", MUNI,
     at(2, '"2022/01/01"', '"2022/13/01"'), 30,
     r", row 2, column '人口算出基準日' \(field 'population_reference_date'\): value breaks the "
     r"rule: an ISO date"),
    ("31 June", "osaka_dx_advisor_dispatch_2021", DISPATCH, at(2, "2021-12-02", "2021-06-31"),
     6, r", row 2, column 'dispatch_date': value breaks the rule: an ISO date"),
    # --- item 11: errors name the raw column a value came from
    ("c03 count that is not a number", "census_c03_prefecture_age_sex", C03,
     at(3, ",190044,", ",x,"), 30, r", row 3, column '人口（男）': not a whole number"),
    # case line 2: 134.2万人 → a population derived from population_raw
    ("negative printed population", "mic_dx_case_studies_2023", CASES,
     at(2, ",134.2万人", ",-134.2万人"), 30,
     r", row 2, column 'population' \(derived from 'population_raw'\): value breaks the rule: "
     r">= 0"),
    ("a 200 KiB cell names its column", "census_population_japan_age_sex", CENSUS,
     at(2, "0~4歳", "x" * 200_000), 30,
     r", row 2, column 'source_age_label': malformed CSV record: field larger than field "
     r"limit"),
    # --- item 12: integers beyond int64 never crash
    ("count of 2^63 persons", "census_population_japan_age_sex", CENSUS,
     at(3, "3467156", "9223372036854775808"), 30,
     r", row 3, column 'population': whole number outside the Int64 range"),
    # estimates line 273: 2022,0-4,total,4247,thousand persons → 1e20 thousand persons
    ("count beyond int64 once multiplied out", "census_estimates_population_japan_age_sex",
     ESTIMATES, lambda ls: [ls[0], ls[272].replace(",4247,", ",100000000000000000000,")], 300,
     r", row 2, column 'population': (count out of range|not a number)"),
]


@pytest.mark.parametrize(("dataset", "raw", "edit", "keep", "expected"),
                         [c[1:] for c in DAMAGE], ids=[c[0] for c in DAMAGE])
def test_hostile_file_gives_a_clear_error(tmp_path, dataset, raw, edit, keep, expected):
    path = damaged(tmp_path, raw, edit, keep_lines=keep)
    meta = {"reference_date": "2022-12-31"} if raw == MUNI else None
    with pytest.raises(DataError) as info:
        read_file(dataset, path, meta)
    message = str(info.value)
    assert re.search(re.escape(str(path)) + "(" + expected + ")", message), message


def test_published_rounding_is_tolerated_outside_census_years(tmp_path):
    """SSDSE-B 2023 北海道 (lines 2-4): 5092000 vs 2405000 + 2688000 = 5093000 — the three
    figures are estimates rounded to thousands; the 1,000 difference is the rounding."""
    path = damaged(tmp_path, SSDSE_B, lambda ls: ls[:4])
    frame, _ = read_file("ssdse_b_2026_prefecture", path)
    assert frame["value"].tolist() == [5092000, 2405000, 2688000]


def test_items_that_can_be_negative_load(tmp_path):
    """最低気温 (B4103) below zero is a real value, not an error."""
    rows = [ln for ln in (RAW / SSDSE_B).read_text(encoding="utf-8").splitlines()
            if ",B4103," in ln and ",-" in ln][:3]
    assert rows, "the real file has sub-zero minimum temperatures"
    path = damaged(tmp_path, SSDSE_B, lambda ls: [ls[0], *rows])
    frame, _ = read_file("ssdse_b_2026_prefecture", path)
    assert (frame["value"] < 0).all()


def test_utf16_file_is_named_as_such(tmp_path):
    path = damaged(tmp_path, CENSUS, lambda ls: ls, encoding="utf-16")
    with pytest.raises(DataError, match=re.escape(str(path)) + r", row 1: file is UTF-16 text"):
        read_file("census_population_japan_age_sex", path)


# ----------------------------------------------------------------------------- unreadable


def test_directory_in_place_of_the_file(tmp_path):
    path = tmp_path / CENSUS
    path.mkdir()
    with pytest.raises(DataError, match=re.escape(str(path)) + r": not a regular file \(a "
                       r"directory\)"):
        read_file("census_population_japan_age_sex", path)


def _fails_fast(func, timeout: float = 10.0) -> BaseException | None:
    """Run ``func`` in a thread; return what it raised (None if it returned); fail the test if
    it is still running after ``timeout`` (e.g. blocked opening a FIFO)."""
    out: list = []

    def run():
        try:
            func()
            out.append(None)
        except BaseException as exc:  # handed to the test
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    return out[0] if out else pytest.fail(f"still blocked after {timeout} s")


@pytest.mark.parametrize("reader", ["loader", "estat"])
def test_a_fifo_in_place_of_the_file_does_not_hang(tmp_path, reader):
    path = tmp_path / "population_census_japan_1920_2020.csv"
    os.mkfifo(path)
    try:
        call = (lambda: read_file("census_population_japan_age_sex", path)) \
            if reader == "loader" else (lambda: estat.read(path))
        err = _fails_fast(call)
    finally:  # release a reader blocked in open(), if any (no reader: ENXIO, nothing to do)
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    assert isinstance(err, DataError), err
    assert re.search(re.escape(str(path)) + r": not a regular file \(a FIFO", str(err)), err


@pytest.fixture
def world_searchable_dir():
    """A folder other users can reach (pytest's tmp_path lies under a 0700 folder)."""
    folder = Path(tempfile.mkdtemp(prefix="dxlab-perm-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_file_without_read_permission(world_searchable_dir):
    """A real PermissionError. As root, chmod 000 does not stop reads: the read is then done
    with the effective uid of 'nobody' (65534) for its duration (seteuid, restored after)."""
    path = damaged(world_searchable_dir, CENSUS, lambda ls: ls)
    read_file("census_population_japan_age_sex", path)  # readable: every import is done
    path.chmod(0)
    expected = re.escape(str(path)) + r": cannot read the file: Permission denied"
    if os.geteuid() != 0:
        with pytest.raises(DataError, match=expected):
            read_file("census_population_japan_age_sex", path)
        return
    if not all(p.stat().st_mode & 0o001 for p in world_searchable_dir.parents):
        pytest.skip(f"{world_searchable_dir} is not reachable by other users")
    os.seteuid(65534)
    try:
        with pytest.raises(DataError, match=expected):
            read_file("census_population_japan_age_sex", path)
    finally:
        os.seteuid(0)


# ----------------------------------------------------------------------------- line breaks


def test_only_cr_and_lf_end_a_record(tmp_path):
    """U+2028, U+0085 and a form feed inside an unquoted cell stay in the cell; the record
    after them is still numbered by its file line."""
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x\u2028y\n2,p\u0085q\x0cr\n3,z\n", encoding="utf-8")
    frame = read_csv_text(path, ["a", "b"])
    assert frame["b"].tolist() == ["x\u2028y", "p\u0085q\x0cr", "z"]
    assert frame.index.tolist() == [2, 3, 4]


def test_c03_unknown_era_names_its_columns(tmp_path):
    """Item 11: the era label is built from two raw columns; the error names both."""
    path = damaged(tmp_path, C03, at(3, ",大正,9,", ",天平,9,"))
    expected = re.escape(str(path)) + r", row 3, column '元号・和暦（年）': .*unknown era '天平'"
    with pytest.raises(DataError, match=expected):
        read_file("census_c03_prefecture_age_sex", path)
