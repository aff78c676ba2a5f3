"""``run_reports``: check everything, take the folder's lock, serve unchanged reports from
cache, build the rest (locally or on dask), write each report as it finishes, and always
rewrite the index.

Order of work, and what a failure at each step does:

1. Every notebook is read and every name and parameter checked (:class:`ParameterError`,
   :class:`ReportsFileError`: exit 2 from the CLI, nothing written, no kernel started).
2. The reports folder is created if missing; one that cannot be created or written to is a
   :class:`RunError` (exit 2), before any report starts.
3. ``reports/.dxlab-run.lock`` is locked (``flock``; released by the OS even on SIGKILL).
   A second ``dxlab run`` on the same folder waits for the first (saying so), or with
   ``wait=False`` stops with a :class:`RunError`. Holding the lock, leftover staging folders
   of dead runs are removed.
4. Reports whose cache key is unchanged are served as ``cached`` (:mod:`dxlab.run.cache`).
5. The others are built in a staging folder; each finished report's ``.ipynb``, ``.html``
   and ``.key.json`` are moved into place at once (renames on one file system), so the
   folder never holds a half-written file and a later failure loses nothing built.
6. Whatever happened — failed reports, a dead template, Ctrl-C — the index is rewritten
   from the records of every report in the folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dxlab import __version__, paths
from dxlab.errors import DxlabError, ParameterError
from dxlab.run import cache
from dxlab.run.job import Job
from dxlab.run.notebooks import (
    NotebookError,
    notebook_parameters,
    notebook_question,
    notebook_title,
    read_notebook,
    resolve_parameters,
)
from dxlab.run.spec import ReportSpec, check_unique, validate_name

STAGING_PREFIX = ".staging-"
LOCK_FILE = ".dxlab-run.lock"


class RunError(DxlabError):
    """The batch cannot start: the reports folder is unusable or locked by another run."""


@dataclass
class ReportResult:
    """What happened to one report in this run (one row of the index)."""

    name: str
    notebook: str
    title: str
    parameters: dict  # every parameter's value (given or default)
    status: str  # 'ok', 'failed' or 'cached'
    duration_s: float
    started_at: str  # when the report was built (ISO, UTC)
    dxlab_version: str
    html: str
    ipynb: str
    error: str = ""
    sources: list = field(default_factory=list)
    headline: str = ""
    question: str = ""
    group: str = ""
    set: str = ""
    commit: str = ""
    dirty: bool = False
    rebuilt_because: str = ""


@dataclass
class _Prepared:
    spec: ReportSpec
    nb: dict
    nb_sha256: str
    given: dict
    effective: dict
    declared_order: list[str]

    @property
    def name(self) -> str:
        return self.spec.report_name


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def git_state(repo: Path | None = None) -> tuple[str, bool]:
    """(commit sha, work tree modified?) of the repository dxlab runs from; ('', False)
    outside a git checkout."""
    repo = repo or paths.REPO_DIR
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return "", False
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain"],
                               capture_output=True, text=True, timeout=30)
        return head.stdout.strip(), bool(dirty.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return "", False


# --------------------------------------------------------------------------- preparing


def prepare(specs: Sequence[ReportSpec], *, from_text: bool = False) -> list[_Prepared]:
    """Read every notebook once and check every name and parameter.

    Raises:
        ParameterError / ReportsFileError: the first problem found (nothing has run).
    """
    notebooks: dict[Path, tuple[dict, str, list[str]]] = {}
    out = []
    for spec in specs:
        validate_name(spec.report_name, f"report {spec.notebook.name}")
        path = Path(spec.notebook)
        if path not in notebooks:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise NotebookError(f"{path}: cannot read the notebook: {exc}") from None
            nb = read_notebook(path)
            declared = list(notebook_parameters(nb, path.name))
            notebooks[path] = (nb, cache.sha256_bytes(raw), declared)
        nb, sha, order = notebooks[path]
        given = resolve_parameters(nb, dict(spec.parameters), where=path.name,
                                   from_text=from_text)
        declared = notebook_parameters(nb, path.name)
        effective = {k: given.get(k, p.default) for k, p in declared.items()}
        out.append(_Prepared(spec, nb, sha, given, effective, order))
    check_unique([p.spec for p in out], "this run")
    return out


# --------------------------------------------------------------------------- the folder


def ensure_out_dir(out_dir: Path) -> None:
    """Create the reports folder if missing and check it can be written.

    Raises:
        RunError: it cannot be created, is not a folder, or is not writable.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise RunError(f"{out_dir}: the reports folder is a file, not a folder") from None
    except OSError as exc:
        raise RunError(f"{out_dir}: cannot create the reports folder: "
                       f"{exc.strerror or exc}") from None
    if not out_dir.is_dir():
        raise RunError(f"{out_dir}: the reports folder is not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".dxlab-write-test-"):
            pass
    except OSError as exc:
        raise RunError(f"{out_dir}: the reports folder is not writable: "
                       f"{exc.strerror or exc}") from None


class FolderLock:
    """An exclusive ``flock`` on ``reports/.dxlab-run.lock`` for the length of a run."""

    def __init__(self, out_dir: Path, *, wait: bool, say: Callable[[str], None],
                 timeout_s: float | None = None) -> None:
        self.path = out_dir / LOCK_FILE
        self.wait, self.say, self.timeout_s = wait, say, timeout_s
        self.fd: int | None = None

    def __enter__(self) -> FolderLock:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise RunError(f"{self.path}: cannot create the lock file: "
                           f"{exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                os.close(fd)
                raise RunError(f"{self.path}: cannot lock: {exc.strerror}") from None
            holder = self._holder(fd)
            if not self.wait:
                os.close(fd)
                raise RunError(f"{self.path.parent}: another dxlab run is writing here "
                               f"({holder}); wait for it to finish or use another "
                               "--output-dir") from None
            self.say(f"dxlab run: another run is writing to {self.path.parent} ({holder}); "
                     "waiting for it to finish …")
            t0 = time.monotonic()
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if self.timeout_s is not None and time.monotonic() - t0 > self.timeout_s:
                        os.close(fd)
                        raise RunError(f"{self.path.parent}: still locked by another dxlab "
                                       f"run after {self.timeout_s:.0f} s ({holder})"
                                       ) from None
                    time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "started": _now(),
                                  "argv": sys.argv[:6]}).encode(), 0)
        self.fd = fd
        return self

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            info = json.loads(os.pread(fd, 4096, 0) or b"{}")
            return f"pid {info.get('pid')}, started {info.get('started')}"
        except (OSError, ValueError):
            return "pid unknown"

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
            os.close(self.fd)  # releases the flock
            self.fd = None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _clean_stale_staging(out_dir: Path) -> None:
    """Remove staging folders left by dead runs (only called while holding the lock)."""
    for p in out_dir.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in out_dir.glob(".dxlab-write-test-*"):
        with contextlib.suppress(OSError):
            p.unlink()


