"""The engine: one raw file (or several) + a :class:`~dxlab.sources.spec.Dataset` → a tidy,
typed, validated frame and its row accounting.

Per file: read (the spec's hook, or the CSV reader with the spec's encoding and header line,
requiring the raw columns the spec needs) → drop rows by the spec's rules, each drop recorded
with its reason → rename raw columns to fields → derivation steps → coerce every field through
the field dictionary (integers, decimals, dates, flags; errors name the file, the line and the
raw column) → flag published totals → check the primary key → the spec's cross-column checks.
Then the files are concatenated and validated once against the pandera schema derived from
the spec and the field dictionary.

Every :class:`~dxlab.errors.DataError` raised while a file is read names that file, even when
it comes from a cleaning helper that only knows the row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dxlab.errors import DataError, DxlabError
from dxlab.fields import FIELDS, Rule, one_of
from dxlab.row_accounting import Drop as DropRecord
from dxlab.row_accounting import RowAccount
from dxlab.sources.spec import Context, Dataset
from dxlab.sources.tabular import check_unique, read_csv_text, to_float, to_int

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def build(spec: Dataset, files: Sequence[tuple[Path, Mapping[str, Any]]], *,
          depends: Mapping[str, list[Path]] | None = None, labels: Sequence[str] = ()
          ) -> tuple[pd.DataFrame, RowAccount]:
    """Read ``files`` with ``spec``.

    Args:
        spec: the dataset declaration.
        files: (path, catalog record of the file) for every raw file of the dataset.
        depends: paths of the files of ``spec.depends_on`` datasets.
        labels: how to name each file in row labels of a multi-file dataset
            ('20221231/all_localgovs.csv'); default the file name.
    Returns:
        (frame, account): the frame has the spec's output fields in order and, for one file,
        the file line of each row as index; for several files a 'file:line' label.
    Raises:
        DataError: anything wrong with the input, naming file, row and column.
    """
    if not files:
        raise DataError(f"dataset {spec.name} has no raw file")
    parts, accounts = [], []
    for i, (path, meta) in enumerate(files):
        ctx = Context(spec, Path(path), RowAccount(str(path), 0), meta, depends or {})
        try:
            frame = _one_file(spec, ctx)
        except DataError as err:
            raise err.located(file=path) from None
        if len(files) > 1:
            label = labels[i] if labels else Path(path).name
            frame.index = [f"{label}:{line}" for line in frame.index]
        parts.append(frame)
        accounts.append(ctx.account)
    frame = parts[0] if len(parts) == 1 else pd.concat(parts)
    account = accounts[0] if len(accounts) == 1 else merge_accounts(accounts, labels)
    if len(parts) > 1 and spec.key:
        check_unique(frame, list(spec.key), file=f"dataset {spec.name}")
    account.check(len(frame))
    return validate(spec, frame, files[0][0] if len(files) == 1 else f"dataset {spec.name}"), \
        account


def _one_file(spec: Dataset, ctx: Context) -> pd.DataFrame:
    """Read one file. Any exception that is not dxlab's own (a hook or a library tripping on
    input nobody foresaw) becomes a DataError naming the file and the stage it happened in."""
    stage = "reading"
    try:
        if spec.read is not None:
            raw = spec.read(ctx.path, ctx)
            if ctx.account.rows_in == 0:
                ctx.account.rows_in = len(raw)
        else:
            raw = read_csv_text(ctx.path, spec.raw_columns(), skip_lines=spec.header_line - 1,
                                encoding=spec.encoding)
            ctx.account.rows_in = len(raw)
        if len(raw) == 0:
            raise DataError("file has no data rows", file=ctx.path,
                            expected="at least one data row")
        for rule in spec.drops:
            stage = f"drop rule '{rule.reason}'"
            raw = ctx.account.drop(raw, rule.mask(raw, ctx), rule.reason)
        frame = raw.rename(columns=dict(spec.rename))
        for step in spec.steps:
            stage = f"step: {step.doc or step.func.__name__}"
            frame = step.func(frame, ctx)
        stage = "typing the columns"
        frame = coerce(spec, frame, ctx)
        if spec.totals:
            frame["is_total"] = total_mask(frame, spec.totals)
        if spec.key:
            check_unique(frame, list(spec.key), file=ctx.path)
        stage = "checking the field rules"
        check_rules(spec, frame, ctx.path)
        for check in spec.checks:
            stage = f"check: {(check.__doc__ or check.__name__).strip().splitlines()[0]}"
            check(frame, ctx)
        return frame
    except DxlabError:
        raise
    except Exception as exc:  # the point: no foreign traceback on bad input
        raise DataError(f"could not be read ({stage}): {type(exc).__name__}: {exc}",
                        file=ctx.path) from exc


def total_mask(frame: pd.DataFrame, totals: Mapping[str, tuple]) -> pd.Series:
    """True on rows where any field holds one of its published-total values."""
    mask = pd.Series(False, index=frame.index)
    for name, values in totals.items():
        mask |= frame[name].isin(values)
    return mask.astype(bool)


def coerce(spec: Dataset, frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Type every output field (except ``is_total``) by its kind in the field dictionary.

    Text cells are parsed (integers strictly, decimals, 'TRUE'/'FALSE'); columns a step has
    already typed are cast to the field's dtype. Errors name the raw column.
    """
    out = {}
    for name in spec.output_fields:
        if name == "is_total" and spec.totals:
            continue
        if name not in frame.columns:
            raise DataError(f"no column for field {name!r}", file=ctx.path,
                            column=spec.raw_name(name),
                            expected="the column in the raw file or a step producing it")
        out[name] = _coerce_located(spec, name, frame[name], ctx)
    typed = pd.DataFrame(out, index=frame.index)
    if not spec.strict:  # e-Stat tables: classification columns vary by table, kept as read
        rest = [c for c in frame.columns if c not in typed.columns]
        typed = pd.concat([frame[rest], typed], axis=1)
    return typed


