"""Runner fault cases: hostile names and parameter values, broken reports.toml and notebooks,
unusable reports folders, notebooks that raise, kill their kernel, hang, flood their output
or leave processes behind, concurrent runs, a killed batch and a killed template.

Each case goes through a :class:`~robustness.harness.Probe` (the summary table at the end of
the run). The slow notebook cases share one batch (``fault_batch``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import REPO
from fixtures.make_notebooks import make

from dxlab.run import ReportSpec, load_reports_file, run_reports
from robustness.harness import Probe, lost, snapshot

AREA = "runner"
QUIET = {"progress": lambda _m: None}


def cli(*args, timeout=120, **kw):
    return subprocess.run([sys.executable, "-m", "dxlab.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=REPO, timeout=timeout, **kw)


def clear_exit_2(probe: Probe, proc: subprocess.CompletedProcess, *must: str) -> None:
    """Record a CLI run that had to stop with exit 2 and a message naming ``must``."""
    if proc.returncode != 2 or "Traceback" in proc.stderr:
        probe.outcome("crash", f"exit {proc.returncode}: {proc.stderr[-500:]}")
    missing = [m for m in must if m not in proc.stderr]
    probe.outcome("unclear error" if missing else "clear error",
                  f"missing {missing}: {proc.stderr[-300:]}" if missing else proc.stderr[:300])


# --------------------------------------------------------------------------- fast: names


@pytest.mark.parametrize("bad", ["../escape", "/tmp/abs", "sub/x", "index", "INDEX", ".hidden",
                                 "a\x00b", "名前", "x" * 200])
def test_hostile_report_names_are_refused(tmp_path, bad):
    nb = make(tmp_path / "nb.ipynb", "N", "1")
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    Probe(AREA, f"report name {bad[:20]!r}").rejects(
        lambda: run_reports([ReportSpec(nb, {}, bad)], out_dir=out, **QUIET),
        names=[repr(bad)])
    assert not out.exists() and not lost(before, snapshot(tmp_path))
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["nb.ipynb"]


# --------------------------------------------------------------------------- fast: values

STRICT = "n = 1\nlabel = 'x'\nratio = 0.5\nitems = [1]"


@pytest.mark.parametrize(("name", "value", "text"), [
    ("n", "5", False), ("n", True, False), ("n", "9" * 5000, True), ("n", "0x10", True),
    ("n", " 1 2 ", True), ("ratio", float("nan"), False), ("ratio", float("-inf"), False),
    ("ratio", "1e400", True), ("ratio", "NaN", True), ("ratio", "", True),
    ("items", "[" * 500 + "]" * 500, True), ("items", "__import__('os')", True),
    ("label", "\udcff", True), ("label", b"x", False), ("n", None, False),
])
def test_hostile_parameter_values_are_refused(tmp_path, name, value, text):
    from dxlab.run.notebooks import resolve_parameters

    nb = make(tmp_path / "v.ipynb", "V", "1", STRICT)
    Probe(AREA, f"parameter {name}={str(value)[:16]!r}").rejects(
        lambda: resolve_parameters(nb, {name: value}, from_text=text), names=[repr(name)])


# --------------------------------------------------------------------------- fast: files


def _reports(tmp_path, text, extra=None):
    folder = tmp_path / "nbs"
    folder.mkdir(exist_ok=True)
    make(folder / "ok.ipynb", "Ok", "1")
    for name, content in (extra or {}).items():
        (folder / name).write_text(content, encoding="utf-8")
    path = folder / "reports.toml"
    path.write_text(text, encoding="utf-8")
    return path


BROKEN_NB = {
    "empty.ipynb": "",
    "notjson.ipynb": "{\"cells\": [",
    "list.ipynb": "[]",
    "v3.ipynb": json.dumps({"nbformat": 3, "cells": []}),
    "badcell.ipynb": json.dumps({"nbformat": 4, "cells": [{"cell_type": "weird"}]}),
    "nosrc.ipynb": json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "source": 5}]}),
    "noparams.ipynb": json.dumps({"nbformat": 4, "metadata": {}, "cells": []}),
    "twoparams.ipynb": json.dumps({"nbformat": 4, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "a = 1"},
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "b = 1"}]}),
    "nonliteral.ipynb": json.dumps({"nbformat": 4, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "a = f()"}]}),
    "syntax.ipynb": json.dumps({"nbformat": 4, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "a = ("}]}),
    "latin1.ipynb": "\xff\xfe",
}


@pytest.mark.parametrize("notebook", sorted(BROKEN_NB))
def test_broken_notebooks_are_named(tmp_path, notebook):
    path = _reports(tmp_path, f"[[report]]\nnotebook = '{notebook}'\n",
                    {notebook: BROKEN_NB[notebook]})
    if notebook == "latin1.ipynb":
        (path.parent / notebook).write_bytes(b"\xff\xfe\x00")
    Probe(AREA, f"notebook {notebook}").rejects(
        lambda: load_reports_file(path).expand(), names=[str(path), "#1", notebook])


@pytest.mark.parametrize(("kind", "text"), [
    ("invalid TOML", "[[report]\n"),
    ("parameters = 5", "[[report]]\nnotebook = 'ok.ipynb'\nparameters = 5\n"),
    ("matrix = 'x'", "[[report]]\nnotebook = 'ok.ipynb'\nmatrix = 3\n"),
    ("missing notebook", "[[report]]\nnotebook = 'gone.ipynb'\n"),
    ("notebook = 7", "[[report]]\nnotebook = 7\n"),
    ("notebook outside", "[[report]]\nnotebook = '../../../etc/passwd'\n"),
    ("unknown key", "[[report]]\nnotebook = 'ok.ipynb'\nparameter = {n = 1}\n"),
    ("report is a table", "[report]\nnotebook = 'ok.ipynb'\n"),
    ("set is not an array", "[set.x]\nnotebook = 'ok.ipynb'\n"),
    ("groups not text", "[groups]\nnational = 1\n[[report]]\nnotebook = 'ok.ipynb'\n"),
    ("no reports", "# nothing\n"),
    ("binary file", None),
])
def test_broken_reports_file_is_named(tmp_path, kind, text):
    path = _reports(tmp_path, text or "")
    if text is None:
        path.write_bytes(b"\x00\xff\xfe garbage")
    Probe(AREA, f"reports.toml: {kind}").rejects(
        lambda: load_reports_file(path).expand(), names=[str(path)])


@pytest.mark.parametrize(("kind", "args", "must"), [
    ("--jobs 0", ["--jobs", "0"], ["--jobs"]),
    ("--jobs -1", ["--jobs", "-1"], ["--jobs"]),
    ("--timeout -5", ["--timeout", "-5"], ["--timeout"]),
    ("--timeout nan", ["--timeout", "nan"], ["--timeout"]),
    ("--set unknown", ["--set", "nope"], ["no set named 'nope'"]),
    ("--executor dask without --scheduler", ["--executor", "dask"], ["--scheduler"]),
])
def test_bad_command_lines_stop_before_anything_runs(tmp_path, kind, args, must):
    out = tmp_path / "out"
    proc = cli("run", *args, "-o", out)
    clear_exit_2(Probe(AREA, f"command line {kind}"), proc, *must)
    assert not out.exists()


def test_reports_folder_that_is_a_file(tmp_path):
    target = tmp_path / "reports"
    target.write_text("precious", encoding="utf-8")
    nb = make(tmp_path / "nb.ipynb", "N", "1")
    proc = cli("run", nb, "-o", target)
    clear_exit_2(Probe(AREA, "reports folder is a file"), proc, str(target), "not a folder")
    assert target.read_text(encoding="utf-8") == "precious"


def _permission_bits_apply():
    """preexec_fn: drop the capabilities that let root ignore permission bits (CI runs as
    root), so a read-only folder is read-only for the command."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP: gone after exec


