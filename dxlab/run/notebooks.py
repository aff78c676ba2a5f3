"""Reading notebooks without a kernel: JSON shape, title, question, and typed parameters.

Everything here is light (``json``, ``ast``, ``tokenize``): it runs in ``dxlab run``'s parent
process before any report starts, so a bad notebook or parameter is an exit-2 error before
any work is done.

Parameter typing is strict. A notebook's ``parameters`` cell declares each parameter as
``name = literal``; the literal's type is the parameter's type:

- from ``reports.toml`` (typed TOML values): an ``int`` parameter takes an integer only (not
  ``"5"``, not ``true``); a ``float`` takes a float or an integer; a ``str`` a string; a
  ``bool`` ``true``/``false``; a list or dict the same container type.
- from the command line (``-p NAME VALUE``, always text): the text is parsed as that type —
  ``int``: optional sign and ASCII digits; ``float``: a decimal number; ``bool``:
  ``true``/``false``; ``str``: taken as is; lists and dicts: a Python literal.
- ``nan`` and ``inf`` are refused for floats unless the parameter's line in the notebook
  says ``# dxlab: allow nan`` (or ``allow inf``, ``allow nan, inf``).
- A parameter whose default is ``None`` takes any literal.
"""

from __future__ import annotations

import ast
import io
import json
import math
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from dxlab.errors import ParameterError


class NotebookError(ParameterError):
    """A notebook file that cannot be used: unreadable, not JSON, not nbformat 4."""


@dataclass(frozen=True)
class Parameter:
    """One parameter declared in a notebook's ``parameters`` cell."""

    name: str
    default: object
    help: str = ""
    allow: frozenset[str] = field(default_factory=frozenset)  # subset of {'nan', 'inf'}

    @property
    def type_name(self) -> str:
        return type(self.default).__name__


def read_notebook(path: Path) -> dict:
    """A notebook file as a dict, checked to be nbformat 4 with a list of cells.

    Raises:
        NotebookError: missing or unreadable file, invalid JSON (with line and column), or
            not an nbformat-4 notebook.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotebookError(f"{path}: notebook not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError(f"{path}: cannot read the notebook: {exc}") from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"{path}: not a notebook: invalid JSON at line {exc.lineno} column {exc.colno} "
            f"({exc.msg}); expected an .ipynb file (nbformat 4)") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{path}: not a notebook: no list of 'cells'; expected an .ipynb "
                            "file (nbformat 4)")
    if nb.get("nbformat") != 4:
        raise NotebookError(f"{path}: nbformat {nb.get('nbformat')!r} is not supported; "
                            "expected 4 (open and save it in JupyterLab to upgrade)")
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown",
                                                                       "raw"):
            raise NotebookError(f"{path}: cell {i} is not a notebook cell (expected a "
                                "cell_type of code, markdown or raw)")
        src = cell.get("source", "")
        if not (isinstance(src, str) or (isinstance(src, list)
                and all(isinstance(x, str) for x in src))):
            raise NotebookError(f"{path}: cell {i} has a source that is not text")
    return nb


def source_of(cell: dict) -> str:
    """A cell's source as one string."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def parameters_cell(nb: dict, where: str) -> dict:
    """The one cell tagged ``parameters``.

    Raises:
        ParameterError: none or several.
    """
    tagged = [c for c in nb["cells"]
              if "parameters" in (c.get("metadata", {}).get("tags") or [])]
    if len(tagged) != 1:
        raise ParameterError(f"{where}: {len(tagged)} cells tagged 'parameters' (want 1)")
    return tagged[0]


_ALLOW = re.compile(r"dxlab:\s*allow\s+([a-z ,]+)", re.I)


