"""dxlab.scenarios: logistic fits on exact synthetic curves, the anchored logistic step and
the three scenarios worked by hand, the backtest on an exact curve, and the IPSS vintages
against published totals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import dxlab
from dxlab import scenarios as S
from dxlab.clean import decimal_year
from dxlab.errors import DataError


def test_fit_logistic_recovers_an_exact_curve():
    """SYNTHETIC: r(t) = 0.8 / (1 + exp(−0.9 (t − 2022))) at 12 dates. With the ceiling given
    the slope and midpoint come back; with it free, the ceiling too (not at the bound)."""
    t = np.linspace(2017, 2022.5, 12)
    r = 0.8 / (1 + np.exp(-0.9 * (t - 2022)))
    fixed = S.fit_logistic(t, r, ceiling=0.8)
    assert (fixed.slope, fixed.midpoint) == pytest.approx((0.9, 2022.0), abs=1e-6)
    free = S.fit_logistic(t, r, ceiling=None)
    assert free.ceiling == pytest.approx(0.8, abs=1e-4)
    assert not free.ceiling_at_bound
    assert free.rmse < 1e-6


def test_fit_logistic_says_when_a_free_ceiling_runs_to_its_bound():
    """SYNTHETIC: an early-phase curve with ceiling 1.0 (r below 0.3 throughout) fitted with the
    ceiling free and bounded at 1.0: the fit ends on the bound."""
    t = np.linspace(2017, 2021, 10)
    r = 1 / (1 + np.exp(-0.7 * (t - 2023)))
    assert S.fit_logistic(t, r, ceiling=None).ceiling_at_bound


def test_fit_logistic_rejects_too_few_points_and_rates_at_the_ceiling():
    with pytest.raises(DataError, match="three"):
        S.fit_logistic([2020, 2021], [0.1, 0.2])
    with pytest.raises(DataError, match="strictly between"):
        S.fit_logistic([2020, 2021, 2022], [0.1, 0.2, 1.0], ceiling=1.0)


def test_advance_by_hand():
    """logit(0.5) = 0; with k = ln 3 one year on, expit(ln 3) = 3/4. With ceiling 0.8, 0.4 is
    halfway, so it goes to 0.8 × 3/4 = 0.6. A rate at its ceiling stays."""
    k = math.log(3)
    assert S.advance(0.5, k, 1.0, 1.0) == pytest.approx(0.75)
    assert S.advance(0.4, k, 1.0, 0.8) == pytest.approx(0.6)
    assert S.advance(0.8, k, 5.0, 0.8) == pytest.approx(0.8)
    assert S.advance(np.array([0.5, 0.25]), np.array([k, 0.0]), 2.0).tolist() == pytest.approx(
        [0.9, 0.25])  # expit(2 ln 3) = 9/10


LN3 = math.log(3)


def exact_series(k=LN3, midpoints=(2021.0, 2022.0)):
    """SYNTHETIC card-rate table: two bands following exact logistics (ceiling 1) with slope
    k and the given midpoints, 100 persons each, at mid-year dates 2017-2023."""
    rows = []
    for year in range(2017, 2024):
        d = f"{year}-07-02"
        t = decimal_year(d)
        for (band, lo, hi), t0 in zip((("0-9", 0, 9), ("10+", 10, None)), midpoints,
                                      strict=True):
            rows.append({"reference_date": d, "age_group": band, "age_lo": lo, "age_hi": hi,
                         "population": 100.0,
                         "issuance_rate": 1 / (1 + math.exp(-k * (t - t0)))})
    f = pd.DataFrame(rows)
    f["age_lo"] = f["age_lo"].astype("Int64")
    f["age_hi"] = f["age_hi"].astype("Int64")
    return f


def test_backtest_on_an_exact_curve():
    """Fitted up to 2021-12-31, the period method run forward from 2021-07-02 reproduces the
    exact curve (error 0). Holding the rates errs by the curve's rise: band 0-9 (midpoint
    2021) is at 1/(1 + 3^−0.4983) on 2021-07-02 and at 1/(1 + 3^−1.4983) a year later."""
    bt = S.backtest(exact_series(), until="2021-12-31")
    assert bt["period_error_points"].abs().max() < 1e-4
    row = bt[(bt["reference_date"] == "2022-07-02") & (bt["age_group"] == "0-9")].iloc[0]
    a = decimal_year("2021-07-02") - 2021
    held = 1 / (1 + 3 ** -a)
    observed = 1 / (1 + 3 ** -(decimal_year("2022-07-02") - 2021))
    assert row["held_error_points"] == pytest.approx(100 * (held - observed))
    overall = bt.attrs["overall"]
    assert overall["period_error_points"].abs().max() < 1e-4
    assert list(overall.index) == ["2022-07-02", "2023-07-02"]


def test_scenario_rates_by_hand():
    """Bands 0-9: 0.5 (slope ln 3), 10+: 0.25 (slope 0); one year ahead, plateau 0.7.
    held: 0.5 / 0.25. period: age 5 → expit(ln 3) = 0.75; age 50 → 0.25.
    cohort: age 10 was 9 (band 0-9: 0.5 → 0.75) → capped 0.7; age 50 was 49 (0.25, slope 0)
    → 0.25; age 0 was not born: period rate of its age, 0.75 → 0.7."""
    rates = pd.Series([0.5, 0.25], index=["0-9", "10+"])
    fits = pd.DataFrame({"slope": [math.log(3), 0.0], "ceiling": [1.0, 1.0]},
                        index=["0-9", "10+"])
    sc = S.scenario_rates(rates, fits, 1.0, plateau=0.7)
    assert (sc["held"][5], sc["held"][50]) == pytest.approx((0.5, 0.25))
    assert (sc["period"][5], sc["period"][50]) == pytest.approx((0.75, 0.25))
    assert (sc["cohort"][10], sc["cohort"][50], sc["cohort"][0]) == pytest.approx(
        (0.7, 0.25, 0.7))


def test_project_scenarios_by_hand():
    """Population in 2024 (reference 2024-01-01): 0-9: 100, 10-19: 100 (ages 0-19 only).
    Rates on 2023-01-01: 0-9 0.5 (slope ln 3), 10+ 0.25 (slope 0); one year on, no plateau.
    held: (50 + 25) / 200 = 0.375. period: (75 + 25) / 200 = 0.5.
    cohort (10 persons per year of age): ages 1-9 were 0-8 → 0.75; age 0 unborn → period
    0.75; age 10 was 9 → 0.75; ages 11-19 were 10-18 → 0.25:
    (10 × 10 × 0.75 + 10 × 0.75 + 9 × 10 × 0.25) / 200 = (75 + 7.5 + 22.5) / 200 = 0.525."""
    pop = pd.DataFrame({"year": 2024, "reference_date": "2024-01-01",
                        "age_lo": pd.array([0, 10], dtype="Int64"),
                        "age_hi": pd.array([9, 19], dtype="Int64"),
                        "population": [100.0, 100.0]})
    rates = pd.Series([0.5, 0.25], index=["0-9", "10+"])
    fits = pd.DataFrame({"slope": [math.log(3), 0.0], "ceiling": [1.0, 1.0]},
                        index=["0-9", "10+"])
    out = S.project_scenarios(pop, rates, "2023-01-01", fits)
    assert out.loc[2024, "held"] == pytest.approx(0.375)
    assert out.loc[2024, "period"] == pytest.approx(0.5)  # 2024.0 − 2023.0 = 1 year
    assert out.loc[2024, "cohort"] == pytest.approx(0.525)
    assert out.loc[2024, "low"] == out.loc[2024, "held"]
    assert out.loc[2024, "high"] == out.loc[2024, "cohort"]


def test_interpolate_pyramid_by_hand():
    """Band 0-4: 100 on 2020-01-01, 200 on 2025-01-01 (t 2020.0 and 2025.0); on 2022-07-02
    (t = 2022 + 182/365.25 = 2022.4983) 100 + 100 × 2.4983/5 = 149.966."""
    pop = pd.DataFrame({"reference_date": ["2020-01-01", "2025-01-01"], "age_group": "0-4",
                        "age_lo": pd.array([0, 0], dtype="Int64"),
                        "age_hi": pd.array([4, 4], dtype="Int64"), "population": [100.0, 200.0]})
    out = S.interpolate_pyramid(pop, "2022-07-02")
    assert out["population"].iloc[0] == pytest.approx(100 + 100 * (2 + 182 / 365.25) / 5)
    with pytest.raises(DataError, match="outside"):
        S.interpolate_pyramid(pop, "2026-01-01")


def test_ipss_vintages_against_published_totals():
    """IPSS 2017 medium variant, 2040 total: 110,919 thousand (表1-1), here 110,918,555 from
    表1-9A; the 2023 vintage quoted as 1億1,284万 = 112,840,000, so 2023 − 2017 = +1,921,445
    persons. 65+ in 2025: 36,771 thousand (日本の統計 2018 reprint, bundled)."""
    v = S.ipss_vintages(dxlab.load("ipss2017_projection_japan_age_sex"),
                        dxlab.load("projection_japan_age3", totals=True))
    total = v[(v["age_group"] == "total") & (v["indicator"] == "population")].set_index("year")
    assert total.loc[2040, "ipss2017"] == 110_918_555
    assert total.loc[2040, "difference"] == 112_840_000 - 110_918_555
    old = v[(v["age_group"] == "65+") & (v["indicator"] == "population")].set_index("year")
    assert round(old.loc[2025, "ipss2017"], -3) == 36_771_000
    assert np.isnan(total.loc[2070, "ipss2017"])  # the 2017 table stops at 2065
