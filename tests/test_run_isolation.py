"""Warm execution keeps reports isolated: what one report changes in its process (globals,
module attributes, options, environment, working directory, random state) is not seen by
the next report run by the same worker."""

from __future__ import annotations

import html
import json

from fixtures.make_notebooks import make

from dxlab.run import ReportSpec, run_reports

MUTATE = """
import builtins, os, statistics, sys
import matplotlib, numpy as np, pandas as pd
import dxlab.plot
LEAK_GLOBAL = 1
builtins.LEAK = 1
dxlab.plot.FONT_FAMILY = "Comic Sans"
dxlab.plot.HOUSE_STYLE["axes.grid"] = False
pd.set_option("display.max_rows", 3)
matplotlib.rcParams["lines.linewidth"] = 99
os.environ["DXLAB_LEAK"] = "1"
os.chdir("/")
sys.path.insert(0, "/leak")
statistics.mean = None
np.random.seed(0)
print("mutated", dxlab.plot.FONT_FAMILY, pd.get_option("display.max_rows"), os.getcwd())
"""

CHECK = """
import builtins, json, os, statistics, sys, pathlib
import matplotlib, numpy as np, pandas as pd
import dxlab.plot
seen = {
    "global": "LEAK_GLOBAL" in globals(),
    "builtin": hasattr(builtins, "LEAK"),
    "font": dxlab.plot.FONT_FAMILY,
    "grid": dxlab.plot.HOUSE_STYLE["axes.grid"],
    "max_rows": pd.get_option("display.max_rows"),
    "linewidth": matplotlib.rcParams["lines.linewidth"],
    "env": os.environ.get("DXLAB_LEAK"),
    "cwd_is_notebook_dir": pathlib.Path.cwd() == pathlib.Path(NB_DIR),
    "path": "/leak" in sys.path,
    "module": statistics.mean is not None,
    "random": int(np.random.randint(0, 2**31 - 1)),
}
print("SEEN " + json.dumps(seen))
"""


def _seen(page: str) -> dict:
    line = next(x for x in page.splitlines() if "SEEN {" in x)
    return json.loads(html.unescape(line[line.index("{"):]))


def test_a_report_mutating_globals_and_modules_does_not_affect_the_next(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    check = CHECK.replace("NB_DIR", repr(str(nbs)))
    specs = [ReportSpec(make(nbs / "a_mutate.ipynb", "Mutate", MUTATE)),
             ReportSpec(make(nbs / "b_check.ipynb", "Check", check)),
             ReportSpec(make(nbs / "c_check.ipynb", "Check again", check))]
    out = tmp_path / "r"
    results = run_reports(specs, out_dir=out, jobs=1, progress=lambda _m: None)
    assert [r.status for r in results] == ["ok", "ok", "ok"], [r.error for r in results]
    # the mutations did happen in the first report
    assert "mutated Comic Sans 3 /" in (out / "a_mutate.html").read_text(encoding="utf-8")
    b = _seen((out / "b_check.html").read_text(encoding="utf-8"))
    c = _seen((out / "c_check.html").read_text(encoding="utf-8"))
    expected = {"global": False, "builtin": False, "font": "IPAexGothic", "grid": True,
                "max_rows": 1000, "env": None, "cwd_is_notebook_dir": True, "path": False,
                "module": True}
    for seen in (b, c):
        assert {k: v for k, v in seen.items() if k not in ("random", "linewidth")} == expected
        assert seen["linewidth"] != 99
    # each process gets fresh random state, as a fresh kernel would (not the parent's copy)
    assert b["random"] != c["random"]
