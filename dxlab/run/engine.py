"""Execute a notebook's cells in this process with IPython, recording Jupyter outputs.

This is what runs inside each report's process (forked from the warm template, see
:mod:`dxlab.run.warm`). It replaces a Jupyter kernel + papermill: the cells run in an
``InteractiveShell`` whose display publisher, display hook, traceback printer and
``sys.stdout``/``sys.stderr`` append nbformat outputs to the cell being run, so the executed
notebook has the same outputs a kernel would give (``display_data``, ``execute_result``,
``stream``, ``error``; matplotlib figures through the inline backend, as retina PNG).

Not supported (there is no kernel): ipywidgets and other comms, ``input()`` (stdin is empty,
so it raises), ``%%script``-style magics that need a kernel client. Output that C code writes
straight to file descriptors 1 and 2 is not captured (it goes to the report's log).

Per cell:
- ``timeout_s``: a cell running longer raises :class:`CellTimeout` (a BaseException, so a
  notebook's ``except Exception`` cannot swallow it); the notebook stops there.
- Stream output beyond ``STREAM_LIMIT`` characters per report is dropped with a note, so a
  runaway ``print`` loop cannot produce a gigabyte report.
- The first error stops the notebook (as papermill does); later cells keep no outputs.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import json
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets import Type
from traitlets.config import Config

from dxlab.run.notebooks import parameter_literal

STREAM_LIMIT = 5_000_000  # characters of stdout+stderr kept per report
BINARY_MIMES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


class CellTimeout(BaseException):
    """A cell ran longer than the per-cell timeout (``dxlab run --timeout``)."""


# --------------------------------------------------------------------------- output sink


class Sink:
    """Collects the outputs of the cell being executed, in nbformat v4 shape."""

    def __init__(self) -> None:
        self.outputs: list[dict] = []
        self.stream_left = STREAM_LIMIT
        self._cut = False
        self._clear_on_next = False
        self._display_ids: dict[str, list[dict]] = {}

    def start_cell(self) -> list[dict]:
        self.outputs = []
        self._clear_on_next = False
        return self.outputs

    def _append(self, out: dict) -> None:
        if self._clear_on_next:
            self.outputs.clear()
            self._clear_on_next = False
        self.outputs.append(out)

    def stream(self, name: str, text: str) -> None:
        if not text or self._cut:
            return
        if len(text) > self.stream_left:
            text = (text[: self.stream_left]
                    + f"\n[dxlab: output truncated here; this report printed more than "
                    f"{STREAM_LIMIT:,} characters, the rest is not kept]\n")
            self.stream_left = 0
            self._cut = True
        else:
            self.stream_left -= len(text)
        last = self.outputs[-1] if self.outputs else None
        if (last is not None and not self._clear_on_next and last["output_type"] == "stream"
                and last["name"] == name):
            last["text"] += text
        else:
            self._append({"output_type": "stream", "name": name, "text": text})

    def display(self, data: dict, metadata: dict, transient: dict, update: bool) -> None:
        out = {"output_type": "display_data", "data": _jsonable(data),
               "metadata": _jsonable_meta(metadata)}
        display_id = (transient or {}).get("display_id")
        if update and display_id:
            for old in self._display_ids.get(display_id, []):
                old["data"], old["metadata"] = out["data"], out["metadata"]
            return
        self._append(out)
        if display_id:
            self._display_ids.setdefault(display_id, []).append(out)

    def execute_result(self, count: int, data: dict, metadata: dict) -> None:
        self._append({"output_type": "execute_result", "execution_count": count,
                      "data": _jsonable(data), "metadata": _jsonable_meta(metadata)})

    def error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        self._append({"output_type": "error", "ename": ename, "evalue": evalue,
                      "traceback": list(traceback)})

    def clear(self, wait: bool) -> None:
        if wait:
            self._clear_on_next = True
        else:
            self.outputs.clear()


def _jsonable(data: dict) -> dict:
    out = {}
    for mime, value in data.items():
        if isinstance(value, bytes):
            if mime in BINARY_MIMES or (mime.startswith("image/") and mime != "image/svg+xml"):
                value = base64.b64encode(value).decode("ascii")
            else:
                value = value.decode("utf-8", errors="replace")
        out[mime] = value
    return out


def _jsonable_meta(metadata: dict | None) -> dict:
    try:
        json.dumps(metadata or {})
        return dict(metadata or {})
    except (TypeError, ValueError):
        return {}


class _Stream(io.TextIOBase):
    """``sys.stdout`` / ``sys.stderr`` of a report: text goes into the current cell."""

    def __init__(self, sink: Sink, name: str) -> None:
        super().__init__()
        self._sink, self._name = sink, name

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:  # type: ignore[override]
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._sink.stream(self._name, text)
        return len(text)

    def flush(self) -> None:
        pass


class _DisplayPublisher(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None,
                update=False, **kwargs) -> None:
        self.shell.sink.display(data, metadata or {}, transient or {}, update)

    def clear_output(self, wait: bool = False) -> None:
        self.shell.sink.clear(wait)


class _DisplayHook(DisplayHook):
    """``execute_result`` of a cell's last expression (rich formats, like ipykernel's)."""

    _pending: tuple[dict, dict] | None = None

    def start_displayhook(self) -> None:
        self._pending = None

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        self._pending = (format_dict, md_dict or {})

    def finish_displayhook(self) -> None:
        if self._pending is not None:
            self.shell.sink.execute_result(self.prompt_count, *self._pending)
        self._pending = None


class ReportShell(InteractiveShell):
    """An IPython shell whose outputs go to a :class:`Sink` instead of a terminal."""

    displayhook_class = Type(_DisplayHook)
    display_pub_class = Type(_DisplayPublisher)

    def __init__(self, **kwargs: Any) -> None:
        self.sink = Sink()
        super().__init__(**kwargs)

    def _showtraceback(self, etype, evalue, stb) -> None:
        self.sink.error(etype.__name__ if etype else "Error", str(evalue), stb)

    def showtraceback(self, exc_tuple=None, *args: Any, **kwargs: Any) -> None:
        """IPython's traceback, leaving out every frame marked ``__tracebackhide__`` (IPython
        itself always shows the last frame, which for a failed ``import`` is the runner's
        import recorder, not the reader's concern)."""
        etype, value, tb = exc_tuple or sys.exc_info()
        if value is not None and tb is not None:
            tb = _without_hidden_frames(tb)
            value = value.with_traceback(tb)
            exc_tuple = (etype, value, tb)
        super().showtraceback(exc_tuple, *args, **kwargs)

    def init_virtualenv(self) -> None:
        pass

    def enable_gui(self, gui=None) -> None:
        pass


