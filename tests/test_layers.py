"""Imports point one way. The layers, lowest first (README, 'Layout'):

0. foundation: errors, paths, row_accounting, fingerprint, fields (the field dictionary)
1. clean: Japanese cleaning helpers, pure functions
2. sources: reading raw formats — the engine, specs' types, per-format readers and hooks
3. data: specs (declarations), datasets (catalog), data (load, cache), fetch, dictionary
4. analysis: pyramid, demography, cards, adoption (re-exports) and later analyses
5. plot
6. run and cli

A module may import from its own layer or any layer below, never above. Every ``import``
counts, including those inside functions (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast

from conftest import REPO

PACKAGE = REPO / "dxlab"
LAYERS = {
    0: ["dxlab.errors", "dxlab.paths", "dxlab.row_accounting", "dxlab.fingerprint",
        "dxlab.fields", "dxlab.reporting"],
    1: ["dxlab.clean"],
    2: ["dxlab.sources"],
    3: ["dxlab.specs", "dxlab.datasets", "dxlab.data", "dxlab.fetch", "dxlab.dictionary"],
    4: ["dxlab.pyramid", "dxlab.demography", "dxlab.cards", "dxlab.adoption",
        "dxlab.areas", "dxlab.kpi", "dxlab.scenarios", "dxlab.internet", "dxlab.stats",
        "dxlab.cases", "dxlab.population"],
    5: ["dxlab.plot"],
    6: ["dxlab.run", "dxlab.cli"],
}


def layer_of(module: str) -> int | None:
    best = None
    for layer, prefixes in LAYERS.items():
        for p in prefixes:
            matches = module == p or module.startswith(p + ".")
            if matches and (best is None or len(p) > best[1]):
                best = (layer, len(p))
    return None if best is None else best[0]


def modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(REPO).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = ast.parse(path.read_text(encoding="utf-8"))
    return out


def imported(name: str, tree: ast.Module) -> set[str]:
    found = set()
    package = name if (PACKAGE / "/".join(name.split(".")[1:]) / "__init__.py").exists() \
        else name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            found.add(mod)
            found |= {f"{mod}.{a.name}" for a in node.names}  # 'from dxlab import data'
    return {m for m in found if m == "dxlab" or m.startswith("dxlab.")}


def test_every_module_has_a_layer():
    unassigned = [m for m in modules() if m != "dxlab" and layer_of(m) is None]
    assert not unassigned, f"assign a layer in tests/test_layers.py to {unassigned}"


def test_imports_never_point_up_a_layer():
    wrong = []
    for name, tree in modules().items():
        if name == "dxlab":
            continue
        mine = layer_of(name)
        for target in imported(name, tree):
            theirs = layer_of(target)
            if theirs is not None and theirs > mine:
                wrong.append(f"{name} (layer {mine}) imports {target} (layer {theirs})")
    assert not wrong, "\n".join(wrong)


def test_package_init_imports_nothing_of_dxlab_at_import_time():
    """``import dxlab`` stays cheap and cycle-free: the public names resolve lazily."""
    tree = modules()["dxlab"]
    runtime = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = {a.name for n in runtime for a in n.names}
    mods = {n.module for n in runtime if isinstance(n, ast.ImportFrom)}
    assert not {m for m in names | mods if m and m.startswith("dxlab")}


def test_the_check_catches_an_upward_import():
    """The checker itself: a clean module importing dxlab.data is reported."""
    tree = ast.parse("def f():\n    from dxlab.data import load\n")
    targets = imported("dxlab.clean.ages", tree)
    assert "dxlab.data" in targets and layer_of("dxlab.data") > layer_of("dxlab.clean.ages")
