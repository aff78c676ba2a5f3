"""dxlab fetch: the name is checked before anything is written, the response validated,
stored atomically and catalogued; the appId is never stored. Against synthetic responses in
the e-Stat API 3.0 shape (no network)."""

from __future__ import annotations

import pytest
from fixtures.estat_synthetic import VALUES, FakeResponse, FakeSession, synthetic_stats_data

import dxlab
from dxlab import fetch
from dxlab.errors import FetchError

SECRET = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def raw_dir(tmp_path, monkeypatch):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    monkeypatch.setenv("DXLAB_DATA_DIR", str(tmp_path / "data"))
    return raw


def test_fetch_without_app_id_says_which_variable(raw_dir, monkeypatch):
    monkeypatch.delenv("ESTAT_APP_ID", raising=False)
    with pytest.raises(FetchError, match="set the environment variable ESTAT_APP_ID"):
        fetch.estat("0003410379", raw=raw_dir, session=FakeSession())


def test_fetch_pages_retries_and_never_stores_the_app_id(raw_dir, monkeypatch):
    monkeypatch.setenv("ESTAT_APP_ID", SECRET)
    page1 = synthetic_stats_data(VALUES[:3], next_key=4, app_id_echo=SECRET)
    page2 = synthetic_stats_data(VALUES[3:])
    session = FakeSession(ConnectionError("reset"), FakeResponse(status_code=503),
                          FakeResponse(page1), FakeResponse(page2))
    slept = []
    result = fetch.estat("0003410379", filters={"cdArea": "00000,47000"}, raw=raw_dir,
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
        fetch.estat("0003410379", raw=raw_dir, session=session)
    assert SECRET not in str(info.value)
    assert not list(raw_dir.glob("*.json"))


def test_fetch_gives_up_after_the_attempts(raw_dir, monkeypatch):
    monkeypatch.setenv("ESTAT_APP_ID", SECRET)
    session = FakeSession(*[ConnectionError("down")] * 3)
    with pytest.raises(FetchError, match="did not answer after 3 attempts") as info:
        fetch.estat("0003410379", raw=raw_dir, session=session, attempts=3,
                    sleep=lambda s: None)
    assert SECRET not in str(info.value)


def test_cli_fetch_help_names_the_variable():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "dxlab.cli", "fetch", "estat", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "ESTAT_APP_ID" in out


def test_refetching_a_catalogued_table_replaces_nothing(raw_dir, monkeypatch):
    monkeypatch.setenv("ESTAT_APP_ID", SECRET)
    fetch.estat("0003410379", raw=raw_dir,
                session=FakeSession(FakeResponse(synthetic_stats_data())))
    stored = (raw_dir / "estat_0003410379.json").read_bytes()
    catalog = (raw_dir / "catalog.toml").read_bytes()
    session = FakeSession(FakeResponse(synthetic_stats_data(VALUES[:2])))
    with pytest.raises(FetchError, match="a dataset called 'estat_0003410379' exists"):
        fetch.estat("0003410379", raw=raw_dir, session=session)
    assert session.requests == []  # refused before downloading anything
    assert (raw_dir / "estat_0003410379.json").read_bytes() == stored
    assert (raw_dir / "catalog.toml").read_bytes() == catalog
    again = fetch.estat("0003410379", name="estat_0003410379_v2", raw=raw_dir,
                        session=FakeSession(FakeResponse(synthetic_stats_data(VALUES[:2]))))
    assert again.rows == 2
    assert dxlab.load("estat_0003410379", cache=False)["value"].notna().sum() == 4


@pytest.mark.parametrize("name", ["../x", "/tmp/x", "a/b", "Upper", "", "x" * 81, ".hidden"])
def test_bad_names_are_refused_before_any_request(raw_dir, monkeypatch, name):
    monkeypatch.setenv("ESTAT_APP_ID", SECRET)
    session = FakeSession()
    with pytest.raises(FetchError, match="is not allowed"):
        fetch.estat("0003410379", name=name or "", raw=raw_dir, session=session) if name \
            else fetch._check_name(name, raw_dir)
    assert session.requests == [] and list(raw_dir.iterdir()) == []
