"""Catalog and loader: provenance complete, sha256 enforced, cache never trusted blindly,
and the bundled census reproduces published totals."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import REPO

import dxlab
from dxlab import datasets as cat
from dxlab.datasets import REQUIRED, read_catalog, sha256_of
from dxlab.errors import CatalogError, ChecksumError

RAW = REPO / "data" / "raw"


def test_every_catalog_entry_has_full_provenance_and_matching_sha256():
    entries = read_catalog(RAW)
    assert entries
    for e in entries.values():
        for key in REQUIRED:
            assert getattr(e, key), f"{e.name} lacks {key}"
        status = e.extra.get("provenance_status", "")
        if status == "undocumented" or not e.source_url.startswith("http"):
            # honest gap, stated in the entry: no URL is invented, the status says why
            assert e.source_url.startswith("unknown"), e.name
            assert "unverified" in e.licence, e.name
            assert status in ("undocumented", "source document identified; URL unknown"), e.name
        for f, path in zip(e.files, e.paths(RAW), strict=True):
            assert sha256_of(path) == f.sha256, f"{f.path} changed"


def test_every_raw_data_file_is_catalogued():
    catalogued = {f.path for e in read_catalog(RAW).values() for f in e.files}
    on_disk = {p.relative_to(RAW).as_posix() for p in RAW.rglob("*") if p.is_file()}
    assert on_disk - {"catalog.toml", "SOURCES.md", "MIRROR.md"} == catalogued


def test_mirror_byte_copies_keep_the_sha256_that_mirror_md_records():
    """MIRROR.md (the collectors' record, copied beside the files) lists each byte copy with
    its sha256; the bundled files must be those bytes."""
    import re

    text = (RAW / "MIRROR.md").read_text(encoding="utf-8")
    recorded = dict(re.findall(r"\| `((?:census_time_series|ssdse|mynumbercard)/[^`]+)` .*?"
                               r"`([0-9a-f]{64})`", text))
    bundled = {f.path: f.sha256 for e in read_catalog(RAW).values() for f in e.files
               if f.path.split("/")[0] in ("census_time_series", "ssdse", "mynumbercard")}
    assert len(bundled) == 49  # c03, SSDSE-A and 47 municipal tables
    for path, sha in bundled.items():
        assert recorded[path] == sha, path


def test_census_reproduces_published_2000_totals():
    """Published: 2000 census 0-14 = 18,472,499; 65+ = 22,005,152 (Cabinet Office white paper
    2006; Statistics Bureau 日本の統計 2018: 18,472 / 22,005 thousand)."""
    pop = dxlab.load("census_population_japan_age_sex")
    y2000 = pop[pop["year"] == 2000]
    assert y2000.loc[y2000["age_hi"] <= 14, "population"].sum() == 18_472_499
    assert y2000.loc[y2000["age_lo"] >= 65, "population"].sum() == 22_005_152


def test_census_shape_and_provenance():
    pop = dxlab.load("census_population_japan_age_sex")
    assert sorted(pop["year"].unique()) == list(range(1920, 2021, 5))
    assert pop.attrs["provenance"]["table_id"].startswith("e-Stat 統計表ID 0003410380")
    assert pop.attrs["units"]["population"] == "persons"
    acc = dxlab.accounting(pop)
    assert acc.loc[acc["what"] == "rows in source", "rows"].item() == len(pop)


def test_catalog_lists_entries():
    frame = dxlab.catalog()
    assert "census_population_japan_age_sex" in frame.index
    assert {"publisher", "source_url", "licence", "sha256"} <= set(frame.columns)


def test_unknown_dataset_lists_known_names():
    with pytest.raises(CatalogError, match="no dataset 'nope'.*census_population_japan_age_sex"):
        dxlab.load("nope")


@pytest.fixture
def raw_copy(tmp_path, monkeypatch):
    """A private copy of data/ so tests can damage files."""
    data = tmp_path / "data"
    shutil.copytree(RAW, data / "raw")
    monkeypatch.setenv("DXLAB_DATA_DIR", str(data))
    monkeypatch.setenv("DXLAB_CACHE_DIR", str(data / "processed"))
    return data


def test_changed_raw_file_is_refused(raw_copy):
    path = raw_copy / "raw" / "population_census_japan_1920_2020.csv"
    path.chmod(0o644)
    path.write_bytes(path.read_bytes().replace(b"3752627", b"3752628"))
    with pytest.raises(ChecksumError, match="sha256 is .* catalog says"):
        dxlab.load("census_population_japan_age_sex")


def test_cache_is_used_then_rebuilt_when_corrupt_or_stale(raw_copy, monkeypatch):
    first = dxlab.load("census_population_japan_age_sex")
    cache = raw_copy / "processed" / "census_population_japan_age_sex.parquet"
    assert cache.is_file()
    # corrupt cache: rebuilt, not trusted
    cache.write_bytes(b"not parquet")
    again = dxlab.load("census_population_japan_age_sex")
    pd.testing.assert_frame_equal(first, again)
    # stale cache (written by other dxlab source): rebuilt
    stale = pd.read_parquet(cache)
    stale.attrs["dxlab_cache"]["dxlab_source_sha256"] = "0" * 64
    stale["population"] = 0
    stale.to_parquet(cache, index=False)
    fresh = dxlab.load("census_population_japan_age_sex")
    assert fresh["population"].sum() == first["population"].sum() > 0
    assert not list(cache.parent.glob(".*.tmp"))


def test_catalog_entry_missing_a_field(tmp_path):
    (tmp_path / "catalog.toml").write_text('[[dataset]]\nname = "x"\nfile = "x.csv"\n',
                                           encoding="utf-8")
    with pytest.raises(CatalogError, match="dataset 'x' lacks title"):
        cat.read_catalog(tmp_path)


def _load_in_subprocess(pkg_parent, data, name):
    """Load ``name`` in a fresh interpreter that imports dxlab from ``pkg_parent``; return the
    cache key the cache file carries afterwards and the file's mtime."""
    import json
    import os
    import subprocess
    import sys

    code = ("import dxlab, json, pandas as pd\n"
            f"dxlab.load({name!r})\n"
            f"p = dxlab.paths.processed_dir() / '{name}.parquet'\n"
            "print(json.dumps(pd.read_parquet(p).attrs['dxlab_cache']))")
    env = {**os.environ, "PYTHONPATH": str(pkg_parent), "DXLAB_DATA_DIR": str(data),
           "DXLAB_CACHE_DIR": str(data / "processed")}
    # cwd outside the repository: '' on sys.path must not find the real dxlab/ first
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True, cwd=pkg_parent).stdout
    cache = data / "processed" / f"{name}.parquet"
    return json.loads(out.strip().splitlines()[-1]), cache.stat().st_mtime_ns


