"""dxlab.demography: each function against small tables worked on paper, property tests, and
the decomposition on the bundled card data against the published totals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dxlab
from dxlab import cards as C
from dxlab import demography as D
from dxlab.clean import decimal_year
from dxlab.errors import DataError


def s(values, labels):
    return pd.Series(values, index=labels, dtype=float)


BANDS = ["0-14", "15-64", "65+"]


def test_overall_rate_by_hand():
    """Population 100 / 600 / 300; rates 0.1 / 0.8 / 0.4.
    R = (10 + 480 + 120) / 1000 = 0.61."""
    assert D.overall_rate(s([100, 600, 300], BANDS), s([0.1, 0.8, 0.4], BANDS)) == \
        pytest.approx(0.61)


def test_overall_rate_rebands_census_bands_onto_survey_bands():
    """Census 0-4 … 15-19 = 50 each, 20+ = 300; survey rates 6-12 = 0.5, 13-19 = 0.9, 20+ = 0.6.
    Rebanded: 6-12 = 5-9*4/5 + 10-14*3/5 = 40 + 30 = 70; 13-19 = 10-14*2/5 + 15-19 = 20 + 50 = 70;
    20+ = 300. R = (35 + 63 + 180) / 440 = 278/440. Ages 0-5 (60 persons) are outside."""
    pop = s([50, 50, 50, 50, 300], ["0-4", "5-9", "10-14", "15-19", "20+"])
    rates = s([0.5, 0.9, 0.6], ["6-12", "13-19", "20+"])
    assert D.overall_rate(pop, rates) == pytest.approx(278 / 440)
    assert D.align(pop, rates).attrs["outside"] == pytest.approx(60)


def test_kitagawa_by_hand():
    """Two bands. a: pop 50/50, rates 0.2/0.6 (R_a = 0.4). b: pop 25/75, rates 0.4/0.6
    (R_b = 0.1 + 0.45 = 0.55). Change 0.15.
    composition: young (0.25-0.5)*(0.2+0.4)/2 = -0.075; old (0.75-0.5)*(0.6+0.6)/2 = 0.15 → 0.075
    rate: young (0.4-0.2)*(0.5+0.25)/2 = 0.075; old 0 → 0.075. Sum 0.15."""
    labels = ["0-49", "50+"]
    k = D.kitagawa(s([50, 50], labels), s([0.2, 0.6], labels),
                   s([25, 75], labels), s([0.4, 0.6], labels))
    assert k["composition"].tolist() == pytest.approx([-0.075, 0.15])
    assert k["rate"].tolist() == pytest.approx([0.075, 0.0])
    total = k.attrs["total"]
    assert (total["composition"], total["rate"], total["change"]) == pytest.approx(
        (0.075, 0.075, 0.15))


def test_kitagawa_refuses_different_bands():
    with pytest.raises(DataError, match="different age bands"):
        D.kitagawa(s([1], ["0+"]), s([0.1], ["0+"]), s([1, 1], ["0-9", "10+"]),
                   s([0.1, 0.2], ["0-9", "10+"]))


positive = st.floats(min_value=1, max_value=1e7, allow_nan=False)
fraction = st.floats(min_value=0, max_value=1, allow_nan=False)


@given(st.lists(st.tuples(positive, fraction, positive, fraction), min_size=1, max_size=8))
def test_kitagawa_effects_sum_exactly_to_the_change(rows):
    labels = [f"{10 * i}-{10 * i + 9}" for i in range(len(rows))]
    pa_, ra, pb, rb = (s([r[j] for r in rows], labels) for j in range(4))
    k = D.kitagawa(pa_, ra, pb, rb)
    t = k.attrs["total"]
    assert t["composition"] + t["rate"] == pytest.approx(t["change"], abs=1e-12)
    assert t["change"] == pytest.approx(D.overall_rate(pb, rb) - D.overall_rate(pa_, ra),
                                        abs=1e-12)


@given(st.lists(st.tuples(positive, fraction), min_size=1, max_size=8))
def test_direct_standardisation_with_own_structure_is_the_crude_rate(rows):
    labels = [f"{10 * i}-{10 * i + 9}" for i in range(len(rows))]
    pop, rates = s([r[0] for r in rows], labels), s([r[1] for r in rows], labels)
    crude = (pop * rates).sum() / pop.sum()
    assert D.standardise_direct(rates, pop) == pytest.approx(crude)


def test_direct_standardisation_by_hand():
    """Rates 0.1 / 0.8 / 0.4 on a standard of 200 / 600 / 200: (20 + 480 + 80) / 1000 = 0.58."""
    assert D.standardise_direct(s([0.1, 0.8, 0.4], BANDS), s([200, 600, 200], BANDS)) == \
        pytest.approx(0.58)


def test_indirect_standardisation_by_hand():
    """Town 100 / 300 / 600 at national rates 0.1 / 0.8 / 0.4: expected 10 + 240 + 240 = 490.
    Observed 441 cards → ratio 0.9."""
    res = D.standardise_indirect(s([100, 300, 600], BANDS), s([0.1, 0.8, 0.4], BANDS), 441)
    assert (res.expected, res.ratio) == pytest.approx((490, 0.9))


def test_rates_from_counts_collapses_the_top_band():
    """90-94: 30 of 100; 95-99: 10 of 50; 100+: 0 of 10 → 90+ = 40 / 160 = 0.25."""
    f = pd.DataFrame({"age_group": ["85-89", "90-94", "95-99", "100+"],
                      "age_lo": pd.array([85, 90, 95, 100], dtype="Int64"),
                      "age_hi": pd.array([89, 94, 99, None], dtype="Int64"),
                      "cards_issued": [50, 30, 10, 0], "population": [100, 100, 50, 10]})
    out = D.rates_from_counts(f, top=90).set_index("age_group")
    assert out.loc["90+", "rate"] == pytest.approx(0.25)
    assert out.loc["85-89", "rate"] == pytest.approx(0.5)


def test_cohort_table_follows_a_cohort_five_years_on():
    """2017-10-01 (decimal 2017.75) band 60-64 (mid age 62.5) and 2022-10-01 band 65-69 (mid
    age 67.5) both have mid birth year 1955.25 → same cohort 1955-1959."""
    f = pd.DataFrame({"reference_date": ["2017-10-01", "2022-10-01"],
                      "age_lo": pd.array([60, 65], dtype="Int64"),
                      "age_hi": pd.array([64, 69], dtype="Int64"), "rate": [0.1, 0.5]})
    out = D.cohort_table(f)
    assert out["birth_cohort"].tolist() == ["1955-1959", "1955-1959"]


def test_carried_rates_shift_cohorts_and_cap():
    """Rates 0-9: 0.2, 10-19: 0.9, 20+: 1.2 (over 100%). Ten years on, age 25 was 15 (0.9);
    age 5 was not born (takes today's 0.2); every rate capped at 1.0."""
    rates = s([0.2, 0.9, 1.2], ["0-9", "10-19", "20+"])
    r = D.carried_rates(rates, 10)
    assert (r[25], r[5], r[35]) == pytest.approx((0.9, 0.2, 1.0))


def test_project_constant_and_cohort_by_hand():
    """Pop in 2030: 0-9 = 100, 10-19 = 100, 20-29 = 100 (ages 0-29 only; rates start at 0).
    Rates at 2020: 0-9: 0.0, 10-19: 1.0, 20+: 0.5.
    constant: (0 + 100 + 50) / 300 = 0.5.
    cohort (+10 y): ages 0-9 not born then → today's 0.0; 10-19 were 0-9 → 0.0;
    20-29 were 10-19 → 1.0: (0 + 0 + 100) / 300 = 1/3."""
    pop = pd.DataFrame({"year": 2030, "age_lo": pd.array([0, 10, 20], dtype="Int64"),
                        "age_hi": pd.array([9, 19, 29], dtype="Int64"),
                        "population": [100.0, 100.0, 100.0]})
    rates = s([0.0, 1.0, 0.5], ["0-9", "10-19", "20+"])
    out = D.project(pop, rates, 2020.0)
    assert out.loc[2030, "constant"] == pytest.approx(0.5)
    assert out.loc[2030, "cohort"] == pytest.approx(1 / 3)


def test_majority_year_by_hand():
    """Rates 0-9: 0.0, 10-19: 1.0, 20+: 0.5 at 2020, threshold 0.9 (only rate-1.0 ages count).
    2020: ages 10-19 hold 100 of 300 → 1/3. 2030 cohort: ages 20-29 carry 1.0 → 1/3 as well.
    With share 0.3 the first year is 2020; with share 0.5 never."""
    rows = []
    for year in (2020, 2030):
        rows += [{"year": year, "age_lo": lo, "age_hi": lo + 9, "population": 100.0}
                 for lo in (0, 10, 20)]
    pop = pd.DataFrame(rows)
    pop["age_lo"] = pop["age_lo"].astype("Int64")
    pop["age_hi"] = pop["age_hi"].astype("Int64")
    rates = s([0.0, 1.0, 0.5], ["0-9", "10-19", "20+"])
    assert D.majority_year(pop, rates, 2020.0, threshold=0.9, share=0.3) == 2020
    assert D.majority_year(pop, rates, 2020.0, threshold=0.9, share=0.5) is None
    table = D.majority_sensitivity(pop, rates, 2020.0, thresholds=[0.9], shares=[0.3, 0.5])
    assert table.loc[0.9, 0.3] == 2020 and pd.isna(table.loc[0.9, 0.5])


def card_rates(date):
    return C.rates_at(C.card_rates(dxlab.load("mic_mynumber_card_age_sex", totals=True)), date)


def test_decomposition_on_bundled_data_matches_the_published_totals():
    """Change 2017-05-15 → 2022-12-31 of the published overall rate (全体 cards ÷ 全体
    population) equals the decomposition's total: band populations fall short of 全体 by
    55-72 persons (SOURCES.md 12a), so agreement is to 1e-6."""
    a, b = card_rates("2017-05-15"), card_rates("2022-12-31")
    k = D.kitagawa(a["population"], a["issuance_rate"], b["population"], b["issuance_rate"])
    cards = dxlab.load("mic_mynumber_card_age_sex", totals=True)
    tot = cards[(cards["sex"] == "total") & (cards["age_group"] == "total")].set_index(
        "reference_date")
    published = (tot.loc["2022-12-31", "cards_issued"] / tot.loc["2022-12-31", "population"]
                 - tot.loc["2017-05-15", "cards_issued"] / tot.loc["2017-05-15", "population"])
    t = k.attrs["total"]
    assert t["change"] == pytest.approx(published, abs=1e-6)
    assert t["composition"] + t["rate"] == pytest.approx(published, abs=1e-6)
    # the published rates 9.0% and 57.1% (one decimal)
    assert round(100 * t["overall_a"], 1) == 9.0 and round(100 * t["overall_b"], 1) == 57.1


def test_projection_on_bundled_data_is_bounded():
    proj = dxlab.load("ipss2017_projection_japan_age_sex")
    rates = card_rates("2022-12-31")["issuance_rate"]
    out = D.project(proj, rates, decimal_year("2022-12-31"))
    assert list(out.index) == list(range(2025, 2066, 5))
    assert ((out > 0) & (out <= 1)).all().all()
    assert np.isfinite(out.to_numpy()).all()


# --------------------------------------------------------------------------- many areas


def test_expected_rates_by_hand():
    """Area A: 20% children, 80% adults; area B: 50% / 50%. Reference rates: children 0.5,
    adults 0.7. Expected A = 0.2*0.5 + 0.8*0.7 = 0.66; B = 0.25 + 0.35 = 0.60.
    Area C has no population (shares NaN): not computable, never a division by zero."""
    shares = pd.DataFrame({"area": ["A", "A", "B", "B", "C", "C"],
                           "age_group": ["0-14", "15+"] * 3,
                           "share": [0.2, 0.8, 0.5, 0.5, np.nan, np.nan]})
    rates = pd.DataFrame({"age_group": ["0-14", "15+"], "rate": [0.5, 0.7]})
    out = D.expected_rates(shares, rates, area="area", on=["age_group"])
    assert out["A"] == pytest.approx(0.66) and out["B"] == pytest.approx(0.60)
    assert np.isnan(out["C"])


def test_expected_rates_needs_a_rate_for_every_group():
    shares = pd.DataFrame({"area": ["A"], "age_group": ["75+"], "share": [1.0]})
    with pytest.raises(DataError, match="no reference rate"):
        D.expected_rates(shares, pd.DataFrame({"age_group": ["0-14"], "rate": [0.5]}),
                         area="area", on=["age_group"])


def test_poisson_interval_matches_the_published_table():
    """Exact 95% limits for a Poisson count of 10: 4.795 and 18.390 (Ulm 1990, Table 1;
    the classical Garwood limits). With E = 10 the O/E interval is 0.4795 to 1.8390."""
    lo, hi = D.poisson_ratio_ci(10, 10)
    assert (float(lo), float(hi)) == pytest.approx((0.4795, 1.8390), abs=5e-4)
    lo0, _ = D.poisson_ratio_ci(0, 5)
    assert float(lo0) == 0.0


def test_funnel_limit_interpolates_between_poisson_quantiles():
    """E = 1, p = 0.975. F(2) = e^-1 (1 + 1 + 1/2) = 0.91970, F(3) = F(2) + e^-1/6 = 0.98101,
    so r = 3 and the limit is 3 − (0.98101 − 0.975)/(0.98101 − 0.91970) = 3 − 0.0980 = 2.902.
    The lower 2.5% limit at E = 1 is 0 (r = 0; O/E cannot be negative)."""
    lo, hi = D.funnel_limits(np.array([1.0]), 0.95)
    assert hi[0] == pytest.approx(2.902, abs=1e-3) and lo[0] == 0.0


@pytest.mark.parametrize("p", [0.0005, 0.001, 0.005, 0.025, 0.5, 0.975, 0.995, 0.999, 0.9995])
def test_poisson_quantile_equals_scipy(p):
    """Against scipy.stats.poisson.ppf over means from 10⁻⁴ to 10⁷ (municipal expected card
    counts reach about 2.5 million), the integers and the worst-case tails included."""
    from scipy.stats import poisson

    rng = np.random.default_rng(7)
    mean = np.concatenate([np.geomspace(1e-4, 1e7, 4000), rng.uniform(0, 30, 2000),
                           np.arange(0.0, 60.0), [np.nan]])
    got = D.poisson_quantile(p, mean)
    want = poisson.ppf(p, mean)
    np.testing.assert_array_equal(got, want)


def test_poisson_quantile_hands_what_does_not_settle_to_scipy():
    """With no steps allowed, every element whose start is off is scipy's answer."""
    from scipy.stats import poisson

    mean = np.array([0.5, 3.0, 1e3, 2.5e6])
    np.testing.assert_array_equal(D.poisson_quantile(0.999, mean, max_steps=0),
                                  poisson.ppf(0.999, mean))


def test_overdispersion_by_hand():
    """Three areas with E = 100 (s = 0.1). y = 1.2, 0.8, 1.0 → z = 2, −2, 0 (no
    winsorising) → φ = 8/3; nφ = 8 > n − 1 = 2, so τ² = (8 − 2) / (300 − 30000/300) = 0.03.
    y = 1.1, 0.9, 1.0 → z = 1, −1, 0, φ = 2/3, nφ = 2: not overdispersed, τ² = 0."""
    e = np.array([100.0, 100.0, 100.0])
    od = D.overdispersion(np.array([1.2, 0.8, 1.0]), e, winsor=0)
    assert od["phi"] == pytest.approx(8 / 3) and od["tau2"] == pytest.approx(0.03)
    assert D.overdispersion(np.array([1.1, 0.9, 1.0]), e, winsor=0)["tau2"] == 0
    lo, hi = D.funnel_limits(e, 0.95, tau2=0.03)  # 1 ± 1.96 √(0.01 + 0.03) = 1 ± 0.392
    assert (lo[0], hi[0]) == pytest.approx((1 - 1.959964 * 0.2, 1 + 1.959964 * 0.2))

# --------------------------------------------------------------------------- Lexis cohorts


def test_cohort_lexis_by_hand():
    """2017-01-01 (t = 2017.0), bands 0-4 (rate 0.2, 100 persons) and 5-9 (0.4, 300).
    Cohort 2010-2014 (born [2010, 2015)) is aged (2, 7]: 3 years in 0-4, 2 in 5-9.
    Densities 100/5 = 20 and 300/5 = 60 per year of age:
    (3 × 20 × 0.2 + 2 × 60 × 0.4) / (3 × 20 + 2 × 60) = (12 + 48) / 180 = 1/3.
    With even weights: (3 × 0.2 + 2 × 0.4) / 5 = 0.28. Cohorts 2015-2019 (partly unborn)
    and 2005-2009 (aged (7, 12], past the bands) are left out."""
    f = pd.DataFrame({"reference_date": ["2017-01-01"] * 2, "age_group": ["0-4", "5-9"],
                      "age_lo": pd.array([0, 5], dtype="Int64"),
                      "age_hi": pd.array([4, 9], dtype="Int64"),
                      "rate": [0.2, 0.4], "population": [100.0, 300.0]})
    out = D.cohort_lexis(f).set_index("birth_cohort")
    assert list(out.index) == ["2010-2014"]
    assert out.loc["2010-2014", "rate"] == pytest.approx(1 / 3)
    assert out.loc["2010-2014", "bands"] == "0-4, 5-9"
    assert (out.loc["2010-2014", "age_from"], out.loc["2010-2014", "age_to"]) == (2.0, 7.0)
    even = D.cohort_lexis(f, population=None).set_index("birth_cohort")
    assert even.loc["2010-2014", "rate"] == pytest.approx(0.28)


def synthetic_constant_cohorts(dates):
    """SYNTHETIC: every birth cohort keeps one rate for life, linear in birth year:
    rho(b) = 0.1 + 0.004 × (b − 1930); the population is even, 1,000 persons per year of age.
    A band [lo, lo + 5) observed at t holds births (t − lo − 5, t − lo], so its rate is
    rho at the band's mid birth year, 0.1 + 0.004 × (t − lo − 2.5 − 1930)."""
    rows = []
    for d in dates:
        t = decimal_year(d)
        for lo in range(0, 90, 5):
            rows.append({"reference_date": d, "age_group": f"{lo}-{lo + 4}", "age_lo": lo,
                         "age_hi": lo + 4, "population": 5000.0,
                         "rate": 0.1 + 0.004 * (t - lo - 2.5 - 1930)})
    f = pd.DataFrame(rows)
    f["age_lo"] = f["age_lo"].astype("Int64")
    f["age_hi"] = f["age_hi"].astype("Int64")
    return f


def test_cohort_lexis_is_flat_on_constant_cohort_rates_and_cohort_table_is_not():
    """On the synthetic population above, cohort [c, c + 5) has rate
    0.1 + 0.004 × (c + 2.5 − 1930) on every date: with an even population and rho linear,
    the Lexis mean over the cohort's ages (t − c − 5, t − c] of the band rates is exactly
    rho at the cohort's mid birth year (the band offsets average out; worked in
    demography.cohort_lexis's docstring). The old mid-birth-year binning puts bands whose
    mid birth year lies anywhere in [c, c + 5) into cohort c, so its rates within one cohort
    differ by up to 0.004 × 5 = 0.02: a saw-tooth."""
    dates = ["2017-05-15", "2017-08-31", "2018-12-01", "2019-09-16", "2020-09-01",
             "2021-06-01", "2022-01-01", "2022-12-31"]
    f = synthetic_constant_cohorts(dates)
    lexis = D.cohort_lexis(f)
    spread = lexis.groupby("cohort_start")["rate"].agg(lambda s: s.max() - s.min())
    assert spread.max() == pytest.approx(0, abs=1e-12)
    expected = 0.1 + 0.004 * (lexis["cohort_start"] + 2.5 - 1930)
    assert np.allclose(lexis["rate"], expected)
    old = D.cohort_table(f)
    old_spread = old.groupby("cohort_start")["rate"].agg(lambda s: s.max() - s.min())
    assert old_spread.max() > 0.01


# --------------------------------------------------------------------------- thresholds


def test_share_at_or_above_by_hand():
    """Rates 0-9: 0.4 (100 persons), 10-19: 0.6 (300), 20+: 0.5 (100); 500 persons.
    t = 0.40 → all 500 → 1.0; t = 0.50 → 300 + 100 = 400 → 0.8; t = 0.55 → 300 → 0.6;
    t = 0.61 → 0. The threshold for a majority: sorted by rate 0.6 (cum 0.6 > 0.5) → 0.6;
    for share 0.7: 0.6 (0.6), 0.5 (0.8 > 0.7) → 0.5."""
    rates = s([0.4, 0.6, 0.5], ["0-9", "10-19", "20+"])
    pop = s([100, 300, 100], ["0-9", "10-19", "20+"])
    out = D.share_at_or_above(pop, rates, [0.40, 0.50, 0.55, 0.61])
    assert out.tolist() == pytest.approx([1.0, 0.8, 0.6, 0.0])
    assert D.threshold_for_share(pop, rates, 0.5) == pytest.approx(0.6)
    assert D.threshold_for_share(pop, rates, 0.7) == pytest.approx(0.5)
