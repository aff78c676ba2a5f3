"""The ``dxlab`` command: ``dxlab run``, ``dxlab data list|show``, ``dxlab fetch estat``."""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from dxlab import __version__, paths
from dxlab.errors import DxlabError

RUN_EPILOG = """\
examples:
  dxlab run                                   build every report listed in notebooks/reports.toml
  dxlab run --set municipalities              build a named set of reports.toml
  dxlab run --force                           rebuild even reports whose inputs did not change
  dxlab run notebooks/01_population_pyramid.ipynb -p year 2015 -p compare_year 1965
                                              one notebook with parameters (typed from defaults)
  dxlab run --executor dask --scheduler tcp://scheduler.example:8786
                                              build on a dask.distributed cluster
exit status: 0 when every report built (or was unchanged), 1 when any report failed, 2 on
a usage, reports.toml or parameter error, or an unusable reports folder (nothing is run then).
"""


def _slug(params: dict[str, str]) -> str:
    text = "__".join(f"{k}-{v}" for k, v in params.items())
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:80].strip("._") or "params"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more seconds, got {text}")
    return value


def _stop_on_sigterm() -> None:
    """SIGTERM (systemd, CI timeouts, kill) stops a run like Ctrl-C: the running reports are
    killed, finished ones are kept, and the index is rewritten before exiting."""
    import signal

    def handler(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def cmd_run(args: argparse.Namespace) -> int:
    from dxlab.run import ReportSpec, load_reports_file, run_reports
    from dxlab.run.spec import DEFAULT_SET, ReportsFileError

    _stop_on_sigterm()
    out_dir = Path(args.output_dir) if args.output_dir else paths.reports_dir()
    reports_file = Path(args.reports_file) if args.reports_file else (
        paths.notebooks_dir() / "reports.toml")
    given = dict(args.param or [])
    groups: dict[str, str] = {}
    if args.notebooks:
        if args.set:
            raise DxlabError("--set runs a set of reports.toml; give no NOTEBOOK with it")
        if given and len(args.notebooks) > 1:
            raise DxlabError("-p applies to one notebook; name exactly one with -p")
        if args.name and len(args.notebooks) > 1:
            raise DxlabError("--name applies to one notebook; name exactly one with --name")
        specs = []
        for nb in args.notebooks:
            path = Path(nb).resolve()
            if not path.is_file():
                raise DxlabError(f"{nb}: notebook not found")
            name = args.name or (f"{path.stem}__{_slug(given)}" if given else path.stem)
            specs.append(ReportSpec(path, given, name))
        try:  # index sections of the declared reports, if the reports file reads
            groups = load_reports_file(reports_file).groups
        except ReportsFileError:
            groups = {}
    else:
        if given or args.name:
            raise DxlabError("-p and --name need a NOTEBOOK argument")
        declared = load_reports_file(reports_file)
        groups = declared.groups
        specs = declared.expand(args.set or DEFAULT_SET)
    results = run_reports(
        specs, out_dir=out_dir, jobs=args.jobs, show_code=args.show_code,
        timeout_s=args.timeout or None, force=args.force, executor=args.executor,
        scheduler=args.scheduler, groups=groups, wait=not args.no_wait,
        from_text=bool(args.notebooks))
    return 0 if all(r.status in ("ok", "cached") for r in results) else 1


def _display_width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` terminal columns (with '…') and pad it to exactly that."""
    if _display_width(text) > width:
        while _display_width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _display_width(text))


def terminal_columns() -> int | None:
    """Columns to fit output into: $COLUMNS, else the terminal's width when stdout is a
    terminal, else None (piped into a file or a program: do not cut)."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        if sys.stdout.isatty():
            return shutil.get_terminal_size().columns
    except (OSError, ValueError):  # pragma: no cover
        pass
    return None


def fit_widths(natural: Sequence[int], available: int | None, *, sep: int = 2,
               keep: int = 0, floor: int = 6) -> list[int]:
    """Column widths that fit ``available`` columns: the widest of the other columns give
    way first, down to ``floor``; column ``keep`` (the name) is never cut.

    Args:
        natural: each column's widest cell (display columns).
        available: the line width to fit, or None for no limit.
    Returns:
        One width per column (the line may still be wider if even the floors do not fit).
    """
    widths = list(natural)
    if available is None:
        return widths
    while sum(widths) + sep * (len(widths) - 1) > available:
        candidates = [i for i, w in enumerate(widths) if i != keep and w > floor]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def cmd_data_list(args: argparse.Namespace) -> int:
    from dxlab.datasets import read_catalog

    entries = read_catalog()
    rows = [(e.name, e.publisher.split(" (")[0], e.reference_dates, e.unit, e.source_quality)
            for e in entries.values()]
    head = ("name", "publisher", "reference dates", "unit", "quality")
    natural = [min(max(_display_width(str(r[i])) for r in [head, *rows]), w)
               for i, w in enumerate((42, 26, 40, 24, 44))]
    widths = fit_widths(natural, terminal_columns())

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(_fit(str(c), w) for c, w in zip(row, widths, strict=True)).rstrip()

    print(fmt(head))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(fmt(r))
    print(f"\n{len(rows)} dataset(s) in {paths.raw_dir() / 'catalog.toml'}")
    return 0


def cmd_data_show(args: argparse.Namespace) -> int:
    from dxlab import data
    from dxlab.datasets import entry, sha256_of
    from dxlab.dictionary import fields_table, spec_lines
    from dxlab.errors import ChecksumError
    from dxlab.specs import spec as lookup_spec

    item = entry(args.name)
    spec = lookup_spec(item.spec_name)
    print(f"{item.name}: {item.title}")
    print(f"  {spec.description}")
    for key in ("statistic", "publisher", "table_id", "reference_dates", "unit", "source_url",
                "licence", "source_quality", "retrieved_via", "notes"):
        value = getattr(item, key)
        if value:
            print(f"  {key:16} {value}")
    for key, value in item.extra.items():
        print(f"  {key:16} {value}")
    bad = []
    for f, path in zip(item.files, item.paths(), strict=True):
        actual = sha256_of(path) if path.is_file() else None
        status = "OK" if actual == f.sha256 else (
            "MISSING FILE" if actual is None else f"MISMATCH (file has {actual})")
        if status != "OK" or len(item.files) <= 3:
            print(f"  {'file':16} {path}")
            print(f"  {'sha256':16} {f.sha256}  [{status}]")
        if status != "OK":
            bad.append(f"{path}: {status}")
    if len(item.files) > 3 and not bad:
        print(f"  {'files':16} {len(item.files)} files under {item.path()}, every sha256 [OK]")
    if bad:
        raise ChecksumError("sha256 check failed: " + "; ".join(bad))
    print("  declaration:")
    for line in spec_lines(spec):
        print(f"    {line}")
    frame = data.load(item.name)
    print(f"  {'rows':16} {len(frame)}")
    for d in frame.attrs["accounting"]["drops"]:
        print(f"  {'dropped':16} {d['rows']} row(s): {d['reason']}")
    print("  fields (dtype, unit, missing allowed, description):")
    for row in fields_table(spec).itertuples(index=False):
        unit = f" [{row.unit}]" if row.unit else ""
        print(f"    {row.field:28} {row.dtype:8} {row._3:3} {row.description}{unit}")
        if row.checks:
            print(f"    {'':28} {'':8} {'':3} checks: {row.checks}")
    return 0


def cmd_data_dictionary(args: argparse.Namespace) -> int:
    from dxlab.dictionary import DOC_PATH, markdown

    target = Path(args.output) if args.output else paths.REPO_DIR / DOC_PATH
    text = markdown()
    if args.check:
        current = target.read_text(encoding="utf-8") if target.is_file() else ""
        if current != text:
            print(f"{target} is stale: run 'dxlab data dictionary'", file=sys.stderr)
            return 1
        print(f"{target} is up to date")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


def cmd_fetch_estat(args: argparse.Namespace) -> int:
    from dxlab import fetch
    from dxlab.errors import FetchError
    from dxlab.sources.estat.api import API_BASE

    if args.attempts < 1:
        raise FetchError(f"--attempts must be at least 1, got {args.attempts}")
    if not (args.timeout > 0 and math.isfinite(args.timeout)):
        raise FetchError(f"--timeout must be a positive number of seconds, got {args.timeout}")
    filters = dict(args.filter or [])
    result = fetch.estat(args.stats_data_id, filters=filters, name=args.name,
                         raw=paths.raw_dir(), base=args.base or API_BASE,
                         attempts=args.attempts, timeout=args.timeout)
    print(f"saved {result.path} ({result.rows} value rows) as dataset {result.name!r}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dxlab", description="Municipal DX research with Japanese official statistics.")
    parser.add_argument("--version", action="version", version=f"dxlab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run", help="execute notebooks and write HTML reports with an index",
        description="Execute notebooks (each in its own fork of a warm template process) and "
        "write, per report, the executed .ipynb, a reader-facing .html and a cache key "
        "(.key.json); then rewrite reports/index.html. Unchanged reports are served from "
        "cache.",
        epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                     help="notebook(s) to run ad hoc; default: every report in the reports file")
    run.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
                     help="set a parameter (repeatable); the value is converted to the type of "
                     "the notebook's default (strictly: 2015.0 is not an int); unknown names "
                     "are an error")
    run.add_argument("--reports-file", metavar="FILE",
                     help="reports declaration (default: notebooks/reports.toml)")
    run.add_argument("-o", "--output-dir", metavar="DIR",
                     help="where reports go (default: reports/, or $DXLAB_REPORTS_DIR)")
    run.add_argument("-j", "--jobs", type=_positive_int, default=None, metavar="N",
                     help="build N reports at a time (default: the number of CPUs)")
    run.add_argument("--set", metavar="NAME",
                     help="build the named set [[set.NAME]] of the reports file instead of "
                     "its [[report]] entries")
    run.add_argument("--force", action="store_true",
                     help="rebuild every report, even those whose inputs did not change")
    run.add_argument("--executor", choices=["local", "dask"], default="local",
                     help="where reports are built: 'local' (default) or 'dask' "
                     "(needs --scheduler and pip install 'dxlab[dask]')")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="dask.distributed scheduler address, e.g. tcp://host:8786")
    run.add_argument("--no-wait", action="store_true",
                     help="when another dxlab run is writing to the same reports folder, "
                     "stop with exit status 2 instead of waiting for it")
    run.add_argument("--show-code", action="store_true",
                     help="keep code cells in the HTML (hidden by default)")
    run.add_argument("--name", help="report file name stem for an ad hoc run (letters, digits, "
                     "_ - .; not 'index')")
    run.add_argument("--timeout", type=_timeout, default=600, metavar="SECONDS",
                     help="per-cell execution timeout (default 600; 0 = none)")
    run.set_defaults(func=cmd_run)

    data = sub.add_parser("data", help="inspect the data catalog")
    dsub = data.add_subparsers(dest="data_command", required=True)
    dl = dsub.add_parser("list", help="print the catalog as a table")
    dl.set_defaults(func=cmd_data_list)
    ds = dsub.add_parser("show", help="provenance, fields with dtype, unit and description, "
                         "key, drops, rows and sha256 check")
    ds.add_argument("name")
    ds.set_defaults(func=cmd_data_show)
    dd = dsub.add_parser("dictionary", help="write the data dictionary (docs/data.md) from the "
                         "specs, the field dictionary and the catalog")
    dd.add_argument("-o", "--output", help="where to write (default docs/data.md)")
    dd.add_argument("--check", action="store_true",
                    help="exit 1 when the file differs from what would be written")
    dd.set_defaults(func=cmd_data_dictionary)

    fetch = sub.add_parser("fetch", help="download official tables into data/raw")
    fsub = fetch.add_subparsers(dest="source", required=True)
    fe = fsub.add_parser(
        "estat", help="e-Stat API 3.0 getStatsData (appId from $ESTAT_APP_ID)",
        description="Download an e-Stat table with the API (appId from the environment "
        "variable ESTAT_APP_ID; it is never written anywhere) into data/raw and catalog it.")
    fe.add_argument("stats_data_id", metavar="STATS_DATA_ID")
    fe.add_argument("-f", "--filter", nargs=2, action="append", metavar=("KEY", "VALUE"),
                    help="API filter such as cdArea 13000 or cdCat01 110 (repeatable)")
    fe.add_argument("--name", help="catalog name (default estat_<STATS_DATA_ID>)")
    fe.add_argument("--attempts", type=int, default=4, metavar="N",
                    help="tries per page on connection errors, timeouts, HTTP 5xx and 429, "
                    "waiting 1, 2, 4 … s between them (default 4)")
    fe.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                    help="connect and read timeout per request (default 60)")
    fe.add_argument("--base", metavar="URL",
                    help="API base URL (default the e-Stat API over https; plain http is "
                    "refused except to this machine, e.g. a local mirror or test server)")
    fe.set_defaults(func=cmd_fetch_estat)
    return parser


def _quiet_broken_pipe() -> int:
    """stdout's reader went away (``dxlab data list | head``): stop quietly, no traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover
        pass
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dxlab`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except KeyboardInterrupt:
        print("dxlab: interrupted", file=sys.stderr)
        return 130
    except DxlabError as exc:
        print(f"dxlab: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
