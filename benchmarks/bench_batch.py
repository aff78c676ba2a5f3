"""Benchmark: building reports with ``dxlab run``, side by side with its baselines.

Prints, in one run (whole-process wall time of each command, medians; A and B runs
interleaved so drift in the machine's speed hits both):

1. the full default batch (``notebooks/reports.toml``) with ``dxlab run --force`` against a
   serial loop of the ``papermill`` and ``jupyter nbconvert --to html --no-input`` CLIs over
   the same notebooks and parameters (goal: at most 0.25x);
2. an unchanged rerun (every report served from cache) against the full batch (goal: at
   least 20x faster);
3. a batch of N area profiles (default 50, ``--profiles``) against a batch of 4: the
   marginal wall time per report, and the whole 1,741 municipalities extrapolated
   (goal: at most 0.6 s per report, about 15 minutes in all);
4. ``python -c "import dxlab"`` against ``python -c "import pandas"`` (goal: at most 0.3 s).

The profile notebook is ``notebooks/06_municipality_profile.ipynb`` with
``dxlab.areas:municipality_codes`` when they exist; until then a stand-in of the same shape
written by this script (load two catalogued prefecture tables, select one area, one table,
one figure, findings and a headline), run for the 47 prefectures in turn.

Usage: ``python benchmarks/bench_batch.py [--runs 3] [--profiles 50] [--jobs N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GOALS = {"batch": 0.25, "rerun": 20.0, "marginal": 0.6, "import": 0.3}
N_MUNICIPALITIES = 1741


def wall(cmd: list[str], env: dict, cwd: Path = REPO) -> float:
    """Seconds from start to exit of ``cmd`` (it must succeed)."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return elapsed


def serial_loop(specs: list[tuple[Path, dict, str]], out: Path, env: dict) -> float:
    """The baseline: papermill then nbconvert, one notebook after the other."""
    t0 = time.perf_counter()
    for nb, params, name in specs:
        executed = out / f"{name}.ipynb"
        wall([str(BIN / "papermill"), str(nb), str(executed), "-k", "python3",
              "--no-progress-bar", "--cwd", str(nb.parent), "-y", json.dumps(params)], env)
        wall([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
              str(executed), "--output-dir", str(out)], env)
    return time.perf_counter() - t0


def profile_notebook(folder: Path) -> tuple[Path, str, list[str]]:
    """(notebook, parameter name, area codes): the real municipal profile if it exists,
    else the stand-in described in the module docstring."""
    real = REPO / "notebooks" / "06_municipality_profile.ipynb"
    if real.is_file():
        try:
            from dxlab.areas import municipality_codes  # type: ignore[import-not-found]

            return real, "muni_code", [str(c) for c in municipality_codes()]
        except ImportError:
            pass
    nb = new_notebook()
    params = new_code_cell('area = "13"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        new_markdown_cell("# Area profile (benchmark stand-in)\n\n**Question.** How did this "
                          "area's population and My Number Card issuance develop?"),
        new_markdown_cell("## Parameters\n\n- `area` — JIS X 0401 prefecture code."),
        params,
        new_code_cell("import matplotlib.pyplot as plt\nimport pandas as pd\n"
                      "from IPython.display import Markdown, display\n\nimport dxlab\n"
                      "from dxlab import plot"),
        new_code_cell('pop = dxlab.load("census_population_prefecture_total")\n'
                      'mine = pop[pop["pref_code"] == area]\nname = mine["prefecture"].iloc[0]\n'
                      'mine.tail(8).set_index("year")[["population"]].T'),
        new_code_cell('cards = dxlab.load("mic_mynumber_card_prefecture")\n'
                      'c = cards[cards["pref_code"] == area]'),
        new_markdown_cell("**Figure 1.** Card issuance rate of the area over time."),
        new_code_cell('plot.use_style()\nfig, ax = plt.subplots(figsize=(8, 4))\n'
                      'ax.plot(pd.to_datetime(c["reference_date"]), '
                      'c["issuance_rate_percent"], marker="o")\n'
                      'ax.set_title(f"{name}: マイナンバーカード交付率")\n'
                      'ax.set_ylabel("交付率 (%)");'),
        new_code_cell('last = c.iloc[-1]\ndisplay(Markdown(f"- On {last.reference_date} '
                      '{last.issuance_rate_percent:.1f}% of {name}\'s residents held a card."))'
                      '\nfrom dxlab.reporting import headline; headline(f"{name}: '
                      '{last.issuance_rate_percent:.1f}% on {last.reference_date}.")'),
    ]
    path = folder / "area_profile.ipynb"
    nbformat.write(nb, path)
    return path, "area", [f"{i:02d}" for i in range(1, 48)]


