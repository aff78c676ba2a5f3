"""The report shell and the warm template's figure warm-up: a figure is drawn only to make
its PNG (not also for pyplot's refresh of interactive windows), and warming up changes
nothing a report can observe. Each check runs in a fresh interpreter, because the shell is a
process-wide singleton."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True, timeout=120).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_a_figure_cell_is_drawn_once_and_kept_as_a_png():
    seen = _run("""
import json
from dxlab.run.engine import execute
draws = []
nb = {"cells": [
    {"cell_type": "code", "source": (
        "import matplotlib.pyplot as plt\\n"
        "fig, ax = plt.subplots()\\n"
        "fig.canvas.mpl_connect('draw_event', lambda e: DRAWS.append(1))\\n"
        "ax.plot([1, 2, 3], [3, 1, 2])"), "metadata": {}, "outputs": []},
    {"cell_type": "code", "source": "len(DRAWS)", "metadata": {}, "outputs": []},
]}
import builtins
builtins.DRAWS = draws
result = execute(nb)
kinds = [sorted(o.get("data", {})) for o in nb["cells"][0]["outputs"]]
print(json.dumps({"status": result.status, "draws": len(draws), "kinds": kinds}))
""")
    assert seen["status"] == "ok"
    assert any("image/png" in k for k in seen["kinds"]), seen["kinds"]
    # one draw makes the PNG (matplotlib's tight saving would measure, then draw again);
    # pyplot's post-cell refresh of interactive windows would add a draw that nobody sees
    assert seen["draws"] == 1


def test_warming_up_figures_leaves_no_state_a_report_can_see():
    seen = _run("""
import json
import matplotlib
matplotlib.use("agg")
import matplotlib.pyplot as plt
import dxlab.plot  # importing it sets the font family (matplotlib_fontja does on import)
before = {k: repr(v) for k, v in matplotlib.rcParams.items()}
from dxlab.run.warm import warm_up_figures
warm_up_figures()
after = {k: repr(v) for k, v in matplotlib.rcParams.items()}
changed = sorted(k for k in before if before[k] != after.get(k))
print(json.dumps({"changed": changed, "fignums": plt.get_fignums(),
                  "next": plt.figure().number}))
""")
    assert seen == {"changed": [], "fignums": [], "next": 1}


def test_module_roots_drop_private_submodules_of_named_modules_only():
    from dxlab.run.warm import module_roots

    new = ["scipy", "scipy.stats", "scipy.stats._qmc", "scipy.stats._continuous_distns",
           "scipy.sparse.csgraph", "scipy.sparse.csgraph._flow", "scipy._lib._util",
           "dxlab.kpi", "pyarrow.dataset", "requests", "requests.adapters", "os"]
    # importing scipy does not import scipy.stats, so both stay; scipy._lib._util is private
    # below scipy, which is named
    assert module_roots(new) == ["dxlab.kpi", "pyarrow.dataset", "scipy",
                                 "scipy.sparse.csgraph", "scipy.stats"]


def test_the_import_recorder_sees_imports_of_modules_already_loaded():
    from dxlab.run.warm import ImportRecorder

    seen = _run("""
import json, importlib, sys
import dxlab.kpi, dxlab.clean
from dxlab.run.warm import ImportRecorder
with ImportRecorder() as rec:
    import dxlab.kpi                              # already loaded
    from dxlab.clean import numbers                # a submodule by from-import
    importlib.import_module("dxlab.cases")        # by importlib
    exec("from . import stats", {"__package__": "dxlab", "__name__": "dxlab.x"})  # relative
import builtins
print(json.dumps({"names": sorted(rec.names),
                  "restored": builtins.__import__ is __import__
                              and importlib.import_module.__name__ == "import_module"}))
""")
    assert {"dxlab.kpi", "dxlab.clean", "dxlab.clean.numbers", "dxlab.cases",
            "dxlab.stats"} <= set(seen["names"])
    assert seen["restored"]
    assert ImportRecorder  # imported in this process too: the module imports cleanly


def test_a_batch_without_history_preloads_what_its_reports_keep_importing(tmp_path):
    """A first run has no record of what its reports import; once two reports have imported
    a module (jobs=1), the template imports it and later reports start with it."""
    from fixtures.make_notebooks import make

    from dxlab.run import ReportSpec, run_reports
    from dxlab.run.warm import close_shared

    body = ('import sys\nprint("AT_START", "dxlab.kpi" in sys.modules)\n'
            "import dxlab.kpi")
    specs = [ReportSpec(make(tmp_path / f"r{i}.ipynb", f"Report {i}", body)) for i in range(5)]
    close_shared()  # a template of this session may have learned dxlab.kpi already
    try:
        results = run_reports(specs, out_dir=tmp_path / "out", jobs=1,
                              progress=lambda _m: None)
    finally:
        close_shared()
    assert [r.status for r in results] == ["ok"] * 5
    at_start = ["AT_START True" in (tmp_path / "out" / f"r{i}.html").read_text(encoding="utf-8")
                for i in range(5)]
    # reports 0 and 1 import it themselves; report 2 may be forked before the request is
    # handled; reports 3 and 4 are forked after it
    assert at_start[:2] == [False, False] and at_start[3:] == [True, True], at_start
    # every report records that it used the module, also those that started with it (so
    # the next run's template preloads it from the start)
    index = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))
    assert all("dxlab.kpi" in r["imported"] for r in index["reports"])


def test_a_preload_request_that_fails_is_reported_and_the_template_keeps_serving(tmp_path):
    import time

    from dxlab.run.warm import Template

    template = Template()
    try:
        template.preload(["dxlab.no_such_module", "os; rm -rf /", "dxlab.kpi"])
        template.preload(["dxlab.kpi"])  # asked for already: not sent again
        deadline = time.monotonic() + 60
        while not template.preloaded and time.monotonic() < deadline:
            time.sleep(0.05)
        assert template.preloaded == ["dxlab.no_such_module", "dxlab.kpi"]
        assert len(template.preload_failed) == 1
        assert "dxlab.no_such_module" in template.preload_failed[0]
        assert template.alive()
    finally:
        template.close()


def test_a_failed_import_shows_the_readers_code_not_the_import_recorder():
    seen = _run("""
import json
from dxlab.run.engine import execute
from dxlab.run.warm import ImportRecorder
nb = {"cells": [{"cell_type": "code", "source": "import no_such_module_here",
                 "metadata": {}, "outputs": []}]}
with ImportRecorder():
    result = execute(nb)
print(json.dumps({"error": result.error,
                  "traceback": "\\n".join(nb["cells"][0]["outputs"][-1]["traceback"])}))
""")
    assert seen["error"].startswith("ModuleNotFoundError: No module named "
                                    "'no_such_module_here'")
    text = re.sub(r"\x1b\[[0-9;]*m", "", seen["traceback"])  # drop the colour codes
    assert "----> 1 import no_such_module_here" in text
    assert "warm.py" not in text and "recording_import" not in text
