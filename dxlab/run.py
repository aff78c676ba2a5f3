"""``dxlab run``: execute notebooks with papermill and publish HTML reports with an index.

What is run with which parameters is declared in ``notebooks/reports.toml``::

    [[report]]
    notebook = "01_population_pyramid.ipynb"
    [report.parameters]          # optional; defaults come from the notebook
    year = 2020

Guarantees:
- An unknown parameter name, or a value of the wrong type, fails before any kernel starts
  (papermill itself only warns).
- Notebooks run on this environment's own Python (``sys.executable``) whatever kernel their
  metadata names, so no kernel registration is needed.
- A notebook that raises does not stop the others; its HTML is still written and shows the
  error; the index marks it failed; the exit status is non-zero.
- Nothing half-written is left in ``reports/``: every file is written under a temporary name
  in a staging folder and renamed into place.
"""

from __future__ import annotations

import ast
import datetime as dt
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
import tomllib
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

from dxlab import __version__, paths
from dxlab.errors import DxlabError, ParameterError

SOURCES_LOG_ENV = "DXLAB_SOURCES_LOG"  # read by dxlab.data.load in the kernel
REPORTS_FILE = "reports.toml"
STAGING_PREFIX = ".staging-"


class EnvKernelManager(AsyncKernelManager):
    """A kernel manager that always starts ``sys.executable -m ipykernel_launcher``.

    Notebook metadata may name a kernel ('python3', a conda env, a colleague's venv); reports
    must run on the environment dxlab is installed in, so the kernelspec lookup is bypassed.
    """

    @property
    def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
        if self._kernel_spec is None:
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (dxlab)",
                language="python",
                resource_dir="",
            )
        return self._kernel_spec


@dataclass(frozen=True)
class ReportSpec:
    """One report to build: a notebook, its parameters and the report's file name stem."""

    notebook: Path
    parameters: dict = field(default_factory=dict)
    name: str = ""

    @property
    def report_name(self) -> str:
        return self.name or self.notebook.stem


@dataclass
class ReportResult:
    """What happened when one report was built (one row of the index)."""

    name: str
    notebook: str
    title: str
    parameters: dict
    status: str  # 'ok' or 'failed'
    duration_s: float
    started_at: str
    dxlab_version: str
    html: str
    ipynb: str
    error: str = ""
    sources: list = field(default_factory=list)


# --------------------------------------------------------------------------- parameters


