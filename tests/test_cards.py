"""dxlab.cards: My Number Card table helpers, on toy tables worked by hand and on the bundled
tables against their published all-ages figures."""

from __future__ import annotations

import pandas as pd
import pytest

import dxlab
from dxlab import cards as C
from dxlab.errors import DataError


@pytest.fixture(scope="module")
def cards():
    return dxlab.load("mic_mynumber_card_age_sex", totals=True)


def toy():
    """Two dates. 2021-01-01 publishes 85-89, 90-94, 95-99, 100+; 2022-06-01 publishes 90+.
    2021: 90+ = (30 + 10 + 0) / (100 + 50 + 10) = 40 / 160 = 0.25.
    2022: 90+ = 60 / 150 = 0.4. 85-89: 2021 50/100 = 0.5, 2022 70/100 = 0.7."""
    rows = [("2021-01-01", "85-89", 85, 89, 50, 100), ("2021-01-01", "90-94", 90, 94, 30, 100),
            ("2021-01-01", "95-99", 95, 99, 10, 50), ("2021-01-01", "100+", 100, None, 0, 10),
            ("2022-06-01", "85-89", 85, 89, 70, 100), ("2022-06-01", "90+", 90, None, 60, 150)]
    f = pd.DataFrame(rows, columns=["reference_date", "age_group", "age_lo", "age_hi",
                                    "cards_issued", "population"])
    f["age_lo"] = f["age_lo"].astype("Int64")
    f["age_hi"] = f["age_hi"].astype("Int64")
    return f.assign(sex="total")


def test_card_rates_give_every_date_the_same_top_band():
    out = C.card_rates(toy(), top=90).set_index(["reference_date", "age_group"])
    assert out.loc[("2021-01-01", "90+"), "issuance_rate"] == pytest.approx(0.25)
    assert out.loc[("2022-06-01", "90+"), "issuance_rate"] == pytest.approx(0.4)
    assert out.loc[("2022-06-01", "85-89"), "issuance_rate_percent"] == pytest.approx(70)
    assert sorted(out.index.get_level_values("age_group").unique()) == ["85-89", "90+"]


def test_band_rates_sum_counts_not_rates():
    """85+ on 2021-01-01: (50 + 30 + 10 + 0) / (100 + 100 + 50 + 10) = 90 / 260."""
    rows = toy()[toy()["reference_date"] == "2021-01-01"]
    out = C.band_rates(rows, "0-84,85+").set_index("age_group")
    assert out.loc["85+", "issuance_rate"] == pytest.approx(90 / 260)


def test_rates_at_an_unknown_date_lists_the_published_ones(cards):
    rates = C.card_rates(cards)
    with pytest.raises(DataError, match="no My Number Card table for 2022-12-30.*2022-12-31"):
        C.rates_at(rates, "2022-12-30")


def test_bands_agree_with_the_published_overall_rate_on_every_date(cards):
    """The published 全体 rate has one decimal, so bands ÷ population may differ by up to
    0.05 points plus the 55-72 persons outside the bands (SOURCES.md 12a)."""
    check = C.overall_check(cards)
    assert len(check) == 38
    assert check["difference_points"].abs().max() <= 0.051
    assert check["population_gap"].between(0, 72).all()
    # published: 2017-05-15 9.0 %, 2022-12-31 57.1 % (MIC tables, both sexes)
    assert check.loc["2017-05-15", "published_percent"] == 9.0
    assert check.loc["2022-12-31", "published_percent"] == 57.1


def test_direct_standardisation_with_the_own_structure_is_the_crude_rate(cards):
    """Standardising each date to that date's own band populations returns its crude rate;
    to the 平成27年 model population it differs, but by well under a point (flat age profile)."""
    rates = C.card_rates(cards, top=90)
    own = rates[rates["reference_date"] == "2022-12-31"][
        ["age_group", "age_lo", "age_hi", "population"]]
    out = C.standardised_rates(cards, own)
    assert out.loc["2022-12-31", "difference_points"] == pytest.approx(0, abs=1e-9)
    model = dxlab.load("model_population_japan")
    h27 = C.standardised_rates(cards, model[model["standard"].str.startswith("H27")])
    assert (h27["difference_points"].abs() < 1).all()

