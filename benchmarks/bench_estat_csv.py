"""Benchmark: dxlab's e-Stat CSV read-and-clean against a bare pyarrow CSV read.

Generates a SYNTHETIC e-Stat-format CSV (metadata block, "VALUE", header, rows with
thousands separators and ~0.1% special markers) of N rows (default 1,000,000), then times,
in one run and on the same file:

  baseline  pyarrow.csv.read_csv of the data block (strings only, no cleaning)
  dxlab     dxlab.sources.estat.read_csv: metadata and NOTE parsing, labels to categoricals,
            numbers with separators parsed, markers resolved against NOTE, time codes parsed

Goal: dxlab within 3x of the baseline (no per-row Python loops). Prints both and the ratio.

    python benchmarks/bench_estat_csv.py [--rows N] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pa_csv

from dxlab.sources import estat

GOAL_RATIO = 3.0


def make_synthetic_csv(path: Path, rows: int, seed: int = 1) -> int:
    """Write a synthetic e-Stat CSV; returns the number of lines before the data header."""
    rng = np.random.default_rng(seed)
    sexes = [("100", "総数"), ("110", "男"), ("120", "女")]
    ages = [(f"{i:03d}", f"{5 * i}～{5 * i + 4}歳") for i in range(20)] + [("020", "100歳以上")]
    areas = [("00000", "全国")] + [(f"{p:02d}000", f"pref{p:02d}") for p in range(1, 48)]
    times = [(f"{y}000000", f"{y}年") for y in range(1920, 2021)]
    s = rng.integers(0, len(sexes), rows)
    a = rng.integers(0, len(ages), rows)
    r = rng.integers(0, len(areas), rows)
    t = rng.integers(0, len(times), rows)
    numbers = rng.integers(0, 10_000_000, rows)
    values = pd.Series(numbers).map("{:,}".format)
    markers = rng.random(rows) < 0.001
    values[markers] = np.where(rng.random(markers.sum()) < 0.5, "-", "…")
    frame = pd.DataFrame({
        "tab_code": "020", "表章項目": "人口",
        "cat01_code": [sexes[i][0] for i in s], "男女": [sexes[i][1] for i in s],
        "cat02_code": [ages[i][0] for i in a], "年齢": [ages[i][1] for i in a],
        "area_code": [areas[i][0] for i in r], "地域": [areas[i][1] for i in r],
        "time_code": [times[i][0] for i in t], "時間軸": [times[i][1] for i in t],
        "unit": "人", "value": values, "annotation": "",
    })
    head = ['"RESULT"', '"STATUS","0"', '"ERROR_MSG","正常に終了しました。"', "",
            '"TABLE_INF"', '"TITLE","SYNTHETIC benchmark table"', "", '"NOTE"',
            '"-","該当数値なし"', '"…","数値不詳"', "", '"VALUE"']
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(head) + "\n")
        frame.to_csv(fh, index=False, quoting=1)
    return len(head)


def bare_read(path: Path, skip: int):
    return pa_csv.read_csv(path, read_options=pa_csv.ReadOptions(skip_rows=skip))


def timed(func, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic_estat.csv"
        t0 = time.perf_counter()
        skip = make_synthetic_csv(path, args.rows)
        print(f"synthetic e-Stat CSV: {args.rows:,} rows, "
              f"{path.stat().st_size / 1e6:.1f} MB (generated in {time.perf_counter() - t0:.1f} s)")
        frame = estat.read_csv(path)  # warm-up and correctness check
        assert len(frame) == args.rows and frame["marker"].notna().sum() > 0
        base = timed(lambda: bare_read(path, skip), args.repeat)
        ours = timed(lambda: estat.read_csv(path), args.repeat)
    ratio = ours / base
    print(f"{'reader':<48}{'median of ' + str(args.repeat):>16}")
    print(f"{'baseline: pyarrow.csv.read_csv (no cleaning)':<48}{base:>14.3f} s")
    print(f"{'dxlab: estat.read_csv (read and clean)':<48}{ours:>14.3f} s")
    verdict = "meets" if ratio <= GOAL_RATIO else "MISSES"
    print(f"ratio dxlab / baseline: {ratio:.2f}x ({verdict} the goal of {GOAL_RATIO:.0f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
