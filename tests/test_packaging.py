"""Packaging: pyproject and environment.yml agree on the core stack; the CLI is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib

from conftest import REPO


def _norm(name: str) -> str:
    return re.split(r"[<>=!~ \[;]", name.strip(), maxsplit=1)[0].lower().replace("_", "-")


def core_from_pyproject() -> set[str]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return {_norm(d) for d in data["project"]["dependencies"]}


def core_from_environment_yml() -> tuple[set[str], list[str]]:
    """Names under 'dependencies:' (conda) and the pip list, without a YAML library."""
    names, pip = set(), []
    in_deps = in_pip = False
    for line in (REPO / "environment.yml").read_text(encoding="utf-8").splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        if in_deps and re.match(r"^\S", line):
            in_deps = False
        if not in_deps:
            continue
        m = re.match(r"^  - (pip):\s*$", line)
        if m:
            in_pip = True
            continue
        m = re.match(r"^    - (.+)$", line)
        if m and in_pip:
            pip.append(m.group(1).strip())
            continue
        m = re.match(r"^  - (.+)$", line)
        if m:
            in_pip = False
            names.add(_norm(m.group(1)))
    return names, pip


def test_environment_yml_lists_the_same_core_packages_as_pyproject():
    conda, pip = core_from_environment_yml()
    listed = (conda - {"python", "pip"}) | {_norm(p) for p in pip if p != "-e ."}
    core = core_from_pyproject()
    assert listed == core, (
        f"in pyproject only: {sorted(core - listed)}; in environment.yml only: "
        f"{sorted(listed - core)}"
    )
    assert "-e ." in pip


def test_environment_yml_pins_the_same_python_floor():
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    floor = data["project"]["requires-python"].removeprefix(">=")
    text = (REPO / "environment.yml").read_text(encoding="utf-8")
    assert re.search(rf"^  - python>={re.escape(floor)}\s*$", text, flags=re.M)


def test_console_script_runs_and_documents_every_run_option():
    exe = shutil.which("dxlab", path=str(REPO / ".venv" / "bin")) or shutil.which("dxlab")
    cmd = [exe] if exe else [sys.executable, "-m", "dxlab.cli"]
    out = subprocess.run([*cmd, "run", "--help"], capture_output=True, text=True, check=True)
    for option in ("--param", "--jobs", "--show-code", "--reports-file", "--output-dir",
                   "--timeout", "--name", "NOTEBOOK"):
        assert option in out.stdout, option


def test_environment_fingerprint_does_not_depend_on_where_dxlab_starts(tmp_path):
    """Started from the repository (its dxlab.egg-info on sys.path) or from elsewhere, the
    installed environment is the same and so is its fingerprint (else every report rebuilt
    depending on the working directory)."""
    code = "from dxlab import fingerprint; print(fingerprint.environment_sha256())"
    here = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, check=True).stdout
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           cwd=tmp_path, check=True).stdout
    assert here == there and len(here.strip()) == 64


def test_reading_the_catalog_does_not_load_pandas():
    code = ("import sys, dxlab.datasets as d; d.read_catalog(); "
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout
    assert out.strip() == "False"
