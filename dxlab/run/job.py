"""One report's work, as done in its own process: execute, render, write into a staging folder.

A :class:`Job` is plain data (JSON), so the same job runs in a process forked by the local
warm template or on a dask worker. The process writes, in ``job.staging``::

    NAME.ipynb  NAME.html   the executed notebook and its page
    result.json             status, error, title, headline, datasets, timings
    progress.json           the cell being run (read by the parent for timeouts)
    cells.jsonl             each finished cell's outputs (to rebuild a report whose
                            process died)
    sources.jsonl           datasets loaded (written by dxlab.load)
    headline.jsonl          written by dxlab.reporting.headline
    log.txt                 anything written straight to file descriptors 1 and 2

When the process dies without ``result.json`` (killed, out of memory, ``os._exit``, a cell
that ignored its timeout), :func:`salvage` builds the report from ``cells.jsonl``: every
cell that finished keeps its outputs, and the cell that was running gets an error output
saying that the kernel died, how, and in which cell.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dxlab import __version__

SOURCES_LOG_ENV = "DXLAB_SOURCES_LOG"  # read by dxlab.data.load in the report's process
HEADLINE_ENV = "DXLAB_HEADLINE_FILE"  # read by dxlab.reporting.headline
RESULT_FILE = "result.json"
PROGRESS_FILE = "progress.json"
CELLS_FILE = "cells.jsonl"
LOG_FILE = "log.txt"
# A report records the preloadable modules it imported (see dxlab.run.warm.module_roots),
# at most this many: the index keeps them, for hundreds of reports.
MAX_IMPORTED = 100


@dataclass
class Job:
    """Everything a report's process needs (JSON-serialisable)."""

    name: str
    notebook: str  # the notebook's path (its file name is shown; its folder is the cwd)
    nb: dict  # the notebook's content
    given: dict  # parameters given for this report (typed)
    parameters: list  # [[name, value, given?], ...] every declared parameter, in order
    staging: str  # folder for this report's files
    show_code: bool = False
    timeout_s: float | None = 600
    cwd: str = ""
    env: dict | None = None  # the environment to run with (None: keep the process's)
    commit: str = ""
    dirty: bool = False
    version: str = __version__
    started_at: str = ""
    kill_reason: str = ""  # set by the parent when it had to kill the process
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Job:
        return cls(**data)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _read_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:  # a line cut by a crash
            continue
    return out


def prepare_process(job: Job) -> None:
    """Environment of a report's process: its own env, cwd, sys.path, seeds, house style."""
    staging = Path(job.staging)
    if job.env is not None:
        os.environ.clear()
        os.environ.update(job.env)
    os.environ[SOURCES_LOG_ENV] = str(staging / "sources.jsonl")
    os.environ[HEADLINE_ENV] = str(staging / "headline.jsonl")
    cwd = job.cwd or str(Path(job.notebook).parent)
    if Path(cwd).is_dir():
        os.chdir(cwd)
        sys.path.insert(0, cwd)
    # A forked process inherits its parent's random state; a fresh kernel would not.
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(int.from_bytes(os.urandom(4), "little"))
    try:
        from dxlab.plot import use_display_style

        use_display_style()
    except ImportError:  # pragma: no cover - plotting stack missing
        pass


def run(job: Job) -> dict:
    """Execute the job's notebook and write its report files into ``job.staging``.

    Returns:
        The result record (also written as ``result.json``).
    """
    from dxlab.run import engine

    t0 = time.perf_counter()
    staging = Path(job.staging)
    staging.mkdir(parents=True, exist_ok=True)
    shell = engine.new_shell()  # before the house style, which registers table formatters
    prepare_process(job)
    modules_before = set(sys.modules)
    nb = engine.inject_parameters(job.nb, job.given)
    progress = staging / PROGRESS_FILE
    cells_log = open(staging / CELLS_FILE, "a", encoding="utf-8")  # noqa: SIM115

    def before(index: int, count: int) -> None:
        _write(progress, json.dumps({"cell": index, "count": count, "t": time.time()}))

    def after(index: int, cell: dict) -> None:
        cells_log.write(json.dumps({"cell": index, "count": cell.get("execution_count"),
                                    "outputs": cell.get("outputs", [])},
                                   ensure_ascii=False) + "\n")
        cells_log.flush()

    from dxlab.run import warm

    try:
        with warm.ImportRecorder() as recorder:
            execution = engine.execute(nb, timeout_s=job.timeout_s, before_cell=before,
                                       after_cell=after, shell=shell)
    finally:
        cells_log.close()
    _write(progress, json.dumps({"cell": None, "t": time.time(), "phase": "render"}))
    # what the report's code imported beyond the template's fixed preload (whether or not
    # this process started with it): a template preloads what enough reports used
    base = warm.BASE_MODULES if warm.BASE_MODULES is not None else modules_before
    imported = warm.module_roots(m for m in recorder.names - base
                                 if sys.modules.get(m) is not None)
    t_exec = time.perf_counter() - t0
    return finish(job, execution.nb, execution.status, execution.error,
                  execution.failed_cell, t_exec, {"imported": imported[:MAX_IMPORTED]})


