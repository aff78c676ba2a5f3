"""The dask executor: ``dxlab run --executor dask --scheduler ADDRESS`` (``pip install
'dxlab[dask]'``).

Each report is one task. On the worker, :func:`build_remote` builds it exactly as the
local executor does (a fork of that worker's own warm template, timeouts, salvage of a dead
kernel) in a temporary staging folder on the worker, and returns the report's files as
bytes with its result record. The client (``dxlab run``) writes them into ``reports/``,
writes the cache keys and the index; so no shared file system is assumed.

What is assumed of every worker:

- dxlab is installed from the same source in the same environment as on the client. Each
  task compares the worker's :func:`dxlab.fingerprint.source_sha256` and
  :func:`~dxlab.fingerprint.environment_sha256` with the client's; a worker that differs
  builds nothing and the report fails saying so (its page is still written).
- The worker has the catalogued raw data (the repository's ``data/raw`` of its install, or
  ``$DXLAB_DATA_DIR``); ``dxlab.load`` checks every file's sha256 there, and the dataset
  hashes recorded in each report's key come from the worker's catalog.
- The notebook itself is sent with the task; notebooks run with a temporary folder as
  working directory when the notebook's own folder does not exist on the worker.
- The worker's own environment variables apply (the client's are not sent: they may hold
  secrets such as ESTAT_APP_ID).
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from dxlab.run.job import Job, fallback

CONNECT_TIMEOUT = "30s"  # to reach the scheduler before any report is submitted


def _fingerprints() -> dict[str, str]:
    from dxlab.run.cache import fingerprints

    return dict(fingerprints())


def build_remote(job_data: dict, expected: dict[str, str]) -> dict:
    """Build one report on a dask worker.

    Args:
        job_data: a :class:`~dxlab.run.job.Job` as JSON data (its staging path is replaced
            by a temporary folder on the worker).
        expected: the client's fingerprints (source, environment, Python).
    Returns:
        {"result": the result record, "files": {file name: bytes}, "worker": host name}.
    """
    from dxlab.run.local import run_one

    job = Job.from_json(job_data)
    tmp = Path(tempfile.mkdtemp(prefix="dxlab-dask-"))
    try:
        job.staging = str(tmp / job.name)
        if not Path(job.cwd or "/nonexistent").is_dir():
            job.cwd = str(tmp)
        here = _fingerprints()
        differ = [k for k in expected if expected[k] != here.get(k)]
        if differ:
            result = fallback(job, "this dask worker runs a different dxlab install ("
                                   + ", ".join(f"{k} {here.get(k, '?')[:12]} ≠ client "
                                               f"{expected[k][:12]}" for k in differ)
                                   + "); install the same dxlab and packages on every worker")
        else:
            result = run_one(job)
        staging = Path(job.staging)
        files = {p.name: p.read_bytes() for p in staging.iterdir()
                 if p.name in (f"{job.name}.html", f"{job.name}.ipynb")}
        return {"result": result, "files": files, "worker": socket.gethostname()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class DaskExecutor:
    """Build jobs on a dask.distributed cluster; results come back as bytes."""

    def __init__(self, address: str, *, connect_timeout: str | None = None) -> None:
        self.address = address
        self.connect_timeout = connect_timeout or CONNECT_TIMEOUT

    def map(self, jobs: Sequence[Job]) -> Iterator[tuple[Job, dict]]:
        """Yield (job, result) as each task finishes, its files written in ``job.staging``.

        Raises:
            RunError: dask.distributed is not installed, or the scheduler cannot be reached
                (before any report is submitted).
        """
        from dxlab.run.batch import RunError

        try:
            from distributed import Client, as_completed
        except ImportError:
            raise RunError("--executor dask needs dask.distributed: "
                           "pip install 'dxlab[dask]'") from None
        try:
            client = Client(self.address, timeout=self.connect_timeout,
                            set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise RunError(f"cannot reach the dask scheduler at {self.address}: {exc}"
                           ) from None
        try:
            expected = _fingerprints()
            futures = {}
            for job in jobs:
                data = job.to_json()
                data["env"] = None  # the worker's environment, never the client's
                fut = client.submit(build_remote, data, expected, pure=False,
                                    key=f"dxlab-report-{job.name}-{uuid.uuid4().hex[:8]}")
                futures[fut] = job
            for fut in as_completed(list(futures), loop=client.loop):
                job = futures.pop(fut)
                try:
                    payload = fut.result()
                except Exception as exc:  # the worker died, lost connection, ...
                    yield job, fallback(job, f"the dask task failed: {type(exc).__name__}: "
                                             f"{exc}")
                    continue
                staging = Path(job.staging)
                staging.mkdir(parents=True, exist_ok=True)
                for name, data in payload["files"].items():
                    if name in (f"{job.name}.html", f"{job.name}.ipynb"):
                        (staging / name).write_bytes(data)
                result = dict(payload["result"])
                result["worker"] = payload.get("worker", "")
                yield job, result
        finally:
            for fut in futures:
                fut.cancel()
            client.close()
