"""Runner: parameters checked before any report starts, failures isolated, atomic reports,
pages a reader trusts, and the index."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from conftest import REPO
from fixtures.make_notebooks import make

from dxlab import run
from dxlab.errors import ParameterError
from dxlab.run import ReportSpec, read_reports_file, resolve_parameters, run_reports
from dxlab.run.notebooks import notebook_parameters

PYRAMID_NB = REPO / "notebooks" / "01_population_pyramid.ipynb"
QUIET = {"progress": lambda _m: None}


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if anything tries to start a report process."""
    from dxlab.run import local, warm

    def boom(*a, **k):
        raise AssertionError("a report process was started")

    monkeypatch.setattr(local, "run_one", boom)
    monkeypatch.setattr(warm, "Template", boom)


def cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "dxlab.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=REPO, **kw)


# --------------------------------------------------------------------------- parameters


def test_unknown_parameter_fails_before_any_kernel(no_kernel, tmp_path):
    with pytest.raises(ParameterError, match="unknown parameter 'nope'.*declares: year"):
        run_reports([ReportSpec(PYRAMID_NB, {"nope": 1})], out_dir=tmp_path / "r", **QUIET)
    assert not (tmp_path / "r").exists()


def test_command_line_values_are_typed_from_the_defaults():
    got = resolve_parameters(PYRAMID_NB, {"year": "2015", "bands": "0-14,15-64,65+"},
                             from_text=True)
    assert got == {"year": 2015, "bands": "0-14,15-64,65+"}


def test_parameters_are_read_without_a_kernel_with_their_help():
    params = notebook_parameters(PYRAMID_NB)
    assert list(params) == ["year", "compare_year", "bands"]
    assert params["year"].default == 2020 and params["bands"].default == "0-14,15-59,60+"


STRICT_NB_PARAMS = ("n = 1\nlabel = 'x'\nratio = 0.5\nflag = False\n"
                    "share = 0.5  # dxlab: allow nan\nitems = [1, 2]")


@pytest.mark.parametrize(("name", "value", "from_text", "message"), [
    ("n", "5", False, "got '5' (a string); expected an integer like the default 1"),
    ("n", True, False, "got True (a boolean)"),
    ("n", 2.0, False, "got 2.0 (a float)"),
    ("n", "5.0", True, "is not an integer"),
    ("n", "１２", True, "is not an integer"),  # full-width digits: int() would take them
    ("n", "1_000", True, "is not an integer"),
    ("ratio", float("nan"), False, "is NaN"),
    ("ratio", float("inf"), False, "is infinite"),
    ("ratio", "-Infinity", True, "is infinite"),
    ("ratio", "1e400", True, "is infinite"),
    ("ratio", "0.5%", True, "is not a number"),
    ("label", 3, False, "got 3 (an integer); expected a string"),
    ("flag", "yes", True, "is not a boolean"),
    ("flag", 1, False, "got 1 (an integer)"),
    ("items", {"a": 1}, False, "expected a list"),
    ("label", "bad\udcff", True, "undecodable"),
])
def test_strict_parameter_typing(tmp_path, name, value, from_text, message):
    nb = make(tmp_path / "strict.ipynb", "Strict", "pass", STRICT_NB_PARAMS)
    with pytest.raises(ParameterError, match=re.escape(message)) as err:
        resolve_parameters(nb, {name: value}, from_text=from_text)
    assert f"parameter {name!r}" in str(err.value) and "strict.ipynb" in str(err.value)


@pytest.mark.parametrize(("name", "value", "from_text", "want"), [
    ("ratio", 2, False, 2.0),  # an integer is a fine float
    ("ratio", "2.5e-1", True, 0.25),
    ("flag", "TRUE", True, True),
    ("n", "-7", True, -7),
    ("items", "[3, 4]", True, [3, 4]),
    ("label", " spaced ", True, " spaced "),  # text is kept as given
])
def test_well_typed_values_are_accepted(tmp_path, name, value, from_text, want):
    nb = make(tmp_path / "strict.ipynb", "Strict", "pass", STRICT_NB_PARAMS)
    assert resolve_parameters(nb, {name: value}, from_text=from_text) == {name: want}


