"""What to build: report specs, report names, and the ``reports.toml`` declaration.

``notebooks/reports.toml``::

    [groups]                      # index sections, in this order: key = heading
    national = "National analyses"
    prefectures = "Prefectures"

    [[report]]                    # the default run (`dxlab run`, `make reports`)
    notebook = "01_population_pyramid.ipynb"   # relative to this file
    group = "national"            # optional; default: the first group
    name = "pyramid"              # optional file-name stem; default: the notebook's stem
    parameters = {year = 2020}    # optional; anything not set takes the notebook's default

    [[report]]                    # a parameter matrix: one report per value (or per
    notebook = "04_prefecture_profile.ipynb"   # combination, when several keys are given)
    group = "prefectures"
    name = "prefecture_{pref_code}"            # a template over the parameters
    matrix = {pref_code = ["01", "13", "47"]}

    [[set.municipalities]]        # a named set: `dxlab run --set municipalities`
    notebook = "06_municipality_profile.ipynb"
    group = "municipalities"
    name = "municipality_{muni_code}"
    matrix = {muni_code = "dxlab.areas:municipality_codes"}   # values from a function,
                                                              # called only when the set runs

Every mistake is a :class:`ReportsFileError` naming the file and the entry (exit status 2
from the CLI), raised before any report starts.
"""

from __future__ import annotations

import importlib
import itertools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dxlab.errors import DxlabError, ParameterError
from dxlab.run.notebooks import (
    NotebookError,
    coerce,
    notebook_parameters,
    read_notebook,
    resolve_parameters,
)

DEFAULT_SET = "default"
NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,119}")
RESERVED_NAMES = {"index"}
ENTRY_KEYS = ("notebook", "name", "group", "parameters", "matrix")
TOP_KEYS = ("groups", "report", "set")


class ReportsFileError(DxlabError):
    """A mistake in ``reports.toml`` (or in a name given on the command line)."""


@dataclass(frozen=True)
class ReportSpec:
    """One report to build.

    Attributes:
        notebook: the notebook file.
        parameters: given parameter values (the rest take the notebook's defaults).
        name: the report's file-name stem (default: the notebook's stem).
        group: the index section ('' = ad hoc).
        set: the declared set it belongs to ('default', a named set, or '' for ad hoc runs).
    """

    notebook: Path
    parameters: dict = field(default_factory=dict)
    name: str = ""
    group: str = ""
    set: str = ""

    @property
    def report_name(self) -> str:
        return self.name or self.notebook.stem


def validate_name(name: str, where: str) -> str:
    """Check a report name: a safe file-name stem, not reserved.

    Allowed: ASCII letters, digits, ``_``, ``-`` and ``.``; first character a letter, digit or
    ``_``; at most 120 characters; not ``index`` (the index page). So a name can never leave
    the reports folder (no ``/``, no ``..`` path) or overwrite the index.

    Raises:
        ReportsFileError: naming ``where`` and the rule broken.
    """
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise ReportsFileError(
            f"{where}: report name {name!r} is not allowed; expected 1-120 characters of "
            "A-Z a-z 0-9 _ - . starting with a letter, digit or _ (no '/', no leading '.')")
    if name.lower() in RESERVED_NAMES:
        raise ReportsFileError(f"{where}: report name {name!r} is reserved for the index page")
    return name


def check_unique(specs: Iterable[ReportSpec], where: str) -> None:
    """Two reports may not share a name (compared without case, as macOS and Windows do)."""
    seen: dict[str, str] = {}
    dupes = set()
    for s in specs:
        key = s.report_name.lower()
        if key in seen:
            dupes.add(s.report_name)
        seen[key] = s.report_name
    if dupes:
        raise ReportsFileError(f"{where}: report names used twice: {sorted(dupes)} "
                               "(give each report its own 'name')")


# --------------------------------------------------------------------------- reports.toml