# --------------------------------------------------------------------------- adopters


def test_adopters_by_hand():
    """2022-06-01 of the toy: 85-89 has 70 cards of 100, 90+ 60 of 150 (250 persons).
    Shares 100/250 = 0.4 and 150/250 = 0.6; contributions 0.4 × 0.7 = 0.28 and
    0.6 × 0.4 = 0.24; adopter share 0.52 = 130/250. Non-adopters 30 and 90 (120), so their
    shares are 0.25 and 0.75."""
    out = C.adopters(toy(), "2022-06-01", sexes=("total",)).set_index("age_group")
    assert out.loc["85-89", "contribution"] == pytest.approx(0.28)
    assert out.loc["90+", "non_adopters"] == 90
    assert out.loc["90+", "non_adopter_share"] == pytest.approx(0.75)
    assert out.loc["total", "adopters"] == 130 and out.loc["total", "non_adopters"] == 120
    assert out.loc["total", "issuance_rate"] == pytest.approx(130 / 250)
    assert out.attrs["adopter_share"]["total"] == pytest.approx(0.52)


def test_adopters_refuse_an_unpublished_date():
    with pytest.raises(DataError, match="2022-06-02"):
        C.adopters(toy(), "2022-06-02", sexes=("total",))


def test_adopter_share_equals_the_published_rate_on_every_date_and_sex(cards):
    """Σ(share × rate) against the published 全体 rate, 38 dates × 3 sexes. Tolerance worked
    out in adopter_share_check's docstring; the widest case, men on 2019-09-16: published
    15.2%, 全体 population 62,174,142, bands 81,101 persons above it (SOURCES.md 12a), so
    0.05 + 15.25 × 81,101 / (62,174,142 − 81,101) = 0.05 + 0.019918 = 0.069918 points."""
    check = C.adopter_share_check(cards)
    assert len(check) == 38 * 3
    assert check["within"].all()
    assert (check["cards_gap"] == 0).all()  # cards of the bands sum to 全体 on every date
    assert check.loc[("2019-09-16", "male"), "tolerance_points"] == pytest.approx(0.069918,
                                                                                abs=1e-6)
    assert check.loc[("2019-09-16", "male"), "population_gap"] == -81101
    # published: 57.1% both sexes on 2022-12-31 (MIC table)
    assert round(check.loc[("2022-12-31", "total"), "adopter_share_percent"], 1) == 57.1


def test_registers_take_the_corrected_print(cards):
    """The 2019 register is printed from 2019-09-16 to 2020-08-01; on 2019-09-16 the male
    30-34 row still carried the 2018 value 3,740,090, later dates 3,658,968 (SOURCES.md 12a)."""
    regs = C.registers(cards).set_index(["population_reference_date", "sex", "age_group"])
    assert regs.loc[("2019-01-01", "male", "30-34"), "population"] == 3658968
    assert regs.loc[("2019-01-01", "male", "30-34"), "first_count_date"] == "2019-09-16"
    assert sorted(regs.index.get_level_values(0).unique()) == [
        f"{y}-01-01" for y in range(2016, 2023)]


def registers_toy():
    """Two registers: 2020-01-01 (0-89: 100, 90+: 10) and 2021-01-01 (0-89: 110, 90+: 20)."""
    rows = []
    for date, reg, p0, p1 in (("2020-01-01", "2020-01-01", 100, 10),
                              ("2020-07-01", "2020-01-01", 100, 10),
                              ("2021-01-01", "2021-01-01", 110, 20),
                              ("2021-07-02", "2021-01-01", 110, 20)):
        rows += [(date, reg, "0-89", 0, 89, 50, p0), (date, reg, "90+", 90, None, 5, p1)]
    f = pd.DataFrame(rows, columns=["reference_date", "population_reference_date", "age_group",
                                    "age_lo", "age_hi", "cards_issued", "population"])
    f["age_lo"] = f["age_lo"].astype("Int64")
    f["age_hi"] = f["age_hi"].astype("Int64")
    return f.assign(sex="total")


