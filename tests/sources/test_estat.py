"""e-Stat reader and fetch, on synthetic responses in the API's documented shape (no network)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from fixtures.estat_synthetic import (
    VALUES,
    FakeResponse,
    FakeSession,
    synthetic_csv,
    synthetic_stats_data,
)

import dxlab
from dxlab.errors import DataError, FetchError
from dxlab.sources import estat

SECRET = "0123456789abcdef0123456789abcdef01234567"


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


# --------------------------------------------------------------------------- fetch


@pytest.fixture
def raw_dir(tmp_path, monkeypatch):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    monkeypatch.setenv("DXLAB_DATA_DIR", str(tmp_path / "data"))
    return raw


def test_fetch_without_app_id_says_which_variable(raw_dir, monkeypatch):
    monkeypatch.delenv("ESTAT_APP_ID", raising=False)
    with pytest.raises(FetchError, match="set the environment variable ESTAT_APP_ID"):
        estat.fetch("0003410379", raw=raw_dir, session=FakeSession())


def test_fetch_pages_retries_and_never_stores_the_app_id(raw_dir, monkeypatch):
    monkeypatch.setenv("ESTAT_APP_ID", SECRET)
    page1 = synthetic_stats_data(VALUES[:3], next_key=4, app_id_echo=SECRET)
    page2 = synthetic_stats_data(VALUES[3:])
    session = FakeSession(ConnectionError("reset"), FakeResponse(status_code=503),
                          FakeResponse(page1), FakeResponse(page2))
    slept = []
    result = estat.fetch("0003410379", filters={"cdArea": "00000,47000"}, raw=raw_dir,
                         session=session, sleep=slept.append)
    assert slept == [1.0, 2.0]  # exponential backoff on the two transient failures
    assert session.requests[-1][1]["startPosition"] == 4
    assert session.requests[0][1]["appId"] == SECRET  # sent to the API ...
    stored = result.path.read_text(encoding="utf-8")
    catalog = (raw_dir / "catalog.toml").read_text(encoding="utf-8")
    assert SECRET not in stored and SECRET not in catalog  # ... and nowhere else
    assert "appId" not in result.url and "statsDataId=0003410379" in result.url
    assert result.rows == len(VALUES) and result.pages == 2
    frame = dxlab.load("estat_0003410379", cache=False)
    assert frame.loc[frame["time_code"] == "2020000000", "value"].sum() == 126_146_099
    assert frame.attrs["provenance"]["source_url"] == result.url


def test_fetch_api_error_is_reported(raw_dir, monkeypatch):
    monkeypatch.setenv("ESTAT_APP_ID", SECRET)
    session = FakeSession(FakeResponse(synthetic_stats_data(status=100,
                                                            error_msg="アプリケーションIDが不正です。")))
    with pytest.raises(FetchError, match="アプリケーションIDが不正です") as info:
        estat.fetch("0003410379", raw=raw_dir, session=session)
    assert SECRET not in str(info.value)
    assert not list(raw_dir.glob("*.json"))


def test_fetch_gives_up_after_the_attempts(raw_dir, monkeypatch):
    monkeypatch.setenv("ESTAT_APP_ID", SECRET)
    session = FakeSession(*[ConnectionError("down")] * 3)
    with pytest.raises(FetchError, match="did not answer after 3 attempts") as info:
        estat.fetch("0003410379", raw=raw_dir, session=session, attempts=3,
                    sleep=lambda s: None)
    assert SECRET not in str(info.value)


def test_cli_fetch_help_names_the_variable():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "dxlab.cli", "fetch", "estat", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "ESTAT_APP_ID" in out
