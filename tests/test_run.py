"""Runner: parameters checked before any kernel starts, failures isolated, atomic reports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO
from fixtures.make_notebooks import make

from dxlab import run
from dxlab.errors import ParameterError
from dxlab.run import ReportSpec, read_reports_file, resolve_parameters, run_reports

PYRAMID_NB = REPO / "notebooks" / "01_population_pyramid.ipynb"


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if anything tries to execute a notebook."""
    import papermill

    def boom(*a, **k):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", boom)


def test_unknown_parameter_fails_before_any_kernel(no_kernel, tmp_path):
    with pytest.raises(ParameterError, match="unknown parameter 'nope'.*declares: year"):
        run_reports([ReportSpec(PYRAMID_NB, {"nope": "1"})], out_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_values_are_typed_from_the_defaults():
    got = resolve_parameters(PYRAMID_NB, {"year": "2015", "bands": "0-14,15-64,65+"})
    assert got == {"year": 2015, "bands": "0-14,15-64,65+"}


def test_badly_typed_value_is_an_error():
    with pytest.raises(ParameterError, match="'year' is not an integer"):
        resolve_parameters(PYRAMID_NB, {"year": "twenty"})
    with pytest.raises(ParameterError, match="wrong type"):
        resolve_parameters(PYRAMID_NB, {"year": 2015.5})


def test_cli_unknown_parameter_message_and_exit_code(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "dxlab.cli", "run", str(PYRAMID_NB), "-p", "nope", "1",
         "-o", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO,
    )
    assert proc.returncode == 2
    assert "unknown parameter 'nope'" in proc.stderr
    assert "year, compare_year, bands" in proc.stderr


def test_reports_file_lists_every_notebook():
    specs = read_reports_file(REPO / "notebooks" / "reports.toml")
    listed = {s.notebook.name for s in specs}
    on_disk = {p.name for p in (REPO / "notebooks").glob("*.ipynb")}
    assert on_disk <= listed


def test_failing_notebook_does_not_hide_the_others(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    good = make(nbs / "good.ipynb", "Good one", "print(n * 2, label)")
    bad = make(nbs / "bad.ipynb", "Bad one", "raise RuntimeError('deliberate failure')")
    other = make(nbs / "other.ipynb", "Other", "x = ratio + 1\nx")
    out = tmp_path / "reports"
    results = run_reports(
        [ReportSpec(good, {"n": "21"}), ReportSpec(bad), ReportSpec(other, {"ratio": 2})],
        out_dir=out, jobs=2, progress=lambda _m: None,
    )
    status = {r.name: r.status for r in results}
    assert status == {"good": "ok", "bad": "failed", "other": "ok"}
    bad_result = next(r for r in results if r.name == "bad")
    assert "deliberate failure" in bad_result.error
    # Every report, failed or not, has its HTML and executed notebook.
    for name in ("good", "bad", "other"):
        assert (out / f"{name}.html").is_file() and (out / f"{name}.ipynb").is_file()
    assert "deliberate failure" in (out / "bad.html").read_text(encoding="utf-8")
    assert "42 x" in (out / "good.html").read_text(encoding="utf-8")
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    rows = {r["name"]: r for r in index["reports"]}
    assert rows["bad"]["status"] == "failed" and rows["good"]["parameters"] == {"n": 21}
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'class="failed"' in page and "Good one" in page
    # No staging folder or temporary file left behind.
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{n}.{e}" for n in ("good", "bad", "other") for e in ("html", "ipynb")]
        + ["index.html", "index.json"]
    )


def test_cli_exit_code_is_nonzero_when_a_notebook_fails(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    make(nbs / "ok.ipynb", "Fine", "1 + 1")
    make(nbs / "broken.ipynb", "Broken", "1 / 0")
    (nbs / "reports.toml").write_text(
        '[[report]]\nnotebook = "ok.ipynb"\n[[report]]\nnotebook = "broken.ipynb"\n',
        encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "dxlab.cli", "run", "--reports-file", str(nbs / "reports.toml"),
         "-o", str(out)], capture_output=True, text=True, cwd=REPO,
    )
    assert proc.returncode == 1, proc.stderr
    assert "FAILED broken" in proc.stderr and "ok     ok" in proc.stderr
    assert (out / "ok.html").is_file() and (out / "broken.html").is_file()


def test_code_hidden_by_default_and_injected_parameters_never_shown(tmp_path):
    nb = make(tmp_path / "show.ipynb", "Show", "print('value', n)")
    hidden = run.execute_report(ReportSpec(nb, {"n": 7}, "hidden"), tmp_path / "r")
    shown = run.execute_report(ReportSpec(nb, {"n": 7}, "shown"), tmp_path / "r",
                               show_code=True)
    assert hidden.status == shown.status == "ok"
    page_hidden = (tmp_path / "r" / "hidden.html").read_text(encoding="utf-8")
    page_shown = (tmp_path / "r" / "shown.html").read_text(encoding="utf-8")
    # highlighted code renders as <span class="nb">print</span>
    assert "value 7" in page_hidden and ">print<" not in page_hidden
    assert ">print<" in page_shown
    # papermill's injected cell ("# Parameters\nn = 7") is removed even with code shown
    assert "# Parameters" not in page_shown and "injected-parameters" not in page_shown