def death_message(wait_status: int, kill_reason: str = "") -> str:
    """Say how a report's process ended, from its raw wait status."""
    if kill_reason:
        return kill_reason
    if os.WIFSIGNALED(wait_status):
        sig = os.WTERMSIG(wait_status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        hint = (" — usually the out-of-memory killer or a kill -9" if sig == signal.SIGKILL
                else " — a crash in compiled code" if sig in (signal.SIGSEGV, signal.SIGBUS,
                                                              signal.SIGABRT) else "")
        return f"the kernel died: killed by signal {sig} ({name}){hint}"
    if os.WIFEXITED(wait_status) and os.WEXITSTATUS(wait_status) == 70:
        return ("the kernel died: dxlab's own code failed in the report's process (a "
                "notebook may have replaced something dxlab needs)")
    if os.WIFEXITED(wait_status):
        return (f"the kernel died: its process exited with status "
                f"{os.WEXITSTATUS(wait_status)} (os._exit or a fatal error)")
    return f"the kernel died (wait status {wait_status})"  # pragma: no cover


def salvage(job: Job, wait_status: int) -> dict:
    """Build the report of a job whose process died, from what it left in staging.

    Returns:
        The result record (status 'failed'; error says the kernel died and in which cell).
    """
    from dxlab.run import engine

    staging = Path(job.staging)
    staging.mkdir(parents=True, exist_ok=True)
    prepare_process(job)
    nb = engine.inject_parameters(job.nb, job.given)
    cells = nb["cells"]
    for rec in _read_jsonl(staging / CELLS_FILE):
        i = rec.get("cell")
        if isinstance(i, int) and 0 <= i < len(cells):
            cells[i]["outputs"] = rec.get("outputs", [])
            cells[i]["execution_count"] = rec.get("count")
    try:
        progress = json.loads((staging / PROGRESS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        progress = {}
    message = death_message(wait_status, job.kill_reason)
    failed_cell = progress.get("cell")
    log = staging / LOG_FILE
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.is_file() else ""
    if isinstance(failed_cell, int) and 0 <= failed_cell < len(cells):
        count = progress.get("count")
        cells[failed_cell]["execution_count"] = count
        error = f"{message}, while running cell {count}"
        lines = [error] + ([f"last output of the process:\n{tail}"] if tail.strip() else [])
        cells[failed_cell].setdefault("outputs", []).append(
            {"output_type": "error", "ename": "KernelDied", "evalue": error,
             "traceback": lines})
    elif progress.get("phase") == "render":
        failed_cell = None
        error = f"{message}, after all cells ran (while writing the report)"
    else:
        failed_cell = None
        error = f"{message}, before it ran any cell"
        if tail.strip():
            error += f"; its last output: {tail.strip().splitlines()[-1][:300]}"
    return finish(job, nb, "failed", f"KernelDied: {error}", failed_cell, None)


def _add_table_ids(sources: list[dict]) -> None:
    """Fill in each dataset's table id from the catalog where the sources log has none."""
    if all(s.get("table_id") for s in sources):
        return
    try:
        from dxlab.datasets import read_catalog

        catalog = read_catalog()
    except Exception:  # a broken catalog: the page lists what the log says
        return
    for s in sources:
        entry = catalog.get(s.get("name", ""))
        if not s.get("table_id") and entry is not None and getattr(entry, "table_id", ""):
            s["table_id"] = entry.table_id


def finish(job: Job, nb: dict, status: str, error: str, failed_cell: int | None,
           duration_s: float | None, extra: dict | None = None) -> dict:
    """Write ``NAME.ipynb``, ``NAME.html`` and ``result.json`` into staging; return the result."""
    from dxlab.run.notebooks import notebook_question, notebook_title
    from dxlab.run.render import ReportContext, render_report

    staging = Path(job.staging)
    sources, seen = [], set()
    for rec in _read_jsonl(staging / "sources.jsonl"):
        if rec.get("name") not in seen:
            seen.add(rec.get("name"))
            sources.append(rec)
    _add_table_ids(sources)
    heads = _read_jsonl(staging / "headline.jsonl")
    headline = heads[-1].get("headline", "") if heads else ""
    stem = Path(job.notebook).stem
    title = notebook_title(nb, stem)
    built_at = job.started_at or now_iso()
    ctx = ReportContext(
        name=job.name, title=title,
        parameters=[(n, v, bool(g)) for n, v, g in job.parameters],
        sources=sources, built_at=built_at, duration_s=duration_s, version=job.version,
        commit=job.commit, dirty=job.dirty, notebook=Path(job.notebook).name, status=status,
        error=error, failed_cell=failed_cell)
    nb.setdefault("metadata", {})["dxlab"] = {
        "report": job.name, "parameters": {n: v for n, v, _g in job.parameters},
        "status": status, "error": error, "built_at": built_at, "dxlab_version": job.version,
        "commit": job.commit, "dirty": job.dirty}
    try:
        page = render_report(nb, ctx, show_code=job.show_code)
    except Exception as exc:  # nbconvert failure: still give the reader a page
        import html
        import traceback

        status = "failed"
        error = error or f"HTML export failed: {type(exc).__name__}: {exc}"
        page = ("<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>"
                f"{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
                f"<p>The page could not be rendered: {html.escape(error)}</p><pre>"
                f"{html.escape(traceback.format_exc())}</pre>"
                '<p><a href="index.html">← All reports</a></p></body></html>')
    _write(staging / f"{job.name}.ipynb", json.dumps(nb, ensure_ascii=False, indent=1) + "\n")
    _write(staging / f"{job.name}.html", page)
    result = {"status": status, "error": error, "title": title,
              "question": notebook_question(nb), "headline": headline, "sources": sources,
              "failed_cell": failed_cell, "duration_s": duration_s, "built_at": built_at,
              **(extra or {})}
    _write(staging / RESULT_FILE, json.dumps(result, ensure_ascii=False))
    return result


def fallback(job: Job, error: str) -> dict:
    """Write a plain report page for a job that could not be run or rebuilt at all (the
    template is gone, the runner failed): the notebook as given, the error on top.

    Uses the standard library only, so it works in the ``dxlab run`` process itself.
    """
    import copy
    import html

    from dxlab.run.notebooks import notebook_question, notebook_title

    staging = Path(job.staging)
    staging.mkdir(parents=True, exist_ok=True)
    nb = copy.deepcopy(job.nb)
    title = notebook_title(nb, Path(job.notebook).stem)
    built_at = job.started_at or now_iso()
    nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "id": "dxlab-failed",
                           "source": "## This report failed\n\n```\n" + error + "\n```"})
    nb.setdefault("metadata", {})["dxlab"] = {"report": job.name, "status": "failed",
                                              "error": error, "built_at": built_at}
    params = "".join(f"<li><code>{html.escape(str(n))} = {html.escape(repr(v))}</code></li>"
                     for n, v, _g in job.parameters)
    page = (
        '<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>"
        '<nav><a href="index.html">← All reports</a></nav>'
        f"<h1>{html.escape(title)}</h1>"
        f'<div class="dxlab-failed"><strong>This report failed.</strong> '
        f"{html.escape(error)}</div>"
        f"<h2>Parameters used</h2><ul>{params or '<li>none</li>'}</ul>"
        f'<footer class="dxlab-footer"><p>Built {html.escape(built_at)} UTC · dxlab '
        f"{html.escape(job.version)} · commit {html.escape(job.commit[:12] or 'unknown')}"
        f"{' (modified)' if job.dirty else ''}</p>"
        '<p><a href="index.html">← All reports</a></p></footer></body></html>\n')
    _write(staging / f"{job.name}.ipynb", json.dumps(nb, ensure_ascii=False, indent=1) + "\n")
    _write(staging / f"{job.name}.html", page)
    result = {"status": "failed", "error": error, "title": title,
              "question": notebook_question(nb), "headline": "", "sources": [],
              "failed_cell": None, "duration_s": None, "built_at": built_at}
    _write(staging / RESULT_FILE, json.dumps(result, ensure_ascii=False))
    return result
