"""Every notebook: one tagged parameters cell, explained in markdown, committed without
outputs, and executes with its defaults through the same runner as `make reports`."""

from __future__ import annotations

import json

import pytest
from conftest import REPO

from dxlab.run import notebook_parameters, read_reports_file, run_reports

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exactly_one_parameters_cell(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_or_execution_counts(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"cell {i} has outputs"
            assert cell.get("execution_count") is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_parameter_is_explained_in_markdown(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    for name in notebook_parameters(path):
        assert f"`{name}`" in markdown, f"parameter {name} is not explained"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_findings_publish_one_headline(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert sum("headline(" in c for c in code) == 1


@pytest.mark.notebook
def test_every_report_executes_with_its_defaults(tmp_path):
    specs = read_reports_file(REPO / "notebooks" / "reports.toml")
    results = run_reports(specs, out_dir=tmp_path, jobs=2, progress=lambda _m: None)
    failed = {r.name: r.error for r in results if r.status != "ok"}
    assert not failed
    for r in results:
        page = (tmp_path / r.html).read_text(encoding="utf-8")
        assert "data:image/png" in page, f"{r.name} has no figure"
        assert "Traceback" not in page
        assert r.sources, f"{r.name} recorded no data source"
        assert r.headline and "{" not in r.headline, f"{r.name} published no headline"
        # pandas truncates tables with a '...' row or column; the house style shows all
        assert "<th>...</th>" not in page and "<td>...</td>" not in page, r.name
        assert 'alt="No description' not in page and 'alt="Figure' in page
    # Table 2 of the pyramid report quotes every census year, 1970 (the compare year) too.
    pyramid = (tmp_path / "01_population_pyramid.html").read_text(encoding="utf-8")
    start = pyramid.index("Table 2.")
    table2 = pyramid[start:pyramid.index("jp-MarkdownCell", pyramid.index("<table", start))]
    assert all(f"<th>{y}</th>" in table2 for y in range(1920, 2021, 5))