def _atomic_write(target: Path, text: str, staging: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=staging, suffix=target.suffix)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)


# --------------------------------------------------------------------------- progress


class Progress:
    """One line per report (logs, CI, a callback) or a progress bar on a terminal."""

    def __init__(self, total: int, callback: Callable[[str], None] | None) -> None:
        self.total, self.n = total, 0
        self.callback = callback
        self.bar = None
        if (callback is None and total > 1 and sys.stderr.isatty()
                and shutil.get_terminal_size((0, 0)).columns >= 40):
            try:
                from tqdm import tqdm

                self.bar = tqdm(total=total, unit="report", file=sys.stderr,
                                dynamic_ncols=True, leave=True)
            except ImportError:  # pragma: no cover - tqdm comes with papermill
                self.bar = None

    def say(self, msg: str) -> None:
        if self.callback is not None:
            self.callback(msg)
        elif self.bar is not None:
            self.bar.write(msg, file=sys.stderr)
        else:
            print(msg, file=sys.stderr, flush=True)

    def report(self, r: ReportResult) -> None:
        self.n += 1
        mark = {"ok": "ok", "cached": "cached", "failed": "FAILED"}.get(r.status, r.status)
        why = f"  [{r.rebuilt_because}]" if r.rebuilt_because and r.status != "cached" and \
            r.rebuilt_because.startswith(("dataset", "the ")) else ""
        extra = f"  {r.error}" if r.error else ""
        line = f"[{self.n}/{self.total}] {mark:<6} {r.name} ({r.duration_s:.1f} s){extra}{why}"
        if self.bar is not None:
            if r.status == "failed":
                self.bar.write(line, file=sys.stderr)
            self.bar.set_postfix_str(r.name[-30:], refresh=False)
            self.bar.update(1)
        else:
            self.say(line)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------- the run