def _coerce_located(spec: Dataset, name: str, series: pd.Series, ctx: Context) -> pd.Series:
    """:func:`_coerce_one`; an error that is not dxlab's own (e.g. an integer beyond the int64
    range tripping pandas) is located by retrying the distinct values one by one."""
    try:
        return _coerce_one(spec, name, series, ctx)
    except DxlabError:
        raise
    except Exception as exc:
        problem = f"{type(exc).__name__}: {exc}"
    line, value = None, None
    seen: set = set()
    for pos in range(len(series)):
        v = series.iloc[pos]
        key = repr(v)
        if key in seen:
            continue
        seen.add(key)
        try:
            _coerce_one(spec, name, series.iloc[pos:pos + 1], ctx)
        except DxlabError as err:
            raise err.located(file=ctx.path) from None
        except Exception:
            line, value = series.index[pos], v
            break
    raise DataError(f"cannot be typed as {FIELDS[name].kind} ({problem})", file=ctx.path,
                    row=line, **spec.column_of(name), value=value,
                    expected=_EXPECTED.get(FIELDS[name].kind))


_EXPECTED = {"integer": "a whole number within ±9,223,372,036,854,775,807",
             "float": "a finite number"}


def check_rules(spec: Dataset, frame: pd.DataFrame, where: str | Path) -> None:
    """Every output field's rules (and the dataset's vocabulary) on one file's frame, before
    the spec's cross-column checks, so that a bad value is reported as what it is (a
    negative count) rather than as a cross-check it also breaks.

    Raises:
        DataError: naming the first line that breaks a rule, the raw column and the rule.
    """
    for name in spec.output_fields:
        if name not in frame.columns or (name == "is_total" and spec.totals):
            continue
        fld = FIELDS[name]
        values = frame[name]
        present = values.notna().to_numpy(dtype=bool)
        if not (name in spec.nullable or fld.always_nullable) and not present.all():
            pos = int(np.flatnonzero(~present)[0])
            raise DataError("missing value", file=where, row=values.index[pos],
                            **spec.column_of(name))
        rules: list[Rule] = list(fld.rules)
        if name in spec.values:
            rules.insert(0, one_of(*spec.values[name]))
        kept = values[present]
        for rule in rules:
            ok = np.asarray(rule.test(kept).fillna(False), dtype=bool)
            if not ok.all():
                pos = int(np.flatnonzero(~ok)[0])
                raise DataError(
                    f"value breaks the rule: {rule.text} ({int((~ok).sum())} failure(s) in "
                    "all)", file=where, row=kept.index[pos], **spec.column_of(name),
                    value=kept.iloc[pos])