@dataclass
class ReportsFile:
    """A parsed ``reports.toml``: index groups and the raw entries of each set."""

    path: Path
    groups: dict[str, str]
    sets: dict[str, list[dict]]

    def set_names(self) -> list[str]:
        return list(self.sets)

    def expand(self, set_name: str = DEFAULT_SET) -> list[ReportSpec]:
        """The reports of one set, with matrices expanded and every parameter typed.

        Raises:
            ReportsFileError: unknown set, or any entry error (naming file and entry).
        """
        if set_name not in self.sets:
            known = ", ".join(self.sets) or "(none)"
            raise ReportsFileError(f"{self.path}: no set named {set_name!r}; declared: {known}")
        specs: list[ReportSpec] = []
        for i, item in enumerate(self.sets[set_name], start=1):
            label = "[[report]]" if set_name == DEFAULT_SET else f"[[set.{set_name}]]"
            where = f"{self.path}: {label} #{i}"
            specs.extend(self._expand_entry(item, where, set_name))
        if not specs:
            raise ReportsFileError(f"{self.path}: set {set_name!r} declares no reports")
        check_unique(specs, f"{self.path} (set {set_name!r})")
        return specs

    def _expand_entry(self, item: dict, where: str, set_name: str) -> list[ReportSpec]:
        nb_rel = item["notebook"]
        where = f"{where} ({nb_rel})"
        nb_path = (self.path.parent / nb_rel).resolve()
        try:
            nb = read_notebook(nb_path)
            declared = notebook_parameters(nb, where)
        except NotebookError as exc:
            raise ReportsFileError(f"{where}: {exc}") from None
        except ParameterError as exc:
            raise ReportsFileError(str(exc)) from None
        group = item.get("group") or next(iter(self.groups), "reports")
        try:
            given = resolve_parameters(nb, dict(item.get("parameters", {})), where=where)
        except ParameterError as exc:
            raise ReportsFileError(str(exc)) from None
        matrix = item.get("matrix") or {}
        axes: list[tuple[str, list]] = []
        for key, values in matrix.items():
            if key in given:
                raise ReportsFileError(f"{where}: parameter {key!r} is set both in 'parameters' "
                                       "and in 'matrix'")
            if key not in declared:
                raise ReportsFileError(
                    f"{where}: matrix parameter {key!r} is not declared by the notebook; it "
                    f"declares: {', '.join(declared) or '(none)'}")
            values = _matrix_values(values, f"{where}: matrix.{key}")
            typed = []
            for v in values:
                try:
                    typed.append(coerce(declared[key], v, f"{where}: matrix.{key}"))
                except ParameterError as exc:
                    raise ReportsFileError(str(exc)) from None
            axes.append((key, typed))
        template = item.get("name")
        stem = Path(nb_rel).stem
        out = []
        combos = itertools.product(*(vals for _k, vals in axes)) if axes else [()]
        for combo in combos:
            params = dict(given)
            params.update({k: v for (k, _vals), v in zip(axes, combo, strict=True)})
            if template:
                try:
                    name = template.format_map(params)
                except (KeyError, IndexError, ValueError, AttributeError) as exc:
                    raise ReportsFileError(
                        f"{where}: name template {template!r} cannot be filled ({exc!r}); it "
                        f"may use the entry's parameters: {', '.join(params) or '(none)'}"
                    ) from None
            elif axes:
                name = stem + "".join(f"__{k}-{v}" for k, v in zip(
                    [k for k, _ in axes], combo, strict=True))
            else:
                name = stem
            validate_name(name, where)
            out.append(ReportSpec(nb_path, params, name, group, set_name))
        return out


def _matrix_values(values: object, where: str) -> list:
    if isinstance(values, str):
        values = call_reference(values, where)
    if not isinstance(values, list):
        raise ReportsFileError(f"{where}: expected a list of values or a function reference "
                               f"'module:function'; got {values!r}")
    if not values:
        raise ReportsFileError(f"{where}: the list of values is empty")
    return values


def call_reference(ref: str, where: str) -> list:
    """Call a ``"package.module:function"`` reference (no arguments) and list its values.

    Raises:
        ReportsFileError: a malformed reference, a module or function that does not exist, a
            function that raises or returns something that is not a list of values.
    """
    m = re.fullmatch(r"([A-Za-z_][\w.]*):([A-Za-z_]\w*)", ref.strip())
    if not m:
        raise ReportsFileError(f"{where}: {ref!r} is neither a list of values nor a function "
                               "reference 'package.module:function'")
    module_name, func_name = m.groups()
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ReportsFileError(f"{where}: cannot import {module_name!r} for {ref!r}: {exc}"
                               ) from None
    func = getattr(module, func_name, None)
    if not callable(func):
        raise ReportsFileError(f"{where}: {module_name} has no function {func_name!r}")
    try:
        values = func()
        values = list(values)
    except Exception as exc:
        raise ReportsFileError(f"{where}: {ref}() failed: {type(exc).__name__}: {exc}"
                               ) from None
    return values


