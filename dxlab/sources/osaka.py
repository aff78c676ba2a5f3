"""Osaka City (大阪市) digital office tables: DX outcome indicators (アウトカム指標) and the DX
advisor dispatch record."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera import Check, Column

from dxlab.clean.dates import to_fiscal_year
from dxlab.clean.numbers import UNIT_NAMES, parse_number
from dxlab.errors import DataError, ParseError
from dxlab.row_accounting import RowAccount
from dxlab.sources import register
from dxlab.sources.tabular import check_unique, check_values, read_csv_text, to_int

KPI_KINDS = ("count", "percent", "milestone")


@register("osaka_dx_kpi_fy2023", pa.DataFrameSchema(
    {
        "indicator_id": Column(str),
        "management_issue_no": Column(int),
        "management_issue_en": Column(str),
        "indicator_ja": Column(str),
        "kind": Column(str, Check.isin(list(KPI_KINDS))),
        "record": Column(str, Check.isin(["target", "actual"])),
        "fiscal_year": Column(int, Check.in_range(2000, 2100)),
        "value": Column(float, nullable=True),
        "unit": Column(str, nullable=True),
        "unit_name": Column(str, nullable=True),
        "approx": Column(bool),
        "bound": Column(str, nullable=True),
        "per": Column(str, nullable=True),
        "value_raw": Column(str),
        "grade": Column(str, nullable=True),
    },
    unique=["indicator_id", "record", "fiscal_year"], strict=True,
), {"value": "see unit", "fiscal_year": "April-March, year of start"})
def read_osaka_kpi(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """Osaka City digital office outcome indicators, targets and actuals, FY2022-FY2026.

    '令和5年度' → fiscal_year 2023. Count and percent values are parsed with their qualifiers
    ('約1,100件' → 1100, approx; '70%以上' → 70, bound '>='; '60名/年' → 60 per year).
    Milestones ('策定済') have no number: ``value`` is missing and ``value_raw`` holds the text.
    """
    raw = read_csv_text(path, ["indicator_id", "management_issue_no", "management_issue_en",
                               "indicator_ja", "kind", "record", "fiscal_year_raw", "value_raw",
                               "grade"])
    check_values(raw["kind"], KPI_KINDS, file=path, column="kind")
    check_values(raw["record"], ["target", "actual"], file=path, column="record")
    try:
        fiscal_year = to_fiscal_year(raw["fiscal_year_raw"])
    except ParseError as err:
        raise err.located(file=path) from None
    parsed = {}
    for line, (kind, text) in raw[["kind", "value_raw"]].iterrows():
        if kind == "milestone":
            continue
        try:
            parsed[line] = parse_number(text)
        except ParseError as err:
            raise err.located(file=path, row=line, column="value_raw") from None
        if kind == "percent" and parsed[line].unit != "%":
            raise DataError("unit conflicts with the schema", file=path, row=line,
                            column="value_raw", value=text, expected="a percentage ('40%')")
    def field(name):
        return pd.Series({k: getattr(v, name) for k, v in parsed.items()},
                         dtype="object").reindex(raw.index)
    unit = field("unit")
    out = pd.DataFrame({
        "indicator_id": raw["indicator_id"].astype(str),
        "management_issue_no": to_int(raw["management_issue_no"], file=path).astype("int64"),
        "management_issue_en": raw["management_issue_en"].astype(str),
        "indicator_ja": raw["indicator_ja"].astype(str),
        "kind": raw["kind"].astype(str),
        "record": raw["record"].astype(str),
        "fiscal_year": fiscal_year.astype("int64"),
        "value": field("value").astype(float),
        "unit": unit,
        "unit_name": unit.map(lambda u: UNIT_NAMES.get(u, u) if isinstance(u, str) else None),
        "approx": field("approx").fillna(False).astype(bool),
        "bound": field("bound"),
        "per": field("per"),
        "value_raw": raw["value_raw"].astype(str),
        "grade": raw["grade"],
    }, index=raw.index)
    check_unique(out, ["indicator_id", "record", "fiscal_year"], file=path)
    return out, RowAccount(str(path), len(raw))


@register("osaka_dx_advisor_dispatch_2021", pa.DataFrameSchema(
    {
        "organisation_ja": Column(str),
        "department_ja": Column(str),
        "advisor_rating_ja": Column(str),
        "dispatch_date": Column(str, Check.str_matches(r"^\d{4}-\d{2}-\d{2}$")),
        "start_time": Column(str, Check.str_matches(r"^\d{1,2}:\d{2}$")),
        "end_time": Column(str, Check.str_matches(r"^\d{1,2}:\d{2}$")),
        "break_minutes": Column(int, Check.ge(0)),
        "activity_minutes": Column(int, Check.gt(0)),
        "format_ja": Column(str),
        "audience_ja": Column(str),
        "audience_count": Column(int, Check.ge(0)),
        "outcome_category_ja": Column(str),
        "plan_category_ja": Column(str),
    },
    strict=True,
), {"activity_minutes": "minutes", "audience_count": "persons"})
def read_advisor_dispatch(path: Path) -> tuple[pd.DataFrame, RowAccount]:
    """One dispatch of a municipal DX advisor to Osaka City (2021-12-02). Checks that
    end − start − break = activity minutes."""
    cols = ["organisation_ja", "department_ja", "advisor_rating_ja", "dispatch_date",
            "start_time", "end_time", "break_minutes", "activity_minutes", "format_ja",
            "audience_ja", "audience_count", "outcome_category_ja", "plan_category_ja"]
    raw = read_csv_text(path, cols)
    out = raw.copy()
    for c in ("break_minutes", "activity_minutes", "audience_count"):
        out[c] = to_int(raw[c], file=path, column=c).astype("int64")
    for c in set(cols) - {"break_minutes", "activity_minutes", "audience_count"}:
        out[c] = raw[c].astype(str)

    def minutes(t: str) -> int:
        h, m = t.split(":")
        return int(h) * 60 + int(m)

    for line, row in out.iterrows():
        span = minutes(row["end_time"]) - minutes(row["start_time"]) - row["break_minutes"]
        if span != row["activity_minutes"]:
            raise DataError("activity minutes disagree with the times", file=path, row=line,
                            column="activity_minutes", value=row["activity_minutes"],
                            expected=f"{span} (end - start - break)")
    return out, RowAccount(str(path), len(raw))