def test_read_only_and_uncreatable_reports_folders(tmp_path):
    nb = make(tmp_path / "nb.ipynb", "N", "1")
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "old.html").write_text("old report", encoding="utf-8")
    ro.chmod(0o555)
    try:
        for kind, target, must in (("read-only", ro, "not writable"),
                                   ("cannot be created", ro / "sub", "cannot create")):
            proc = subprocess.run([sys.executable, "-m", "dxlab.cli", "run", str(nb), "-o",
                                   str(target)], capture_output=True, text=True, cwd=REPO,
                                  preexec_fn=_permission_bits_apply, timeout=120)
            clear_exit_2(Probe(AREA, f"reports folder {kind}"), proc, str(target), must)
    finally:
        ro.chmod(0o755)
    assert (ro / "old.html").read_text(encoding="utf-8") == "old report"
    assert sorted(p.name for p in ro.iterdir()) == ["old.html"]


def test_missing_reports_folder_is_created(tmp_path):
    nb = make(tmp_path / "nb.ipynb", "N", "print('made')")
    out = tmp_path / "a" / "b" / "reports"
    Probe(AREA, "reports folder missing").accepts(
        lambda: run_reports([ReportSpec(nb)], out_dir=out, **QUIET),
        lambda rs: rs[0].status == "ok" and (out / "index.html").is_file())