def test_nan_is_accepted_where_the_notebook_declares_it(tmp_path):
    nb = make(tmp_path / "strict.ipynb", "Strict", "pass", STRICT_NB_PARAMS)
    got = resolve_parameters(nb, {"share": "nan"}, from_text=True)["share"]
    assert got != got  # NaN


def test_cli_unknown_parameter_message_and_exit_code(tmp_path):
    proc = cli("run", PYRAMID_NB, "-p", "nope", "1", "-o", tmp_path)
    assert proc.returncode == 2
    assert "unknown parameter 'nope'" in proc.stderr
    assert "year, compare_year, bands" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_cli_rejects_jobs_that_are_not_positive(tmp_path, jobs):
    proc = cli("run", "--jobs", jobs, "-o", tmp_path / "r")
    assert proc.returncode == 2 and "--jobs" in proc.stderr
    assert not (tmp_path / "r").exists()


def test_reports_file_lists_every_notebook():
    specs = read_reports_file(REPO / "notebooks" / "reports.toml")
    listed = {s.notebook.name for s in specs}
    on_disk = {p.name for p in (REPO / "notebooks").glob("*.ipynb")}
    assert on_disk <= listed


# --------------------------------------------------------------------------- building


def test_failing_notebook_does_not_hide_the_others(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    good = make(nbs / "good.ipynb", "Good one", "print(n * 2, label)")
    bad = make(nbs / "bad.ipynb", "Bad one", "raise RuntimeError('deliberate failure')")
    other = make(nbs / "other.ipynb", "Other", "x = ratio + 1\nx")
    out = tmp_path / "reports"
    results = run_reports(
        [ReportSpec(good, {"n": 21}), ReportSpec(bad), ReportSpec(other, {"ratio": 2})],
        out_dir=out, jobs=2, **QUIET)
    status = {r.name: r.status for r in results}
    assert status == {"good": "ok", "bad": "failed", "other": "ok"}
    bad_result = next(r for r in results if r.name == "bad")
    assert "RuntimeError: deliberate failure" in bad_result.error
    # Every report, failed or not, has its HTML, executed notebook and key.
    for name in ("good", "bad", "other"):
        for ext in ("html", "ipynb", "key.json"):
            assert (out / f"{name}.{ext}").is_file()
    bad_page = (out / "bad.html").read_text(encoding="utf-8")
    assert "deliberate failure" in bad_page and "This report failed" in bad_page
    assert "42 x" in (out / "good.html").read_text(encoding="utf-8")
    assert "3.0" in (out / "other.html").read_text(encoding="utf-8")  # ratio 2 -> 2.0 + 1
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    rows = {r["name"]: r for r in index["reports"]}
    assert rows["bad"]["status"] == "failed"
    assert rows["good"]["parameters"] == {"n": 21, "label": "x", "ratio": 0.5}
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'class="failed"' in page and "Good one" in page
    # No staging folder or temporary file left behind (the lock file stays, empty).
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{n}.{e}" for n in ("good", "bad", "other") for e in ("html", "ipynb", "key.json")]
        + ["index.html", "index.json", ".dxlab-run.lock"])


