"""e-Stat reader and fetch, on synthetic responses in the API's documented shape (no network)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from fixtures.estat_synthetic import (
    VALUES,
    synthetic_csv,
    synthetic_stats_data,
)

from dxlab.errors import DataError
from dxlab.sources import estat


def write_json(tmp_path, doc, name="t.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_json_to_tidy_frame_with_published_totals(tmp_path):
    frame = estat.read(write_json(tmp_path, synthetic_stats_data()))
    assert {"tab_code", "tab", "cat01_code", "cat01", "area_code", "area", "time_code", "time",
            "unit", "value", "marker", "marker_meaning", "year", "period"} <= set(frame.columns)
    y2020 = frame[(frame["year"] == 2020) & (frame["area_code"] == "00000")]
    assert y2020["value"].sum() == 126_146_099  # published 2020 census total
    assert set(frame["cat01"]) == {"男", "女"}
    assert frame.attrs["classes"]["cat01"] == "男女"
    assert (frame["unit"] == "人").all()


def test_one_element_class_and_note_arrive_as_objects(tmp_path):
    doc = synthetic_stats_data()
    assert isinstance(doc["GET_STATS_DATA"]["STATISTICAL_DATA"]["DATA_INF"]["NOTE"], dict)
    frame = estat.read(write_json(tmp_path, doc))
    assert (frame["tab"] == "人口").all()


def test_special_marker_kept_and_interpreted_with_the_table_note(tmp_path):
    frame = estat.read(write_json(tmp_path, synthetic_stats_data()))
    okinawa = frame[frame["area_code"] == "47000"].iloc[0]
    assert pd.isna(okinawa["value"]) and okinawa["marker"] == "-"
    assert okinawa["marker_meaning"] == "該当数値なし"


def test_full_width_marker_matches_its_note(tmp_path):
    values = [*VALUES[:4], ("110", "47000", "1945000000", "－")]
    frame = estat.read(write_json(tmp_path, synthetic_stats_data(values)))
    assert frame["marker"].iloc[-1] == "－" and frame["marker_meaning"].iloc[-1] == "該当数値なし"


def test_undeclared_marker_is_an_error_naming_row_and_notes(tmp_path):
    values = [*VALUES[:4], ("110", "47000", "1945000000", "x")]
    path = write_json(tmp_path, synthetic_stats_data(values))
    with pytest.raises(DataError, match=r"t\.json, row VALUE\[4\], column 'value': value is "
                       r"neither a number nor a declared special marker \(got 'x'\); expected "
                       r"a number or a NOTE marker \('-'\)"):
        estat.read(path)


def test_api_error_status_names_the_message(tmp_path):
    doc = synthetic_stats_data(status=100, error_msg="認証に失敗しました。")
    with pytest.raises(DataError, match="e-Stat API error 100: 認証に失敗しました。"):
        estat.read(write_json(tmp_path, doc))


def test_truncated_json_is_named(tmp_path):
    text = json.dumps(synthetic_stats_data(), ensure_ascii=False)
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(DataError, match=r"cut\.json, row line 1, column 'char \d+': invalid "
                       "or truncated JSON"):
        estat.read(path)


def test_csv_download_gives_the_same_values_as_json(tmp_path):
    csv_path = tmp_path / "t.csv"
    csv_path.write_text(synthetic_csv(), encoding="utf-8")
    from_csv = estat.read(csv_path)
    from_json = estat.read(write_json(tmp_path, synthetic_stats_data()))
    assert from_csv["value"].tolist()[:4] == from_json["value"].tolist()[:4]
    assert from_csv["marker"].iloc[4] == "-"
    assert from_csv["year"].tolist() == [2015, 2015, 2020, 2020, 1945]
    assert str(from_csv["cat01"].dtype) == "category"
    assert from_csv["area_code"].iloc[0] == "00000"  # codes stay text, zeros kept


def test_csv_in_cp932_is_decoded(tmp_path):
    path = tmp_path / "sjis.csv"
    path.write_bytes(synthetic_csv().encode("cp932"))
    assert estat.read(path)["area"].iloc[-1] == "沖縄県"


def test_content_decides_json_or_csv_not_the_name(tmp_path):
    path = tmp_path / "looks.json"
    path.write_text(synthetic_csv(), encoding="utf-8")
    assert len(estat.read(path)) == len(VALUES)


def test_csv_undeclared_marker_names_the_file_line(tmp_path):
    values = [*VALUES[:4], ("110", "47000", "1945000000", "***")]
    path = tmp_path / "m.csv"
    path.write_text(synthetic_csv(values), encoding="utf-8")
    # 11 metadata lines (blank ones included), "VALUE" on 12, header on 13, data 14-18
    with pytest.raises(DataError, match=r"m\.csv, row 18, column 'value'.*'\*\*\*'"):
        estat.read(path)


def test_csv_error_status(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(synthetic_csv(status=1), encoding="utf-8")
    with pytest.raises(DataError, match="e-Stat API error 1"):
        estat.read(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.json"
    path.write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.json: file is empty"):
        estat.read(path)


def test_json_and_csv_of_the_same_table_give_the_same_frame(tmp_path):
    """One marker interpretation and one time parser: same columns, dtypes and values."""
    csv_path = tmp_path / "t.csv"
    csv_path.write_text(synthetic_csv(), encoding="utf-8")
    from_csv = estat.read(csv_path)
    from_json = estat.read(write_json(tmp_path, synthetic_stats_data()))
    shared = [c for c in from_json.columns if c in from_csv.columns]
    assert set(from_json.columns) - set(shared) == set()
    assert {c: str(from_csv[c].dtype) for c in shared} == \
        {c: str(from_json[c].dtype) for c in shared}
    for col in shared:
        pd.testing.assert_series_equal(from_csv[col], from_json[col], check_names=False,
                                       check_categorical=False)
    assert str(from_json["year"].dtype) == "Int64" and from_json["value"].dtype == "float64"