def _without_hidden_frames(tb):
    """``tb`` without the entries whose frame sets ``__tracebackhide__`` (None if all do)."""
    kept = []
    while tb is not None:
        if not tb.tb_frame.f_locals.get("__tracebackhide__"):
            kept.append(tb)
        tb = tb.tb_next
    for a, b in zip(kept, [*kept[1:], None], strict=True):
        a.tb_next = b
    return kept[0] if kept else None


def shell_config() -> Config:
    """IPython configuration of a report's shell: no history file or thread, retina figures."""
    cfg = Config()
    cfg.HistoryManager.enabled = False
    cfg.HistoryManager.hist_file = ":memory:"
    cfg.InlineBackend.figure_formats = {"retina"}
    cfg.InteractiveShell.colors = "lightbg"
    return cfg


def new_shell() -> ReportShell:
    """A fresh report shell with the inline matplotlib backend active."""
    shell = ReportShell.instance(config=shell_config())
    shell.enable_matplotlib("inline")
    # pyplot redraws every stale figure after each cell (to refresh interactive windows), and
    # then the inline backend draws each figure again to make its PNG. A report keeps only
    # the PNG, so the first draw is wasted: about a third of a figure's cost.
    import matplotlib.pyplot as plt

    redraw = getattr(plt, "_draw_all_if_interactive", None)
    if redraw is not None:
        with contextlib.suppress(ValueError):
            shell.events.unregister("post_execute", redraw)
    # and the retina PNG itself is drawn once, not measured and drawn again
    from dxlab.plot import use_retina_png

    use_retina_png(shell)
    return shell


