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


# ----------------------------------------------------------------------------- hostile files
# Issue 8, item 12: malformed structure, ragged or empty tables and absurd numbers are
# dxlab errors naming the file and the position (JSON path or file line), never an
# AttributeError, KeyError, TypeError, RecursionError, ArrowInvalid or IndexError.


def _wrong(where: str):
    doc = synthetic_stats_data()
    data = doc["GET_STATS_DATA"]["STATISTICAL_DATA"]
    if where == "STATISTICAL_DATA":
        doc["GET_STATS_DATA"]["STATISTICAL_DATA"] = ["x"]
    elif where == "DATA_INF":
        data["DATA_INF"] = "x"
    elif where == "CLASS_INF":
        data["CLASS_INF"] = ["x"]
    elif where == "CLASS_OBJ":
        data["CLASS_INF"]["CLASS_OBJ"] = [1, 2]
    elif where == "CLASS":
        data["CLASS_INF"]["CLASS_OBJ"][1]["CLASS"] = ["男", "女"]
    elif where == "VALUE":
        data["DATA_INF"]["VALUE"] = ["x", "y"]
    elif where == "$":
        data["DATA_INF"]["VALUE"][2]["$"] = {"$": "1"}
    elif where == "@cat01":
        data["DATA_INF"]["VALUE"][3]["@cat01"] = ["110"]
    elif where == "TABLE_INF":
        data["TABLE_INF"] = "x"
    return doc


@pytest.mark.parametrize(("where", "expected"), [
    ("STATISTICAL_DATA", r"column 'GET_STATS_DATA.STATISTICAL_DATA': GET_STATS_DATA."
                         r"STATISTICAL_DATA is a list, expected an object"),
    ("DATA_INF", r"column 'STATISTICAL_DATA.DATA_INF': .* is a str, expected an object"),
    ("CLASS_INF", r"column 'STATISTICAL_DATA.CLASS_INF': .* is a list, expected an object"),
    ("CLASS_OBJ", r"row CLASS_INF.CLASS_OBJ\[0\], column 'CLASS_INF.CLASS_OBJ': .* is a int"),
    ("CLASS", r"row CLASS_OBJ\[1\].CLASS\[0\], column 'CLASS_OBJ\[1\].CLASS': .* is a str"),
    ("VALUE", r"row VALUE\[0\], column 'VALUE': VALUE\[0\] is a str, expected an object"),
    ("$", r"row VALUE\[2\], column '\$': a VALUE cell is a dict"),
    ("@cat01", r"row VALUE\[3\], column '@cat01': a VALUE cell is a list"),
    ("TABLE_INF", r"column 'STATISTICAL_DATA.TABLE_INF': .* is a str, expected an object"),
])
def test_json_node_of_the_wrong_type_is_named(tmp_path, where, expected):
    path = write_json(tmp_path, _wrong(where))
    with pytest.raises(DataError, match=r"t\.json, " + expected):
        estat.read(path)


def test_json_nested_too_deeply(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"GET_STATS_DATA": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(DataError, match=r"deep\.json: JSON nested too deeply to read"):
        estat.read(path)


def test_json_numbers_in_value_cells_are_read(tmp_path):
    """A document whose values are JSON numbers (not the strings e-Stat sends) still reads."""
    doc = synthetic_stats_data()
    for v in doc["GET_STATS_DATA"]["STATISTICAL_DATA"]["DATA_INF"]["VALUE"][:4]:
        v["$"] = int(v["$"])
    frame = estat.read(write_json(tmp_path, doc))
    assert frame["value"].iloc[:4].sum() == 61841738 + 65253007 + 61349581 + 64796518


def _csv_lines():
    return synthetic_csv().splitlines()  # VALUE on line 12, header on 13, data on 14-18


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda ls: [*ls[:-1], ls[-1] + ',"x"'],
     r"row 18: row has 12 fields where the header has 11"),
    (lambda ls: [*ls[:-1], ls[-1].rsplit(",", 3)[0]],
     r"row 18: row has 8 fields where the header has 11"),
    (lambda ls: ls[:13], r"row 13: the VALUE table has a header but no rows"),
    (lambda ls: [*ls[:12], '"value","tab_code"', '"1","020"'],
     r"row 13, column 'tab_code': classification column 'tab_code' has no label column"),
    (lambda ls: [*ls[:12], '"tab_code","表章項目","value","value"', '"020","人口","5","6"'],
     r"row 13: column\(s\) \['value'\] appear twice in the VALUE header"),
    (lambda ls: [*ls[:13], ls[13].replace('"61,841,738"', '"' + "9" * 400 + '"'), *ls[14:]],
     r"row 14, column 'value': number too large for a float"),
], ids=["extra field", "missing fields", "header only", "code column without label",
        "duplicate column", "400-digit number"])
def test_csv_ragged_empty_or_absurd_is_named(tmp_path, edit, expected):
    path = tmp_path / "r.csv"
    path.write_text("\n".join(edit(_csv_lines())) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"r\.csv, " + expected):
        estat.read(path)


def test_csv_metadata_with_unicode_line_separators(tmp_path):
    """U+2028, U+0085 and a form feed inside a NOTE cell do not end a line: the VALUE header
    is still found on its line and the note keeps its text."""
    text = synthetic_csv(notes=(("-", "該当\u2028数値\u0085なし\x0c"),))
    path = tmp_path / "u.csv"
    path.write_text(text, encoding="utf-8")
    frame = estat.read(path)
    assert len(frame) == len(VALUES)
    assert frame["marker_meaning"].iloc[-1] == "該当\u2028数値\u0085なし\x0c"


def test_csv_with_nul_bytes_or_utf16_is_refused(tmp_path):
    path = tmp_path / "w.csv"
    path.write_bytes(synthetic_csv().encode("utf-16"))
    with pytest.raises(DataError, match=r"w\.csv, row 1: file is UTF-16 text"):
        estat.read(path)
    path.write_bytes(synthetic_csv().replace("男女別人口", "\x00").encode())
    with pytest.raises(DataError, match=r"w\.csv, row 7: file holds a NUL byte"):
        estat.read(path)
