"""Warm execution: a template process that has imported the heavy stack forks one process
per report.

Why: a report's fixed cost with a fresh kernel (kernel start, ``import pandas/matplotlib/
dxlab``, papermill's per-cell notebook rewrites, graceful shutdown) was about 3 s against
1.3 s of real work. The template (``python -m dxlab.run.warm``) imports pandas, pyarrow,
matplotlib (inline backend), seaborn, IPython, nbconvert (with its templates compiled) and
dxlab once; each report then runs in a ``fork()`` of it, which costs a few hundredths of a
second.

Isolation guarantee (tested in tests/test_run_isolation.py):

- Every report runs in its own process, forked from a template that has only *imported*
  modules and never runs notebook code. Whatever a report changes — its globals, attributes
  of dxlab or pandas modules, matplotlib rcParams, pandas options, ``os.environ``, the
  working directory, ``sys.path`` — lives in that process's copy-on-write memory and ends
  with it. The next report starts from the template's untouched state.
- Each report gets the environment of the ``dxlab run`` that submitted it, the notebook's
  folder as working directory, NumPy's global random state reseeded from the OS (as a fresh
  kernel would have), and pandas/matplotlib house style applied.
- A report that crashes (``os._exit``, segfault, SIGKILL, out of memory) kills only its own
  process; the template and the other reports go on, and its page says that the kernel died
  and in which cell.
- Not isolated, as with any kernel: files a notebook writes, and the shared parquet cache in
  ``data/processed`` (written atomically by dxlab.data).

Lifetime: the template reads requests on its stdin. When the ``dxlab run`` that started it
exits or is killed (SIGKILL included), stdin reaches end-of-file and the template kills its
report processes and exits; each report process also asks the kernel to SIGKILL it when the
template dies (``PR_SET_PDEATHSIG``). So no report keeps running after ``dxlab run`` is gone.

Protocol (one JSON object per line): requests ``{"op": "run"|"salvage", "id", "job",
"status"}``, ``{"op": "kill", "id", "reason"}`` and ``{"op": "preload", "modules"}``; events
``{"event": "ready"}``, ``{"event": "started", "id", "pid"}``, ``{"event": "exited", "id",
"status"}`` (a raw wait status), ``{"event": "error", "id", "message"}`` and
``{"event": "preloaded", "modules", "failed", "threads"}``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import queue
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

# What every report needs. Modules only some reports import (seaborn with scipy: 0.6 s;
# pyarrow.dataset, PIL's image plugins) are preloaded only when enough reports of the batch
# imported them last time (``extra``) or, in a batch without that history, once enough of
# its reports have finished importing them (the ``preload`` request): a preload is on every
# batch's critical path, an import in a report only on that report's. Only modules of these
# packages are preloaded that way (importing them starts no thread, so forking stays safe):
PRELOADABLE = frozenset({"numpy", "pandas", "pyarrow", "matplotlib", "PIL", "seaborn",
                         "scipy", "IPython", "dxlab", "pandera", "nbconvert", "nbformat",
                         "jinja2", "mistune", "pygments", "statsmodels"})
PRELOAD = (
    "numpy", "pandas", "pyarrow", "pyarrow.parquet", "matplotlib", "matplotlib.pyplot",
    "matplotlib_inline.backend_inline", "IPython", "IPython.display",
    "nbformat", "nbconvert", "dxlab.data", "dxlab.datasets", "dxlab.plot", "dxlab.pyramid",
    "dxlab.adoption", "dxlab.reporting", "dxlab.run.engine", "dxlab.run.render",
    "dxlab.run.job",
)
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


# =========================================================================== template side


def _prctl_pdeathsig() -> None:
    """Ask Linux to SIGKILL this process when its parent (the template) dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def module_roots(names: Iterable[str]) -> list[str]:
    """Of the module names a report imported, those a template should preload, sorted: only
    modules of :data:`PRELOADABLE` packages, and no private submodule (a ``_``-prefixed part)
    of a module also named (importing ``scipy.stats`` imports its 60 ``scipy.stats._*``
    again). Public submodules stay: importing ``scipy`` does not import ``scipy.stats``.
    """
    names = {n for n in names if n.split(".")[0] in PRELOADABLE}

    def covered(name: str) -> bool:
        parts = name.split(".")
        return (any(p.startswith("_") for p in parts[1:])
                and any(".".join(parts[:k]) in names for k in range(1, len(parts))))

    return sorted(n for n in names if not covered(n))