def notebook_parameters(notebook: Path) -> dict[str, dict]:
    """Parameters declared in a notebook's ``parameters`` cell, without starting a kernel.

    Returns:
        {name: {'default': value, 'type': type name, 'help': comment}}.
    Raises:
        ParameterError: no cell tagged 'parameters', or a default that is not a literal.
    """
    import papermill

    nb = nbformat.read(notebook, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise ParameterError(f"{notebook}: {len(tagged)} cells tagged 'parameters' (want 1)")
    found = papermill.inspect_notebook(str(notebook))
    out = {}
    for name, info in found.items():
        try:
            default = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            raise ParameterError(
                f"{notebook}: default of parameter {name!r} is not a literal: {info['default']}"
            ) from None
        out[name] = {"default": default, "type": type(default).__name__,
                     "help": info.get("help", "")}
    return out


_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def _coerce(name: str, value: object, default: object, notebook: Path) -> object:
    want = type(default)

    def fail(reason: str) -> ParameterError:
        return ParameterError(
            f"{notebook.name}: parameter {name!r} {reason}: got {value!r}; expected a "
            f"{want.__name__} like the default {default!r}"
        )

    if not isinstance(value, str) or want is str:
        if want is str and not isinstance(value, str):
            raise fail("has the wrong type")
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if default is not None and not isinstance(value, want):
            raise fail("has the wrong type")
        return value
    text = value.strip()
    if want is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise fail("is not a boolean")
    if want is int:
        try:
            return int(text)
        except ValueError:
            raise fail("is not an integer") from None
    if want is float:
        try:
            return float(text)
        except ValueError:
            raise fail("is not a number") from None
    try:
        parsed = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        if default is None:
            return text
        raise fail("is not a Python literal") from None
    if default is not None and not isinstance(parsed, want):
        raise fail("has the wrong type")
    return parsed


def resolve_parameters(notebook: Path, given: dict[str, object]) -> dict[str, object]:
    """Check parameter names against the notebook and type the values.

    Values given as strings (from the command line) are converted to the type of the
    notebook's default; values from reports.toml must already have that type.

    Raises:
        ParameterError: an unknown name (listing the known ones) or a badly typed value.
    """
    declared = notebook_parameters(notebook)
    unknown = [k for k in given if k not in declared]
    if unknown:
        raise ParameterError(
            f"{notebook.name}: unknown parameter {', '.join(repr(u) for u in unknown)}; "
            f"the notebook declares: {', '.join(declared) or '(none)'}"
        )
    return {k: _coerce(k, v, declared[k]["default"], notebook) for k, v in given.items()}


# --------------------------------------------------------------------------- reports file


def read_reports_file(path: Path) -> list[ReportSpec]:
    """Parse ``reports.toml`` into report specs (notebook paths relative to the file).

    Raises:
        DxlabError: missing file, a report without a notebook, a missing notebook, or two
            reports with the same name.
    """
    if not path.is_file():
        raise DxlabError(f"{path}: reports file not found")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    specs = []
    for i, item in enumerate(data.get("report", []), start=1):
        if "notebook" not in item:
            raise DxlabError(f"{path}: report #{i} has no 'notebook'")
        nb = (path.parent / item["notebook"]).resolve()
        if not nb.is_file():
            raise DxlabError(f"{path}: report #{i}: notebook {item['notebook']} not found")
        specs.append(ReportSpec(nb, dict(item.get("parameters", {})), item.get("name", "")))
    names = [s.report_name for s in specs]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise DxlabError(f"{path}: report names used twice: {sorted(dupes)} (set 'name')")
    return specs


# --------------------------------------------------------------------------- execution


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The first markdown heading of a notebook, or ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#{1,2}\s+(.+)$", cell.source, flags=re.M)
            if m:
                return m.group(1).strip()
    return fallback


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic_write(target: Path, data: str | bytes, staging: Path) -> None:
    """Write ``data`` to a temporary file in ``staging`` and rename it onto ``target``."""
    fd, tmp = tempfile.mkstemp(dir=staging, suffix=target.suffix)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; reports are for readers
    os.replace(tmp, target)


def export_html(nb: nbformat.NotebookNode, *, show_code: bool) -> str:
    """Reader-facing HTML of an executed notebook (nbconvert 'lab' template).

    Code is hidden unless ``show_code``; the cell papermill injects with the run's parameters
    is always removed (the notebook's own parameters cell shows the defaults only with code).
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {"injected-parameters"}
    config.TagRemovePreprocessor.enabled = True
    config.HTMLExporter.exclude_input = not show_code
    config.HTMLExporter.exclude_input_prompt = not show_code
    config.HTMLExporter.exclude_output_prompt = True
    exporter = HTMLExporter(config=config, template_name="lab")
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    body, _resources = exporter.from_notebook_node(nb)
    return body


def _error_notebook(spec: ReportSpec, message: str) -> nbformat.NotebookNode:
    nb = nbformat.read(spec.notebook, as_version=4)
    note = nbformat.v4.new_markdown_cell(
        "## This report failed before it could run\n\n```\n" + message + "\n```"
    )
    nb.cells.insert(0, note)
    return nb


def execute_report(
    spec: ReportSpec,
    out_dir: Path,
    *,
    show_code: bool = False,
    timeout_s: int | None = 600,
) -> ReportResult:
    """Execute one notebook and write ``<name>.ipynb`` and ``<name>.html`` into ``out_dir``.

    Never raises for a failing notebook: the failure is returned in the result.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    status, error = "ok", ""
    executed_path = staging / f"{spec.report_name}.ipynb"
    sources_log = staging / "sources.jsonl"
    old_env = os.environ.get(SOURCES_LOG_ENV)
    os.environ[SOURCES_LOG_ENV] = str(sources_log)
    try:
        try:
            papermill.execute_notebook(
                str(spec.notebook),
                str(executed_path),
                parameters=spec.parameters,
                kernel_name="python3",
                language="python",
                progress_bar=False,
                cwd=str(spec.notebook.parent),
                execution_timeout=timeout_s,
                kernel_manager_class=EnvKernelManager,
            )
        except PapermillExecutionError as exc:
            status = "failed"
            error = f"{exc.ename}: {exc.evalue} (cell {exc.exec_count})"
        except Exception as exc:  # kernel died, timeout, bad notebook JSON ...
            status = "failed"
            error = f"{type(exc).__name__}: {exc}"
        if executed_path.is_file():
            nb = nbformat.read(executed_path, as_version=4)
        else:
            nb = _error_notebook(spec, error or "no output notebook was produced")
        title = notebook_title(nb, spec.notebook.stem)
        try:
            page = export_html(nb, show_code=show_code)
        except Exception as exc:  # pragma: no cover - nbconvert failure
            status = "failed"
            error = error or f"HTML export failed: {exc}"
            page = f"<html><body><pre>{html.escape(traceback.format_exc())}</pre></body></html>"
        sources = []
        if sources_log.is_file():
            seen = set()
            for line in sources_log.read_text(encoding="utf-8").splitlines():
                rec = json.loads(line)
                if rec["name"] not in seen:
                    seen.add(rec["name"])
                    sources.append(rec)
        html_target = out_dir / f"{spec.report_name}.html"
        ipynb_target = out_dir / f"{spec.report_name}.ipynb"
        _atomic_write(ipynb_target, nbformat.writes(nb), staging)
        _atomic_write(html_target, page, staging)
    finally:
        if old_env is None:
            os.environ.pop(SOURCES_LOG_ENV, None)
        else:
            os.environ[SOURCES_LOG_ENV] = old_env
        shutil.rmtree(staging, ignore_errors=True)
    return ReportResult(
        name=spec.report_name,
        notebook=spec.notebook.name,
        title=title,
        parameters=spec.parameters,
        status=status,
        duration_s=round(time.perf_counter() - t0, 2),
        started_at=started.isoformat(timespec="seconds"),
        dxlab_version=__version__,
        html=html_target.name,
        ipynb=ipynb_target.name,
        error=error,
        sources=sources,
    )


# --------------------------------------------------------------------------- index


def _load_manifest(out_dir: Path) -> dict[str, dict]:
    path = out_dir / "index.json"
    if not path.is_file():
        return {}
    try:
        return {r["name"]: r for r in json.loads(path.read_text(encoding="utf-8"))["reports"]}
    except (ValueError, KeyError, TypeError):
        return {}


def render_index(results: Sequence[dict], *, generated_at: str) -> str:
    """The ``reports/index.html`` page: one row per report."""
    rows = []
    for r in sorted(results, key=lambda r: r["name"]):
        params = ", ".join(f"{k}={v!r}" for k, v in r["parameters"].items()) or "defaults"
        sources = "<br>".join(
            f'<a href="{html.escape(s["source_url"])}">{html.escape(s["title"])}</a>'
            f' <span class="pub">({html.escape(s["publisher"].split(" (")[0])})</span>'
            for s in r.get("sources", [])
        ) or "—"
        status = html.escape(r["status"])
        err = f'<div class="err">{html.escape(r["error"])}</div>' if r.get("error") else ""
        rows.append(
            f'<tr class="{status}"><td><a href="{html.escape(r["html"])}">'
            f'{html.escape(r["title"])}</a><div class="nb">{html.escape(r["notebook"])} · '
            f'<a href="{html.escape(r["ipynb"])}">ipynb</a></div></td>'
            f"<td><code>{html.escape(params)}</code></td>"
            f'<td class="status">{status}{err}</td>'
            f'<td class="num">{r["duration_s"]:.1f} s</td>'
            f"<td>{sources}</td>"
            f'<td>{html.escape(r["started_at"])}</td>'
            f'<td>{html.escape(r["dxlab_version"])}</td></tr>'
        )
    failed = sum(r["status"] != "ok" for r in results)
    summary = f"{len(results)} report(s), {failed} failed"
    return f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8">
<title>dxlab reports</title>
<style>
body {{ font-family: system-ui, "Hiragino Sans", "Noto Sans CJK JP", sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .5rem; text-align: left; vertical-align: top; }}
tr.failed td.status {{ color: #b00020; font-weight: bold; }}
tr.ok td.status {{ color: #1b7f3b; }}
.nb, .pub {{ color: #666; font-size: .85em; }}
.err {{ font-weight: normal; font-size: .85em; }}
td.num {{ text-align: right; white-space: nowrap; }}
</style></head>
<body>
<h1>dxlab reports</h1>
<p>{html.escape(summary)} · index written {html.escape(generated_at)} · dxlab {__version__}</p>
<table>
<thead><tr><th>Report</th><th>Parameters</th><th>Status</th><th>Duration</th>
<th>Data sources</th><th>Run at (UTC)</th><th>dxlab</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
</body></html>
"""


def write_index(out_dir: Path, results: Sequence[ReportResult], *, replace: bool) -> Path:
    """Merge ``results`` into ``index.json`` (or replace it) and render ``index.html``."""
    manifest = {} if replace else _load_manifest(out_dir)
    for r in results:
        manifest[r.name] = asdict(r)
    # Forget reports whose files are gone.
    manifest = {k: v for k, v in manifest.items() if (out_dir / v["html"]).is_file()}
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    try:
        payload = {"generated_at": now, "dxlab_version": __version__,
                   "reports": list(manifest.values())}
        _atomic_write(out_dir / "index.json",
                      json.dumps(payload, ensure_ascii=False, indent=2), staging)
        _atomic_write(out_dir / "index.html",
                      render_index(list(manifest.values()), generated_at=now), staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"


def _clean_stale_staging(out_dir: Path) -> None:
    for p in out_dir.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(p, ignore_errors=True)


def run_reports(
    specs: Sequence[ReportSpec],
    *,
    out_dir: Path | None = None,
    jobs: int = 1,
    show_code: bool = False,
    timeout_s: int | None = 600,
    replace_index: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[ReportResult]:
    """Validate every spec's parameters, then execute them (in ``jobs`` processes).

    Raises:
        ParameterError: before any kernel starts, when any spec has a bad parameter.
    """
    out_dir = out_dir or paths.reports_dir()
    say = progress or (lambda msg: print(msg, file=sys.stderr, flush=True))
    checked = [ReportSpec(s.notebook, resolve_parameters(s.notebook, s.parameters), s.name)
               for s in specs]
    out_dir.mkdir(parents=True, exist_ok=True)
    _clean_stale_staging(out_dir)
    total = len(checked)
    results: list[ReportResult] = []

    def report(r: ReportResult) -> None:
        results.append(r)
        mark = "ok    " if r.status == "ok" else "FAILED"
        extra = f"  {r.error}" if r.error else ""
        say(f"[{len(results)}/{total}] {mark} {r.name} ({r.duration_s:.1f} s){extra}")

    say(f"dxlab run: {total} report(s), {jobs} job(s) → {out_dir}")
    if jobs <= 1 or total <= 1:
        for spec in checked:
            report(execute_report(spec, out_dir, show_code=show_code, timeout_s=timeout_s))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(execute_report, s, out_dir, show_code=show_code,
                                   timeout_s=timeout_s) for s in checked]
            for fut in as_completed(futures):
                report(fut.result())
    index = write_index(out_dir, results, replace=replace_index)
    failed = [r.name for r in results if r.status != "ok"]
    say(f"index: {index}" + (f"  ({len(failed)} failed: {', '.join(failed)})" if failed else ""))
    order = {s.report_name: i for i, s in enumerate(checked)}
    return sorted(results, key=lambda r: order[r.name])
