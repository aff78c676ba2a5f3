"""The ``dxlab`` command: ``dxlab run``, ``dxlab data list|show``, ``dxlab fetch estat``."""

from __future__ import annotations

import argparse
import math
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from dxlab import __version__, paths
from dxlab.errors import DxlabError

RUN_EPILOG = """\
examples:
  dxlab run                                   build every report listed in notebooks/reports.toml
  dxlab run --jobs 2                          the same, two notebooks at a time
  dxlab run notebooks/01_population_pyramid.ipynb -p year 2015 -p compare_year 1965
                                              one notebook with parameters (typed from defaults)
exit status: 0 when every report built, 1 when any notebook failed, 2 on a usage or
parameter error (nothing is executed then).
"""


def _slug(params: dict[str, str]) -> str:
    text = "-".join(f"{k}{v}" for k, v in params.items())
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", text)[:80]


def cmd_run(args: argparse.Namespace) -> int:
    from dxlab.run import REPORTS_FILE, ReportSpec, read_reports_file, run_reports

    out_dir = Path(args.output_dir) if args.output_dir else paths.reports_dir()
    given = dict(args.param or [])
    if args.notebooks:
        if given and len(args.notebooks) > 1:
            raise DxlabError("-p applies to one notebook; name exactly one with -p")
        specs = []
        for nb in args.notebooks:
            path = Path(nb).resolve()
            if not path.is_file():
                raise DxlabError(f"{nb}: notebook not found")
            name = args.name or (f"{path.stem}__{_slug(given)}" if given else path.stem)
            specs.append(ReportSpec(path, given, name if len(args.notebooks) == 1 else ""))
        replace = False
    else:
        if given or args.name:
            raise DxlabError("-p and --name need a NOTEBOOK argument")
        reports_file = Path(args.reports_file) if args.reports_file else (
            paths.notebooks_dir() / REPORTS_FILE)
        specs = read_reports_file(reports_file)
        replace = True
    results = run_reports(specs, out_dir=out_dir, jobs=args.jobs, show_code=args.show_code,
                          timeout_s=args.timeout or None, replace_index=replace)
    return 0 if all(r.status == "ok" for r in results) else 1


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


def cmd_data_list(args: argparse.Namespace) -> int:
    from dxlab.datasets import read_catalog

    entries = read_catalog()
    rows = [(e.name, e.publisher.split(" (")[0], e.reference_dates, e.unit, e.source_quality)
            for e in entries.values()]
    head = ("name", "publisher", "reference dates", "unit", "quality")
    widths = [min(max(_display_width(str(r[i])) for r in [head, *rows]), w)
              for i, w in enumerate((42, 26, 40, 24, 44))]

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
        "run", help="execute notebooks with papermill and write HTML reports",
        description="Execute notebooks with papermill; write the executed .ipynb, a "
        "reader-facing .html and reports/index.html.",
        epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                     help="notebook(s) to run ad hoc; default: every report in the reports file")
    run.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
                     help="set a parameter (repeatable); the value is converted to the type of "
                     "the notebook's default; unknown names are an error")
    run.add_argument("--reports-file", metavar="FILE",
                     help="reports declaration (default: notebooks/reports.toml)")
    run.add_argument("-o", "--output-dir", metavar="DIR",
                     help="where reports go (default: reports/, or $DXLAB_REPORTS_DIR)")
    run.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                     help="run N notebooks in parallel processes (default 1)")
    run.add_argument("--show-code", action="store_true",
                     help="keep code cells in the HTML (hidden by default)")
    run.add_argument("--name", help="report file name stem for an ad hoc run")
    run.add_argument("--timeout", type=int, default=600, metavar="SECONDS",
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DxlabError as exc:
        print(f"dxlab: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