def run_reports(
    specs: Sequence[ReportSpec],
    *,
    out_dir: Path | None = None,
    jobs: int | None = None,
    show_code: bool = False,
    timeout_s: float | None = 600,
    force: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    groups: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
    wait: bool = True,
    from_text: bool = False,
    replace_index: bool | None = None,  # accepted for compatibility; the index is rebuilt
) -> list[ReportResult]:
    """Build reports into ``out_dir`` and rewrite its index.

    Args:
        specs: the reports (notebook, parameters, name, group, set).
        out_dir: the reports folder (default ``reports/`` or ``$DXLAB_REPORTS_DIR``).
        jobs: reports built at once (default: the CPU count); the local executor only.
        show_code: keep code cells in the pages.
        timeout_s: per-cell timeout in seconds (None or 0: none).
        force: rebuild even reports whose cache key is unchanged.
        executor: 'local' (forks of a warm template on this machine) or 'dask'.
        scheduler: the dask scheduler address (executor 'dask').
        groups: index sections (key -> heading) from reports.toml.
        progress: called with each progress line (default: stderr, a bar on a terminal).
        wait: when another run holds the folder, wait for it (else raise RunError).
        from_text: parameter values are command-line text to convert (``-p``).
    Returns:
        One result per spec, in the order given.
    Raises:
        ParameterError, ReportsFileError: a bad spec (before anything runs).
        RunError: the folder is unusable or locked (before anything runs).
    """
    del replace_index
    # absolute: each report runs in its notebook's folder, not in this working directory
    out_dir = (Path(out_dir) if out_dir is not None else paths.reports_dir()).absolute()
    jobs = default_jobs() if jobs is None else jobs
    if not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"jobs must be a positive number of processes, got {jobs!r}")
    if executor not in ("local", "dask"):
        raise ParameterError(f"unknown executor {executor!r}; expected 'local' or 'dask'")
    if executor == "dask" and not scheduler:
        raise ParameterError("the dask executor needs a scheduler address (--scheduler)")
    prepared = prepare(specs, from_text=from_text)
    ensure_out_dir(out_dir)
    line = Progress(len(prepared), progress)
    results: dict[str, ReportResult] = {}
    with FolderLock(out_dir, wait=wait, say=line.say):
        _clean_stale_staging(out_dir)
        staging_root = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
        try:
            _run_locked(prepared, out_dir, staging_root, results, line, jobs=jobs,
                        show_code=show_code, timeout_s=timeout_s, force=force,
                        executor=executor, scheduler=scheduler)
        finally:
            line.close()
            try:
                index = write_index(out_dir, results, groups=groups)
                failed = [r.name for r in results.values() if r.status == "failed"]
                line.say(f"index: {index}" + (f"  ({len(failed)} failed: "
                                              f"{', '.join(failed[:20])}"
                                              f"{' …' if len(failed) > 20 else ''})"
                                              if failed else ""))
            except OSError as exc:
                line.say(f"dxlab run: could not write the index in {out_dir}: {exc}")
            shutil.rmtree(staging_root, ignore_errors=True)
    return [results[p.name] for p in prepared if p.name in results]


