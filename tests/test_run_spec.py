"""reports.toml: groups, parameter matrices with templated names, named sets whose values
come from a function called only when the set runs; every mistake an exit-2 message naming
the file and the entry, before anything runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO
from fixtures.make_notebooks import make

from dxlab.run import load_reports_file, run_reports
from dxlab.run.spec import ReportsFileError, validate_name

QUIET = {"progress": lambda _m: None}


@pytest.fixture
def nbs(tmp_path, monkeypatch):
    """A notebooks folder with a profile notebook (param code: str) and a national one, and
    an importable module ``fakeareas`` listing codes (it counts its calls)."""
    folder = tmp_path / "nbs"
    folder.mkdir()
    make(folder / "nat.ipynb", "National", "print('national', n)")
    make(folder / "profile.ipynb", "Profile", "print('profile', code, n)",
         "code = '00'\nn = 1")
    (tmp_path / "fakeareas.py").write_text(
        "CALLS = []\n"
        "def codes():\n    CALLS.append(1)\n    return ['01100', '13101', '47201']\n"
        "def broken():\n    raise RuntimeError('area table missing')\n"
        "def numbers():\n    return [1, 2]\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("fakeareas", None)
    return folder


def write(folder, text):
    path = folder / "reports.toml"
    path.write_text(text, encoding="utf-8")
    return path


DECLARATION = """
[groups]
national = "National analyses"
prefectures = "Prefectures"
municipalities = "Municipalities"

[[report]]
notebook = "nat.ipynb"

[[report]]
notebook = "profile.ipynb"
group = "prefectures"
name = "pref_{code}"
matrix = {code = ["01", "13"]}

[[report]]
notebook = "profile.ipynb"
group = "municipalities"
name = "town_{code}_{n}"
matrix = {code = ["01100", "13101"], n = [1, 2]}