def parse_parameters(source: str, where: str) -> dict[str, Parameter]:
    """Parameters declared by assignments ``name = literal`` in a parameters cell's source.

    Other statements (imports, comments) are ignored, as papermill does. A trailing comment
    is the parameter's help text.

    Raises:
        ParameterError: the cell does not parse, or a default is not a literal.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"{where}: the parameters cell is not valid Python "
                             f"(line {exc.lineno}: {exc.msg})") from None
    comments: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):  # pragma: no cover - ast parsed it
        pass
    out: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.value is not None:
            name, value = node.target.id, node.value
        else:
            continue
        try:
            default = ast.literal_eval(value)
        except (ValueError, SyntaxError, TypeError):
            raise ParameterError(f"{where}: default of parameter {name!r} is not a literal: "
                                 f"{ast.unparse(value)}") from None
        comment = comments.get(node.end_lineno or node.lineno, "")
        allow: set[str] = set()
        m = _ALLOW.search(comment)
        if m:
            allow = {w for w in re.split(r"[ ,]+", m.group(1).lower()) if w in ("nan", "inf")}
        out[name] = Parameter(name, default, comment, frozenset(allow))
    return out


def notebook_parameters(notebook: Path | dict, where: str | None = None) -> dict[str, Parameter]:
    """Parameters of a notebook (path or already-read dict), in declaration order."""
    if isinstance(notebook, dict):
        nb, where = notebook, where or "notebook"
    else:
        nb, where = read_notebook(notebook), where or Path(notebook).name
    return parse_parameters(source_of(parameters_cell(nb, where)), where)


def notebook_title(nb: dict, fallback: str) -> str:
    """The first level-1 or level-2 markdown heading of a notebook, or ``fallback``."""
    for cell in nb["cells"]:
        if cell.get("cell_type") == "markdown":
            m = re.search(r"^#{1,2}\s+(.+?)\s*#*\s*$", source_of(cell), flags=re.M)
            if m:
                return m.group(1).strip()
    return fallback


def notebook_question(nb: dict) -> str:
    """The sentence after a bold ``**Question.**`` in the first markdown cells, if any."""
    for cell in nb["cells"][:3]:
        if cell.get("cell_type") == "markdown":
            m = re.search(r"\*\*Question\.\*\*\s*(.+?)(?:\n\n|$)", source_of(cell), flags=re.S)
            if m:
                return " ".join(m.group(1).split())
    return ""


def parameter_literal(value: object) -> str:
    """Python source for a parameter value (``repr``; non-finite floats spelled out)."""
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value):
            return 'float("nan")'
        return 'float("inf")' if value > 0 else '-float("inf")'
    return repr(value)



# --------------------------------------------------------------------------- typing values

_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NONFINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.I)


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string",
             list: "a list", dict: "a table/dict", type(None): "None"}
    return names.get(type(value), f"a {type(value).__name__}")


def coerce(param: Parameter, value: object, where: str, *, from_text: bool = False) -> object:
    """Check and convert one value for ``param`` (see the module docstring for the rules).

    Args:
        param: the declared parameter.
        value: the given value (text when ``from_text``; a typed TOML/Python value otherwise).
        where: the place the value came from, for the error message.
    Returns:
        The typed value.
    Raises:
        ParameterError: naming ``where``, the parameter, the value and what was expected.
    """
    default = param.default
    want = type(default)

    def fail(reason: str = "") -> ParameterError:
        if default is None:
            expect = "a Python literal"
        else:
            expect = f"{_kind(default)} like the default {default!r}"
        got = f"{value!r}" if from_text else f"{value!r} ({_kind(value)})"
        return ParameterError(f"{where}: parameter {param.name!r} {reason or 'has the wrong type'}"
                              f": got {got}; expected {expect}")

    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise fail("is not valid text (undecodable bytes)") from None
    if from_text:
        if not isinstance(value, str):  # pragma: no cover - caller error
            raise TypeError("from_text needs a str")
        text = value.strip()
        if want is str:
            return value
        if want is bool:
            if text.lower() == "true":
                return True
            if text.lower() == "false":
                return False
            raise fail("is not a boolean (true or false)")
        if want is int:
            if not _INT.fullmatch(text):
                raise fail("is not an integer")
            try:
                return int(text)
            except ValueError:  # more digits than Python converts (4,300)
                raise fail("is too long a number") from None
        if want is float:
            if _NONFINITE.fullmatch(text):
                return _finite(param, float(text), fail)
            if not _FLOAT.fullmatch(text):
                raise fail("is not a number")
            return _finite(param, float(text), fail)
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            if default is None:
                return value
            raise fail("is not a Python literal") from None
        if default is not None and type(parsed) is not want:
            raise fail()
        return parsed
    # typed values (reports.toml, a function's list, Python callers)
    if default is None:
        _check_plain(value, fail)
        return value
    if want is bool:
        if type(value) is not bool:
            raise fail()
        return value
    if want is int:
        if type(value) is not int:
            raise fail()
        return value
    if want is float:
        if type(value) is int:
            return float(value)
        if type(value) is not float:
            raise fail()
        return _finite(param, value, fail)
    if type(value) is not want:
        raise fail()
    _check_plain(value, fail)
    return value


def _finite(param: Parameter, value: float, fail) -> float:
    if math.isnan(value) and "nan" not in param.allow:
        raise fail("is NaN, which this notebook does not accept (declare '# dxlab: allow nan')")
    if math.isinf(value) and "inf" not in param.allow:
        raise fail("is infinite, which this notebook does not accept "
                   "(declare '# dxlab: allow inf')")
    return value


def _check_plain(value: object, fail) -> None:
    """Only JSON-like literals (they are written into the notebook and the index)."""
    if value is None or type(value) in (bool, int, str):
        return
    if type(value) is float:
        return
    if type(value) in (list, tuple):
        for v in value:
            _check_plain(v, fail)
        return
    if type(value) is dict:
        for k, v in value.items():
            if not isinstance(k, str):
                raise fail("has a non-text key")
            _check_plain(v, fail)
        return
    raise fail(f"is {_kind(value)}, which cannot be a notebook parameter")


def resolve_parameters(notebook: Path | dict, given: dict[str, object], *,
                       where: str | None = None, from_text: bool = False) -> dict[str, object]:
    """Check parameter names against the notebook and type the values.

    Args:
        notebook: the notebook path (or its dict).
        given: name -> value; text values from the command line when ``from_text``.
        where: prefix of error messages (default: the notebook's file name).
    Returns:
        The given parameters, typed (declaration order of ``given`` kept).
    Raises:
        ParameterError: an unknown name (listing the known ones) or a badly typed value.
    """
    if where is None:
        where = notebook.name if isinstance(notebook, Path) else "notebook"
    declared = notebook_parameters(notebook, where)
    unknown = [k for k in given if k not in declared]
    if unknown:
        raise ParameterError(
            f"{where}: unknown parameter {', '.join(repr(u) for u in unknown)}; "
            f"the notebook declares: {', '.join(declared) or '(none)'}")
    return {k: coerce(declared[k], v, where, from_text=from_text
                      and isinstance(v, str)) for k, v in given.items()}


def effective_parameters(declared: dict[str, Parameter], given: dict[str, object]
                         ) -> dict[str, object]:
    """Every declared parameter with the value a report runs with (given, else default)."""
    return {k: given.get(k, p.default) for k, p in declared.items()}
