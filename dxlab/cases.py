"""DX case studies in their demographic context: where the organisations of MIC's reference
cases sit among all prefectures and municipalities (size, aging, card uptake against what their
age structure predicts), and whether the cases over-represent small or large places.
"""

from __future__ import annotations

import pandas as pd

from dxlab.areas import AreaData, municipal_table, peer_table, prefecture_table
from dxlab.errors import DataError

SIZE_CUTS = (10_000, 30_000)


def locate(cases: pd.DataFrame, data: AreaData) -> pd.DataFrame:
    """The area code of each case: a prefecture case gets its pref_code; a municipal case the
    muni_code5 of the municipality of that name in that prefecture (SSDSE-A names).

    Raises:
        DataError: a case whose name matches no municipality, or several, in its prefecture.
    """
    codes = []
    for row in cases.itertuples():
        if row.organisation_level == "prefecture":
            codes.append(row.pref_code)
            continue
        hit = data.names[(data.names["pref_code"] == row.pref_code)
                         & (data.names["municipality"] == row.organisation_ja)]
        if len(hit) != 1:
            raise DataError(f"case {row.case_no}: {len(hit)} municipalities called "
                            f"{row.organisation_ja!r} in {row.prefecture_ja}",
                            expected="exactly one")
        codes.append(hit.index[0])
    return cases.assign(area_code=codes)


def profiles(cases: pd.DataFrame, data: AreaData, date: str) -> pd.DataFrame:
    """One row per case: its area's 2020 census population (known age), the population the
    case document prints, aging (65+, 75+ %), observed and expected card uptake (%), O/E with
    its 95% interval, the local part (points) and the rank among peers (municipalities: same
    kind and population band, 1 = highest O/E; prefectures: among the 47)."""
    located = locate(cases, data)
    munis = municipal_table(data, date)
    prefs = prefecture_table(data, date)
    rows = []
    for r in located.itertuples():
        if r.organisation_level == "prefecture":
            a = prefs.loc[r.area_code]
            rank, of = a["rank_adjusted"], 47
        else:
            a = munis.loc[r.area_code]
            peers = peer_table(munis, r.area_code)
            rank, of = peers.loc[r.area_code, "rank_among_peers"], len(peers)
        rows.append({
            "case_no": r.case_no, "category_en": r.category_en,
            "organisation_ja": r.organisation_ja, "level": r.organisation_level,
            "area_code": r.area_code, "population_printed": r.population,
            "population_2020_census": a["population_known"],
            "share_65plus_percent": a["share_65plus_percent"],
            "share_75plus_percent": a["share_75plus_percent"],
            "observed_percent": a["observed_percent"], "expected_percent": a["expected_percent"],
            "oe": a["oe"], "oe_lo": a["oe_lo"], "oe_hi": a["oe_hi"],
            "local_part_points": a["local_part_points"],
            "rank_among_peers": rank, "peers": of,
        })
    return pd.DataFrame(rows).set_index("case_no")


def size_representation(profile: pd.DataFrame, data: AreaData, *,
                        cuts: tuple[int, ...] = SIZE_CUTS, level: float = 0.95) -> pd.DataFrame:
    """Share of the municipal cases below each population cut (2020 census, known age) against
    the share of all municipalities below it, with the exact (Clopper-Pearson) interval of the
    case share — with a handful of cases, the interval is the point.

    Returns:
        One row per cut: cases_below, cases, case_share, low, high, all_share.
    """
    from scipy.stats import beta

    munis = profile[profile["level"] != "prefecture"]
    n = len(munis)
    everyone = data.names["population_known"]
    rows = []
    alpha = 1 - level
    for cut in cuts:
        k = int((munis["population_2020_census"] < cut).sum())
        lo = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
        hi = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
        rows.append({"population_below": cut, "cases_below": k, "cases": n,
                     "case_share": k / n if n else float("nan"), "low": lo, "high": hi,
                     "all_share": float((everyone < cut).mean())})
    return pd.DataFrame(rows)
