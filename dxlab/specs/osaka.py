"""Osaka City (大阪市) digital office: outcome indicators and an advisor dispatch record."""

from dxlab.clean.dates import to_fiscal_year
from dxlab.sources import osaka
from dxlab.sources.checks import value_ranges
from dxlab.sources.spec import Dataset
from dxlab.sources.steps import derive

osaka_dx_kpi_fy2023 = Dataset(
    name="osaka_dx_kpi_fy2023",
    description="Osaka City digital office outcome indicators (アウトカム指標): targets and "
    "actuals FY2022-FY2026 with self-assigned grades, values parsed with their qualifiers. "
    "Also the KPI sheet template: dxlab.kpi.read_sheet reads any city's sheet in this layout "
    "with this spec (docs/kpi_template.md).",
    fields=("indicator_id", "management_issue_no", "management_issue_en", "indicator_ja",
            "kind", "record", "fiscal_year", "value", "unit", "unit_name", "approx", "bound",
            "per", "value_raw", "grade"),
    key=("indicator_id", "record", "fiscal_year"),
    steps=(derive("fiscal_year", ("fiscal_year_raw",),
                  lambda f, c: to_fiscal_year(f["fiscal_year_raw"]),
                  "fiscal_year from the published 年度 label ('令和5年度' → 2023)"),
           derive(("value", "unit", "unit_name", "approx", "bound", "per"), ("kind", "value_raw"),
                  osaka.kpi_values, "value_raw parsed with its qualifiers (約, 以上, /年)")),
    nullable=("value", "unit", "unit_name", "bound", "per", "grade"),
    checks=(osaka.kpi_sheet_consistent,
            value_ranges("unit", {"%": (0, 100)}, default=(0, None),
                         doc="value within 0-100 for '%'; >= 0 for counts (件, 名, 人, 業務 …)")),
)

osaka_dx_advisor_dispatch_2021 = Dataset(
    name="osaka_dx_advisor_dispatch_2021",
    description="One municipal DX advisor dispatch to Osaka City (2021-12-02): times, "
    "audience and format; end − start − break is checked against the activity minutes.",
    fields=("organisation_ja", "department_ja", "advisor_rating_ja", "dispatch_date",
            "start_time", "end_time", "break_minutes", "activity_minutes", "format_ja",
            "audience_ja", "audience_count", "outcome_category_ja", "plan_category_ja"),
    key=("organisation_ja", "dispatch_date", "start_time"),
    checks=(osaka.dispatch_minutes_agree,),
)
