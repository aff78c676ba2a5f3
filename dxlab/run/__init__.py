"""``dxlab run``: execute notebooks into HTML reports with an index.

What is run, with which parameters, in which index section, is declared in
``notebooks/reports.toml`` (see :mod:`dxlab.run.spec`). The pieces:

- :mod:`dxlab.run.notebooks` — reading notebooks and typing parameters (no kernel needed);
- :mod:`dxlab.run.spec` — report names, ``reports.toml``, groups, matrices, named sets;
- :mod:`dxlab.run.batch` — :func:`run_reports`: checks, lock, cache, build, index;
- :mod:`dxlab.run.cache` — when a report is rebuilt and when it is served as ``cached``;
- :mod:`dxlab.run.warm` — the warm template process and the isolation guarantee;
- :mod:`dxlab.run.engine` — executing cells in-process with IPython;
- :mod:`dxlab.run.job`, :mod:`dxlab.run.local`, :mod:`dxlab.run.dask` — one report's work,
  timeouts and dead kernels, and the local and dask executors;
- :mod:`dxlab.run.render`, :mod:`dxlab.run.index` — the report pages and the index.

This package's own import is light (standard library and dxlab's light modules): the heavy
stack is imported by the warm template, not by ``dxlab run`` itself.
"""

from __future__ import annotations

from pathlib import Path

from dxlab.run.batch import ReportResult, RunError, run_reports, write_index
from dxlab.run.notebooks import (
    NotebookError,
    Parameter,
    notebook_parameters,
    notebook_title,
    read_notebook,
    resolve_parameters,
)
from dxlab.run.spec import (
    ReportsFile,
    ReportsFileError,
    ReportSpec,
    load_reports_file,
    read_reports_file,
    validate_name,
)

__all__ = [
    "NotebookError", "Parameter", "ReportResult", "ReportSpec", "ReportsFile",
    "ReportsFileError", "RunError", "execute_report", "load_reports_file",
    "notebook_parameters", "notebook_title", "read_notebook", "read_reports_file",
    "resolve_parameters", "run_reports", "validate_name", "write_index",
]


def execute_report(spec: ReportSpec, out_dir: Path, *, show_code: bool = False,
                   timeout_s: float | None = 600, force: bool = True) -> ReportResult:
    """Build one report into ``out_dir`` (and refresh that folder's index).

    Returns:
        Its result; a failing notebook gives status 'failed', never an exception.
    """
    return run_reports([spec], out_dir=out_dir, jobs=1, show_code=show_code,
                       timeout_s=timeout_s, force=force, progress=lambda _m: None)[0]
