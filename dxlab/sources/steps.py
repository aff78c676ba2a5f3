"""Derivation steps shared by dataset specs (see :class:`dxlab.sources.spec.Step`).

Each function returns a :class:`Step` that a spec lists in ``steps``; the step reads named
columns of the renamed frame and writes typed fields. They wrap :mod:`dxlab.clean`, adding the
file to every error (the engine does that) and the raw column name (done here, by renaming the
series before a cleaning helper sees it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from dxlab.clean.ages import parse_age_bands
from dxlab.clean.areas import pref_code as lookup_pref_code
from dxlab.errors import DataError
from dxlab.sources.spec import Context, Step
from dxlab.sources.tabular import check_prefectures, check_unit, check_values, to_float

# Published count units → persons per unit.
UNIT_FACTORS = {"persons": 1, "thousand persons": 1_000, "10k persons (万人)": 10_000}


def _raw(frame: pd.DataFrame, column: str, ctx: Context) -> pd.Series:
    """A column renamed to its raw name, so cleaning helpers' errors name the raw column."""
    return frame[column].rename(ctx.spec.raw_name(column))


def ages(column: str = "age_group", *, totals: Iterable[str] = (), keep: Iterable[str] = (),
         same_as: tuple[str, Iterable[str]] | None = None) -> Step:
    """Age labels → ``age_group`` (normalised '15-19', '85+'), ``age_lo``, ``age_hi``.

    Args:
        column: the label column.
        totals: labels of all-ages total rows in this table ('total', '総数'): they become
            age_group 'total' with missing ages.
        keep: survey group labels that are not age bands ('6+', 'elderly_unspecified'):
            kept as they are, ages missing.
        same_as: (raw label column, its total labels): a second label column that must
            name the same band on every row (e.g. the published '０～４歳' beside '0-4').
    """
    totals, keep = tuple(totals), tuple(keep)

    def run(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        labels = _raw(frame, column, ctx)
        special = labels.isin(keep)
        parsed = parse_age_bands(labels.where(~special, "年齢不詳"), total_labels=totals)
        group = parsed["age_group"].where(~special, labels)
        if same_as is not None:
            other_col, other_totals = same_as
            other = parse_age_bands(_raw(frame, other_col, ctx), total_labels=other_totals)
            bad = other["age_group"] != group
            if bad.any():
                line = frame.index[bad][0]
                raise DataError(f"{column} disagrees with {other_col}", file=ctx.path, row=line,
                                column=ctx.spec.raw_name(column), value=frame.loc[line, column],
                                expected=other.loc[line, "age_group"])
        return frame.assign(age_group=group, age_lo=parsed["age_lo"], age_hi=parsed["age_hi"])

    return Step((column, *(same_as[:1] if same_as else ())), ("age_group", "age_lo", "age_hi"),
                run, f"age labels in {column!r} parsed to age_group, age_lo, age_hi"
                + (f" (totals: {', '.join(totals)})" if totals else ""))


def date_from_year(month_day: str = "10-01", *, year: str = "year",
                   to: str = "reference_date", special: Mapping[str, str] | None = None
                   ) -> Step:
    """``reference_date`` = ``year`` + month and day (census reference date: 1 October);
    ``special`` gives other days for named years ({'1945': '11-01'}: the population survey
    of 1 November 1945)."""
    special = dict(special or {})

    def run(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        years = frame[year].astype("str").str.strip()
        return frame.assign(**{to: years + "-" + years.map(lambda y: special.get(y, month_day))})

    extra = "".join(f"; {y}: {y}-{d}" for y, d in special.items())
    return Step((year,), (to,), run, f"{to} = {year}-{month_day}{extra}")


def persons(value: str = "population", unit: str = "unit",
            allowed: Iterable[str] = ("persons", "thousand persons")) -> Step:
    """Counts published in persons, thousands or 万人 → ``population`` in persons and
    ``rounding_persons`` (the published precision: 1, 1000 or 10000).

    Raises:
        DataError: a unit outside ``allowed`` (naming the line), or a non-number.
    """
    allowed = tuple(allowed)

    def run(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        check_unit(frame[unit], allowed, file=ctx.path, column=ctx.spec.raw_name(unit))
        factor = frame[unit].map(UNIT_FACTORS).astype("int64")
        number = to_float(frame[value], file=ctx.path, column=ctx.spec.raw_name(value))
        persons_ = (number * factor).round()
        bad = (~np.isfinite(persons_) | (persons_.abs() >= 2.0**63)).to_numpy(dtype=bool)
        if bad.any():  # inf or beyond int64 would become garbage (or a pandas error) below
            pos = int(np.flatnonzero(bad)[0])
            raise DataError("count out of range", file=ctx.path, row=frame.index[pos],
                            column=ctx.spec.raw_name(value), value=frame[value].iloc[pos],
                            expected="a finite count below 9.2e18 persons")
        return frame.assign(population=persons_.astype("int64"), rounding_persons=factor)

    return Step((value, unit), ("population", "rounding_persons"), run,
                f"{value} × unit ({', '.join(allowed)}) → persons; rounding_persons keeps the "
                "published precision")


def prefectures(code: str = "pref_code", name: str = "prefecture") -> Step:
    """Check every (code, name) pair names the same JIS prefecture ('00' 全国 allowed)."""

    def run(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        check_prefectures(frame.rename(columns={code: "pref_code", name: "prefecture"}),
                          file=ctx.path)
        return frame

    return Step((code, name), (), run, f"{code} and {name} checked to name the same prefecture")


def pref_code_from(name: str, to: str = "pref_code") -> Step:
    """``pref_code`` looked up from a prefecture name ('東京都', '東京')."""

    def run(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        return frame.assign(**{to: lookup_pref_code(_raw(frame, name, ctx))})

    return Step((name,), (to,), run, f"{to} looked up from the prefecture name in {name!r}")


def mapped(column: str, mapping: Mapping[str, object], *, to: str | None = None,
           expected: str | None = None) -> Step:
    """Map the values of ``column`` through ``mapping`` (into ``to``); an unmapped value is an
    error naming its line."""
    to = to or column

    def run(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        out = frame[column].map(mapping)
        bad = out.isna() & frame[column].notna()
        if bad.any():
            line = frame.index[bad][0]
            raise DataError("unexpected value", file=ctx.path, row=line,
                            column=ctx.spec.raw_name(column), value=frame.loc[line, column],
                            expected=expected or f"one of {sorted(map(str, mapping))}")
        return frame.assign(**{to: out})

    return Step((column,), (to,) if to != column else (), run,
                f"{to} mapped from {column}" if to != column else f"{column} mapped")


def derive(to: str | tuple[str, ...], needs: Iterable[str],
           func: Callable[[pd.DataFrame, Context], pd.DataFrame | pd.Series], doc: str) -> Step:
    """A custom derivation: ``func(frame, ctx)`` returns the new column (a Series) or, for
    several outputs, a frame holding them."""
    outputs = (to,) if isinstance(to, str) else tuple(to)

    def run(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        result = func(frame, ctx)
        if isinstance(result, pd.Series):
            return frame.assign(**{outputs[0]: result})
        return frame.assign(**{c: result[c] for c in outputs})

    return Step(tuple(needs), outputs, run, doc)


def check(needs: Iterable[str], func: Callable[[pd.DataFrame, Context], None], doc: str
          ) -> Step:
    """A check that raises DataError and changes nothing (runs before typing)."""

    def run(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        func(frame, ctx)
        return frame

    return Step(tuple(needs), (), run, doc)


def allowed(column: str, values: Iterable[str]) -> Step:
    """Check a raw column holds only ``values`` (for a column the tidy frame does not keep,
    such as a constant 'sex = total')."""
    values = tuple(values)

    def run(frame: pd.DataFrame, ctx: Context) -> None:
        check_values(frame[column], values, file=ctx.path, column=ctx.spec.raw_name(column))

    return check((column,), run, f"{column} is one of {', '.join(values)}")


def bands_do_not_overlap(*by: str):
    """A spec check: within each group of ``by`` (e.g. year and sex), the age bands do not
    overlap ('0-20' beside '0-4' is an error naming both lines). Rows without ages (totals,
    age unknown) are not bands and are skipped."""

    def bands_do_not_overlap(frame: pd.DataFrame, ctx: Context) -> None:
        bands = frame[frame["age_lo"].notna()]
        hi = bands["age_hi"].astype("Float64").fillna(float("inf"))
        table = pd.DataFrame({"lo": bands["age_lo"].astype(float), "hi": hi.astype(float),
                              "label": bands["age_group"]}, index=bands.index)
        keys = [bands[c] for c in by]
        for _key, group in (table.groupby(keys, sort=False) if keys else [((), table)]):
            g = group.sort_values(["lo", "hi"])
            overlap = g["lo"].to_numpy()[1:] <= g["hi"].to_numpy()[:-1]
            if overlap.any():
                i = int(overlap.argmax())
                first, second = g.index[i], g.index[i + 1]
                raise DataError(f"age bands {g['label'].iloc[i]!r} and "
                                f"{g['label'].iloc[i + 1]!r} overlap (line {first})",
                                file=ctx.path, row=second, column=ctx.spec.raw_name("age_group"),
                                value=g["label"].iloc[i + 1], expected="bands that do not overlap")

    bands_do_not_overlap.__doc__ = (f"age bands do not overlap within each "
                                    f"{', '.join(by) or 'table'}")
    return bands_do_not_overlap
