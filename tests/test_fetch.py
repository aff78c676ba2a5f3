"""dxlab fetch: the name is checked before anything is written, the response validated,
stored atomically and catalogued; the appId is never stored. Against synthetic responses in
the e-Stat API 3.0 shape (no network)."""

from __future__ import annotations

import os

import pytest
from fixtures.estat_synthetic import VALUES, FakeResponse, FakeSession, synthetic_stats_data

import dxlab
from dxlab import fetch
from dxlab.errors import CatalogError, FetchError

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
    with pytest.raises(FetchError, match=r"did not answer after 3 attempt\(s\)") as info:
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


# ----------------------------------------------------------------------------- issue 8


def test_no_error_leaving_fetch_carries_the_key_in_its_chain(raw_dir, monkeypatch):
    """Item 1: an ERROR_MSG echoing the key (in upper case too) is scrubbed, and the error is
    chained to nothing (a suppressed __context__ would still hold the unscrubbed text for any
    tool that walks the chain)."""
    monkeypatch.setenv("ESTAT_APP_ID", SECRET)
    doc = synthetic_stats_data(status=100, error_msg=f"bad appId {SECRET} / {SECRET.upper()}")
    with pytest.raises(FetchError, match=r"bad appId \*\*\* / \*\*\*") as info:
        fetch.estat("0003410379", raw=raw_dir, session=FakeSession(FakeResponse(doc)))
    assert info.value.__context__ is None and info.value.__cause__ is None


def test_client_exception_text_with_an_encoded_key_is_scrubbed(raw_dir):
    """Item 1: requests puts the URL-encoded query in its message; a key that URL-encoding
    changes ('+', '/', ' ') is scrubbed in that form too."""
    key = "ab+cd/ef gh"
    text = "Max retries exceeded with url: /json/getStatsData?appId=ab%2Bcd%2Fef+gh&lang=J"
    with pytest.raises(FetchError) as info:
        fetch.estat("0003410379", raw=raw_dir, app_id=key, attempts=1,
                    session=FakeSession(ConnectionError(text)))
    assert "appId=***&lang=J" in str(info.value)


def test_the_app_id_object_never_prints_its_value():
    from dxlab.sources.estat.api import AppId

    key = AppId(SECRET)
    assert SECRET not in f"{key} {key!r} {[key]}"
    assert key.reveal() == SECRET
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(key)


@pytest.mark.parametrize(("base", "message"), [
    ("http://api.e-stat.go.jp/rest/3.0/app", "plain http"),
    ("ftp://example.org", "not an http"),
    ("https://user:pw@example.org", "credentials"),
])
def test_unsafe_base_urls_are_refused_before_any_request(raw_dir, base, message):
    session = FakeSession()
    with pytest.raises(FetchError, match=message):
        fetch.estat("0003410379", raw=raw_dir, app_id=SECRET, session=session, base=base)
    assert session.requests == []


def test_a_filter_cannot_replace_the_app_id(raw_dir):
    session = FakeSession()
    with pytest.raises(FetchError, match="from ESTAT_APP_ID only"):
        fetch.estat("0003410379", filters={"APPID": "other"}, raw=raw_dir, app_id=SECRET,
                    session=session)
    assert session.requests == []


def test_next_key_must_move_forward(raw_dir):
    """Item 13: a NEXT_KEY that repeats, goes back, or is not a position stops the download
    after a bounded number of pages, storing nothing."""
    for next_keys, expected in [((2, 2), "repeated NEXT_KEY 2"), ((5, 3), "repeated NEXT_KEY 3"),
                                (("abc",), "is not a start position")]:
        pages = [FakeResponse(synthetic_stats_data(VALUES[:1], next_key=k)) for k in next_keys]
        session = FakeSession(*pages)
        with pytest.raises(FetchError, match=expected):
            fetch.estat("0003410379", raw=raw_dir, app_id=SECRET, session=session)
        assert len(session.requests) == len(next_keys)
    assert list(raw_dir.iterdir()) == []


def test_dotted_name_outside_data_raw_is_refused(raw_dir):
    """Item 13: --name ./../../x."""
    session = FakeSession()
    with pytest.raises(FetchError, match="is not allowed"):
        fetch.estat("0003410379", name="./../../x", raw=raw_dir, app_id=SECRET,
                    session=session)
    assert session.requests == [] and list(raw_dir.iterdir()) == []