def load_reports_file(path: Path) -> ReportsFile:
    """Parse and check the structure of ``reports.toml`` (notebooks are read by ``expand``).

    Raises:
        ReportsFileError: missing or invalid file, unknown keys, wrong value types, an entry
            without a notebook, an undeclared group, a missing notebook file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportsFileError(f"{path}: reports file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportsFileError(f"{path}: cannot read the reports file: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReportsFileError(f"{path}: not valid TOML: {exc}") from None
    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        raise ReportsFileError(f"{path}: unknown top-level key(s) {unknown}; expected "
                               f"{', '.join(TOP_KEYS)}")
    groups = data.get("groups", {})
    if not isinstance(groups, dict) or not all(isinstance(v, str) for v in groups.values()):
        raise ReportsFileError(f"{path}: [groups] must map a key to a heading, e.g. "
                               'national = "National analyses"')
    sets: dict[str, list[dict]] = {}
    reports = data.get("report", [])
    if not isinstance(reports, list):
        raise ReportsFileError(f"{path}: 'report' must be an array of tables ([[report]])")
    sets[DEFAULT_SET] = reports
    named = data.get("set", {})
    if not isinstance(named, dict):
        raise ReportsFileError(f"{path}: 'set' must hold named sets ([[set.NAME]])")
    for set_name, entries in named.items():
        if set_name == DEFAULT_SET:
            raise ReportsFileError(f"{path}: set name {DEFAULT_SET!r} is reserved for "
                                   "[[report]]")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ReportsFileError(f"{path}: set {set_name!r} must be an array of tables "
                                   f"([[set.{set_name}]])")
        sets[set_name] = entries
    for set_name, entries in sets.items():
        for i, item in enumerate(entries, start=1):
            label = "[[report]]" if set_name == DEFAULT_SET else f"[[set.{set_name}]]"
            _check_entry(item, f"{path}: {label} #{i}", path, groups)
    return ReportsFile(path, dict(groups), sets)


def _check_entry(item: object, where: str, path: Path, groups: dict) -> None:
    if not isinstance(item, dict):
        raise ReportsFileError(f"{where}: expected a table")
    if isinstance(item.get("notebook"), str):
        where = f"{where} ({item['notebook']})"
    unknown = [k for k in item if k not in ENTRY_KEYS]
    if unknown:
        raise ReportsFileError(f"{where}: unknown key(s) {unknown}; an entry may have "
                               f"{', '.join(ENTRY_KEYS)}")
    if "notebook" not in item:
        raise ReportsFileError(f"{where}: has no 'notebook'")
    nb = item["notebook"]
    if not isinstance(nb, str) or not nb:
        raise ReportsFileError(f"{where}: 'notebook' must be a file name, got {nb!r}")
    if not (path.parent / nb).is_file():
        raise ReportsFileError(f"{where}: notebook {path.parent / nb} not found")
    for key in ("name", "group"):
        if key in item and not isinstance(item[key], str):
            raise ReportsFileError(f"{where}: '{key}' must be a string, got {item[key]!r}")
    for key in ("parameters", "matrix"):
        if key in item and not isinstance(item[key], dict):
            raise ReportsFileError(f"{where}: '{key}' must be a table of name = value, got "
                                   f"{item[key]!r}")
    group = item.get("group")
    if group is not None and groups and group not in groups:
        raise ReportsFileError(f"{where}: group {group!r} is not declared in [groups] "
                               f"(declared: {', '.join(groups)})")


def read_reports_file(path: Path, set_name: str = DEFAULT_SET) -> list[ReportSpec]:
    """The reports of one set of ``reports.toml`` (default: the ``[[report]]`` entries).

    Raises:
        ReportsFileError: any mistake, naming the file and the entry.
    """
    return load_reports_file(path).expand(set_name)