def _run_locked(prepared: list[_Prepared], out_dir: Path, staging_root: Path,
                results: dict[str, ReportResult], line: Progress, *, jobs: int,
                show_code: bool, timeout_s: float | None, force: bool, executor: str,
                scheduler: str | None) -> None:
    hashes = cache.DatasetHashes()
    todo: list[tuple[_Prepared, str, float]] = []
    cached: list[ReportResult] = []
    imported: Counter[str] = Counter()
    for p in prepared:
        sidecar = cache.read_sidecar(out_dir, p.name)
        recorded = (sidecar or {}).get("inputs", {}).get("datasets", {}) if sidecar else {}
        now = hashes.current(recorded, (sidecar or {}).get("catalog_files_sha256"))
        inputs = cache.key_inputs(p.nb_sha256, p.effective, show_code, now)
        reason = "forced (--force)" if force else cache.why_rebuild(sidecar, inputs, out_dir,
                                                                    p.name)
        if reason:
            prev_rec = (sidecar or {}).get("record", {})
            imported.update(prev_rec.get("imported") or [])
            todo.append((p, reason, float(prev_rec.get("duration_s") or 0.0)))
            continue
        assert sidecar is not None
        rec = sidecar["record"]
        if rec.get("group") != p.spec.group or rec.get("set") != p.spec.set:
            rec.update(group=p.spec.group, set=p.spec.set)
            sidecar["record"] = rec
            _atomic_write(out_dir / f"{p.name}{cache.KEY_SUFFIX}",
                          json.dumps(sidecar, ensure_ascii=False, indent=1), staging_root)
        cached.append(_result_from_record(rec, "cached", ""))
    where = scheduler if executor == "dask" else f"{jobs} job(s)"
    line.say(f"dxlab run: {len(prepared)} report(s): {len(todo)} to build, {len(cached)} "
             f"unchanged (cached); {where} → {out_dir}")
    for r in cached:
        results[r.name] = r
        line.report(r)
    if not todo:
        return
    commit, dirty = git_state()
    todo.sort(key=lambda t: -t[2])  # longest first (by last duration): shorter batch
    env = paths.pinned_environment(os.environ) if executor == "local" else None
    job_list: list[Job] = []
    meta: dict[str, tuple[_Prepared, str]] = {}
    for p, reason, _prev in todo:
        notebook = Path(p.spec.notebook).absolute()
        job = Job(name=p.name, notebook=str(notebook), nb=p.nb, given=p.given,
                  parameters=[[k, v, k in p.given] for k, v in p.effective.items()],
                  staging=str(staging_root / p.name), show_code=show_code,
                  timeout_s=timeout_s or None, cwd=str(notebook.parent),
                  env=env, commit=commit, dirty=dirty, started_at=_now())
        job_list.append(job)
        meta[p.name] = (p, reason)
    if executor == "dask":
        from dxlab.run.dask import DaskExecutor

        runner = DaskExecutor(scheduler or "")
    else:
        from dxlab.run.local import LocalExecutor, preload_threshold

        # Modules enough of these reports imported last time are cheaper to import once in
        # the template than once per report.
        extra = sorted(m for m, n in imported.items() if n >= preload_threshold(jobs))
        runner = LocalExecutor(jobs, extra=extra, show_code=show_code)
    for job, result in runner.map(job_list):
        p, reason = meta[job.name]
        wall = result.get("wall_s") or result.get("duration_s") or 0.0
        r = _commit(out_dir, p, job, result, reason, float(wall), hashes, show_code)
        results[r.name] = r
        line.report(r)


def _result_from_record(rec: dict, status: str, reason: str) -> ReportResult:
    return ReportResult(
        name=rec["name"], notebook=rec.get("notebook", ""), title=rec.get("title", ""),
        parameters=rec.get("parameters", {}), status=status,
        duration_s=float(rec.get("duration_s") or 0.0), started_at=rec.get("built_at", ""),
        dxlab_version=rec.get("dxlab_version", ""), html=rec.get("html", ""),
        ipynb=rec.get("ipynb", ""), error=rec.get("error", ""),
        sources=rec.get("sources", []), headline=rec.get("headline", ""),
        question=rec.get("question", ""), group=rec.get("group", ""), set=rec.get("set", ""),
        commit=rec.get("commit", ""), dirty=bool(rec.get("dirty")), rebuilt_because=reason)