# --------------------------------------------------------------------------- slow: one batch

INJECT = "'''\"\"\"; import os; os._exit(9) #\n<script>alert(1)</script> ${x} {{y}}"
FAULTS = {
    # name: (cells, parameters, what the error must say)
    "f_raise": (["raise ValueError('deliberate: bad input')"], {}, "ValueError: deliberate"),
    "f_exit": (["x = 1", "import os\nos._exit(3)"], {}, "kernel died"),
    "f_sigkill": (["import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"], {},
                  "SIGKILL"),
    "f_segfault": (["import ctypes\nctypes.string_at(0)"], {}, "SIGSEGV"),
    "f_sleep": (["import time\ntime.sleep(120)"], {}, "timed out after 2 s"),
    "f_hard_hang": (["import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                     "time.sleep(120)"], {}, "timed out after 2 s and did not stop"),
    "f_sysexit": (["import sys\nsys.exit(0)"], {}, "SystemExit"),
    "f_input": (["input('answer? ')"], {}, "EOFError"),
    "f_huge_output": (["import sys\nfor _ in range(120):\n    sys.stdout.write('y' * 100_000)"],
                      {}, ""),
    "f_inject": (["print('LEN', len(label), 'OK' if label == INJECT else 'DIFFERENT')"
                  .replace("INJECT", repr(INJECT))], {"label": INJECT}, ""),
    "f_lingering": (["import subprocess, pathlib\n"
                     "p = subprocess.Popen(['sleep', '300'])\n"
                     "pathlib.Path(PIDFILE).write_text(str(p.pid))"], {}, ""),
}


@pytest.fixture(scope="module")
def fault_batch(tmp_path_factory):
    from dxlab.run import local

    base = tmp_path_factory.mktemp("faults")
    nbs, out = base / "nbs", base / "reports"
    nbs.mkdir()
    keeper = make(nbs / "keeper.ipynb", "Keeper", "print('kept')")
    run_reports([ReportSpec(keeper)], out_dir=out, **QUIET)
    kept = {k: v for k, v in snapshot(out).items() if k.startswith("keeper.")}
    pidfile = base / "lingering.pid"
    specs = []
    for name, (cells, params, _msg) in FAULTS.items():
        cells = [c.replace("PIDFILE", repr(str(pidfile))) for c in cells]
        specs.append(ReportSpec(make(nbs / f"{name}.ipynb", name, cells), params))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(local, "GRACE_S", 2.0)
        t0 = time.monotonic()
        results = run_reports(specs, out_dir=out, jobs=2, timeout_s=2, **QUIET)
        elapsed = time.monotonic() - t0
    return {"out": out, "results": {r.name: r for r in results}, "kept": kept,
            "pidfile": pidfile, "elapsed": elapsed}


def _page(batch, name):
    return (batch["out"] / f"{name}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [n for n, v in FAULTS.items() if v[2]])
def test_failing_notebooks_become_clear_failed_reports(fault_batch, name):
    r = fault_batch["results"][name]
    must = FAULTS[name][2]
    probe = Probe(AREA, f"notebook {name[2:]}")
    if r.status != "failed":
        probe.outcome("silent wrong", f"status {r.status}")
    page = _page(fault_batch, name)
    named = must in r.error and must in page and "This report failed" in page
    if must != "SystemExit" and "cell" not in r.error:
        named = False
    probe.outcome("clear error" if named else "unclear error", r.error)


def test_huge_output_is_cut_with_a_note(fault_batch):
    r = fault_batch["results"]["f_huge_output"]
    page = _page(fault_batch, "f_huge_output")
    probe = Probe(AREA, "notebook prints 12 MB")
    ok = r.status == "ok" and "output truncated here" in page and len(page) < 8_000_000
    probe.outcome("accepted" if ok else "silent wrong", f"{r.status} {len(page)} bytes")


def test_injection_in_a_parameter_value_arrives_as_plain_text(fault_batch):
    r = fault_batch["results"]["f_inject"]
    page = _page(fault_batch, "f_inject")
    probe = Probe(AREA, "parameter value with quotes, code and HTML")
    ok = (r.status == "ok" and f"LEN {len(INJECT)} OK" in page
          and "<script>alert(1)</script>" not in page)
    probe.outcome("accepted" if ok else "silent wrong", r.error or page[-300:])


def test_processes_a_notebook_leaves_behind_end_with_it(fault_batch):
    pid = int(fault_batch["pidfile"].read_text())
    state = Path(f"/proc/{pid}/status")
    alive = state.exists() and "State:\tZ" not in state.read_text()
    Probe(AREA, "notebook leaves a subprocess running").outcome(
        "data lost" if alive else "accepted", f"sleep pid {pid} alive={alive}")


def test_faults_do_not_touch_other_reports_or_leave_staging(fault_batch):
    out = fault_batch["out"]
    now = snapshot(out)
    gone = lost(fault_batch["kept"], now)
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".staging-")]
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    listed = {r["name"] for r in index["reports"]}
    ok = not gone and not leftovers and listed == {"keeper", *FAULTS}
    Probe(AREA, "faults leave other reports and the index whole").outcome(
        "accepted" if ok else "data lost", f"lost {gone} leftovers {leftovers} "
        f"listed {sorted(listed)}")
    # one batch, two at a time: the three 2 s timeouts (+2 s grace) dominate
    assert fault_batch["elapsed"] < 60


# --------------------------------------------------------------------------- slow: processes


def _wait_for(pred, timeout=60.0, step=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return False


def _procs_with(token: str) -> list[int]:
    found = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if token.encode() in (p / "environ").read_bytes():
                    status = (p / "status").read_text()
                    if "State:\tZ" not in status:
                        found.append(int(p.name))
            except OSError:
                continue
    return found


def _sleepy(tmp_path, n=4, seconds=30):
    nbs = tmp_path / "nbs"
    nbs.mkdir(exist_ok=True)
    lines = "".join(f'[[report]]\nnotebook = "s{i}.ipynb"\n' for i in range(n))
    for i in range(n):
        make(nbs / f"s{i}.ipynb", f"Sleep {i}", f"import time\ntime.sleep({seconds})")
    (nbs / "reports.toml").write_text(lines, encoding="utf-8")
    return nbs / "reports.toml"


def test_sigkill_of_dxlab_run_leaves_no_report_running(tmp_path):
    toml = _sleepy(tmp_path)
    out = tmp_path / "out"
    token = f"DXLAB_TEST_TOKEN={os.getpid()}-{time.time_ns()}"
    env = {**os.environ, token.split("=")[0]: token.split("=")[1]}
    proc = subprocess.Popen([sys.executable, "-m", "dxlab.cli", "run", "--reports-file",
                             str(toml), "-o", str(out), "--jobs", "2"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        started = _wait_for(lambda: len(list(out.glob(".staging-*/*/progress.json"))) >= 2)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert started
    gone = _wait_for(lambda: not _procs_with(token), timeout=15)
    Probe(AREA, "dxlab run killed with SIGKILL mid-batch").outcome(
        "accepted" if gone else "crash", f"left running: {_procs_with(token)}")
    # the next run cleans the dead run's staging folder and finishes
    (tmp_path / "nbs" / "reports.toml").write_text(
        '[[report]]\nnotebook = "s0.ipynb"\nparameters = {}\n', encoding="utf-8")
    for i in range(4):
        make(tmp_path / "nbs" / f"s{i}.ipynb", f"Sleep {i}", "1")
    again = cli("run", "--reports-file", tmp_path / "nbs" / "reports.toml", "-o", out)
    assert again.returncode == 0, again.stderr
    assert not list(out.glob(".staging-*"))


def test_concurrent_runs_on_one_folder_wait_or_stop_clearly(tmp_path):
    toml = _sleepy(tmp_path, n=1, seconds=4)
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "dxlab.cli", "run", "--reports-file",
                              str(toml), "-o", str(out)], cwd=REPO,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: (out / ".dxlab-run.lock").is_file()
                         and (out / ".dxlab-run.lock").stat().st_size > 0)
        refused = cli("run", "--reports-file", toml, "-o", out, "--no-wait")
        clear_exit_2(Probe(AREA, "second run on a busy folder (--no-wait)"), refused,
                     "another dxlab run is writing here", f"pid {first.pid}")
        waited = cli("run", "--reports-file", toml, "-o", out)
    finally:
        first_err = first.communicate(timeout=120)[1]
    ok = (first.returncode == 0 and waited.returncode == 0
          and "waiting for it to finish" in waited.stderr and "cached s0" in waited.stderr)
    Probe(AREA, "second run on a busy folder waits").outcome(
        "accepted" if ok else "crash", f"{first.returncode} {first_err[-200:]} "
        f"{waited.returncode} {waited.stderr[-300:]}")


def test_killed_template_fails_only_the_running_reports(tmp_path):
    from dxlab.run import warm

    nbs = tmp_path / "nbs"
    nbs.mkdir()
    specs = [ReportSpec(make(nbs / f"t{i}.ipynb", f"T{i}", ["x = 1", "import time\n"
                                                            "time.sleep(3)"]))
             for i in range(2)]
    specs += [ReportSpec(make(nbs / f"q{i}.ipynb", f"Q{i}", "print('queued ok')"))
              for i in range(2)]
    out = tmp_path / "out"
    template = warm.shared_template()
    box: dict = {}
    worker = threading.Thread(target=lambda: box.update(r=run_reports(
        specs, out_dir=out, jobs=2, **QUIET)))
    worker.start()
    assert _wait_for(lambda: len(list(out.glob(".staging-*/t*/progress.json"))) == 2)
    os.kill(template.proc.pid, signal.SIGKILL)  # as the out-of-memory killer would
    worker.join(120)
    status = {r.name: (r.status, r.error) for r in box["r"]}
    ok = (all(status[f"q{i}"][0] == "ok" for i in range(2))
          and all(status[f"t{i}"][0] == "failed" and "kernel died" in status[f"t{i}"][1]
                  and "template" in status[f"t{i}"][1] for i in range(2)))
    Probe(AREA, "template killed mid-batch (OOM)").outcome(
        "clear error" if ok else "unclear error", json.dumps(status)[:300])
    assert "kernel died" in (out / "t0.html").read_text(encoding="utf-8")


def test_cli_errors_never_print_a_traceback(tmp_path):
    bad = tmp_path / "r.toml"
    bad.write_text("[[report]]\nnotebook = 'x.ipynb'\n", encoding="utf-8")
    proc = cli("run", "--reports-file", bad, "-o", tmp_path / "o")
    clear_exit_2(Probe(AREA, "CLI: reports.toml names a missing notebook"), proc, str(bad),
                 "x.ipynb")
    assert re.match(r"dxlab: error: ", proc.stderr)


def test_sigterm_keeps_finished_reports_and_rewrites_the_index(tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    make(nbs / "quick.ipynb", "Quick", "print('done')")
    make(nbs / "slow.ipynb", "Slow", "import time\ntime.sleep(120)")
    toml = nbs / "reports.toml"
    toml.write_text('[[report]]\nnotebook = "quick.ipynb"\n[[report]]\nnotebook = "slow.ipynb"\n',
                    encoding="utf-8")
    out = tmp_path / "out"
    token = f"DXLAB_TEST_TOKEN={os.getpid()}-{time.time_ns()}"
    env = {**os.environ, token.split("=")[0]: token.split("=")[1]}
    proc = subprocess.Popen([sys.executable, "-m", "dxlab.cli", "run", "--reports-file",
                             str(toml), "-o", str(out), "--jobs", "2"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: (out / "quick.key.json").is_file()
                         and list(out.glob(".staging-*/slow/progress.json")))
    finally:
        proc.terminate()
        err = proc.communicate(timeout=60)[1]
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    ok = (proc.returncode == 130 and "interrupted" in err
          and [r["name"] for r in index["reports"]] == ["quick"]
          and _wait_for(lambda: not _procs_with(token), timeout=15)
          and not list(out.glob(".staging-*")))
    Probe(AREA, "dxlab run stopped with SIGTERM mid-batch").outcome(
        "clear error" if ok else "data lost", f"exit {proc.returncode}: {err[-300:]}")
