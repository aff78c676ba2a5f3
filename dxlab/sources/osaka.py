"""Osaka City digital office sheets: the hooks that are custom to them (published values
with qualifiers; advisor dispatch minutes)."""

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


def _minutes(text: str, ctx: Context, line: object, column: str) -> int:
    parts = str(text).split(":")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise DataError("not a time of day", file=ctx.path, row=line, column=column,
                        value=text, expected="HH:MM")
    return int(parts[0]) * 60 + int(parts[1])


def dispatch_minutes_agree(frame: pd.DataFrame, ctx: Context) -> None:
    """end − start − break must equal the reported activity minutes."""
    for line, row in frame.iterrows():
        span = (_minutes(row["end_time"], ctx, line, "end_time")
                - _minutes(row["start_time"], ctx, line, "start_time") - row["break_minutes"])
        if span != row["activity_minutes"]:
            raise DataError("activity minutes disagree with the times", file=ctx.path,
                            row=line, column="activity_minutes", value=row["activity_minutes"],
                            expected=f"{span} (end - start - break)")