def test_cli_exit_code_and_quiet_output(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    make(nbs / "ok.ipynb", "Fine", "1 + 1")
    make(nbs / "broken.ipynb", "Broken", "1 / 0")
    (nbs / "reports.toml").write_text(
        '[[report]]\nnotebook = "ok.ipynb"\n[[report]]\nnotebook = "broken.ipynb"\n',
        encoding="utf-8")
    out = tmp_path / "out"
    proc = cli("run", "--reports-file", nbs / "reports.toml", "-o", out, "--jobs", "2")
    assert proc.returncode == 1, proc.stderr
    assert "FAILED broken" in proc.stderr and "ok     ok" in proc.stderr
    assert (out / "ok.html").is_file() and (out / "broken.html").is_file()
    # One header line, one line per report, the index line; no kernel chatter.
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 4, proc.stderr
    assert re.match(r"dxlab run: 2 report\(s\): 2 to build", lines[0])
    assert all(re.match(r"\[\d/2\] (ok|FAILED) ", x) for x in lines[1:3])
    assert lines[3].startswith("index: ")
    for noise in ("TCP without encryption", "KeyboardInterrupt", "Traceback", "Warning"):
        assert noise not in proc.stderr
    assert proc.stdout == ""


def test_pages_hide_code_and_the_injected_cell_but_show_the_parameters(tmp_path):
    nb = make(tmp_path / "show.ipynb", "見出し Show", [
        "md:**Figure 1.** Squares of `n`, rising.",
        "import matplotlib.pyplot as plt\nplt.plot([i * i for i in range(n)])",
        "print('value', n)"])
    out = tmp_path / "r"
    run_reports([ReportSpec(nb, {"n": 7}, "hidden")], out_dir=out, **QUIET)
    run_reports([ReportSpec(nb, {"n": 7}, "shown")], out_dir=out, show_code=True, **QUIET)
    hidden = (out / "hidden.html").read_text(encoding="utf-8")
    shown = (out / "shown.html").read_text(encoding="utf-8")
    # highlighted code renders as <span class="nb">print</span>
    assert "value 7" in hidden and ">print<" not in hidden
    assert ">print<" in shown
    # the injected cell ("# Parameters\nn = 7") is never shown, even with code
    assert "# Parameters" not in shown and "injected-parameters" not in shown
    for page in (hidden, shown):
        assert "<title>見出し Show</title>" in page and '<html lang="ja">' in page
        block = re.search(r'<div class="dxlab-parameters">(.*?)</div>', page, re.S).group(1)
        assert "Parameters used" in block
        assert re.search(r"<th>n</th><td><code>7</code></td><td[^>]*>set for this report", block)
        assert re.search(r"<th>label</th><td><code>&#x27;x&#x27;</code></td><td[^>]*>default",
                         block)
        assert 'alt="Figure 1. Squares of n, rising."' in page
        assert page.count('href="index.html"') == 2  # top and footer
        footer = page[page.index('<footer class="dxlab-footer">'):]
        assert " JST (" in footer and " UTC)" in footer and "dxlab</dt><dd>0.1.0" in footer
        assert "commit <code>" in footer
        # nothing is loaded from the network
        assert not re.search(r'<script[^>]+src="https?:', page)
        assert "cdnjs" not in page and "mathjax" not in page.lower()
    png = re.search(r'<img src="data:image/png;base64,[^"]+"\s*alt="[^"]*" width=(\d+) '
                    r"height=(\d+)", hidden)
    assert png, "figure is not a retina PNG with its display size"


def test_parameter_values_are_escaped_everywhere(tmp_path):
    nb = make(tmp_path / "esc.ipynb", "Escape", "print(len(label))")
    evil = "<script>alert(1)</script>\"'; import os; os._exit(9) #"
    out = tmp_path / "r"
    [r] = run_reports([ReportSpec(nb, {"label": evil}, "esc")], out_dir=out, **QUIET)
    assert r.status == "ok", r.error
    page = (out / "esc.html").read_text(encoding="utf-8")
    assert f"{len(evil)}\n" in page  # the value arrived as one plain string
    assert "<script>alert(1)" not in page
    assert "<script>alert(1)" not in (out / "index.html").read_text(encoding="utf-8")


def test_headline_and_question_reach_the_index(tmp_path):
    nb = make(tmp_path / "head.ipynb", "Headline", [
        "md:**Question.** Does the index show this question?",
        "from dxlab.reporting import headline\nheadline(f'The answer is {n * 6}.')"])
    out = tmp_path / "r"
    [r] = run_reports([ReportSpec(nb, {"n": 7}, "head")], out_dir=out, **QUIET)
    assert r.headline == "The answer is 42."
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "The answer is 42." in page
    [q] = run_reports([ReportSpec(make(tmp_path / "q.ipynb", "Q", [
        "md:**Question.** Does the index show this question?", "1"]))], out_dir=out, **QUIET)
    assert q.question == "Does the index show this question?"
    assert "Does the index show this question?" in (out / "index.html").read_text("utf-8")


def test_headline_outside_dxlab_run_does_nothing(monkeypatch):
    from dxlab.reporting import headline

    monkeypatch.delenv("DXLAB_HEADLINE_FILE", raising=False)
    assert headline("anything") is None
    with pytest.raises(TypeError):
        headline(42)  # type: ignore[arg-type]


def test_execute_report_builds_one_report(tmp_path):
    nb = make(tmp_path / "one.ipynb", "One", "print('one', n)")
    result = run.execute_report(ReportSpec(nb, {"n": 3}, "one"), tmp_path / "r")
    assert result.status == "ok" and result.parameters == {"n": 3, "label": "x",
                                                           "ratio": 0.5}
    assert "one 3" in (tmp_path / "r" / "one.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the CLI


def test_data_list_piped_into_head_has_no_broken_pipe():
    proc = subprocess.run(f"{sys.executable} -m dxlab.cli data list | head -2",
                          shell=True, capture_output=True, text=True, cwd=REPO)
    assert proc.stdout.splitlines()[0].startswith("name")
    assert "BrokenPipeError" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr == ""


def test_data_list_fits_the_terminal_width():
    from dxlab.cli import _display_width

    proc = cli("data", "list", env={**__import__("os").environ, "COLUMNS": "90"})
    assert proc.returncode == 0
    table = proc.stdout.split("\n\n")[0].splitlines()
    assert max(_display_width(x) for x in table) <= 90
    names = {x.split()[0] for x in table[2:]}
    assert "census_population_japan_age_sex" in names  # the name column is never cut


def test_fit_widths_gives_way_widest_first():
    from dxlab.cli import fit_widths

    # 10 + 30 + 20 + 2 * 2 separators = 64 > 50: the 30 shrinks to 20, then both to 18
    assert fit_widths([10, 30, 20], 50) == [10, 18, 18]
    assert fit_widths([10, 30, 20], None) == [10, 30, 20]
    assert fit_widths([40, 30], 20) == [40, 6]  # name kept whole, others to the floor


def test_relative_folders_are_those_of_the_command_not_of_the_notebook(tmp_path):
    """`-o out`, a relative reports file and a relative DXLAB_CACHE_DIR mean folders beside
    the user's working directory, although each report runs in its notebook's folder."""
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    make(nbs / "rel.ipynb", "Relative", "import os\nimport dxlab\nfrom dxlab import paths\n"
         "frame = dxlab.load('mic_mynumber_card_age_sex')\n"
         "print('rows', len(frame), 'cwd', os.path.basename(os.getcwd()))")
    (nbs / "reports.toml").write_text('[[report]]\nnotebook = "rel.ipynb"\n', encoding="utf-8")
    env = {**os.environ, "DXLAB_CACHE_DIR": "cache"}
    proc = subprocess.run([sys.executable, "-m", "dxlab.cli", "run", "--reports-file",
                           "nbs/reports.toml", "-o", "out", "--jobs", "1"],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "out" / "rel.html").read_text(encoding="utf-8")
    assert "cwd nbs" in page  # the report ran in its notebook's folder ...
    assert (tmp_path / "cache" / "mic_mynumber_card_age_sex.parquet").is_file()
    assert not (nbs / "cache").exists() and not (nbs / "out").exists()  # ... paths did not


def test_pinned_environment_names_the_data_folder_found_in_the_working_directory(
        tmp_path, monkeypatch):
    """Installed outside a checkout, dxlab finds ./data; a report (run elsewhere) is told."""
    from dxlab import paths

    monkeypatch.setattr(paths, "REPO_DIR", tmp_path / "site-packages")
    monkeypatch.chdir(tmp_path)
    env = paths.pinned_environment({"DXLAB_REPORTS_DIR": "out", "HOME": "/root"})
    assert env == {"DXLAB_REPORTS_DIR": str(tmp_path / "out"), "HOME": "/root",
                   "DXLAB_DATA_DIR": str(tmp_path / "data")}
    monkeypatch.setattr(paths, "REPO_DIR", REPO)  # a checkout: its own data/ is used
    assert "DXLAB_DATA_DIR" not in paths.pinned_environment({})