def profiles_toml(folder: Path, nb: Path, param: str, codes: list[str], n: int) -> Path:
    lines = []
    for i in range(n):
        code = codes[i % len(codes)]
        lines += ["[[report]]", f"notebook = {json.dumps(str(nb))}", f'name = "p{i:04d}"',
                  f"parameters = {{{param} = {json.dumps(code)}}}", ""]
    path = folder / f"profiles_{n}.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {len(os.sched_getaffinity(0))} cores, "
            f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="runs of each batch (median)")
    ap.add_argument("--profiles", type=int, default=50, help="area profiles in the big batch")
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from dxlab.run import read_reports_file

    work = Path(tempfile.mkdtemp(prefix="dxlab-bench-batch-"))
    env = {**os.environ, "DXLAB_CACHE_DIR": str(work / "processed"), "PYTHONWARNINGS": "ignore"}
    dxlab = [str(BIN / "dxlab"), "run", "--jobs", str(args.jobs)]
    py = str(BIN / "python")
    try:
        print(f"bench_batch: {machine()}; --jobs {args.jobs}; medians of {args.runs} runs "
              f"(imports: {2 * args.runs + 1})", flush=True)
        # 4. imports (first: nothing else is warm yet either)
        imp, imp_pd = [], []
        for _ in range(2 * args.runs + 1):
            imp.append(wall([py, "-c", "import dxlab"], env))
            imp_pd.append(wall([py, "-c", "import pandas"], env))
        # 1. full batch vs serial papermill + nbconvert loop
        specs = [(s.notebook, s.parameters, s.report_name)
                 for s in read_reports_file(REPO / "notebooks" / "reports.toml")]
        out_a, out_b = work / "reports", work / "baseline"
        out_b.mkdir()
        wall([*dxlab, "-o", str(out_a)], env)  # warm-up: parquet cache, OS file cache
        batch, loop = [], []
        for _ in range(args.runs):
            batch.append(wall([*dxlab, "--force", "-o", str(out_a)], env))
            loop.append(serial_loop(specs, out_b, env))
        # 2. unchanged rerun
        rerun = [wall([*dxlab, "-o", str(out_a)], env) for _ in range(2 * args.runs + 1)]
        # 3. profiles: N against 4
        nb, param, codes = profile_notebook(work)
        big = profiles_toml(work, nb, param, codes, args.profiles)
        small = profiles_toml(work, nb, param, codes, 4)
        wall([*dxlab, "--reports-file", str(small), "-o", str(work / "p_small")], env)
        t_big, t_small = [], []
        for _ in range(args.runs):
            t_small.append(wall([*dxlab, "--force", "--reports-file", str(small), "-o",
                                 str(work / "p_small")], env))
            t_big.append(wall([*dxlab, "--force", "--reports-file", str(big), "-o",
                               str(work / "p_big")], env))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    b, lp, r = med(batch), med(loop), med(rerun)
    marginal = (med(t_big) - med(t_small)) / (args.profiles - 4)
    all_muni = med(t_small) + (N_MUNICIPALITIES - 4) * marginal
    di, dp = med(imp), med(imp_pd)
    rows = [
        ("what", "dxlab", "baseline", "ratio", "goal", "met"),
        (f"full default batch ({len(specs)} reports)", f"{b:.2f} s", f"{lp:.2f} s",
         f"{b / lp:.2f}x", f"<= {GOALS['batch']}x of serial papermill+nbconvert",
         b / lp <= GOALS["batch"]),
        ("unchanged rerun (all cached)", f"{r:.2f} s", f"{b:.2f} s",
         f"{b / r:.0f}x faster", f">= {GOALS['rerun']:.0f}x faster than the full batch",
         b / r >= GOALS["rerun"]),
        (f"{args.profiles} profiles vs 4", f"{med(t_big):.2f} s", f"{med(t_small):.2f} s",
         "", "", ""),
        ("  marginal wall time per profile", f"{marginal:.3f} s", "", "",
         f"<= {GOALS['marginal']} s", marginal <= GOALS["marginal"]),
        (f"  all {N_MUNICIPALITIES:,} municipalities (extrapolated)", f"{all_muni / 60:.1f} min",
         "", "", "about 15 min", ""),
        ('python -c "import dxlab" vs "import pandas"', f"{di:.3f} s", f"{dp:.3f} s",
         f"{di / dp:.2f}x", f"<= {GOALS['import']} s", di <= GOALS["import"]),
    ]
    widths = [max(len(str(row[i])) for row in rows) for i in range(6)]
    for row in rows:
        cells = [("yes" if c is True else "NO" if c is False else str(c)) for c in row]
        print("  ".join(c.ljust(w) if i in (0, 4) else c.rjust(w)
                        for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip())
    print(f"profile notebook: {nb.name} ({param}); runs: batch {[round(x, 2) for x in batch]}"
          f", loop {[round(x, 2) for x in loop]}, rerun {[round(x, 2) for x in rerun]}, "
          f"{args.profiles} profiles {[round(x, 2) for x in t_big]}, "
          f"4 profiles {[round(x, 2) for x in t_small]}")


if __name__ == "__main__":
    main()
