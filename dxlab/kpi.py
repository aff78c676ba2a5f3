"""Outcome indicators (KPI) of a city's DX policy: is the city on track for its targets, and
do its self-assigned grades agree with what it reports?

Input is a *KPI sheet*: one row per indicator × record (``target`` or ``actual``) × fiscal
year, values exactly as published ('約1,100件', '70%以上', '3名程度', '60名/年', '策定済',
'令和5年10月から運用開始'). The bundled Osaka sheet (catalog ``osaka_dx_kpi_fy2023``) is the
template; any city's sheet in the same layout (``docs/kpi_template.md``) is read by
:func:`read_sheet` with the same spec, so it gets the same parsing and the same checks.

From the tidy sheet:

- :func:`attainment` — every target whose year has been reported: actual ÷ target and met /
  not met (milestones: read from their text, see :func:`milestone_reached`).
- :func:`grade_consistency` — every graded actual set against its target, flagged where the
  grade stands beside a missed target.
- :func:`trajectory` — every future target of a count or percent indicator: the required
  average annual change from the latest actual, against the change observed between the last
  two actuals; a verdict and the fiscal year the observed pace reaches the target.
- :func:`milestones` — milestone indicators with their texts kept.
- :func:`overview`, :func:`answer`, :func:`headline` — one row per indicator, and the
  computed sentences a report shows.

Conventions (stated, never guessed per indicator): a target is a floor to reach ('1,000件'
means at least 1,000) unless its text says otherwise with 以下 (<=) or 未満 (<), which make
lower values better. Approximate values ('約', '程度') are compared as stated: '3名程度'
is 3. Fiscal years (年度) run April-March and are named by their first calendar year.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from dxlab.clean.text import normalize_text
from dxlab.errors import DataError
from dxlab.paths import REPO_DIR

SHEET_SPEC = "osaka_dx_kpi_fy2023"
"""The dataset spec every KPI sheet is read with (the Osaka sheet is the template)."""

TEMPLATE_HEADER = ("indicator_id,management_issue_no,management_issue_en,indicator_ja,kind,"
                   "record,fiscal_year_raw,value_raw,grade")
TEMPLATE_EXAMPLE = ('online_procedures,1,Convenient citizen services,オンラインでできる手続数,'
                    'count,actual,令和5年度,"約1,100件",A')
"""The template's header and one example row (the Osaka sheet's FY2023 actual of its online
procedures indicator); documented in ``docs/kpi_template.md``."""

LOWER_IS_BETTER = ("<=", "<")

# Milestone texts, read by their ending (after NFKC normalisation). Order matters: a stated
# share below 100% is progress, not completion; then the 'not yet' words; then completion.
_SHARE = re.compile(r"(\d+(?:\.\d+)?)\s*%")
NOT_DONE_PREFIXES = ("未",)  # 未策定, 未着手, 未実施
NOT_DONE_ENDINGS = ("中", "予定", "延期", "中止", "見送り", "検討", "準備")
DONE_ENDINGS = ("済", "済み", "完了", "開始", "達成", "実施", "着手", "稼働", "公開", "導入")


# --------------------------------------------------------------------------- reading


def _is_catalog_name(sheet: str | os.PathLike) -> bool:
    text = str(sheet)
    return (isinstance(sheet, str) and "/" not in text and "\\" not in text
            and not text.lower().endswith((".csv", ".txt")))


def _resolve(sheet: str | os.PathLike) -> Path:
    path = Path(sheet).expanduser()
    if path.is_absolute() or path.exists():
        return path
    beside_repo = REPO_DIR / path
    if beside_repo.exists():  # notebooks run in notebooks/; a path given from the repo root
        return beside_repo
    raise DataError("KPI sheet not found", file=path,
                    expected=f"a catalog name or a CSV file; looked in {Path.cwd()} and "
                    f"{REPO_DIR}")


def read_sheet(sheet: str | os.PathLike) -> pd.DataFrame:
    """Read a KPI sheet into the tidy table, through the data layer's spec and checks.

    Args:
        sheet: a catalog name ('osaka_dx_kpi_fy2023', read with :func:`dxlab.load`, sha256
            checked) or the path of a CSV in the template layout (``docs/kpi_template.md``;
            UTF-8 or CP932), read with the same spec by the same engine. A relative path is
            looked up in the working directory, then in the repository root.
    Returns:
        One row per indicator × record × fiscal year: indicator_id, management_issue_no,
        management_issue_en, indicator_ja, kind ('count', 'percent', 'milestone'), record
        ('target', 'actual'), fiscal_year, value (float; missing for milestones), unit ('件',
        '%', '名' …), unit_name, approx (bool), bound ('>=', '<=', '>', '<' or missing), per
        ('year' for '/年'), value_raw (as published), grade (as published, or missing).
        ``attrs``: provenance, accounting (rows in/out), units.
    Raises:
        DataError: naming file, line and column — unknown record kind or kind, a value that
            does not parse, a target year before the indicator's first actual, a duplicate
            indicator × record × year, mixed units within an indicator, a grade on a target.
        CatalogError: a catalog name that is not catalogued.
    """
    from dxlab.datasets import entry, sha256_of
    from dxlab.sources.engine import build
    from dxlab.specs import spec

    if _is_catalog_name(sheet):
        item = entry(str(sheet))
        if item.spec_name != SHEET_SPEC:
            raise DataError(f"dataset {item.name!r} is not a KPI sheet",
                            expected=f"a dataset read with the {SHEET_SPEC} spec, or a CSV path")
        from dxlab.data import load

        return load(str(sheet))
    path = _resolve(sheet)
    kpi_spec = spec(SHEET_SPEC)
    frame, account = build(kpi_spec, [(path, {})])
    frame = frame.reset_index(drop=True)
    frame.attrs = {
        "provenance": {
            "name": path.stem, "file": str(path), "title": f"KPI sheet {path.name}",
            "publisher": "not catalogued: as stated by whoever supplied the sheet",
            "source_url": "", "sha256": sha256_of(path),
            "source_quality": "user-supplied sheet; dxlab checked its layout and values, "
                              "not its provenance",
        },
        "accounting": account.to_dict(),
        "units": kpi_spec.units(),
    }
    return frame


# --------------------------------------------------------------------------- helpers


def as_of_year(tidy: pd.DataFrame) -> int | None:
    """The latest fiscal year with any actual in the sheet (the year it reports on)."""
    years = tidy.loc[tidy["record"] == "actual", "fiscal_year"]
    return None if years.empty else int(years.max())


def _meets(actual: float, target: float, bound: object) -> bool:
    if bound == "<=":
        return actual <= target
    if bound == "<":
        return actual < target
    if bound == ">":
        return actual > target
    return actual >= target  # '>=' or no bound: a floor to reach


def milestone_reached(text: str) -> tuple[bool | None, str]:
    """Read a milestone actual: has the state been reached?

    Rules, in order, on the NFKC-normalised text: a stated share below 100% ('運用開始までの
    全行程の50%以上を達成') is progress → not reached; a text starting with 未 ('未策定') or
    ending with 中, 予定, 延期, 中止, 見送り, 検討, 準備 ('策定中') → not reached; a text
    ending with 済, 済み, 完了, 開始, 達成, 実施, 着手, 稼働, 公開, 導入 ('策定済',
    '令和5年10月から運用開始') → reached; anything else → None (the text does not say).

    Returns:
        (reached: True, False or None, the rule that decided, in words).
    """
    clean = normalize_text(str(text)).strip().rstrip("。.")
    share = _SHARE.search(clean)
    if share and float(share[1]) < 100:
        return False, f"states a share of the work ({share[1]}%), not completion"
    if clean.startswith(NOT_DONE_PREFIXES):
        return False, f"starts with {clean[0]!r} (not yet)"
    for word in NOT_DONE_ENDINGS:
        if clean.endswith(word):
            return False, f"ends with {word!r} (not yet done)"
    for word in DONE_ENDINGS:
        if clean.endswith(word):
            return True, f"ends with {word!r} (done)"
    return None, "the text does not say whether it is done"


def _fy(year: object) -> str:
    return "—" if year is None or pd.isna(year) else f"FY{int(year)}"


def _num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def _per_year(x: float, kind: str, unit: object) -> str:
    """'450件 a year', '10 percentage points a year'."""
    if kind == "percent":
        return f"{_num(abs(x))} percentage points a year"
    return f"{_num(abs(x))}{unit if isinstance(unit, str) else ''} a year"


# --------------------------------------------------------------------------- attainment


def attainment(tidy: pd.DataFrame) -> pd.DataFrame:
    """Every target whose fiscal year the sheet reports on, set against its actual.

    A target of fiscal year Y is evaluated when Y <= :func:`as_of_year` (later targets are
    for :func:`trajectory`). Count and percent: the actual of year Y; ratio = actual ÷ target
    (1.10 = 110% of the target); met = actual >= target (<= for 以下 targets, strict for
    超/未満). Milestones: the actual of year Y, or an earlier actual that already reads as
    reached; met as read by :func:`milestone_reached`.

    Args:
        tidy: output of :func:`read_sheet`.
    Returns:
        One row per evaluated target: indicator_id, indicator_ja, kind, fiscal_year, target,
        target_raw, target_approx, bound, per, actual_year, actual, actual_raw, actual_approx,
        unit, ratio (fraction; missing for milestones), met (True/False/<NA>), status ('met',
        'not met', 'no actual reported', 'unclear'), reading (milestones: why), grade.
    """
    as_of = as_of_year(tidy)
    actuals = tidy[tidy["record"] == "actual"]
    rows = []
    order = {ind: i for i, ind in enumerate(tidy["indicator_id"].unique())}
    targets = tidy[tidy["record"] == "target"]
    targets = targets.assign(_order=targets["indicator_id"].map(order)).sort_values(
        ["_order", "fiscal_year"], kind="stable")
    for t in targets.itertuples(index=False):
        if as_of is None or t.fiscal_year > as_of:
            continue
        mine = actuals[actuals["indicator_id"] == t.indicator_id].sort_values("fiscal_year")
        row = {"indicator_id": t.indicator_id, "indicator_ja": t.indicator_ja, "kind": t.kind,
               "fiscal_year": t.fiscal_year, "target": t.value, "target_raw": t.value_raw,
               "target_approx": bool(t.approx), "bound": t.bound, "per": t.per,
               "actual_year": pd.NA, "actual": float("nan"), "actual_raw": None,
               "actual_approx": False, "unit": t.unit, "ratio": float("nan"), "met": pd.NA,
               "status": "no actual reported", "reading": "", "grade": None}
        if t.kind == "milestone":
            same = mine[mine["fiscal_year"] == t.fiscal_year]
            earlier_done = [a for a in mine[mine["fiscal_year"] < t.fiscal_year].itertuples()
                            if milestone_reached(a.value_raw)[0] is True]
            pick = same.iloc[0] if len(same) else (
                pd.Series(earlier_done[-1]._asdict()) if earlier_done else None)
            if pick is not None:
                reached, why = milestone_reached(pick["value_raw"])
                row.update(actual_year=int(pick["fiscal_year"]), actual_raw=pick["value_raw"],
                           grade=pick["grade"], reading=why, met=pd.NA if reached is None
                           else reached, status={True: "met", False: "not met",
                                                 None: "unclear"}[reached])
        else:
            same = mine[mine["fiscal_year"] == t.fiscal_year]
            if len(same):
                a = same.iloc[0]
                met = _meets(a["value"], t.value, t.bound)
                row.update(actual_year=int(a["fiscal_year"]), actual=a["value"],
                           actual_raw=a["value_raw"], actual_approx=bool(a["approx"]),
                           ratio=a["value"] / t.value if t.value else float("nan"),
                           met=met, status="met" if met else "not met", grade=a["grade"])
        rows.append(row)
    out = pd.DataFrame(rows, columns=[
        "indicator_id", "indicator_ja", "kind", "fiscal_year", "target", "target_raw",
        "target_approx", "bound", "per", "actual_year", "actual", "actual_raw", "actual_approx",
        "unit", "ratio", "met", "status", "reading", "grade"])
    out["met"] = out["met"].astype("boolean")
    out["actual_year"] = out["actual_year"].astype("Int64")
    return out


# --------------------------------------------------------------------------- grades


def _grade_finding(r: pd.Series, scale_known: bool) -> str:
    grade = f"graded {r['grade']}"
    if r["check"] == "no target":
        return (f"{grade}, but the sheet has no target for {_fy(r['fiscal_year'])}, so the "
                "grade cannot be checked")
    if r["kind"] == "milestone":
        core = (f"{grade}; the milestone '{r['actual_raw']}' reads as "
                + {"met": "reached", "not met": "not reached",
                   "unclear": "neither reached nor not reached"}[r["status"]]
                + f" (target '{r['target_raw']}')")
    else:
        verb = "meets" if r["met"] else "is below"
        if r["bound"] in LOWER_IS_BETTER:
            verb = "meets" if r["met"] else "is above"
        core = (f"{grade}; the actual {r['actual_raw']} {verb} the target {r['target_raw']} "
                f"({r['ratio']:.0%} of it)")
        notes = []
        if r["target_approx"]:
            notes.append(f"the target is approximate ('{r['target_raw']}') and is compared as "
                         f"stated: {_num(r['actual'])} against {_num(r['target'])}")
        if r["actual_approx"]:
            notes.append(f"the actual is approximate ('{r['actual_raw']}')")
        if isinstance(r["per"], str):
            notes.append(f"the target is a rate per {r['per']}, compared with the fiscal "
                         "year's actual")
        if notes:
            core += "; " + "; ".join(notes)
    if r["flag"] and not scale_known:
        core += ("; the source does not define its grade scale, so what "
                 f"'{r['grade']}' promises is not stated")
    return core


def grade_consistency(tidy: pd.DataFrame, scale: Sequence[str] | None = None) -> pd.DataFrame:
    """Set every graded actual against its target of the same fiscal year.

    A row is flagged when the grade stands beside a missed target (count/percent below it,
    milestone not reached). With ``scale`` (grades best first, e.g. ('S', 'A', 'B', 'C')) only
    the top grade is flagged; without it — the Osaka policy does not define its letters —
    every graded actual that misses its target is flagged, and the finding says the scale is
    undefined. Approximate targets are compared as stated ('3名程度' is 3, so 2 is below it).

    Args:
        tidy: output of :func:`read_sheet`.
        scale: the sheet's grades, best first, when the publisher defines them.
    Returns:
        One row per graded actual: indicator_id, indicator_ja, kind, fiscal_year, grade,
        actual_raw, target_raw, ratio, met, status, check ('meets target', 'below target',
        'milestone reached', 'milestone not reached', 'milestone unclear', 'no target'),
        flag (bool), finding (a sentence in plain words).
    Raises:
        DataError: a grade that is not in ``scale``.
    """
    scale = tuple(s.strip() for s in scale) if scale else ()
    graded = tidy[(tidy["record"] == "actual") & tidy["grade"].notna()]
    if scale:
        bad = graded[~graded["grade"].isin(scale)]
        if len(bad):
            r = bad.iloc[0]
            raise DataError(f"grade not in the declared scale ({r['indicator_id']}, "
                            f"{_fy(r['fiscal_year'])})", column="grade", value=r["grade"],
                            expected=f"one of {', '.join(scale)}")
    att = attainment(tidy).set_index(["indicator_id", "fiscal_year"])
    rows = []
    order = {ind: i for i, ind in enumerate(tidy["indicator_id"].unique())}
    graded = graded.assign(_order=graded["indicator_id"].map(order)).sort_values(
        ["_order", "fiscal_year"], kind="stable")
    for g in graded.itertuples(index=False):
        key = (g.indicator_id, g.fiscal_year)
        r = {"indicator_id": g.indicator_id, "indicator_ja": g.indicator_ja, "kind": g.kind,
             "fiscal_year": g.fiscal_year, "grade": g.grade, "actual_raw": g.value_raw,
             "actual": g.value, "actual_approx": bool(g.approx), "target_raw": None,
             "target": float("nan"), "target_approx": False, "bound": None, "per": None,
             "ratio": float("nan"), "met": pd.NA, "status": "", "check": "no target"}
        if key in att.index:
            a = att.loc[key]
            r.update(target_raw=a["target_raw"], target=a["target"],
                     target_approx=bool(a["target_approx"]), bound=a["bound"], per=a["per"],
                     ratio=a["ratio"], met=a["met"], status=a["status"])
            if g.kind == "milestone":
                r["check"] = {"met": "milestone reached", "not met": "milestone not reached",
                              "unclear": "milestone unclear"}[a["status"]]
            else:
                r["check"] = "meets target" if a["met"] else "below target"
                if a["bound"] in LOWER_IS_BETTER and not a["met"]:
                    r["check"] = "above target"
        missed = r["check"] in ("below target", "above target", "milestone not reached")
        r["flag"] = bool(missed and (not scale or g.grade == scale[0]))
        rows.append(r)
    out = pd.DataFrame(rows, columns=[
        "indicator_id", "indicator_ja", "kind", "fiscal_year", "grade", "actual_raw", "actual",
        "actual_approx", "target_raw", "target", "target_approx", "bound", "per", "ratio",
        "met", "status", "check", "flag"])
    out["finding"] = [_grade_finding(r, bool(scale)) for _, r in out.iterrows()]
    out["met"] = out["met"].astype("boolean")
    return out.drop(columns=["actual", "actual_approx", "target", "target_approx", "bound",
                             "per"])


# --------------------------------------------------------------------------- trajectory


def _reach_after(gap: float, pace: float, strict: bool) -> int:
    """Whole years until a linear path at ``pace`` a year covers ``gap`` (both > 0)."""
    years = gap / pace
    if strict:
        return math.floor(years + 1e-9) + 1
    return max(1, math.ceil(years - 1e-9))


def trajectory(tidy: pd.DataFrame) -> pd.DataFrame:
    """Every future target of a count or percent indicator, against the observed pace.

    For a target G in fiscal year T after :func:`as_of_year`, with the indicator's latest
    actual v1 (year y1) and the one before, v0 (year y0):

    - required average annual change = (G − v1) / (T − y1);
    - observed average annual change = (v1 − v0) / (y1 − y0) — only when there are two
      actuals; with one there is no observed pace, and none is invented;
    - verdict: 'already reached' (v1 meets G); 'on track' (observed >= required); 'behind'
      (observed is toward the target but slower); 'not moving toward the target' (observed
      is zero or away from it); 'no pace: one actual'; 'no actual yet';
    - reach_year: the first fiscal year in which v1 + observed × (year − y1) meets G
      (= y1 + ceil((G − v1) / observed)); missing when the observed pace never gets there;
    - break_even_latest: the latest actual at which observed and required pace are equal,
      v* = (v0 (T − y1) + G (y1 − y0)) / ((T − y1) + (y1 − y0)) — how far an approximate
      latest value ('約1,100件') may be off before the verdict flips.

    Lower-is-better targets (以下, 未満) are handled with the signs reversed. The pace is a
    straight line through two points, not a forecast: it says what continuing the last
    year's change would give.

    Args:
        tidy: output of :func:`read_sheet`.
    Returns:
        One row per future target: indicator_id, indicator_ja, kind, unit, unit_name,
        target_year, target, target_raw, bound, latest_year, latest, latest_raw,
        previous_year, previous, previous_raw, years_left, required_per_year,
        observed_per_year, verdict, reach_year, break_even_latest, approx (any value used
        is approximate), note (plain words).
    """
    as_of = as_of_year(tidy)
    rows = []
    numeric = tidy[tidy["kind"] != "milestone"]
    for ind, part in numeric.groupby("indicator_id", sort=False):
        acts = part[part["record"] == "actual"].sort_values("fiscal_year")
        future = part[(part["record"] == "target")
                      & (part["fiscal_year"] > (as_of if as_of is not None else -1))]
        for t in future.sort_values("fiscal_year").itertuples(index=False):
            r = {"indicator_id": ind, "indicator_ja": t.indicator_ja, "kind": t.kind,
                 "unit": t.unit, "unit_name": t.unit_name, "target_year": t.fiscal_year,
                 "target": t.value, "target_raw": t.value_raw, "bound": t.bound,
                 "latest_year": pd.NA, "latest": float("nan"), "latest_raw": None,
                 "previous_year": pd.NA, "previous": float("nan"), "previous_raw": None,
                 "years_left": pd.NA, "required_per_year": float("nan"),
                 "observed_per_year": float("nan"), "verdict": "no actual yet",
                 "reach_year": pd.NA, "break_even_latest": float("nan"),
                 "approx": bool(t.approx), "note": ""}
            if acts.empty:
                r["note"] = "no actual reported yet, so progress cannot be measured"
                rows.append(r)
                continue
            last = acts.iloc[-1]
            sign = -1 if t.bound in LOWER_IS_BETTER else 1
            strict = t.bound in (">", "<")
            years_left = int(t.fiscal_year - last["fiscal_year"])
            gap = sign * (t.value - last["value"])
            r.update(latest_year=int(last["fiscal_year"]), latest=last["value"],
                     latest_raw=last["value_raw"], years_left=years_left,
                     required_per_year=(t.value - last["value"]) / years_left,
                     approx=bool(t.approx or last["approx"]))
            reached = gap < 0 if strict else gap <= 0
            if len(acts) >= 2:
                prev = acts.iloc[-2]
                observed = (last["value"] - prev["value"]) / (last["fiscal_year"]
                                                              - prev["fiscal_year"])
                gap_prev = last["fiscal_year"] - prev["fiscal_year"]
                r.update(previous_year=int(prev["fiscal_year"]), previous=prev["value"],
                         previous_raw=prev["value_raw"], observed_per_year=observed,
                         approx=bool(r["approx"] or prev["approx"]),
                         break_even_latest=(prev["value"] * years_left + t.value * gap_prev)
                         / (years_left + gap_prev))
            if reached:
                r.update(verdict="already reached", reach_year=int(last["fiscal_year"]),
                         note=f"{_fy(last['fiscal_year'])} actual {last['value_raw']} already "
                              f"meets the {_fy(t.fiscal_year)} target {t.value_raw}")
            elif len(acts) < 2:
                r.update(verdict="no pace: one actual",
                         note=f"only one actual ({_fy(last['fiscal_year'])}: "
                              f"{last['value_raw']}), so no pace can be observed; reaching "
                              f"{t.value_raw} by {_fy(t.fiscal_year)} needs "
                              f"{_per_year(r['required_per_year'], t.kind, t.unit)}")
            else:
                pace = sign * r["observed_per_year"]
                need = sign * r["required_per_year"]
                if pace <= 0:
                    r.update(verdict="not moving toward the target",
                             note="the last two actuals did not move toward the target")
                else:
                    reach = int(last["fiscal_year"]) + _reach_after(gap, pace, strict)
                    r.update(verdict="on track" if pace >= need - 1e-9 else "behind",
                             reach_year=reach)
                    r["note"] = (f"needs {_per_year(need, t.kind, t.unit)} for "
                                 f"{years_left} year(s); the last change "
                                 f"({_fy(r['previous_year'])}-{_fy(r['latest_year'])}) was "
                                 f"{_per_year(pace, t.kind, t.unit)}; at that pace "
                                 f"{t.value_raw} is reached in {_fy(reach)}")
            if r["approx"]:
                r["note"] += "; approximate values are used as stated"
            rows.append(r)
    out = pd.DataFrame(rows, columns=[
        "indicator_id", "indicator_ja", "kind", "unit", "unit_name", "target_year", "target",
        "target_raw", "bound", "latest_year", "latest", "latest_raw", "previous_year",
        "previous", "previous_raw", "years_left", "required_per_year", "observed_per_year",
        "verdict", "reach_year", "break_even_latest", "approx", "note"])
    for c in ("latest_year", "previous_year", "years_left", "reach_year"):
        out[c] = out[c].astype("Int64")
    return out


# --------------------------------------------------------------------------- milestones


def milestones(tidy: pd.DataFrame) -> pd.DataFrame:
    """Milestone indicators: each target with the actual that answers it, texts kept.

    Returns:
        One row per milestone target (or, for a milestone without a target, its latest
        actual): indicator_id, indicator_ja, target_year, target_raw, actual_year,
        actual_raw, status ('met', 'not met', 'unclear', 'no actual reported', 'not due yet'),
        reading (why, from :func:`milestone_reached`), grade, history (earlier actuals as
        'FY2022: …').
    """
    stones = tidy[tidy["kind"] == "milestone"]
    att = attainment(tidy).set_index(["indicator_id", "fiscal_year"])
    rows = []
    for ind, part in stones.groupby("indicator_id", sort=False):
        acts = part[part["record"] == "actual"].sort_values("fiscal_year")
        targets = part[part["record"] == "target"].sort_values("fiscal_year")
        base = {"indicator_id": ind, "indicator_ja": part["indicator_ja"].iloc[0]}
        for t in targets.itertuples(index=False):
            r = {**base, "target_year": t.fiscal_year, "target_raw": t.value_raw,
                 "actual_year": pd.NA, "actual_raw": None, "status": "not due yet",
                 "reading": "", "grade": None}
            if (ind, t.fiscal_year) in att.index:
                a = att.loc[(ind, t.fiscal_year)]
                r.update(actual_year=a["actual_year"], actual_raw=a["actual_raw"],
                         status=a["status"], reading=a["reading"], grade=a["grade"])
            used = r["actual_year"]
            earlier = acts if pd.isna(used) else acts[acts["fiscal_year"] < used]
            r["history"] = "; ".join(f"{_fy(y)}: {v}" for y, v in
                                     zip(earlier["fiscal_year"], earlier["value_raw"],
                                         strict=True))
            rows.append(r)
        if targets.empty and len(acts):
            last = acts.iloc[-1]
            reached, why = milestone_reached(last["value_raw"])
            rows.append({**base, "target_year": pd.NA, "target_raw": None,
                         "actual_year": int(last["fiscal_year"]), "actual_raw": last["value_raw"],
                         "status": {True: "met", False: "not met", None: "unclear"}[reached],
                         "reading": why + " (no target in the sheet)", "grade": last["grade"],
                         "history": "; ".join(f"{_fy(y)}: {v}" for y, v in zip(
                             acts["fiscal_year"].iloc[:-1], acts["value_raw"].iloc[:-1],
                             strict=True))})
    out = pd.DataFrame(rows, columns=["indicator_id", "indicator_ja", "target_year",
                                      "target_raw", "actual_year", "actual_raw", "status",
                                      "reading", "grade", "history"])
    for c in ("target_year", "actual_year"):
        out[c] = out[c].astype("Int64")
    return out


# --------------------------------------------------------------------------- overview


VERDICT_ORDER = ("not moving toward the target", "behind", "no actual yet",
                 "no pace: one actual", "on track", "already reached")
"""Trajectory verdicts, worst first."""


def worst_verdicts(traj: pd.DataFrame) -> pd.DataFrame:
    """One row of :func:`trajectory` per indicator: its worst verdict over all its future
    targets (ties: the farthest target), so an indicator on track for FY2026 but behind for
    FY2024 counts as behind."""
    if traj.empty:
        return traj
    rank = traj["verdict"].map({v: i for i, v in enumerate(VERDICT_ORDER)})
    ranked = traj.assign(_rank=rank, _order=range(len(traj)))
    worst = ranked.sort_values(["_rank", "target_year"], ascending=[True, False],
                               kind="stable").groupby("indicator_id", sort=False).head(1)
    return worst.sort_values("_order").drop(columns=["_rank", "_order"])


def overview(tidy: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator: its latest actual, the last evaluated target, the next future
    target and the verdict that applies (the trajectory verdict where a future target exists,
    else the attainment status of the last evaluated target).

    Returns:
        indicator_id, indicator_ja, kind, actuals ('FY2022: 710件; FY2023: 約1,100件'),
        evaluated ('FY2023: 1,000件 → met, 110%'), next_target ('FY2025: 2,000件'),
        required_per_year, observed_per_year, reach_year, verdict, grade (latest).
    """
    att = attainment(tidy)
    traj = trajectory(tidy)
    mil = milestones(tidy)
    rows = []
    for ind, part in tidy.groupby("indicator_id", sort=False):
        acts = part[part["record"] == "actual"].sort_values("fiscal_year")
        kind = part["kind"].iloc[0]
        r = {"indicator_id": ind, "indicator_ja": part["indicator_ja"].iloc[0], "kind": kind,
             "actuals": "; ".join(f"{_fy(y)}: {v}" for y, v in
                                  zip(acts["fiscal_year"], acts["value_raw"], strict=True)),
             "evaluated": "", "next_target": "", "required_per_year": float("nan"),
             "observed_per_year": float("nan"), "reach_year": pd.NA, "verdict": "",
             "grade": acts["grade"].dropna().iloc[-1] if acts["grade"].notna().any() else None}
        mine = att[att["indicator_id"] == ind]
        if len(mine):
            last = mine.iloc[-1]
            ratio = "" if pd.isna(last["ratio"]) else f", {last['ratio']:.0%} of target"
            r["evaluated"] = (f"{_fy(last['fiscal_year'])}: {last['target_raw']} → "
                              f"{last['status']}{ratio}")
            r["verdict"] = f"{_fy(last['fiscal_year'])} target {last['status']}"
        fut = traj[traj["indicator_id"] == ind]
        if len(fut):
            nxt = worst_verdicts(fut).iloc[0]
            r.update(next_target="; ".join(f"{_fy(y)}: {v}" for y, v in
                                           zip(fut["target_year"], fut["target_raw"],
                                               strict=True)),
                     required_per_year=nxt["required_per_year"],
                     observed_per_year=nxt["observed_per_year"], reach_year=nxt["reach_year"],
                     verdict=f"{nxt['verdict']} for {_fy(nxt['target_year'])}")
        if kind == "milestone" and not len(mine):
            m = mil[mil["indicator_id"] == ind]
            if len(m):
                r["verdict"] = f"milestone {m.iloc[-1]['status']}"
        if not r["verdict"]:
            r["verdict"] = "no target in the sheet" if len(acts) else "no actual yet"
        rows.append(r)
    out = pd.DataFrame(rows)
    out["reach_year"] = out["reach_year"].astype("Int64")
    return out


def _names(frame: pd.DataFrame, col: str = "indicator_ja") -> str:
    return "、".join(frame[col].astype(str).unique())


def answer(tidy: pd.DataFrame, city: str, scale: Sequence[str] | None = None) -> str:
    """The report's answer in a few computed sentences (Markdown).

    Says, for the numeric indicators with a future target, how many are on track, behind or
    cannot be judged (with the required and observed paces of those behind); how many graded
    actuals stand beside a missed target; and how many evaluated milestones were reached.
    """
    traj = trajectory(tidy)
    grades = grade_consistency(tidy, scale)
    att = attainment(tidy)
    as_of = as_of_year(tidy)
    parts = []
    if traj.empty:
        parts.append(f"{city}'s sheet has no count or percent target after {_fy(as_of)}, so "
                     "no trajectory can be judged.")
    else:
        last = worst_verdicts(traj)
        on = last[last["verdict"].isin(["on track", "already reached"])]
        behind = last[last["verdict"].isin(["behind", "not moving toward the target"])]
        unknown = last[last["verdict"].isin(["no pace: one actual", "no actual yet"])]
        after = f"after {_fy(as_of)}" if as_of is not None else "(no actual reported yet)"
        s = (f"Of {len(last)} count or percent indicator(s) with a target {after}, "
             f"{len(on)} {'is' if len(on) == 1 else 'are'} on track for "
             "every future target at the pace of the last two actuals")
        s += f" ({_names(on)})" if len(on) else ""
        s += f", {len(behind)} behind"
        if len(behind):
            s += " (" + "; ".join(
                f"{r.indicator_ja}: needs {_per_year(r.required_per_year, r.kind, r.unit)} "
                f"to reach {r.target_raw} by {_fy(r.target_year)}, the last change was "
                f"{_per_year(r.observed_per_year, r.kind, r.unit)}"
                + (f", which reaches it in {_fy(r.reach_year)}" if not pd.isna(r.reach_year)
                   else "")
                + (f"; this rests on the approximate '{r.latest_raw}', and an exact figure of "
                   f"{_num(round(r.break_even_latest, 1))} or more would put it on track"
                   if r.approx and not pd.isna(r.break_even_latest)
                   and r.bound not in LOWER_IS_BETTER else "")
                for r in behind.itertuples()) + ")"
        s += f", and {len(unknown)} cannot be judged"
        s += f" ({_names(unknown)}: only one actual or none)" if len(unknown) else ""
        parts.append(s + ".")
    flagged = grades[grades["flag"]]
    checked = grades[grades["check"] != "no target"]
    s = (f"{len(flagged)} of {len(checked)} graded actual(s) that have a target stand beside a "
         "missed target")
    if len(flagged):
        s += " (" + "; ".join(f"{r.indicator_ja} {_fy(r.fiscal_year)}: graded {r.grade}, "
                              f"{r.actual_raw} against {r.target_raw}"
                              for r in flagged.itertuples()) + ")"
    unchecked = grades[grades["check"] == "no target"]
    if len(unchecked):
        s += f"; {len(unchecked)} graded actual(s) have no target to check against"
    parts.append(s + ".")
    stones = att[att["kind"] == "milestone"]
    if len(stones):
        parts.append(f"{int((stones['status'] == 'met').sum())} of {len(stones)} milestone "
                     "target(s) due so far read as reached.")
    return " ".join(parts)


def headline(tidy: pd.DataFrame, city: str, scale: Sequence[str] | None = None) -> str:
    """One sentence for the report index: trajectory verdicts and grade flags, computed."""
    traj = trajectory(tidy)
    grades = grade_consistency(tidy, scale)
    last = worst_verdicts(traj)
    on = int(last["verdict"].isin(["on track", "already reached"]).sum())
    behind = int(last["verdict"].isin(["behind", "not moving toward the target"]).sum())
    flags = int(grades["flag"].sum())
    return (f"{city}: {on} of {len(last)} numeric indicator(s) with a future target on track "
            f"at the last observed pace, {behind} behind; {flags} graded actual(s) beside a "
            "missed target.")


def caveats(tidy: pd.DataFrame, scale: Sequence[str] | None = None) -> list[str]:
    """The caveats that apply to this sheet, computed from it (for a report's caveats list):
    how much history each pace rests on, which values are approximate, per-period targets,
    milestone texts that could not be read, and whether the grade scale is defined."""
    acts = tidy[tidy["record"] == "actual"]
    per_ind = acts.groupby("indicator_id")["fiscal_year"].nunique().reindex(
        tidy["indicator_id"].unique(), fill_value=0)
    out = []
    counts = per_ind.value_counts().sort_index()
    hist = ", ".join(f"{n} with {k} fiscal year(s) of actuals" for k, n in counts.items())
    out.append(f"History is short: of {len(per_ind)} indicators, {hist}. A pace observed "
               f"between two years is one year-to-year change, not a trend; with one actual "
               "there is no pace at all.")
    approx = tidy[tidy["approx"]]
    if len(approx):
        out.append("Approximate values are used as published: " + "; ".join(
            f"{r.indicator_ja} {_fy(r.fiscal_year)} {r.record} '{r.value_raw}'"
            for r in approx.itertuples()) + ". A verdict close to the line can flip with the "
            "exact figure.")
    traj = trajectory(tidy)
    fragile = traj[traj["approx"] & traj["break_even_latest"].notna()
                   & traj["verdict"].isin(["on track", "behind"])]
    for r in fragile.itertuples():
        other = "on track" if r.verdict == "behind" else "behind"
        side = "or more" if (r.verdict == "behind") == (r.bound not in LOWER_IS_BETTER) \
            else "or less"
        out.append(f"{r.indicator_ja}: '{r.verdict}' for {_fy(r.target_year)} rests on "
                   f"'{r.latest_raw}'; an exact {_fy(r.latest_year)} figure of "
                   f"{_num(round(r.break_even_latest, 1))} {side} "
                   f"({(r.break_even_latest / r.latest - 1):+.1%} against the published "
                   f"figure) would make it {other}.")
    per = tidy[tidy["per"].notna()]
    if len(per):
        out.append("Targets stated per period are compared with the fiscal year's actual: "
                   + "; ".join(f"{r.indicator_ja} '{r.value_raw}'" for r in per.itertuples())
                   + ".")
    unclear = [r for r in acts[acts["kind"] == "milestone"].itertuples()
               if milestone_reached(r.value_raw)[0] is None]
    if unclear:
        out.append("Milestone texts that do not say whether the state was reached: "
                   + "; ".join(f"{r.indicator_ja} '{r.value_raw}'" for r in unclear) + ".")
    graded = acts["grade"].dropna()
    if len(graded):
        letters = ", ".join(sorted(graded.unique()))
        scale_text = (f"the scale given is {', '.join(scale)} (best first)" if scale else
                      "the sheet's source does not define the grade scale, so a grade is "
                      "reported, not interpreted")
        out.append(f"Grades ({letters}) are self-assigned by the organisation that sets the "
                   f"targets; {scale_text}.")
    return out


# --------------------------------------------------------------------------- dispatch log


def dispatch_log(frame: pd.DataFrame) -> pd.DataFrame:
    """An advisor dispatch record as an activity log (e.g. ``osaka_dx_advisor_dispatch_2021``).

    dispatch_minutes = end − start − break (times of day 'HH:MM', same day), checked against
    the reported activity minutes; the format is split into the activity and its mode
    ('講演（オンライン）' → '講演', 'オンライン').

    Args:
        frame: rows with dispatch_date, start_time, end_time, break_minutes,
            activity_minutes, format_ja, audience_ja, audience_count (organisation_ja and
            department_ja are kept when present).
    Returns:
        One row per dispatch: organisation_ja, department_ja, dispatch_date, start_time,
        end_time, break_minutes, dispatch_minutes, activity_minutes, minutes_agree (bool),
        activity_ja, mode_ja, audience_ja, audience_count (persons).
    Raises:
        DataError: a time that is not HH:MM, an end not after the start, or a bad break,
            naming the row.
    """
    from dxlab.errors import ParseError
    from dxlab.sources.osaka import dispatch_minutes

    rows = []
    for label, r in frame.iterrows():
        try:
            minutes = dispatch_minutes(r["start_time"], r["end_time"], int(r["break_minutes"]))
        except ParseError as err:
            raise err.located(row=label, column="end_time") from None
        fmt = normalize_text(str(r["format_ja"]))
        m = re.fullmatch(r"(.*?)\s*\((.*)\)", fmt)
        rows.append({
            "organisation_ja": r.get("organisation_ja"), "department_ja": r.get("department_ja"),
            "dispatch_date": r["dispatch_date"], "start_time": r["start_time"],
            "end_time": r["end_time"], "break_minutes": int(r["break_minutes"]),
            "dispatch_minutes": minutes, "activity_minutes": int(r["activity_minutes"]),
            "minutes_agree": minutes == int(r["activity_minutes"]),
            "activity_ja": m[1] if m else fmt, "mode_ja": m[2] if m else None,
            "audience_ja": r["audience_ja"], "audience_count": int(r["audience_count"]),
        })
    return pd.DataFrame(rows)


__all__ = ["SHEET_SPEC", "TEMPLATE_EXAMPLE", "TEMPLATE_HEADER", "VERDICT_ORDER", "answer",
           "as_of_year", "attainment", "caveats", "dispatch_log", "grade_consistency",
           "headline", "milestone_reached", "milestones", "overview", "read_sheet",
           "trajectory", "worst_verdicts"]