def test_count_date_population_interpolates_and_extrapolates_by_hand():
    """2020-07-01 is day 183 of 2020: t = 2020 + 182/365.25 = 2020.49829; the registers are
    at 2020.0 and 2021.0, so P(0-89) = 100 + 0.49829 × (110 − 100) = 104.9829.
    2021-07-02 is day 183 of 2021, past the last register: extrapolated with the last annual
    change, 110 + 0.49829 × 10 = 114.9829. 2021-01-01 is a register date: 110."""
    out = C.count_date_population(registers_toy(), sexes=("total",)).set_index(
        ["reference_date", "age_group"])
    assert out.loc[("2020-07-01", "0-89"), "population_count_date"] == pytest.approx(
        100 + 10 * 182 / 365.25)
    assert out.loc[("2020-07-01", "0-89"), "denominator_method"] == "interpolated"
    assert out.loc[("2021-07-02", "0-89"), "population_count_date"] == pytest.approx(
        110 + 10 * 182 / 365.25)
    assert out.loc[("2021-07-02", "0-89"), "denominator_method"] == "extrapolated"
    assert out.loc[("2021-01-01", "90+"), "population_count_date"] == pytest.approx(20)
    assert out.loc[("2021-01-01", "90+"), "denominator_method"] == "register"
    assert out.loc[("2020-07-01", "90+"), "issuance_rate_count_date"] == pytest.approx(
        5 / (10 + 10 * 182 / 365.25))


def test_age_basis_changes_by_hand():
    """Toy: 0-89 cards 50, 50, 40, 45 and register 2020, 2020, 2020, 2021 → a fall of 10
    cards on the third date (ages recomputed) and a new register on the fourth."""
    f = registers_toy()
    f.loc[f["age_group"] == "0-89", "cards_issued"] = [50, 50, 40, 45]
    f["population_reference_date"] = ["2020-01-01"] * 6 + ["2021-01-01"] * 2
    out = C.age_basis_changes(f).set_index("reference_date")
    assert list(out.index) == ["2021-01-01", "2021-07-02"]
    assert out.loc["2021-01-01", "numerator_rolled_over"]
    assert not out.loc["2021-01-01", "denominator_rebased"]
    assert out.loc["2021-01-01", "cards_fallen"] == 10
    assert out.loc["2021-07-02", "denominator_rebased"]
    assert not out.loc["2021-07-02", "numerator_rolled_over"]


def test_age_basis_changes_on_the_bundled_tables(cards):
    """Registers change between the dates SOURCES.md 12 lists (2016→2017 … 2021→2022; the
    2020→2021 change falls between 2021-06-01 and 2021-10-01 in the age table). The 0-4 card
    count falls, e.g., from 1,249,229 (2021-12-01) to 1,006,525 (2022-01-01), which cumulative
    issuance of fixed cohorts cannot do: the card counts' ages were recomputed."""
    out = C.age_basis_changes(cards).set_index("reference_date")
    assert list(out.index[out["denominator_rebased"]]) == [
        "2017-08-31", "2018-07-01", "2019-09-16", "2020-09-01", "2021-10-01", "2022-08-31"]
    rolled = out[out["numerator_rolled_over"]]
    assert list(rolled.index) == ["2018-12-01", "2019-09-16", "2020-09-01", "2022-01-01"]
    assert "0-4" in rolled.loc["2022-01-01", "bands_fallen"]


def test_later_national_figures_are_the_secondary_2025_rows():
    """BCN (2025-02-17) reporting MIC: 2025-01-31 cumulative issuance 85.8%, held 77.6%
    (SOURCES.md section 5)."""
    later = C.later_national_figures(dxlab.load("mic_digital_adoption_prefecture", totals=True))
    got = later.set_index("measure")["percent"]
    assert got["issuance_rate_cumulative"] == 85.8 and got["holding_rate"] == 77.6
    assert later["source_quality"].str.startswith("secondary").all()