# --------------------------------------------------------------------------- notebooks


def cell_source(cell: dict) -> str:
    """A cell's source as one string (the on-disk format may split it into lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def inject_parameters(nb: dict, parameters: dict) -> dict:
    """A copy of ``nb`` with a cell tagged ``injected-parameters`` after the ``parameters`` cell.

    The cell has papermill's shape (``# Parameters`` then one assignment per line), so tools
    that know papermill's convention hide or read it the same way. Nothing is injected when
    ``parameters`` is empty.
    """
    nb = copy.deepcopy(nb)
    if not parameters:
        return nb
    lines = ["# Parameters"] + [f"{k} = {parameter_literal(v)}" for k, v in parameters.items()]
    cell = {"cell_type": "code", "execution_count": None, "id": "injected-parameters",
            "metadata": {"tags": ["injected-parameters"]}, "outputs": [],
            "source": "\n".join(lines) + "\n"}
    cells = nb["cells"]
    at = next((i + 1 for i, c in enumerate(cells)
               if "parameters" in c.get("metadata", {}).get("tags", [])), 0)
    cells.insert(at, cell)
    return nb


@dataclass
class Execution:
    """What executing a notebook gave."""

    nb: dict
    status: str = "ok"  # 'ok' or 'failed'
    error: str = ""
    failed_cell: int | None = None  # index into nb["cells"]
    timings: list[tuple[int, float]] = field(default_factory=list)  # (cell index, seconds)


def execute(
    nb: dict,
    *,
    timeout_s: float | None = None,
    before_cell: Callable[[int, int], None] | None = None,
    after_cell: Callable[[int, dict], None] | None = None,
    shell: ReportShell | None = None,
) -> Execution:
    """Run every code cell of ``nb`` (already parameterised) in a report shell.

    Args:
        nb: notebook as a dict (nbformat v4); it is modified in place (outputs, counts).
        timeout_s: per-cell limit in seconds (None or 0: none).
        before_cell: called with (cell index, execution count) before a cell runs.
        after_cell: called with (cell index, cell) after it ran.
        shell: a shell to use (default: a new one).
    Returns:
        :class:`Execution` with status 'failed' and the error (``ename: evalue (cell N)``)
        at the first cell that raised; later cells are left unexecuted.
    """
    shell = shell or new_shell()
    result = Execution(nb=nb)
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream(shell.sink, "stdout"), _Stream(shell.sink, "stderr")

    def on_alarm(_signum, _frame):
        raise CellTimeout(f"this cell timed out after {timeout_s:g} s "
                          "(dxlab run --timeout)")

    old_alarm = signal.signal(signal.SIGALRM, on_alarm) if timeout_s else None
    try:
        for index, cell in enumerate(nb["cells"]):
            if cell.get("cell_type") != "code":
                continue
            source = cell_source(cell)
            count = shell.execution_count
            if before_cell:
                before_cell(index, count)
            cell["outputs"] = shell.sink.start_cell()
            t0 = time.perf_counter()
            if timeout_s:
                signal.setitimer(signal.ITIMER_REAL, timeout_s)
            try:
                run = shell.run_cell(source, store_history=True)
            finally:
                if timeout_s:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            result.timings.append((index, time.perf_counter() - t0))
            cell["execution_count"] = count
            cell["outputs"] = list(shell.sink.outputs)
            if after_cell:
                after_cell(index, cell)
            if not run.success:
                err = next((o for o in reversed(cell["outputs"])
                            if o["output_type"] == "error"), None)
                exc = run.error_in_exec or run.error_before_exec
                ename = err["ename"] if err else type(exc).__name__
                evalue = err["evalue"] if err else str(exc)
                result.status = "failed"
                result.failed_cell = index
                result.error = f"{ename}: {evalue} (cell {count})"
                break
    finally:
        sys.stdout, sys.stderr = old_out, old_err
        if old_alarm is not None:
            signal.signal(signal.SIGALRM, old_alarm)
    return result
