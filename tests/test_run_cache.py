"""The report cache: an unchanged report is served as 'cached'; a changed notebook,
parameter or dataset rebuilds exactly the reports it concerns; the key and its inputs are
written beside the report."""

from __future__ import annotations

import hashlib
import json
import shutil
import tomllib

import pytest
from conftest import REPO
from fixtures.make_notebooks import make

from dxlab.run import ReportSpec, run_reports

QUIET = {"progress": lambda _m: None}
PREF = "census_population_prefecture_total"
NET = "mic_internet_usage_by_age_whitepaper"


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of data/raw that the test may change (DXLAB_DATA_DIR points to it)."""
    root = tmp_path / "data"
    shutil.copytree(REPO / "data" / "raw", root / "raw")
    monkeypatch.setenv("DXLAB_DATA_DIR", str(root))
    return root / "raw"


def catalogued_sha(raw, name):
    entries = tomllib.loads((raw / "catalog.toml").read_text(encoding="utf-8"))["dataset"]
    return next(e for e in entries if e["name"] == name)["sha256"]


def change_file(raw, name):
    """Append a blank line to a dataset's file (it still reads the same) and record the
    file's new sha256 in the catalog, as a collector updating the data would."""
    entries = tomllib.loads((raw / "catalog.toml").read_text(encoding="utf-8"))["dataset"]
    entry = next(e for e in entries if e["name"] == name)
    path = raw / entry["file"]
    with open(path, "ab") as fh:
        fh.write(b"\n")
    new = hashlib.sha256(path.read_bytes()).hexdigest()
    cat = raw / "catalog.toml"
    cat.write_text(cat.read_text(encoding="utf-8").replace(entry["sha256"], new),
                   encoding="utf-8")
    return new


@pytest.fixture
def three(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    return [
        ReportSpec(make(nbs / "pref.ipynb", "Pref", f"import dxlab\nlen(dxlab.load('{PREF}'))")),
        ReportSpec(make(nbs / "net.ipynb", "Net", f"import dxlab\nlen(dxlab.load('{NET}'))")),
        ReportSpec(make(nbs / "none.ipynb", "None", "print(n)")),
    ]


def statuses(results):
    return {r.name: r.status for r in results}


def test_unchanged_rerun_is_cached_and_a_changed_dataset_rebuilds_its_readers(
        data_copy, three, tmp_path):
    out = tmp_path / "reports"
    first = run_reports(three, out_dir=out, jobs=2, **QUIET)
    assert statuses(first) == {"pref": "ok", "net": "ok", "none": "ok"}
    built = {p.name: p.stat().st_mtime_ns for p in out.glob("[!.]*.*") if p.stem != "index"}

    second = run_reports(three, out_dir=out, jobs=2, **QUIET)
    assert statuses(second) == {"pref": "cached", "net": "cached", "none": "cached"}
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("[!.]*.*") if p.stem != "index"} == built

    new_sha = change_file(data_copy, PREF)
    third = run_reports(three, out_dir=out, jobs=2, **QUIET)
    assert statuses(third) == {"pref": "ok", "net": "cached", "none": "cached"}
    assert next(r for r in third if r.name == "pref").rebuilt_because == \
        f"dataset changed: {PREF}"
    key = json.loads((out / "pref.key.json").read_text(encoding="utf-8"))
    assert key["inputs"]["datasets"] == {PREF: new_sha}
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert {r["name"]: r["run_status"] for r in index["reports"]} == statuses(third)


def test_key_file_records_the_inputs(data_copy, three, tmp_path):
    out = tmp_path / "reports"
    run_reports(three[:1], out_dir=out, **QUIET)
    key = json.loads((out / "pref.key.json").read_text(encoding="utf-8"))
    inputs = key["inputs"]
    assert inputs["notebook_sha256"] == hashlib.sha256(three[0].notebook.read_bytes()
                                                       ).hexdigest()
    assert inputs["parameters"] == {"n": 1, "label": "x", "ratio": 0.5}
    assert inputs["datasets"] == {PREF: catalogued_sha(data_copy, PREF)}
    assert len(inputs["dxlab_source_sha256"]) == 64 and len(inputs["environment_sha256"]) == 64
    assert key["key"] == hashlib.sha256(json.dumps(
        inputs, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
    assert key["outputs"]["pref.html"] == hashlib.sha256((out / "pref.html").read_bytes()
                                                         ).hexdigest()
    assert "rebuilt when any value under 'inputs' changes" in key["explain"]


def test_parameters_notebook_force_and_tampering_each_rebuild(three, tmp_path):
    out = tmp_path / "reports"
    specs = three[1:]  # net, none
    run_reports(specs, out_dir=out, **QUIET)
    changed = [specs[0], ReportSpec(specs[1].notebook, {"n": 2})]
    got = run_reports(changed, out_dir=out, **QUIET)
    assert statuses(got) == {"net": "cached", "none": "ok"}
    assert got[1].rebuilt_because == "its parameters changed"
    nb = specs[0].notebook
    nb.write_text(nb.read_text(encoding="utf-8").replace("Net", "Net v2"), encoding="utf-8")
    got = run_reports(changed, out_dir=out, **QUIET)
    assert statuses(got) == {"net": "ok", "none": "cached"}
    assert got[0].rebuilt_because == "the notebook changed"
    (out / "none.html").write_text("tampered", encoding="utf-8")
    got = run_reports(changed, out_dir=out, **QUIET)
    assert statuses(got) == {"net": "cached", "none": "ok"}
    assert "none.html is missing or was modified" in got[1].rebuilt_because
    assert "tampered" not in (out / "none.html").read_text(encoding="utf-8")
    got = run_reports(changed, out_dir=out, force=True, **QUIET)
    assert statuses(got) == {"net": "ok", "none": "ok"}


def test_a_failed_report_is_always_run_again(tmp_path):
    flag = tmp_path / "fail-once"
    flag.write_text("x")
    nb = make(tmp_path / "flaky.ipynb", "Flaky",
              f"import pathlib\np = pathlib.Path({str(flag)!r})\n"
              "if p.exists():\n    p.unlink()\n    raise RuntimeError('first time')")
    out = tmp_path / "reports"
    assert run_reports([ReportSpec(nb)], out_dir=out, **QUIET)[0].status == "failed"
    again = run_reports([ReportSpec(nb)], out_dir=out, **QUIET)[0]
    assert again.status == "ok" and again.rebuilt_because == "it failed last time"
    assert run_reports([ReportSpec(nb)], out_dir=out, **QUIET)[0].status == "cached"


def test_environment_fingerprint_does_not_depend_on_the_working_directory(tmp_path):
    import subprocess
    import sys

    code = "from dxlab.run.cache import environment_fingerprint as f; print(f())"
    # from the repository, python -c puts the repo (with dxlab.egg-info) on sys.path
    in_repo = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout
    elsewhere = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                               text=True, check=True).stdout
    assert len(in_repo.strip()) == 64 and in_repo == elsewhere


def test_environment_fingerprint_ignores_folders_that_are_not_installs(tmp_path, monkeypatch):
    from dxlab.run.cache import environment_fingerprint

    base = environment_fingerprint()
    # a folder on sys.path holding package metadata (as /tmp or a dask scratch folder may)
    stray = tmp_path / "stray"
    (stray / "someone_else-1.0.dist-info").mkdir(parents=True)
    (stray / "someone_else-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: someone-else\nVersion: 1.0\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(stray))
    assert environment_fingerprint() == base