def test_a_failure_while_cataloguing_leaves_data_raw_as_it_was(raw_dir):
    """Items 2 and 13: the catalog cannot be written (here: a folder where catalog.toml
    should be) → a FetchError, and no stored file, temporary file or half catalog remains."""
    (raw_dir / "catalog.toml").mkdir()
    with pytest.raises(FetchError, match="could not store the table"):
        fetch.estat("0003410379", raw=raw_dir, app_id=SECRET,
                    session=FakeSession(FakeResponse(synthetic_stats_data())))
    assert sorted(p.name for p in raw_dir.iterdir()) == ["catalog.toml"]


def test_a_name_catalogued_while_downloading_is_not_taken(raw_dir, monkeypatch):
    """Item 2: another fetch catalogues the same name during the download; this one stops,
    keeps the other's entry and file, and leaves nothing of its own."""
    from dxlab.datasets import read_catalog

    other = {}

    class Racing(FakeSession):
        def get(self, url, params=None, timeout=None, allow_redirects=True):
            if not other:
                other["result"] = fetch.estat("0003410379", name="estat_0003410379_x",
                                              raw=raw_dir, app_id=SECRET,
                                              session=FakeSession(FakeResponse(
                                                  synthetic_stats_data())))
                (raw_dir / "estat_0003410379_x.json").rename(raw_dir / "elsewhere.json")
            return super().get(url, params, timeout, allow_redirects)

    with pytest.raises(CatalogError, match="a dataset called 'estat_0003410379_x' exists"):
        fetch.estat("0003410379", name="estat_0003410379_x", raw=raw_dir, app_id=SECRET,
                    session=Racing(FakeResponse(synthetic_stats_data(VALUES[:2]))))
    assert "estat_0003410379_x" in read_catalog(raw_dir)
    assert sorted(p.name for p in raw_dir.iterdir()) == ["catalog.toml", "elsewhere.json"]


def test_concurrent_catalog_entries_are_all_kept(raw_dir, monkeypatch):
    """Two fetches appending at once both keep their entries (the read-modify-rename of
    catalog.toml is done under a lock). The temporary file is made slow to create, so
    without the lock both would read the same old catalog and the second rename would drop
    the first entry."""
    import tempfile as tempfile_module
    import threading
    import time

    from dxlab import datasets

    real = tempfile_module.mkstemp

    def slow_mkstemp(*a, **k):
        time.sleep(0.2)
        return real(*a, **k)

    monkeypatch.setattr(datasets.tempfile, "mkstemp", slow_mkstemp)
    errors = []

    def add(i):
        item = {"name": f"t{i}", "file": f"t{i}.json", "title": "t", "statistic": "s",
                "publisher": "p", "table_id": "x", "reference_dates": "r", "unit": "u",
                "source_url": "https://example.org", "licence": "l", "sha256": "0" * 64}
        try:
            datasets.append_entry(raw_dir, item)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(datasets.read_catalog(raw_dir)) == ["t0", "t1", "t2", "t3"]
    assert not [p for p in raw_dir.iterdir() if p.name.startswith(".")]


def test_cli_refetch_of_a_catalogued_table_changes_nothing(raw_dir, monkeypatch):
    """Item 2 through the CLI: exit 2 with one line, before any request (the base URL is a
    closed port: a request would fail differently), files byte-for-byte as before."""
    import socket
    import subprocess
    import sys

    fetch.estat("0003410379", raw=raw_dir, app_id=SECRET,
                session=FakeSession(FakeResponse(synthetic_stats_data())))
    before = {p.name: p.read_bytes() for p in raw_dir.iterdir()}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ESTAT_APP_ID": SECRET}
    proc = subprocess.run([sys.executable, "-m", "dxlab.cli", "fetch", "estat", "0003410379",
                           "--base", f"http://127.0.0.1:{port}", "--attempts", "1"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "a dataset called 'estat_0003410379' exists" in proc.stderr
    assert "Traceback" not in proc.stderr and SECRET not in proc.stdout + proc.stderr
    assert {p.name: p.read_bytes() for p in raw_dir.iterdir()} == before
