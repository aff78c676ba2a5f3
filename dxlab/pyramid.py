"""Population pyramids and their shift over time.

Input: a tidy population frame as returned by ``dxlab.load('census_population_japan_age_sex')``
(columns ``year``, ``sex``, ``age_group``, ``age_lo``, ``age_hi``, ``population`` in persons;
optional area columns such as ``pref_code``). Rows with missing ``age_lo`` are 'age unknown'
(年齢不詳); every function takes ``unknown=`` to say what to do with them:

- ``'exclude'`` (default): left out of shares, medians and ratios; the excluded count is
  reported in ``attrs['age_unknown']``.
- ``'prorate'``: spread over the known ages in proportion to their counts (the Statistics
  Bureau's 按分 convention for shares: identical shares to 'exclude', totals restored).
- ``'error'``: raise if any are present.

Open-ended top bands differ by source and year (85+ in censuses to 2000, 100+ later,
90+ in My Number tables); :func:`harmonise_top_band` collapses them to a common top.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dxlab.clean.ages import AgeBand, bands_label, collapse_top_band, reband
from dxlab.errors import DataError, ParseError

STANDARD_BANDS = "0-14,15-64,65+"
DX_TRAINING_BANDS = "0-14,15-59,60+"  # as used in municipal DX training material

__all__ = [
    "DX_TRAINING_BANDS", "STANDARD_BANDS", "band_change", "band_shares", "bands_label",
    "harmonise_top_band", "median_age", "old_age_dependency_ratio", "pyramid", "select",
]


def _handle_unknown(pop: pd.DataFrame, unknown: str, value: str = "population"
                    ) -> tuple[pd.DataFrame, float]:
    is_unknown = pop["age_lo"].isna()
    n_unknown = float(pop.loc[is_unknown, value].sum())
    if unknown == "error" and is_unknown.any():
        raise DataError("age-unknown rows present", column="age_group", value=n_unknown,
                        expected="no 年齢不詳 rows (or pass unknown='exclude'/'prorate')")
    if unknown not in ("exclude", "prorate", "error"):
        raise ValueError(f"unknown= must be 'exclude', 'prorate' or 'error', not {unknown!r}")
    known = pop.loc[~is_unknown].copy()
    if unknown == "prorate" and is_unknown.any():
        keys = [c for c in ("year", "sex", "pref_code") if c in pop.columns]
        unk = pop.loc[is_unknown].groupby(keys)[value].sum() if keys else None
        tot = known.groupby(keys)[value].transform("sum") if keys else known[value].sum()
        add = known[keys].apply(tuple, axis=1).map(unk).fillna(0) if keys else 0
        known[value] = known[value] + known[value] / tot * add
    return known, n_unknown


def select(pop: pd.DataFrame, *, year: int | None = None, area: str | None = None
           ) -> pd.DataFrame:
    """Rows of one year and/or area (``pref_code`` or ``area`` column).

    Raises:
        DataError: the year or area is not in the frame, listing what is.
    """
    out = pop
    if year is not None:
        if year not in set(pop["year"]):
            raise DataError(f"year {year} not in the population table",
                            expected=f"one of {sorted(set(pop['year']))}")
        out = out[out["year"] == year]
    if area is not None:
        col = "pref_code" if "pref_code" in out.columns else "area"
        if col not in out.columns or area not in set(out[col]):
            raise DataError(f"area {area!r} not in the population table")
        out = out[out[col] == area]
    return out


def harmonise_top_band(pop: pd.DataFrame, top: int = 85, value: str = "population"
                       ) -> pd.DataFrame:
    """Collapse every band starting at or above ``top`` into one open band '``top``+'
    (:func:`dxlab.clean.collapse_top_band`, grouping by every other column).

    Use before comparing years whose top bands differ (85+ to 2000; 85-89 … 100+ after).

    Raises:
        DataError: a band straddles ``top`` (e.g. 80-89 with top=85), which would need a split.
    """
    try:
        return collapse_top_band(pop, top, value=value)
    except ParseError as err:
        raise DataError(err.problem, value=err.value, expected=err.expected) from None


def pyramid(pop: pd.DataFrame, year: int, *, area: str | None = None,
            unknown: str = "exclude") -> pd.DataFrame:
    """The pyramid of one year (and area): persons by age band and sex.

    Returns:
        DataFrame indexed by ``age_group`` (youngest first) with columns ``age_lo``,
        ``age_hi``, ``male``, ``female``, ``total`` (persons) and ``male_percent``,
        ``female_percent`` (share of the whole population, %); ``attrs['age_unknown']``.
    """
    rows = select(pop, year=year, area=area)
    known, n_unknown = _handle_unknown(rows, unknown)
    wide = known.pivot_table(index=["age_lo", "age_group"], columns="sex", values="population",
                             aggfunc="sum", observed=True).reset_index()
    wide = wide.sort_values("age_lo").set_index("age_group")
    his = known.drop_duplicates("age_group").set_index("age_group")["age_hi"]
    wide.insert(1, "age_hi", his.reindex(wide.index).astype("Int64"))
    wide.columns.name = None
    for sex in ("male", "female"):
        if sex not in wide.columns:
            wide[sex] = 0.0
    wide = wide[["age_lo", "age_hi", "male", "female"]]
    wide["total"] = wide["male"] + wide["female"]
    grand = wide["total"].sum()
    wide["male_percent"] = 100 * wide["male"] / grand
    wide["female_percent"] = 100 * wide["female"] / grand
    wide.attrs["age_unknown"] = n_unknown
    wide.attrs["year"] = year
    return wide


def _totals_by(pop: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Sum sexes (and anything not in ``by``) per age band."""
    keys = [*by, "age_group", "age_lo", "age_hi"]
    return pop.groupby(keys, dropna=False, sort=False, observed=True)["population"].sum(
    ).reset_index()