def test_editing_the_cleaning_code_rebuilds_the_cache(raw_copy, tmp_path):
    """The cache key covers the whole dxlab source: a change under dxlab/clean/ (which the
    old key, the reader's own module, did not see) rebuilds the frame."""
    pkg = tmp_path / "pkg"
    shutil.copytree(REPO / "dxlab", pkg / "dxlab")
    name = "census_population_japan_age_sex"
    key1, t1 = _load_in_subprocess(pkg, raw_copy, name)
    assert key1["dxlab_source_sha256"] != "" and "files" in key1
    key2, t2 = _load_in_subprocess(pkg, raw_copy, name)
    assert key2 == key1 and t2 == t1  # unchanged source: served from the cache
    with open(pkg / "dxlab" / "clean" / "ages.py", "a", encoding="utf-8") as fh:
        fh.write("\n# an edit\n")
    key3, t3 = _load_in_subprocess(pkg, raw_copy, name)
    assert key3["dxlab_source_sha256"] != key1["dxlab_source_sha256"] and t3 != t1


def test_a_changed_dependency_file_rebuilds_the_dependent_dataset(raw_copy, tmp_path):
    """mic_internet_usage_by_age_secondary also reads the official white-paper file; when that
    file changes (and is re-catalogued), the secondary dataset is rebuilt and its drops follow."""
    official = raw_copy / "raw" / "internet_usage_by_age_official.csv"
    name = "mic_internet_usage_by_age_secondary"
    first = dxlab.load(name)
    assert any("superseded" in d["reason"] for d in first.attrs["accounting"]["drops"])
    # remove the official 2009 65-69 row that supersedes a secondary one; re-catalogue the file
    lines = official.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith("2009,") or ",65-69," not in ln]
    assert len(kept) == len(lines) - 1
    official.chmod(0o644)
    official.write_text("".join(kept), encoding="utf-8")
    catalog = raw_copy / "raw" / "catalog.toml"
    old_sha = read_catalog(raw_copy / "raw")["mic_internet_usage_by_age_whitepaper"].sha256
    catalog.chmod(0o644)
    catalog.write_text(catalog.read_text(encoding="utf-8").replace(old_sha, sha256_of(official)),
                       encoding="utf-8")
    second = dxlab.load(name)
    assert len(second) == len(first) + 1
    assert not any("superseded" in d["reason"] for d in second.attrs["accounting"]["drops"])


def test_an_edited_catalog_entry_is_not_served_stale_from_the_cache(raw_copy):
    """The frame carries its provenance, so a corrected catalog entry must rebuild it."""
    name = "model_population_japan"
    first = dxlab.load(name)
    catalog = raw_copy / "raw" / "catalog.toml"
    catalog.chmod(0o644)
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace("model populations named for 1985 and 2015",
                                    "model populations named for 1985 and 2015 (edited)"),
                       encoding="utf-8")
    second = dxlab.load(name)
    assert first.attrs["provenance"]["reference_dates"].endswith("2015")
    assert second.attrs["provenance"]["reference_dates"].endswith("(edited)")


def test_a_caller_changing_a_catalog_entry_does_not_change_the_next_read(tmp_path):
    """read_catalog keeps the last parse (reports read the catalog several times); what a
    caller does to the entries it got, nested values included, must not reach later readers,
    and a rewritten catalog of the same length and clock tick is parsed again."""
    text = (RAW / "catalog.toml").read_text(encoding="utf-8")
    first_name = text.index('name = "')
    # an extra key with a list value (unknown keys are kept in Entry.extra)
    text = text[:first_name] + 'keywords = ["census"]\n' + text[first_name:]
    (tmp_path / "catalog.toml").write_text(text, encoding="utf-8")
    first = read_catalog(tmp_path)
    name = next(iter(first))
    assert first[name].extra["keywords"] == ["census"]
    first[name].extra["keywords"].append("changed by a caller")
    first.pop(name)
    second = read_catalog(tmp_path)
    assert second[name].extra["keywords"] == ["census"]
    edited = text.replace(f'name = "{name}"', f'name = "{name[:-1]}X"', 1)
    assert len(edited) == len(text) and edited != text
    (tmp_path / "catalog.toml").write_text(edited, encoding="utf-8")
    third = read_catalog(tmp_path)
    assert name not in third and f"{name[:-1]}X" in third