def _is_text(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)


def _coerce_one(spec: Dataset, name: str, series: pd.Series, ctx: Context) -> pd.Series:
    fld = FIELDS[name]
    nullable = name in spec.nullable or fld.always_nullable
    column = spec.raw_name(name)
    dtype = spec.dtype(name)
    if fld.kind == "integer":
        if _is_text(series):
            return to_int(series, file=ctx.path, column=column, allow_missing=nullable
                          ).astype(dtype)
        if not nullable and series.isna().any():
            line = series.index[series.isna()][0]
            raise DataError("missing value", file=ctx.path, row=line, column=column,
                            expected="a whole number")
        return series.astype(dtype)
    if fld.kind == "float":
        if _is_text(series):
            return to_float(series, file=ctx.path, column=column, allow_missing=nullable)
        return series.astype("float64")
    if fld.kind == "bool":
        if series.dtype == bool:
            return series
        text = series.astype("str").str.strip().str.lower()
        value = text.map(lambda v: True if v in _TRUE else False if v in _FALSE else None)
        bad = value.isna()
        if bad.any():
            line = series.index[bad][0]
            raise DataError("not a true/false flag", file=ctx.path, row=line, column=column,
                            value=series.loc[line], expected="TRUE or FALSE")
        return value.astype(bool)
    return series.astype("str")  # text and date; missing stays missing


# --------------------------------------------------------------------------- schema


def schema(spec: Dataset):
    """The pandera schema of a dataset, derived from its spec and the field dictionary."""
    import pandera.pandas as pa

    columns = {}
    for name in spec.output_fields:
        fld = FIELDS[name]
        rules: list[Rule] = list(fld.rules)
        if name in spec.values:  # the dataset's own vocabulary first: the more specific error
            rules.insert(0, one_of(*spec.values[name]))
        dtype = spec.dtype(name)
        columns[name] = pa.Column(
            str if dtype == "str" else dtype,
            checks=[pa.Check(r.test, error=r.text) for r in rules],
            nullable=name in spec.nullable or fld.always_nullable,
            required=True,
        )
    return pa.DataFrameSchema(columns, strict=spec.strict, ordered=spec.strict)


def validate(spec: Dataset, frame: pd.DataFrame, where: str | Path) -> pd.DataFrame:
    """Validate against :func:`schema`; the first failure becomes a DataError naming the row
    (file line), the raw column, the value and the rule it breaks."""
    import pandera.errors as pa_errors

    try:
        return schema(spec).validate(frame, lazy=True)
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.iloc[0]
        row = first.get("index")
        column = None if pd.isna(first["column"]) else str(first["column"])
        shown = spec.column_of(column) if column else {}
        check = str(first["check"])
        problem = ("missing value" if check == "not_nullable"
                   else f"value breaks the rule: {check}")
        raise DataError(
            f"{problem} ({len(cases)} failure(s) in all)",
            file=where,
            row=None if pd.isna(row) else row,
            **shown,
            value=None if pd.isna(first["failure_case"]) else first["failure_case"],
        ) from None


def merge_accounts(accounts: Sequence[RowAccount], labels: Sequence[str] = ()) -> RowAccount:
    """One account for a multi-file dataset: rows summed, drops merged by reason (their first
    lines labelled with the file)."""
    source = f"{len(accounts)} files" + (f" ({labels[0]} … {labels[-1]})" if labels else "")
    merged = RowAccount(source, sum(a.rows_in for a in accounts))
    by_reason: dict[str, DropRecord] = {}
    for i, acc in enumerate(accounts):
        label = labels[i] if labels else Path(acc.source).name
        for d in acc.drops:
            rec = by_reason.setdefault(d.reason, DropRecord(d.reason, 0, []))
            rec.rows += d.rows
            rec.lines.extend(f"{label}:{ln}" for ln in d.lines[: max(0, 10 - len(rec.lines))])
    merged.drops = list(by_reason.values())
    return merged
