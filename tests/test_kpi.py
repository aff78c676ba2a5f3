"""dxlab.kpi on the bundled Osaka sheet (expected values worked by hand from the published
figures, arithmetic in the comments), on malformed sheets (one table), and on a second sheet
in the template layout with SYNTHETIC values, written here, that must produce its own report.

The Osaka figures are those of 令和5年度デジタル統括室運営方針 (progress update 2024-06-10),
as printed in its text copy ../shared/sources/osaka_digital_office_policy_fy2023.txt.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest
from conftest import RAW, REPO, damaged

import dxlab
from dxlab import kpi
from dxlab.errors import DataError

KPI_FILE = "osaka_dx_outcome_indicators_fy2023.csv"


@pytest.fixture(scope="module")
def osaka() -> pd.DataFrame:
    return kpi.read_sheet("osaka_dx_kpi_fy2023")


def by(frame: pd.DataFrame, *keys: str) -> pd.DataFrame:
    return frame.set_index(list(keys))


# --------------------------------------------------------------------------- reading


def test_catalog_name_and_path_give_the_same_tidy_sheet(osaka):
    from_path = kpi.read_sheet(RAW / KPI_FILE)
    pd.testing.assert_frame_equal(from_path, osaka, check_like=False)
    assert len(osaka) == 26  # 26 data lines in the CSV
    assert from_path.attrs["provenance"]["source_quality"].startswith("user-supplied")
    assert osaka.attrs["provenance"]["name"] == "osaka_dx_kpi_fy2023"


def test_relative_path_is_found_from_the_repository_root(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # like a notebook kernel running in notebooks/
    frame = kpi.read_sheet(f"data/raw/{KPI_FILE}")
    assert len(frame) == 26


def test_as_of_year_is_the_latest_actual(osaka):
    assert kpi.as_of_year(osaka) == 2023  # actuals are printed for 令和4年度 and 令和5年度


# --------------------------------------------------------------------------- attainment


def test_attainment_on_osaka(osaka):
    att = by(kpi.attainment(osaka), "indicator_id", "fiscal_year")
    # Targets due by FY2023: four numeric, four milestones (FY2024+ targets are trajectory).
    assert len(att) == 8
    # 約1,100件 / 1,000件 = 1.10 → met, the actual approximate
    r = att.loc[("online_procedures", 2023)]
    assert r["ratio"] == pytest.approx(1.10) and r["met"] and r["actual_approx"]
    # 40% / 30% = 1.333… → met
    assert att.loc[("data_viz_usage", 2023), "ratio"] == pytest.approx(40 / 30)
    # 2名 / 3名程度 = 0.667 → not met (the approximate target compared as stated: 3)
    r = att.loc[("external_experts", 2023)]
    assert r["ratio"] == pytest.approx(2 / 3) and not r["met"] and r["target_approx"]
    # 54名 / 60名/年 = 0.90 → not met
    r = att.loc[("training_attendees", 2023)]
    assert r["ratio"] == pytest.approx(0.90) and r["status"] == "not met" and r["per"] == "year"
    stones = att[att["kind"] == "milestone"]
    assert (stones["status"] == "met").all() and len(stones) == 4
    assert att.loc[("common_cloud", 2023), "actual_raw"] == "令和5年10月から運用開始"


def test_lower_is_better_and_strict_bounds():
    """SYNTHETIC: one indicator with a 以下 target, one with a 超 target."""
    tidy = pd.DataFrame({
        "indicator_id": ["paper", "paper", "x", "x"], "indicator_ja": ["紙", "紙", "x", "x"],
        "kind": ["count"] * 4, "record": ["target", "actual", "target", "actual"],
        "fiscal_year": [2023] * 4, "value": [100.0, 90.0, 50.0, 50.0],
        "value_raw": ["100枚以下", "90枚", "50件超", "50件"], "unit": ["枚", "枚", "件", "件"],
        "unit_name": ["cards"] * 4, "approx": [False] * 4, "bound": ["<=", None, ">", None],
        "per": [None] * 4, "grade": [None, "A", None, "A"]})
    att = by(kpi.attainment(tidy), "indicator_id")
    assert att.loc["paper", "met"]  # 90 <= 100
    assert not att.loc["x", "met"]  # 50 > 50 is false


# --------------------------------------------------------------------------- grades


def test_grade_consistency_on_osaka(osaka):
    g = by(kpi.grade_consistency(osaka), "indicator_id")
    assert len(g) == 9  # nine actuals graded 'A' in FY2023
    assert set(g.index[g["flag"]]) == {"external_experts", "training_attendees"}
    finding = g.loc["external_experts", "finding"]
    assert "3名程度" in finding and "compared as stated: 2 against 3" in finding
    assert "does not define its grade scale" in finding
    assert "60名/年" in g.loc["training_attendees", "finding"]
    assert "90%" in g.loc["training_attendees", "finding"]  # 54 / 60
    assert g.loc["nocode_apps", "check"] == "no target"  # 21業務 graded A, no target printed
    assert not g.loc["nocode_apps", "flag"]


def test_grade_scale_flags_only_the_top_grade(osaka):
    assert kpi.grade_consistency(osaka, ["A", "B", "C"])["flag"].sum() == 2
    assert kpi.grade_consistency(osaka, ["S", "A", "B"])["flag"].sum() == 0  # A is not top
    with pytest.raises(DataError, match=r"grade not in the declared scale .*got 'A'"):
        kpi.grade_consistency(osaka, ["S", "B"])


# --------------------------------------------------------------------------- trajectory


def test_trajectory_on_osaka(osaka):
    t = by(kpi.trajectory(osaka), "indicator_id", "target_year")
    assert list(t.index) == [("online_procedures", 2025), ("data_viz_usage", 2024),
                             ("data_viz_usage", 2025), ("data_viz_usage", 2026)]
    r = t.loc[("online_procedures", 2025)]
    assert r["required_per_year"] == pytest.approx(450)  # (2,000 − 1,100) / (2025 − 2023)
    assert r["observed_per_year"] == pytest.approx(390)  # (1,100 − 710) / (2023 − 2022)
    assert r["verdict"] == "behind"
    assert r["reach_year"] == 2026  # 2023 + ceil(900 / 390 = 2.31) = 2023 + 3
    assert r["break_even_latest"] == pytest.approx(1140)  # (710×2 + 2,000×1) / (2 + 1)
    assert r["approx"]  # rests on 約1,100件
    r = t.loc[("data_viz_usage", 2026)]
    assert r["required_per_year"] == pytest.approx(10)  # (70 − 40) / (2026 − 2023)
    assert r["observed_per_year"] == pytest.approx(31)  # (40 − 9) / 1
    assert r["verdict"] == "on track" and r["reach_year"] == 2024  # 2023 + ceil(30/31)
    assert r["break_even_latest"] == pytest.approx(24.25)  # (9×3 + 70×1) / 4
    assert t.loc[("data_viz_usage", 2024), "required_per_year"] == pytest.approx(5)  # 45−40


def test_trajectory_with_one_actual_invents_no_pace():
    """SYNTHETIC: one actual and a future target; and a target already reached."""
    tidy = pd.DataFrame({
        "indicator_id": ["a", "a", "b", "b"], "indicator_ja": ["A指標", "A指標", "B", "B"],
        "kind": ["count"] * 4, "record": ["actual", "target", "actual", "target"],
        "fiscal_year": [2023, 2026, 2023, 2025], "value": [10.0, 40.0, 80.0, 50.0],
        "value_raw": ["10件", "40件", "80件", "50件"], "unit": ["件"] * 4,
        "unit_name": ["cases"] * 4, "approx": [False] * 4, "bound": [None] * 4,
        "per": [None] * 4, "grade": [None] * 4})
    t = by(kpi.trajectory(tidy), "indicator_id")
    a = t.loc["a"]
    assert a["verdict"] == "no pace: one actual"
    assert pd.isna(a["observed_per_year"]) and pd.isna(a["reach_year"])
    assert a["required_per_year"] == pytest.approx(10)  # (40 − 10) / (2026 − 2023)
    assert "only one actual" in a["note"] and "no pace can be observed" in a["note"]
    assert t.loc["b", "verdict"] == "already reached"  # 80 >= 50


def test_trajectory_that_never_arrives():
    """SYNTHETIC: a falling indicator with a rising target; and a lower-is-better one."""
    tidy = pd.DataFrame({
        "indicator_id": ["u"] * 3 + ["d"] * 3, "indicator_ja": ["u"] * 3 + ["d"] * 3,
        "kind": ["count"] * 6, "record": ["actual", "actual", "target"] * 2,
        "fiscal_year": [2022, 2023, 2025] * 2, "value": [50.0, 40.0, 60.0, 100.0, 90.0, 50.0],
        "value_raw": ["50件", "40件", "60件", "100枚", "90枚", "50枚以下"],
        "unit": ["件"] * 3 + ["枚"] * 3, "unit_name": ["cases"] * 6, "approx": [False] * 6,
        "bound": [None, None, None, None, None, "<="], "per": [None] * 6, "grade": [None] * 6})
    t = by(kpi.trajectory(tidy), "indicator_id")
    assert t.loc["u", "verdict"] == "not moving toward the target"
    assert pd.isna(t.loc["u", "reach_year"])
    # d: needs (50 − 90)/2 = −20 a year, observed 90 − 100 = −10 a year → behind;
    # reaches 50 in 2023 + ceil(40 / 10) = 2027
    assert t.loc["d", "verdict"] == "behind" and t.loc["d", "reach_year"] == 2027
    assert t.loc["d", "required_per_year"] == pytest.approx(-20)


def test_worst_verdict_per_indicator():
    traj = pd.DataFrame({"indicator_id": ["a", "a", "a"], "target_year": [2024, 2025, 2026],
                         "verdict": ["on track", "behind", "on track"]})
    assert kpi.worst_verdicts(traj)["target_year"].tolist() == [2025]


# --------------------------------------------------------------------------- milestones


@pytest.mark.parametrize(("text", "reached"), [
    ("策定済", True),
    ("令和5年10月から運用開始", True),
    ("運用開始までの全行程の50%以上を達成", False),  # a share of the way, not done
    ("100%完了", True),
    ("未策定", False),
    ("策定中", False),
    ("令和6年度に策定予定", False),
    ("整備", None),  # a bare verb: the text does not say
])
def test_milestone_reading(text, reached):
    assert kpi.milestone_reached(text)[0] is reached


def test_milestones_on_osaka_keep_the_texts(osaka):
    m = by(kpi.milestones(osaka), "indicator_id")
    assert len(m) == 4 and (m["status"] == "met").all()
    assert m.loc["common_cloud", "history"] == "FY2022: 運用開始までの全行程の50%以上を達成"
    assert m.loc["backoffice_design", "actual_raw"] == "策定済"
    assert m.loc["backoffice_design", "target_raw"] == "策定"


# --------------------------------------------------------------------------- overview, text


def test_overview_has_one_verdict_per_indicator(osaka):
    o = by(kpi.overview(osaka), "indicator_id")
    assert len(o) == 9
    assert o.loc["online_procedures", "verdict"] == "behind for FY2025"
    assert o.loc["data_viz_usage", "verdict"] == "on track for FY2026"
    assert o.loc["external_experts", "verdict"] == "FY2023 target not met"
    assert o.loc["nocode_apps", "verdict"] == "no target in the sheet"
    assert o.loc["common_cloud", "verdict"] == "FY2023 target met"
    assert o.loc["online_procedures", "actuals"] == "FY2022: 710件; FY2023: 約1,100件"


def test_answer_headline_and_caveats_carry_the_numbers(osaka):
    text = kpi.answer(osaka, "大阪市")
    assert "needs 450件 a year to reach 2,000件 by FY2025" in text
    assert "the last change was 390件 a year, which reaches it in FY2026" in text
    assert "1,140 or more would put it on track" in text
    assert "2 of 8 graded actual(s)" in text  # 9 graded, 1 without a target
    assert "4 of 4 milestone" in text
    assert kpi.headline(osaka, "大阪市") == (
        "大阪市: 1 of 2 numeric indicator(s) with a future target on track at the last "
        "observed pace, 1 behind; 2 graded actual(s) beside a missed target.")
    notes = " ".join(kpi.caveats(osaka))
    assert "+3.6%" in notes  # 1,140 / 1,100 − 1 = 0.036
    assert "4 with 1 fiscal year(s) of actuals, 5 with 2" in notes


# --------------------------------------------------------------------------- dispatch log


def test_dispatch_log_on_the_osaka_record():
    log = kpi.dispatch_log(dxlab.load("osaka_dx_advisor_dispatch_2021")).iloc[0]
    # 16:00 − 14:00 = 120 minutes, less a 10-minute break = 110 = the reported minutes
    assert log["dispatch_minutes"] == 110 and log["minutes_agree"]
    assert log["audience_count"] == 120
    assert (log["activity_ja"], log["mode_ja"]) == ("講演", "オンライン")


def test_dispatch_log_flags_disagreeing_minutes_and_bad_times():
    """SYNTHETIC rows."""
    rows = pd.DataFrame({"dispatch_date": ["2024-01-01"] * 2, "start_time": ["9:30", "13:00"],
                         "end_time": ["12:00", "12:00"], "break_minutes": [15, 0],
                         "activity_minutes": [120, 60], "format_ja": ["研修", "講演"],
                         "audience_ja": ["職員", "職員"], "audience_count": [30, 10]})
    log = kpi.dispatch_log(rows.iloc[:1])
    assert log.loc[0, "dispatch_minutes"] == 135  # 150 − 15
    assert not log.loc[0, "minutes_agree"] and pd.isna(log.loc[0, "mode_ja"])
    with pytest.raises(DataError, match=r"row 1, column 'end_time': the end time is not after"):
        kpi.dispatch_log(rows)


# --------------------------------------------------------------------------- bad sheets


def at(i: int, old: str, new: str):
    def edit(lines):
        assert old in lines[i - 1], (old, lines[i - 1])
        return [*lines[: i - 1], lines[i - 1].replace(old, new, 1), *lines[i:]]
    return edit


BAD_SHEETS = [
    ("unknown record kind", at(2, ",target,", ",plan,"),
     r", row 2, column 'record': value breaks the rule: one of target, actual .*\(got 'plan'\)"),
    ("unknown kind", at(2, ",count,", ",ratio,"),
     r", row 2, column 'kind': value breaks the rule: one of count, percent, milestone .*"
     r"\(got 'ratio'\)"),
    ("unparsable value", at(2, '"1,000件"', "未定"),
     r", row 2, column 'value_raw': no number found \(got '未定'\)"),
    ("missing value", at(2, '"1,000件"', ""), r", row 2, column 'value_raw': missing value"),
    ("percent without %", at(15, ",30%,", ",30件,"),
     r", row 15, column 'value_raw': unit conflicts with the schema"),
    ("percent over 100", at(18, ",70%以上,", ",170%以上,"),
     r", row 18, column 'value_raw': a percent outside 0-100"),
    ("target year before the first actual", at(2, "令和5年度", "令和3年度"),
     r", row 2, column 'fiscal_year_raw': target year before the first actual of indicator "
     r"'online_procedures' \(got 2021\); expected a target in or after fiscal year 2022"),
    ("duplicate row", lambda ls: [*ls, ls[1]],
     r", row 28, column 'indicator_id,record,fiscal_year': duplicate key .* on lines 2 and 28"),
    ("grade on a target", at(2, '"1,000件",', '"1,000件",A'),
     r", row 2, column 'grade': a grade on a target row"),
    ("mixed units", at(3, '"2,000件"', '"2,000名"'),
     r", row 3, column 'value_raw': indicator 'online_procedures' mixes units"),
    ("indicator changes its issue", at(3, "online_procedures,1,", "online_procedures,2,"),
     r", row 3, column 'management_issue_no': indicator 'online_procedures' changes"),
    ("unknown era", at(3, "令和7年度", "天平7年度"),
     r", row 3, column 'fiscal_year_raw': .*unknown era"),
    ("missing column", at(1, ",grade", ",rating"), r", row 1: missing column\(s\) 'grade'"),
]


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in BAD_SHEETS],
                         ids=[c[0] for c in BAD_SHEETS])
def test_malformed_sheet_gives_a_clear_error(tmp_path, edit, expected):
    path = damaged(tmp_path, KPI_FILE, edit)
    with pytest.raises(DataError) as info:
        kpi.read_sheet(path)
    message = str(info.value)
    assert re.search(re.escape(str(path)) + expected, message), message


def test_missing_sheet_and_wrong_dataset_are_named(tmp_path):
    with pytest.raises(DataError, match=r"nowhere\.csv: KPI sheet not found"):
        kpi.read_sheet("nowhere.csv")
    with pytest.raises(DataError, match="is not a KPI sheet"):
        kpi.read_sheet("census_population_japan_age_sex")


# --------------------------------------------------------------------------- template


def test_template_is_documented_and_reads(tmp_path):
    doc = (REPO / "docs" / "kpi_template.md").read_text(encoding="utf-8")
    assert kpi.TEMPLATE_HEADER in doc and kpi.TEMPLATE_EXAMPLE in doc
    assert "docs/kpi_template.md" in (REPO / "README.md").read_text(encoding="utf-8")
    path = tmp_path / "one_row.csv"
    path.write_text(kpi.TEMPLATE_HEADER + "\n" + kpi.TEMPLATE_EXAMPLE + "\n", encoding="utf-8")
    row = kpi.read_sheet(path).iloc[0]
    assert (row["value"], row["unit"], row["approx"], row["fiscal_year"]) == (1100, "件", True,
                                                                             2023)
    # the template's header is the bundled sheet's header
    assert (RAW / KPI_FILE).read_text(encoding="utf-8").splitlines()[0] == kpi.TEMPLATE_HEADER


# --------------------------------------------------------------------------- a second city

SYNTHETIC_SHEET = [  # SYNTHETIC values for a made-up city, in the template layout
    kpi.TEMPLATE_HEADER,
    "e_forms,1,Online services,電子申請できる手続数,count,actual,令和4年度,120件,",
    "e_forms,1,Online services,電子申請できる手続数,count,actual,令和5年度,180件,S",
    "e_forms,1,Online services,電子申請できる手続数,count,target,令和5年度,200件,",
    "e_forms,1,Online services,電子申請できる手続数,count,target,令和7年度,400件,",
    "cashless,1,Online services,キャッシュレス決済対応窓口の割合,percent,actual,令和5年度,25%,A",
    "cashless,1,Online services,キャッシュレス決済対応窓口の割合,percent,target,令和8年度,80%以上,",
    "paper,2,Efficient administration,紙の使用量,count,actual,令和4年度,900万枚,",
    "paper,2,Efficient administration,紙の使用量,count,actual,令和5年度,800万枚,A",
    "paper,2,Efficient administration,紙の使用量,count,target,令和6年度,700万枚以下,",
    "dx_plan,2,Efficient administration,DX推進計画の策定,milestone,target,令和5年度,策定,",
    "dx_plan,2,Efficient administration,DX推進計画の策定,milestone,actual,令和5年度,策定中,S",
]
SYNTHETIC_CITY = "架空市 (synthetic test city)"


def write_synthetic(tmp_path):
    path = tmp_path / "synthetic_city_kpi.csv"
    path.write_text("\n".join(SYNTHETIC_SHEET) + "\n", encoding="utf-8")
    return path


def test_synthetic_sheet_through_every_function(tmp_path):
    tidy = kpi.read_sheet(write_synthetic(tmp_path))
    t = by(kpi.trajectory(tidy), "indicator_id")
    # e_forms: needs (400 − 180)/2 = 110 a year; observed 180 − 120 = 60 → behind;
    # 2023 + ceil(220 / 60 = 3.67) = 2027
    assert t.loc["e_forms", "verdict"] == "behind" and t.loc["e_forms", "reach_year"] == 2027
    # cashless: one actual → no pace; needs (80 − 25)/3 = 18.33 points a year
    assert t.loc["cashless", "verdict"] == "no pace: one actual"
    assert t.loc["cashless", "required_per_year"] == pytest.approx(55 / 3)
    # paper (以下): needs 7,000,000 − 8,000,000 = −1,000,000 a year; observed −1,000,000 → on
    # track, reached in 2024
    assert t.loc["paper", "verdict"] == "on track" and t.loc["paper", "reach_year"] == 2024
    g = by(kpi.grade_consistency(tidy, ["S", "A", "B"]), "indicator_id")
    assert g.loc["e_forms", "flag"]  # S with 180 of 200 (90%)
    assert g.loc["dx_plan", "flag"]  # S with a plan still 策定中
    assert not g.loc["cashless", "flag"]  # no target in FY2023 to check against


@pytest.mark.notebook
def test_second_city_gets_its_own_report(tmp_path):
    path = write_synthetic(tmp_path)
    out = tmp_path / "reports"
    done = subprocess.run(
        [sys.executable, "-m", "dxlab.cli", "run",
         str(REPO / "notebooks" / "07_dx_kpi_tracking.ipynb"), "-p", "sheet", str(path),
         "-p", "city", SYNTHETIC_CITY, "-p", "grade_scale", "S,A,B", "--output-dir", str(out)],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    pages = list(out.glob("07_dx_kpi_tracking*.html"))
    assert len(pages) == 1
    page = pages[0].read_text(encoding="utf-8")
    assert SYNTHETIC_CITY in page
    assert "no pace: one actual" in page and "behind" in page
    assert "Traceback" not in page and "data:image/png" in page
