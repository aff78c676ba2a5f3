"""Pyramid analysis on small tables worked by hand, plus the real census."""

from __future__ import annotations

import pandas as pd
import pytest

import dxlab
from dxlab import pyramid as P
from dxlab.clean import age_label
from dxlab.errors import DataError


def toy(year=2000, unknown=0):
    """A toy population of 360 persons, worked by hand.

    0-14: 30 male + 30 female = 60; 15-64: 100 + 100 = 200; 65-84: 30 + 40 = 70;
    85+: 10 + 20 = 30. So 65+ = 100 and the total is 60 + 200 + 100 = 360.
    Shares: 0-14 60/360 = 16.67%, 15-64 200/360 = 55.56%, 65+ 100/360 = 27.78%.
    """
    rows = [
        (0, 14, "male", 30), (0, 14, "female", 30),
        (15, 64, "male", 100), (15, 64, "female", 100),
        (65, 84, "male", 30), (65, 84, "female", 40),
        (85, None, "male", 10), (85, None, "female", 20),
    ]
    if unknown:
        rows.append((None, None, "male", unknown))
    f = pd.DataFrame(rows, columns=["age_lo", "age_hi", "sex", "population"])
    f["age_lo"] = f["age_lo"].astype("Int64")
    f["age_hi"] = pd.array(f["age_hi"], dtype="Int64")
    f["age_group"] = [
        "unknown" if pd.isna(lo) else age_label(int(lo), None if pd.isna(hi) else int(hi))
        for lo, hi in zip(f["age_lo"], f["age_hi"], strict=True)
    ]
    f["year"] = year
    return f


def test_band_shares_by_hand():
    out = P.band_shares(toy(), P.STANDARD_BANDS).set_index("age_group")
    assert out["population"].tolist() == [60, 200, 100]
    want = [100 * 60 / 360, 100 * 200 / 360, 100 * 100 / 360]
    assert out["percent"].tolist() == pytest.approx(want)


def test_unknown_ages_excluded_and_reported_or_refused():
    out = P.band_shares(toy(unknown=40), P.STANDARD_BANDS)
    assert out["population"].sum() == 360 and out.attrs["age_unknown"] == 40
    with pytest.raises(DataError, match="age-unknown"):
        P.band_shares(toy(unknown=40), P.STANDARD_BANDS, unknown="error")


def test_prorate_restores_the_total_and_keeps_shares():
    out = P.band_shares(toy(unknown=36), P.STANDARD_BANDS, unknown="prorate")
    # 36 unknown males spread over 180 known males in proportion: total 396
    assert out["population"].sum() == pytest.approx(396)


def test_median_age_interpolated_by_hand():
    """360 persons; half = 180. Below 15: 60. Band 15-64 (width 50) holds 200.
    median = 15 + (180 - 60) / 200 * 50 = 15 + 30 = 45."""
    assert P.median_age(toy()).item() == pytest.approx(45.0)


def test_old_age_dependency_ratio_by_hand():
    # 100 persons 65+ per 200 aged 15-64 -> 50
    assert P.old_age_dependency_ratio(toy()).item() == pytest.approx(50.0)


def test_band_change_between_two_years():
    a, b = toy(2000), toy(2020)
    b.loc[b["age_lo"] == 85, "population"] *= 2  # 85+ grows from 30 to 60
    out = P.band_change(pd.concat([a, b]), 2000, 2020, "0-14,15-64,65+")
    assert out.loc["65+", "change"] == 30
    assert out.loc["65+", "change_percent"] == pytest.approx(30.0)
    assert out.loc["65+", "percent_b"] == pytest.approx(100 * 130 / 390)


def test_harmonise_top_band_sums_and_refuses_straddling():
    f = toy()
    out = P.harmonise_top_band(f, top=65)
    top = out[out["age_group"] == "65+"]
    assert top["population"].sum() == 100 and len(top) == 2
    with pytest.raises(DataError, match="straddles"):
        P.harmonise_top_band(f, top=70)


def test_pyramid_table():
    pyr = P.pyramid(toy(), 2000)
    assert list(pyr.index) == ["0-14", "15-64", "65-84", "85+"]
    assert pyr.loc["85+", "female"] == 20 and pyr["total"].sum() == 360
    assert pyr["male_percent"].sum() + pyr["female_percent"].sum() == pytest.approx(100)


def test_missing_year_is_named():
    with pytest.raises(DataError, match="year 1999 not in the population table"):
        P.pyramid(toy(), 1999)


def test_bands_must_cover_all_ages():
    with pytest.raises(DataError, match="do not cover"):
        P.band_shares(toy(), "15-64,65+")


def test_census_2000_shares_match_published_totals():
    """0-14 18,472,499 and 65+ 22,005,152 of the persons with a stated age in 2000."""
    pop = P.harmonise_top_band(dxlab.load("census_population_japan_age_sex"))
    out = P.band_shares(pop[pop["year"] == 2000], P.STANDARD_BANDS).set_index("age_group")
    assert out.loc["0-14", "population"] == 18_472_499
    assert out.loc["65+", "population"] == 22_005_152