def _commit(out_dir: Path, p: _Prepared, job: Job, result: dict, reason: str,
            wall_s: float, hashes: cache.DatasetHashes, show_code: bool) -> ReportResult:
    """Move one finished report into ``out_dir`` and write its key; never raises."""
    from dxlab.run.job import fallback

    staging = Path(job.staging)
    html_name, ipynb_name = f"{p.name}.html", f"{p.name}.ipynb"
    if not ((staging / html_name).is_file() and (staging / ipynb_name).is_file()):
        result = fallback(job, result.get("error") or "the report's files were not written")
    sources = [s for s in result.get("sources", []) if isinstance(s, dict) and s.get("name")]
    datasets = {s["name"]: str(s.get("sha256", "")) for s in sources}
    inputs = cache.key_inputs(p.nb_sha256, p.effective, show_code, datasets)
    record = {
        "name": p.name, "notebook": Path(p.spec.notebook).name,
        "title": result.get("title") or notebook_title(p.nb, Path(p.spec.notebook).stem),
        "question": result.get("question") or notebook_question(p.nb),
        "headline": result.get("headline", ""), "parameters": p.effective,
        "given": p.given, "status": "ok" if result.get("status") == "ok" else "failed",
        "error": result.get("error", ""), "duration_s": round(wall_s, 2),
        "built_at": result.get("built_at") or job.started_at,
        "dxlab_version": job.version, "commit": job.commit, "dirty": job.dirty,
        "sources": sources, "html": html_name, "ipynb": ipynb_name,
        "key_file": f"{p.name}{cache.KEY_SUFFIX}", "group": p.spec.group, "set": p.spec.set,
        "rebuilt_because": reason, "imported": result.get("imported", []),
    }
    try:
        outputs = {html_name: cache.sha256_file(staging / html_name),
                   ipynb_name: cache.sha256_file(staging / ipynb_name)}
        sidecar = {"report": p.name, "key": cache.key_of(inputs), "inputs": inputs,
                   "catalog_files_sha256": hashes.catalog_files, "outputs": outputs,
                   "record": record, "explain": cache.EXPLAIN}
        for name in (ipynb_name, html_name):
            os.chmod(staging / name, 0o644)
            os.replace(staging / name, out_dir / name)
        _atomic_write(out_dir / f"{p.name}{cache.KEY_SUFFIX}",
                      json.dumps(sidecar, ensure_ascii=False, indent=1), staging)
    except OSError as exc:
        record["status"] = "failed"
        record["error"] = (f"could not write the report into {out_dir}: "
                           f"{exc.strerror or exc}")
    shutil.rmtree(staging, ignore_errors=True)
    return _result_from_record(record, record["status"], reason)


def write_index(out_dir: Path, results: dict[str, ReportResult] | Sequence[ReportResult],
                *, groups: dict[str, str] | None = None, replace: bool | None = None) -> Path:
    """Rewrite ``index.html`` and ``index.json`` from every report record in ``out_dir``."""
    from dxlab.run.index import load_records, render_index

    del replace
    if not isinstance(results, dict):
        results = {r.name: r for r in results}
    records = load_records(out_dir)
    known = {r["html"] for r in records}
    loose = sorted(p.name for p in out_dir.glob("*.html")
                   if p.name != "index.html" and p.name not in known)
    now = _now()
    status = {name: r.status for name, r in results.items()}
    page = render_index(records, groups=groups or {}, run_status=status, generated_at=now,
                        version=__version__, loose_pages=loose)
    payload = {"generated_at": now, "dxlab_version": __version__,
               "reports": [{**rec, "run_status": status.get(rec["name"], "earlier")}
                           for rec in sorted(records, key=lambda r: r["name"])]}
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    try:
        _atomic_write(out_dir / "index.json", json.dumps(payload, ensure_ascii=False,
                                                         indent=1), staging)
        _atomic_write(out_dir / "index.html", page, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"


def records_as_dicts(results: Sequence[ReportResult]) -> list[dict]:
    """Results as plain dicts (for JSON)."""
    return [asdict(r) for r in results]