[[set.municipalities]]
notebook = "profile.ipynb"
group = "municipalities"
name = "muni_{code}"
matrix = {code = "fakeareas:codes"}
"""


def test_matrix_expands_with_templated_names_and_groups(nbs):
    import fakeareas

    declared = load_reports_file(write(nbs, DECLARATION))
    specs = declared.expand()
    got = [(s.report_name, s.group, s.parameters) for s in specs]
    assert got == [
        ("nat", "national", {}),  # no group given: the first declared group
        ("pref_01", "prefectures", {"code": "01"}),
        ("pref_13", "prefectures", {"code": "13"}),
        ("town_01100_1", "municipalities", {"code": "01100", "n": 1}),
        ("town_01100_2", "municipalities", {"code": "01100", "n": 2}),
        ("town_13101_1", "municipalities", {"code": "13101", "n": 1}),
        ("town_13101_2", "municipalities", {"code": "13101", "n": 2}),
    ]
    assert fakeareas.CALLS == []  # the named set's function is not called for the default
    muni = declared.expand("municipalities")
    assert [s.report_name for s in muni] == ["muni_01100", "muni_13101", "muni_47201"]
    assert fakeareas.CALLS == [1]
    assert declared.groups == {"national": "National analyses", "prefectures": "Prefectures",
                               "municipalities": "Municipalities"}


def test_index_groups_sets_and_ad_hoc_reports_are_all_listed(nbs, tmp_path):
    declared = load_reports_file(write(nbs, DECLARATION))
    out = tmp_path / "reports"
    adhoc = make(nbs / "adhoc.ipynb", "An ad hoc look", "print(n)")
    from dxlab.run import ReportSpec

    run_reports([ReportSpec(adhoc, {"n": 5}, "adhoc__n-5")], out_dir=out, groups=declared.groups,
                **QUIET)
    run_reports(declared.expand("municipalities"), out_dir=out, groups=declared.groups,
                jobs=2, **QUIET)
    results = run_reports(declared.expand(), out_dir=out, groups=declared.groups, jobs=2,
                          **QUIET)
    assert {r.status for r in results} == {"ok"}
    page = (out / "index.html").read_text(encoding="utf-8")
    sections = [s.split("<h2>")[1].split(" <span")[0] for s in page.split('<section class')[1:]]
    assert sections == ["National analyses", "Prefectures", "Municipalities", "Ad hoc runs"]
    # the named set's reports built earlier stay listed after the default run
    index = {r["name"]: r for r in json.loads((out / "index.json").read_text("utf-8"))
             ["reports"]}
    assert index["muni_47201"]["run_status"] == "earlier"
    assert index["adhoc__n-5"]["set"] == "" and index["adhoc__n-5"]["parameters"] == {
        "n": 5, "label": "x", "ratio": 0.5}
    assert index["pref_13"]["parameters"] == {"code": "13", "n": 1}  # values, not "defaults"
    assert len(index) == 1 + 2 + 4 + 3 + 1
    assert 'id="filter"' in page and "<script>" in page


@pytest.mark.parametrize(("text", "expect"), [
    ("[[report]\nnotebook = 'nat.ipynb'", "not valid TOML"),
    ("[[report]]\nnotebook = 'nat.ipynb'\nparameters = 5", "#1 (nat.ipynb): 'parameters' must "
     "be a table"),
    ("[[report]]\nnotebook = 'gone.ipynb'", "#1 (gone.ipynb): notebook"),
    ("[[report]]\nnotebook = 'nat.ipynb'\n[[report]]\nnotebook = 'nat.ipynb'\nparamters = {}",
     "#2 (nat.ipynb): unknown key(s) ['paramters']"),
    ("[[report]]\nname = 'x'", "[[report]] #1: has no 'notebook'"),
    ("[[report]]\nnotebook = 'nat.ipynb'\nparameters = {nope = 1}", "unknown parameter 'nope'"),
    ("[[report]]\nnotebook = 'nat.ipynb'\nparameters = {n = '5'}",
     "parameter 'n' has the wrong type: got '5' (a string)"),
    ("[[report]]\nnotebook = 'nat.ipynb'\nparameters = {n = true}", "got True (a boolean)"),
    ("[[report]]\nnotebook = 'nat.ipynb'\nparameters = {ratio = nan}", "is NaN"),
    ("[[report]]\nnotebook = 'nat.ipynb'\nname = '../x'", "report name '../x' is not allowed"),
    ("[[report]]\nnotebook = 'nat.ipynb'\nname = '/tmp/x'", "'/tmp/x' is not allowed"),
    ("[[report]]\nnotebook = 'nat.ipynb'\nname = 'sub/x'", "'sub/x' is not allowed"),
    ("[[report]]\nnotebook = 'nat.ipynb'\nname = 'Index'", "reserved for the index page"),
    ("[[report]]\nnotebook = 'nat.ipynb'\nname = '.hidden'", "'.hidden' is not allowed"),
    ("[[report]]\nnotebook = 'nat.ipynb'\n[[report]]\nnotebook = 'nat.ipynb'",
     "report names used twice: ['nat']"),
    ("[[report]]\nnotebook = 'nat.ipynb'\nname = 'A'\n[[report]]\nnotebook = 'nat.ipynb'\n"
     "name = 'a'", "used twice"),
    ("[groups]\nnational = 'N'\n[[report]]\nnotebook = 'nat.ipynb'\ngroup = 'nation'",
     "group 'nation' is not declared in [groups]"),
    ("[[report]]\nnotebook = 'profile.ipynb'\nmatrix = {code = []}", "matrix.code: the list"),
    ("[[report]]\nnotebook = 'profile.ipynb'\nmatrix = {code = [1, 2]}",
     "got 1 (an integer); expected a string"),
    ("[[report]]\nnotebook = 'profile.ipynb'\nmatrix = {zone = ['a']}",
     "matrix parameter 'zone' is not declared"),
    ("[[report]]\nnotebook = 'profile.ipynb'\nname = 'p_{cod}'\nmatrix = {code = ['01']}",
     "name template 'p_{cod}' cannot be filled"),
    ("[[report]]\nnotebook = 'profile.ipynb'\nmatrix = {code = 'fakeareas:broken'}",
     "fakeareas:broken() failed: RuntimeError: area table missing"),
    ("[[report]]\nnotebook = 'profile.ipynb'\nmatrix = {code = 'fakeareas:nothing'}",
     "fakeareas has no function 'nothing'"),
    ("[[report]]\nnotebook = 'profile.ipynb'\nmatrix = {code = 'no_such_mod:f'}",
     "cannot import 'no_such_mod'"),
    ("[[report]]\nnotebook = 'profile.ipynb'\nmatrix = {code = 'fakeareas:numbers'}",
     "got 1 (an integer); expected a string"),
    ("[[report]]\nnotebook = 'profile.ipynb'\nmatrix = {code = 'not a reference'}",
     "neither a list of values nor a function reference"),
    ("[[report]]\nnotebook = 'profile.ipynb'\nparameters = {code = '01'}\n"
     "matrix = {code = ['02']}", "set both in 'parameters' and in 'matrix'"),
    ("report = 3", "'report' must be an array of tables"),
    ("colour = 'red'", "unknown top-level key(s) ['colour']"),
    ("[[report]]\nnotebook = 'notjson.ipynb'", "not a notebook: invalid JSON at line 1"),
])
def test_reports_file_mistakes_name_the_file_and_entry(nbs, text, expect):
    (nbs / "notjson.ipynb").write_text("{not json", encoding="utf-8")
    path = write(nbs, text)
    with pytest.raises(ReportsFileError) as err:
        load_reports_file(path).expand()
    assert expect in str(err.value)
    assert str(path) in str(err.value)


def test_unknown_set_lists_the_declared_ones(nbs):
    declared = load_reports_file(write(nbs, DECLARATION))
    with pytest.raises(ReportsFileError, match="no set named 'munis'; declared: default, "
                                               "municipalities"):
        declared.expand("munis")


def test_cli_reports_file_error_is_exit_2_before_anything_runs(nbs, tmp_path):
    path = write(nbs, "[[report]]\nnotebook = 'nat.ipynb'\nparameters = 5\n")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "dxlab.cli", "run", "--reports-file",
                           str(path), "-o", str(out)], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2
    assert proc.stderr.startswith("dxlab: error: ") and "Traceback" not in proc.stderr
    assert str(path) in proc.stderr and "[[report]] #1 (nat.ipynb)" in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize("name", ["a", "pref_01", "town-13101.v2", "_x", "A" * 120])
def test_safe_names_are_accepted(name):
    assert validate_name(name, "here") == name


@pytest.mark.parametrize("name", ["", "..", "../x", "a/b", "a\\b", "-x", ".x", "index",
                                  "INDEX", "a b", "名前", "x" * 121, "a\x00b"])
def test_unsafe_names_are_rejected(name):
    with pytest.raises(ReportsFileError, match="here: report name"):
        validate_name(name, "here")


def test_cli_name_is_validated(tmp_path):
    nb = make(tmp_path / "n.ipynb", "N", "1")
    for bad in ("../escape", "index", "sub/x"):
        proc = subprocess.run([sys.executable, "-m", "dxlab.cli", "run", str(nb), "--name", bad,
                               "-o", str(tmp_path / "out")], capture_output=True, text=True,
                              cwd=REPO)
        assert proc.returncode == 2, proc.stderr
        assert f"report name {bad!r}" in proc.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "escape.html").exists()
