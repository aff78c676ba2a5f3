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