class ImportRecorder:
    """Record, while active, the modules that code imports directly: by ``import``
    statements (also of modules already loaded, so a module the template preloaded still
    counts as used) and by ``importlib.import_module``. Imports made while another import
    runs (a package's own imports) are not recorded: preloading the outer module brings
    them. Names are absolute; ``from a import b`` records ``a`` and, when it is a module,
    ``a.b``. What a report uses, independent of what its process started with."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self._depth = 0

    def _note(self, name: str, fromlist: Iterable[str] = ()) -> None:
        self.names.add(name)
        for attr in fromlist or ():
            if isinstance(attr, str) and f"{name}.{attr}" in sys.modules:
                self.names.add(f"{name}.{attr}")

    def __enter__(self) -> ImportRecorder:
        import builtins
        import importlib
        from importlib.util import resolve_name

        self._saved = (builtins.__import__, importlib.import_module)
        real_import, real_import_module = self._saved

        def recording_import(name, globals=None, locals=None, fromlist=(), level=0):
            __tracebackhide__ = True  # IPython leaves this frame out of tracebacks
            self._depth += 1
            try:
                module = real_import(name, globals, locals, fromlist, level)
            finally:
                self._depth -= 1
            if self._depth == 0:
                with contextlib.suppress(Exception):  # recording must never break an import
                    if level:
                        package = (globals or {}).get("__package__") or ""
                        name = resolve_name("." * level + name, package)
                    self._note(name, fromlist)
            return module

        def recording_import_module(name, package=None):
            __tracebackhide__ = True
            self._depth += 1
            try:
                module = real_import_module(name, package)
            finally:
                self._depth -= 1
            if self._depth == 0:
                self._note(module.__name__)
            return module

        builtins.__import__ = recording_import
        importlib.import_module = recording_import_module
        return self

    def __exit__(self, *exc: object) -> None:
        import builtins
        import importlib

        builtins.__import__, importlib.import_module = self._saved


# The modules of the template after its fixed PRELOAD (set by serve); what a report imports
# beyond these is what a template could preload for it.
BASE_MODULES: frozenset[str] | None = None


def safe_module_names(names: Iterable[str]) -> list[str]:
    """The names that may be preloaded: a :data:`PRELOADABLE` package and a plain dotted
    name (nothing a command line or ``importlib`` would read as anything else)."""
    return [m for m in names if m.split(".")[0] in PRELOADABLE
            and m.replace("_", "").replace(".", "").isalnum()]


def import_modules(names: Iterable[str]) -> list[str]:
    """Import ``names``; return one line per failure (a missing optional module must not
    stop the template)."""
    import importlib

    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    return failed


def preload(modules: Iterable[str] = PRELOAD, *, show_code: bool = False) -> list[str]:
    """Import the modules reports use, and compile the HTML templates. Returns failures."""
    # jsonschema (via nbformat) builds rfc3987 grammars at import when rfc3987_syntax is
    # installed (1.2-1.6 s); nbformat's schemas use no format that needs it.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    failed = import_modules(modules)
    try:
        from dxlab.run import render

        render.warm_up(show_code)
    except Exception as exc:  # pragma: no cover - reported, reports will fail visibly
        failed.append(f"render warm-up: {type(exc).__name__}: {exc}")
    try:
        warm_up_figures()
    except Exception as exc:  # pragma: no cover - reported; reports then pay the cost
        failed.append(f"figure warm-up: {type(exc).__name__}: {exc}")
    try:
        from dxlab.datasets import read_catalog

        read_catalog()  # parsed once here; children reuse the parse while the text is equal
    except Exception:  # a broken catalog is reported by the reports that read it
        pass
    try:  # what every dxlab.load needs first: the spec registry, the source fingerprint
        from dxlab.fingerprint import source_sha256
        from dxlab.specs import registry

        registry()
        source_sha256()
    except Exception:  # reported by the reports that load data
        pass
    try:  # a shell imports ~15 more IPython modules (completer, magics ...): do it once
        from dxlab.run.engine import ReportShell, shell_config

        ReportShell.instance(config=shell_config())
        ReportShell.clear_instance()  # each report creates its own, with matplotlib inline
    except Exception as exc:  # pragma: no cover
        failed.append(f"shell warm-up: {type(exc).__name__}: {exc}")
    return failed


def warm_up_figures() -> None:
    """Draw one small figure the way reports do, and throw it away.

    A process pays once for things matplotlib builds on first use: the mathtext grammar,
    log-scale locators, font lookups for the house style's Japanese font, the PNG writer.
    Paid here, in the template, every forked report inherits them (about 0.15 s each). The
    figure is made without pyplot (no figure number is taken) and inside ``rc_context``, so
    no state a report can observe changes; loaded fonts themselves are not inherited
    (matplotlib drops them after a fork).
    """
    import matplotlib as mpl
    from IPython.core.pylabtools import print_figure
    from matplotlib.figure import Figure

    from dxlab.plot import HOUSE_STYLE, use_japanese_font

    with mpl.rc_context():
        use_japanese_font()  # not use_style(): that also configures the (absent) shell
        mpl.rcParams.update(HOUSE_STYLE)
        fig = Figure(figsize=(3, 2), layout="constrained")
        ax = fig.add_subplot()
        ax.set_xscale("log")
        ax.plot([1, 10, 100], [0.5, 1.0, 1.5], marker="o", label="全国 ±1.0%")
        ax.axhline(1.0, linestyle="--")
        ax.set_title("人口 (千人) $O/E$")
        ax.legend()
        ax.grid(True)
        print_figure(fig, "png", bbox_inches="tight", dpi=144)


def _child(op: str, job_data: dict, status: int, keep_fds: tuple[int, ...]) -> None:
    """In the forked process: run (or salvage) one job, then ``_exit``."""
    code = 0
    try:
        os.setpgid(0, 0)  # its own process group: subprocesses it starts die with it
        _prctl_pdeathsig()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        for fd in keep_fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        from dxlab.run import job as jobmod

        job = jobmod.Job.from_json(job_data)
        staging = Path(job.staging)
        staging.mkdir(parents=True, exist_ok=True)
        log = os.open(staging / jobmod.LOG_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(devnull)
        if op == "salvage":
            jobmod.salvage(job, status)
        else:
            jobmod.run(job)
    except BaseException:
        import traceback

        with contextlib.suppress(Exception):
            traceback.print_exc()
            sys.stderr.flush()
        code = 70
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        os._exit(code)


PRELOAD_LIMIT_S = 120  # for the modules of one preload request


class _PreloadOverdue(BaseException):
    """Raised by SIGALRM in the template when a requested import runs too long (a
    BaseException, so import_modules does not count it as one module's failure)."""


def _preload_overdue(_signum, _frame):
    raise _PreloadOverdue


def _other_threads() -> list[str]:
    """Names of the template's threads besides the main one (forking wants none)."""
    return [t.name for t in threading.enumerate() if t is not threading.main_thread()]


def serve(argv: list[str] | None = None) -> None:
    """The template's main loop (``python -m dxlab.run.warm [--preload A,B] [--show-code]``).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--preload" in argv:
        extra = [m for m in argv[argv.index("--preload") + 1].split(",") if m]
    show_code = "--show-code" in argv
    req_fd, out_fd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # stray prints from imported modules must not corrupt the protocol
    os.close(devnull)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # dxlab run handles Ctrl-C, then stdin EOF
    out = os.fdopen(out_fd, "w", buffering=1, encoding="utf-8")

    def send(**msg: object) -> None:
        out.write(json.dumps(msg) + "\n")
        out.flush()

    t0 = time.perf_counter()
    failed = preload(PRELOAD, show_code=show_code)
    # run as ``python -m``, this is __main__; reports read the attribute from the module
    from dxlab.run import warm as module

    module.BASE_MODULES = frozenset(sys.modules)
    failed += import_modules(safe_module_names(extra))
    gc.collect()  # the warm-ups' garbage, collected before it is frozen (see "run" below)
    send(event="ready", pid=os.getpid(), preload_s=round(time.perf_counter() - t0, 3),
         failed=failed, threads=_other_threads())

    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    stop = {"flag": False}

    def on_term(*_a):
        stop["flag"] = True

    signal.signal(signal.SIGTERM, on_term)
    children: dict[int, str] = {}  # pid -> request id
    by_id: dict[str, int] = {}
    buf = b""
    keep = (req_fd, out_fd, wake_r, wake_w)

    def kill_group(pid: int) -> None:
        for target in (lambda: os.killpg(pid, signal.SIGKILL),
                       lambda: os.kill(pid, signal.SIGKILL)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                target()

    def reap() -> None:
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            # Subprocesses a notebook left running (its process group) end with the report.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            rid = children.pop(pid, None)
            if rid is not None:
                by_id.pop(rid, None)
                send(event="exited", id=rid, status=status)

    def handle(msg: dict) -> None:
        op = msg.get("op")
        if op in ("run", "salvage"):
            rid = str(msg["id"])
            out.flush()
            # Objects the template made are not garbage a report could free; frozen, the
            # report's collector never walks them (walking writes to them: copy-on-write
            # page copies, about 0.05 s of CPU per report).
            gc.freeze()
            try:
                pid = os.fork()
            except OSError as exc:
                send(event="error", id=rid, message=f"fork failed: {exc}")
                return
            if pid == 0:
                _child(op, msg["job"], int(msg.get("status", 0)), keep)
            with contextlib.suppress(OSError):  # also here: no race with the child's own call
                os.setpgid(pid, pid)
            children[pid] = rid
            by_id[rid] = pid
            send(event="started", id=rid, pid=pid)
        elif op == "preload":  # modules the batch's reports turned out to import
            names = safe_module_names(str(m) for m in msg.get("modules", []))
            old = signal.signal(signal.SIGALRM, _preload_overdue)
            signal.alarm(PRELOAD_LIMIT_S)  # a hanging import must not stall every report
            try:
                failed = import_modules(names)
            except _PreloadOverdue:
                failed = [f"importing {names} took longer than {PRELOAD_LIMIT_S} s; stopped"]
            finally:
                signal.alarm(0)
                signal.signal(signal.SIGALRM, old)
            gc.collect()
            send(event="preloaded", modules=names, failed=failed, threads=_other_threads())
        elif op == "kill":
            pid = by_id.get(str(msg["id"]))
            if pid is not None:
                kill_group(pid)

    try:
        while not stop["flag"]:
            try:
                ready, _, _ = select.select([req_fd, wake_r], [], [], 1.0)
            except InterruptedError:  # pragma: no cover - PEP 475 retries
                continue
            if wake_r in ready:
                with contextlib.suppress(BlockingIOError):
                    while os.read(wake_r, 4096):
                        pass
            reap()
            if req_fd in ready:
                chunk = os.read(req_fd, 1 << 20)
                if not chunk:  # dxlab run is gone: stop everything
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if line.strip():
                        handle(json.loads(line))
    finally:
        for pid in list(children):
            kill_group(pid)
        for pid in list(children):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


# =========================================================================== client side


class TemplateDied(RuntimeError):
    """The template process is gone (killed, out of memory, failed to start)."""


class Template:
    """The parent's handle on one template process.

    Events for a job are put on the queue given to :meth:`submit` as tuples
    ``(kind, id, value)``: ``("started", id, pid)``, ``("exited", id, wait_status)``,
    ``("error", id, message)``; if the template dies, every job still open gets
    ``("died", id, message)``.
    """

    def __init__(self, *, python: str | None = None, env: dict | None = None,
                 ready_timeout: float = 300, extra: Iterable[str] = (),
                 show_code: bool = False) -> None:
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - kept open for the lifetime
            prefix="dxlab-template-", suffix=".log", delete=False)
        argv = [python or sys.executable, "-m", "dxlab.run.warm"]
        extra = safe_module_names(extra)
        self.requested: set[str] = set(extra)  # preloaded at start or asked for since
        if extra:
            argv += ["--preload", ",".join(extra)]
        if show_code:
            argv.append("--show-code")
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
            env=env, close_fds=True)
        self._lock = threading.Lock()
        self._queues: dict[str, queue.Queue] = {}
        self._ready = threading.Event()
        self.info: dict = {}
        self.preloaded: list[str] = []  # imported on request after start (:meth:`preload`)
        self.preload_failed: list[str] = []
        self.dead: str | None = None
        self._reader = threading.Thread(target=self._read, name="dxlab-template-reader",
                                        daemon=True)
        self._reader.start()
        if not self._ready.wait(ready_timeout) or self.dead:
            msg = self.dead or f"the report template did not start in {ready_timeout:.0f} s"
            self.close()
            raise TemplateDied(msg)

    def _log_tail(self) -> str:
        try:
            return Path(self.log.name).read_text(encoding="utf-8", errors="replace")[-2000:]
        except OSError:  # pragma: no cover
            return ""

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            ev = msg.get("event")
            if ev == "preloaded":
                with self._lock:
                    self.preloaded.extend(msg.get("modules", []))
                    self.preload_failed.extend(msg.get("failed", []))
                continue
            if ev == "ready":
                self.info = msg
                self._ready.set()
                continue
            rid = str(msg.get("id"))
            with self._lock:
                q = self._queues.get(rid)
                if ev in ("exited", "error"):
                    self._queues.pop(rid, None)
            if q is None:
                continue
            if ev == "started":
                q.put(("started", rid, msg["pid"]))
            elif ev == "exited":
                q.put(("exited", rid, msg["status"]))
            elif ev == "error":
                q.put(("error", rid, msg.get("message", "")))
        # EOF: the template is gone
        code = self.proc.wait()
        tail = self._log_tail().strip()
        reason = (f"the report template process ended (exit status {code})"
                  + (f": {tail.splitlines()[-1]}" if tail else ""))
        with self._lock:
            self.dead = reason
            pending, self._queues = self._queues, {}
        self._ready.set()
        for rid, q in pending.items():
            q.put(("died", rid, reason))

    def alive(self) -> bool:
        return self.dead is None and self.proc.poll() is None

    def _send(self, msg: dict) -> None:
        data = (json.dumps(msg, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            if self.dead:
                raise TemplateDied(self.dead)
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                raise TemplateDied(f"the report template process is gone ({exc})") from None

    def submit(self, rid: str, job: dict, events: queue.Queue, *, op: str = "run",
               status: int = 0) -> None:
        """Start one job (``op`` 'run' or 'salvage') in a fresh fork of the template."""
        with self._lock:
            self._queues[rid] = events
        try:
            self._send({"op": op, "id": rid, "job": job, "status": status})
        except TemplateDied:
            with self._lock:
                self._queues.pop(rid, None)
            raise

    def preload(self, modules: Iterable[str]) -> None:
        """Ask the template to import ``modules`` now: every report forked afterwards starts
        with them (requests are handled in order, so the next fork waits for the import)."""
        names = [m for m in safe_module_names(modules) if m not in self.requested]
        if names:
            with contextlib.suppress(TemplateDied):
                self._send({"op": "preload", "modules": names})
                self.requested.update(names)

    def kill(self, rid: str) -> None:
        """SIGKILL the process of job ``rid`` (if it is still running)."""
        with contextlib.suppress(TemplateDied):
            self._send({"op": "kill", "id": rid})

    def close(self) -> None:
        """Stop the template: it kills any report still running and exits."""
        with contextlib.suppress(Exception):
            if self.proc.stdin:
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(Exception):
            self.log.close()
            os.unlink(self.log.name)


_SHARED: Template | None = None
_SHARED_LOCK = threading.Lock()


def shared_template(extra: Iterable[str] = (), show_code: bool = False) -> Template:
    """This process's template, started on first use and restarted if it died.

    One template serves every batch run from the same process (the CLI runs one batch; a
    test session or a notebook calling ``run_reports`` repeatedly reuses it). It never runs
    notebook code itself, so reuse cannot leak state between batches; it may have imported
    more modules than a new one would (those a batch asked for, :meth:`Template.preload`).
    ``extra`` modules and ``show_code`` only shape a template that is started now.
    """
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None or not _SHARED.alive():
            if _SHARED is not None:
                _SHARED.close()
            _SHARED = Template(extra=extra, show_code=show_code)
        return _SHARED


def running_template() -> Template | None:
    """This process's template if it is running (never starts one)."""
    with _SHARED_LOCK:
        return _SHARED if _SHARED is not None and _SHARED.alive() else None


def close_shared() -> None:
    """Stop this process's template, if any (also done at interpreter exit)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is not None:
            _SHARED.close()
            _SHARED = None


import atexit  # noqa: E402

atexit.register(close_shared)

if __name__ == "__main__":
    serve()
