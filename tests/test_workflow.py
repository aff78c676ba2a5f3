"""The scheduled run: the GitHub Actions workflow is the README's, and runs `make reports`."""

from __future__ import annotations

import re

from conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "reports.yml"


def test_workflow_runs_make_reports_weekly_and_publishes_failures_too():
    text = WORKFLOW.read_text(encoding="utf-8")
    # Monday 06:00 JST is Sunday 21:00 UTC (JST = UTC+9)
    assert re.search(r'cron: "0 21 \* \* 0"', text)
    assert "workflow_dispatch" in text
    assert re.search(r"^\s+- run: make reports\s*$", text, flags=re.M)
    upload = text[text.index("actions/upload-artifact"):]
    assert "if: always()" in upload and "path: reports/" in upload


def test_readme_documents_the_cron_line_and_the_workflow():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "0 6 * * 1  cd /srv/dxlab && git pull --ff-only && make reports" in readme
    assert ".github/workflows/reports.yml" in readme
    assert readme.startswith("```sh\nmake reports") and "\nmake test " in readme[:200]