def band_shares(pop: pd.DataFrame, bands: str | Sequence[str | AgeBand] = STANDARD_BANDS,
                *, by: Sequence[str] = ("year",), unknown: str = "exclude") -> pd.DataFrame:
    """Population and percent share per band, e.g. 0-14 / 15-59 / 60+.

    Args:
        pop: tidy population frame.
        bands: target bands ('0-14,15-64,65+' standard; '0-14,15-59,60+' DX training).
        by: columns kept (year; add 'sex' for shares within each sex).
        unknown: see the module docstring.
    Returns:
        DataFrame: ``by`` columns, ``age_group``, ``age_lo``, ``age_hi``, ``population``
        (persons) and ``percent`` (share of the group total, %).
    """
    known, n_unknown = _handle_unknown(pop, unknown)
    out = reband(_totals_by(known, by), bands, by=list(by))
    uncovered = out.attrs["unallocated"]["population"]["outside_target_bands"]
    if abs(uncovered) > 1e-6:
        raise DataError("target bands do not cover every age", value=bands,
                        expected="bands from 0 up to an open top band")
    total = out.groupby(list(by))["population"].transform("sum")
    out["percent"] = 100 * out["population"] / total
    out.attrs["age_unknown"] = n_unknown
    return out


def median_age(pop: pd.DataFrame, *, by: Sequence[str] = ("year",),
               unknown: str = "exclude") -> pd.Series:
    """Median age, interpolated linearly within the band holding the middle person.

    With N persons, the band [lo, hi] holding person N/2, C persons below it and n in it:
    median = lo + (N/2 − C) / n × (hi + 1 − lo)  (grouped-data median; Shryock & Siegel,
    *The Methods and Materials of Demography*, 1976, ch. 7). Ages are exact ages, so a band
    15-19 spans [15, 20).

    Returns:
        Series of median ages (years) indexed by ``by``.
    Raises:
        DataError: the median falls in an open top band (no width to interpolate over).
    """
    known, _ = _handle_unknown(pop, unknown)
    totals = _totals_by(known, by)

    def one(group: pd.DataFrame) -> float:
        g = group.sort_values("age_lo")
        counts = g["population"].to_numpy(dtype=float)
        cum = np.cumsum(counts)
        half = cum[-1] / 2
        i = int(np.searchsorted(cum, half))
        lo, hi = g["age_lo"].iloc[i], g["age_hi"].iloc[i]
        if pd.isna(hi):
            raise DataError("median falls in the open top band", value=g["age_group"].iloc[i])
        below = cum[i - 1] if i else 0.0
        return float(lo + (half - below) / counts[i] * (hi + 1 - lo))

    if not by:
        return pd.Series([one(totals)], name="median_age")
    return totals.groupby(list(by)).apply(one, include_groups=False).rename("median_age")


def old_age_dependency_ratio(pop: pd.DataFrame, *, by: Sequence[str] = ("year",),
                             unknown: str = "exclude") -> pd.Series:
    """Old-age dependency ratio: persons 65+ per 100 persons aged 15-64 (老年人口指数)."""
    shares = band_shares(pop, STANDARD_BANDS, by=by, unknown=unknown)
    wide = shares.pivot_table(index=list(by), columns="age_group", values="population")
    return (100 * wide["65+"] / wide["15-64"]).rename("old_age_dependency_ratio")


def band_change(pop: pd.DataFrame, year_a: int, year_b: int,
                bands: str | Sequence[str | AgeBand] = STANDARD_BANDS,
                *, unknown: str = "exclude") -> pd.DataFrame:
    """Change per band between two years.

    Returns:
        DataFrame indexed by ``age_group`` with ``population_a``, ``population_b``, ``change``
        (persons), ``change_percent`` (% of the band's year-a population), ``percent_a``,
        ``percent_b`` (shares, %) and ``share_change_points`` (percentage points).
    """
    both = pop[pop["year"].isin([year_a, year_b])]
    for y in (year_a, year_b):
        select(pop, year=y)
    shares = band_shares(both, bands, by=("year",), unknown=unknown)
    a = shares[shares["year"] == year_a].set_index("age_group")
    b = shares[shares["year"] == year_b].set_index("age_group")
    out = pd.DataFrame({
        "population_a": a["population"],
        "population_b": b["population"],
    })
    out["change"] = out["population_b"] - out["population_a"]
    out["change_percent"] = 100 * out["change"] / out["population_a"]
    out["percent_a"] = a["percent"]
    out["percent_b"] = b["percent"]
    out["share_change_points"] = out["percent_b"] - out["percent_a"]
    out.attrs.update(year_a=year_a, year_b=year_b)
    return out
