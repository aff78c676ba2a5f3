"""Osaka City digital office sheets: the hooks that are custom to them (published values
with qualifiers; the KPI sheet's consistency rules; advisor dispatch minutes).

The Osaka outcome-indicator sheet is also dxlab's KPI sheet template (docs/kpi_template.md):
any city's sheet in that layout is read with the same spec and these same checks.
"""

from __future__ import annotations

import pandas as pd

from dxlab.clean.numbers import UNIT_NAMES, parse_number
from dxlab.errors import DataError, ParseError
from dxlab.sources.spec import Context


def kpi_values(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Count and percent cells parsed with their qualifiers ('約1,100件' → 1100, approx;
    '70%以上' → 70, bound '>='; '60名/年' → 60 per year). Milestones ('策定済') have no number:
    value missing, the text kept in value_raw.

    Raises:
        DataError: an unparsable count or percent, or a percent cell without '%'.
    """
    parsed = {}
    for line, kind, text in zip(frame.index, frame["kind"], frame["value_raw"], strict=True):
        if kind == "milestone":
            continue
        if not isinstance(text, str) or not text.strip():
            raise DataError("missing value", file=ctx.path, row=line, column="value_raw",
                            expected=f"a {kind} as published, e.g. "
                            + ("'40%' or '70%以上'" if kind == "percent" else "'1,000件'"))
        try:
            parsed[line] = parse_number(text)
        except ParseError as err:
            raise err.located(file=ctx.path, row=line, column="value_raw") from None
        unit = parsed[line].unit
        if unit is not None and unit not in UNIT_NAMES:
            raise DataError("unit not recognised", file=ctx.path, row=line, column="value_raw",
                            value=text, expected=f"a number with one of the units "
                            f"{', '.join(UNIT_NAMES)}, optionally with 約/程度/以上/以下/'/年'")
        if kind == "percent" and unit != "%":
            raise DataError("unit conflicts with the schema", file=ctx.path, row=line,
                            column="value_raw", value=text, expected="a percentage ('40%')")

    def part(name: str) -> pd.Series:
        return pd.Series({k: getattr(v, name) for k, v in parsed.items()},
                         dtype="object").reindex(frame.index)

    unit = part("unit")
    return pd.DataFrame({
        "value": part("value").astype(float),
        "unit": unit,
        "unit_name": unit.map(lambda u: UNIT_NAMES.get(u, u) if isinstance(u, str) else None),
        "approx": part("approx").fillna(False).astype(bool),
        "bound": part("bound"),
        "per": part("per"),
    }, index=frame.index)


def _first(frame: pd.DataFrame, mask: pd.Series) -> object:
    return frame.index[mask.to_numpy()][0]


def kpi_sheet_consistent(frame: pd.DataFrame, ctx: Context) -> None:
    """KPI sheet rules: one unit per indicator, grades on actuals, no target before it starts.

    In full: one kind, one Japanese name, one goal number and one unit per indicator; grades
    only on actuals; percents within 0-100; no target year before the indicator's first actual
    year. (That record is target/actual and kind count/percent/milestone is the field
    dictionary's rule, checked before this.)

    Raises:
        DataError: naming the file, the line and the column of the first row that breaks a rule.
    """
    def fail(problem: str, line: object, column: str, value: object, expected: str) -> None:
        raise DataError(problem, file=ctx.path, row=line, column=column, value=value,
                        expected=expected)

    graded_target = (frame["record"] == "target") & frame["grade"].notna()
    if graded_target.any():
        line = _first(frame, graded_target)
        fail("a grade on a target row", line, "grade", frame.loc[line, "grade"],
             "grades only on actual rows (the grade judges an actual); leave it empty")
    pct = (frame["kind"] == "percent") & ~frame["value"].between(0, 100) & frame["value"].notna()
    if pct.any():
        line = _first(frame, pct)
        fail("a percent outside 0-100", line, "value_raw", frame.loc[line, "value_raw"],
             "a share between 0% and 100%")
    for ind, rows in frame.groupby("indicator_id", sort=False):
        for column in ("kind", "indicator_ja", "management_issue_no"):
            first = rows[column].iloc[0]
            other = rows[column] != first
            if other.any():
                line = _first(rows, other)
                fail(f"indicator {ind!r} changes its {column} between rows", line, column,
                     rows.loc[line, column], f"{first!r}, as on line {rows.index[0]}")
        units = rows["unit"].dropna()
        if units.nunique() > 1:
            line = _first(units.to_frame(), units != units.iloc[0])
            fail(f"indicator {ind!r} mixes units", line, "value_raw",
                 rows.loc[line, "value_raw"],
                 f"the unit of line {units.index[0]} ({units.iloc[0]!r}), so target and actual "
                 "compare")
        actual_years = rows.loc[rows["record"] == "actual", "fiscal_year"]
        if actual_years.empty:
            continue
        early = (rows["record"] == "target") & (rows["fiscal_year"] < actual_years.min())
        if early.any():
            line = _first(rows, early)
            fail(f"target year before the first actual of indicator {ind!r}", line,
                 "fiscal_year_raw", rows.loc[line, "fiscal_year"],
                 f"a target in or after fiscal year {actual_years.min()} (its first actual, "
                 f"line {actual_years.idxmin()}); a target that cannot be compared with any "
                 "actual is a sign of a mistyped year")


def clock_minutes(text: str) -> int:
    """A time of day 'H:MM' or 'HH:MM' (24-hour) → minutes after midnight ('14:00' → 840).

    Raises:
        ParseError: anything else ('2pm', '24:00', '14:75').
    """
    parts = str(text).strip().split(":")
    if (len(parts) != 2 or not all(p.strip().isdigit() for p in parts)
            or int(parts[0]) > 23 or int(parts[1]) > 59):
        raise ParseError("not a time of day", value=text, expected="HH:MM (00:00-23:59)")
    return int(parts[0]) * 60 + int(parts[1])


def dispatch_minutes(start_time: str, end_time: str, break_minutes: int) -> int:
    """Minutes of an activity: end − start − break ('14:00', '16:00', 10 → 110).

    Raises:
        ParseError: a time that is not HH:MM, an end not after the start, or a break that is
            negative or not shorter than the span.
    """
    span = clock_minutes(end_time) - clock_minutes(start_time)
    if span <= 0:
        raise ParseError("the end time is not after the start time", value=end_time,
                         expected=f"a time after {start_time} on the same day")
    if not 0 <= break_minutes < span:
        raise ParseError("break is negative or not shorter than the activity", value=break_minutes,
                         expected=f"0 to {span - 1} minutes")
    return span - int(break_minutes)


def dispatch_minutes_agree(frame: pd.DataFrame, ctx: Context) -> None:
    """end − start − break must equal the reported activity minutes."""
    for line, row in frame.iterrows():
        for column in ("start_time", "end_time"):
            try:
                clock_minutes(row[column])
            except ParseError as err:
                raise err.located(file=ctx.path, row=line, column=column) from None
        try:
            span = dispatch_minutes(row["start_time"], row["end_time"], row["break_minutes"])
        except ParseError as err:
            raise err.located(file=ctx.path, row=line, column="end_time") from None
        if span != row["activity_minutes"]:
            raise DataError("activity minutes disagree with the times", file=ctx.path,
                            row=line, column="activity_minutes", value=row["activity_minutes"],
                            expected=f"{span} (end - start - break)")
