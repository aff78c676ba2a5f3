"""The dask executor builds a batch on a LocalCluster started by the test: the client
writes the reports and the index from bytes the workers return."""

from __future__ import annotations

import json

import pytest
from fixtures.make_notebooks import make

from dxlab.run import ReportSpec, run_reports
from dxlab.run.batch import RunError

distributed = pytest.importorskip("distributed")

QUIET = {"progress": lambda _m: None}


@pytest.fixture(scope="module")
def cluster():
    cl = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                  dashboard_address=None, silence_logs=50)
    try:
        yield cl
    finally:
        cl.close()


def test_dask_executor_builds_a_batch(cluster, tmp_path):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    specs = [ReportSpec(make(nbs / "p.ipynb", "Profile", "import os\nprint('pid', os.getpid(), "
                                                         "'code', label)"),
                        {"label": code}, f"p_{code}") for code in ("01", "13", "47")]
    specs.append(ReportSpec(make(nbs / "bad.ipynb", "Bad", "raise KeyError('no such area')")))
    specs.append(ReportSpec(make(nbs / "dead.ipynb", "Dead", "import os\nos._exit(5)")))
    out = tmp_path / "reports"
    results = run_reports(specs, out_dir=out, executor="dask",
                          scheduler=cluster.scheduler_address, **QUIET)
    status = {r.name: r.status for r in results}
    assert status == {"p_01": "ok", "p_13": "ok", "p_47": "ok", "bad": "failed",
                      "dead": "failed"}, {r.name: r.error for r in results}
    for code in ("01", "13", "47"):
        page = (out / f"p_{code}.html").read_text(encoding="utf-8")
        assert f"code {code}" in page
    errors = {r.name: r.error for r in results}
    assert "KeyError" in errors["bad"] and "kernel died" in errors["dead"]
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert {r["name"] for r in index["reports"]} == set(status)
    assert not list(out.glob(".staging-*"))
    # built on the worker, not in this process: an unchanged rerun is served from cache
    again = run_reports(specs[:3], out_dir=out, executor="dask",
                        scheduler=cluster.scheduler_address, **QUIET)
    assert {r.status for r in again} == {"cached"}


def test_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    from dxlab.run import dask

    monkeypatch.setattr(dask, "CONNECT_TIMEOUT", "2s")
    nb = make(tmp_path / "n.ipynb", "N", "1")
    with pytest.raises(RunError, match="cannot reach the dask scheduler at tcp://127.0.0.1:9"):
        run_reports([ReportSpec(nb)], out_dir=tmp_path / "r", executor="dask",
                    scheduler="tcp://127.0.0.1:9", **QUIET)
