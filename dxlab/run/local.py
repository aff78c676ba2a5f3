"""Run report jobs in forks of the warm template, with timeouts and salvage of dead kernels.

:func:`run_one` takes one :class:`~dxlab.run.job.Job` to a finished report in its staging
folder, whatever happens to the process running it:

- it ends normally → its ``result.json``;
- it dies (signal, ``os._exit``, out of memory) → a salvage process rebuilds the report from
  the cells that finished and says that the kernel died and in which cell;
- a cell runs past its timeout and ignores the in-process timeout → after ``GRACE_S`` more
  seconds the process is killed and salvaged ("timed out after N s");
- the template itself dies → it is restarted once for the salvage; if even that fails, the
  parent writes a plain page with the error (:func:`dxlab.run.job.fallback`).

:class:`LocalExecutor` runs ``jobs`` of them at a time from a thread pool (the threads only
wait; the work is in the forked processes).
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from dxlab.run.job import PROGRESS_FILE, RESULT_FILE, Job, fallback

GRACE_S = 10.0  # beyond the cell timeout before the process is killed
START_LIMIT_S = 120.0  # from fork to the first cell
RENDER_LIMIT_S = 300.0  # writing the report after the last cell, and a whole salvage


def read_result(staging: Path) -> dict | None:
    try:
        return json.loads((staging / RESULT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _overdue(job: Job, op: str, since: float) -> str:
    """Why the job's process must be killed now ('' = not overdue)."""
    elapsed = time.time() - since
    if op == "salvage":
        return ("writing the report of a dead kernel took longer than "
                f"{RENDER_LIMIT_S:.0f} s" if elapsed > RENDER_LIMIT_S else "")
    try:
        prog = json.loads((Path(job.staging) / PROGRESS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        prog = None
    if prog is None:
        return (f"the kernel did not start within {START_LIMIT_S:.0f} s"
                if elapsed > START_LIMIT_S else "")
    if prog.get("phase") == "render":
        return (f"writing the report took longer than {RENDER_LIMIT_S:.0f} s"
                if time.time() - prog.get("t", since) > RENDER_LIMIT_S else "")
    if job.timeout_s and time.time() - prog.get("t", since) > job.timeout_s + GRACE_S:
        return (f"the cell timed out after {job.timeout_s:g} s and did not stop, so dxlab "
                "killed the kernel")
    return ""


def _run_in_template(job: Job, op: str, status: int, get_template: Callable,
                     cancel: threading.Event | None) -> tuple[str, object]:
    """Run one fork of the template to its end. Returns ('exited', wait status),
    ('died', reason), ('error', message) or ('cancelled', '')."""
    from dxlab.run.warm import TemplateDied

    last = ""
    for _attempt in range(2):
        try:
            template = get_template()
            events: queue.Queue = queue.Queue()
            rid = uuid.uuid4().hex
            template.submit(rid, job.to_json(), events, op=op, status=status)
            break
        except TemplateDied as exc:
            last = str(exc)
    else:
        return ("died", last)
    since = time.time()
    killed = False
    while True:
        if cancel is not None and cancel.is_set():
            template.kill(rid)
            return ("cancelled", "")
        try:
            kind, _rid, value = events.get(timeout=0.25)
        except queue.Empty:
            if not killed:
                reason = _overdue(job, op, since)
                if reason:
                    job.kill_reason = reason
                    template.kill(rid)
                    killed = True
            continue
        if kind == "started":
            continue
        return (kind, value)


def run_one(job: Job, *, get_template: Callable | None = None,
            cancel: threading.Event | None = None) -> dict:
    """Build one report into ``job.staging`` and return its result record (never raises
    for a failing notebook or a dead process; the record says what happened)."""
    t0 = time.perf_counter()
    result = _run_one(job, get_template, cancel)
    result["wall_s"] = round(time.perf_counter() - t0, 2)
    return result


def _run_one(job: Job, get_template: Callable | None,
             cancel: threading.Event | None) -> dict:
    from dxlab.run.job import now_iso
    from dxlab.run.warm import shared_template

    get_template = get_template or shared_template
    job.started_at = now_iso()
    staging = Path(job.staging)
    staging.mkdir(parents=True, exist_ok=True)
    kind, value = _run_in_template(job, "run", 0, get_template, cancel)
    if kind == "cancelled":
        return fallback(job, "interrupted: dxlab run was stopped before this report finished")
    result = read_result(staging)
    if result is not None:
        return result
    if kind == "exited":
        status = int(value)  # type: ignore[arg-type]
    else:  # the template died (and took this report's process with it) or could not fork
        status = 9 if kind == "died" else 256
        job.kill_reason = job.kill_reason or f"the kernel died because {value}"
    kind2, value2 = _run_in_template(job, "salvage", status, get_template, cancel)
    result = read_result(staging)
    if result is not None:
        return result
    from dxlab.run.job import death_message

    why = death_message(status, job.kill_reason)
    extra = f"; the report could not be rebuilt either ({value2})" if kind2 != "exited" else ""
    return fallback(job, f"KernelDied: {why}{extra}")


def preload_threshold(jobs: int) -> int:
    """How many reports of a batch must use a module before the template preloads it: at
    least ``jobs`` (and 2), so a preload pays for itself. Used for the previous run's record
    and for learning within a batch alike."""
    return max(2, jobs)


class _ImportLearner:
    """Preload, during a batch, what its reports keep importing.

    A batch without history (first run, new output folder) cannot know that its reports
    import, say, scipy.stats and dxlab.areas (0.6 s each time). Once ``threshold`` finished
    reports have used a module, the running template is asked to import it too, so the
    reports forked after that start with it (with history, the template started with them).
    An optimisation only: nothing here may fail a batch, and it never starts a template.
    """

    def __init__(self, *, threshold: int) -> None:
        from collections import Counter

        self.threshold = threshold
        self.counts: Counter[str] = Counter()

    def saw(self, imported: Sequence[str]) -> None:
        self.counts.update(imported)
        wanted = [m for m, n in self.counts.items() if n >= self.threshold]
        if not wanted:
            return
        try:
            from dxlab.run.warm import running_template

            template = running_template()
            if template is not None:
                template.preload(wanted)  # only what it has not imported or been asked for
        except Exception:  # reports still run; they import the modules themselves
            pass


class LocalExecutor:
    """Build jobs ``jobs`` at a time on this machine (forks of the warm template)."""

    def __init__(self, jobs: int, *, extra: Sequence[str] = (), show_code: bool = False
                 ) -> None:
        self.jobs = max(1, int(jobs))
        self.extra, self.show_code = list(extra), show_code

    def _template(self):
        from dxlab.run.warm import shared_template

        return shared_template(self.extra, self.show_code)

    def map(self, jobs: Sequence[Job]) -> Iterator[tuple[Job, dict]]:
        """Yield (job, result) as each finishes. Interrupting the iteration kills the
        running report processes."""
        cancel = threading.Event()
        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="dxlab-report")
        futures = {pool.submit(run_one, job, get_template=self._template, cancel=cancel): job
                   for job in jobs}
        learn = _ImportLearner(threshold=preload_threshold(self.jobs))
        try:
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    result = fut.result()
                except Exception as exc:  # a bug in the runner: one failed row, not a crash
                    result = fallback(job, f"dxlab run failed on this report: "
                                           f"{type(exc).__name__}: {exc}")
                learn.saw(result.get("imported") or [])
                yield job, result
        finally:
            cancel.set()
            pool.shutdown(wait=True, cancel_futures=True)
