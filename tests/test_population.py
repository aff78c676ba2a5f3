"""dxlab.population: persons of unknown age and the 2020 shares two ways, against the
published census totals."""

from __future__ import annotations

import pytest

import dxlab
from dxlab import population as Pn


@pytest.fixture(scope="module")
def bands():
    return dxlab.load("census_population_japan_age_sex")


def test_age_unknown_against_published_totals(bands):
    """2020 census: total 126,146,099; the age bands sum to 123,214,261 (SOURCES.md 1a), so
    2,931,838 persons (2.3242%) have no stated age. 1920: no one (total 55,963,053 both)."""
    out = Pn.age_unknown(bands, dxlab.load("census_population_prefecture_total", totals=True))
    assert out.loc[2020, "age_unknown"] == 126_146_099 - 123_214_261
    assert out.loc[2020, "age_unknown_percent"] == pytest.approx(
        100 * 2_931_838 / 126_146_099)
    assert out.loc[1920, "age_unknown"] == 0


def test_2020_shares_both_ways(bands):
    """Age-known 0-14 in 2020: 14,955,692 of 123,214,261 = 12.1380%; the official imputed
    share is 11.9% (Statistics Bureau, 2020 census 不詳補完値; quoted secondary in the data),
    so the difference is +0.238 points. The three imputed shares sum to 100.0."""
    out = Pn.shares_both_ways(bands, dxlab.load("projection_japan_age3", totals=True))
    assert out.loc["0-14", "population_age_known"] == 14_955_692
    assert out.loc["0-14", "percent_age_known"] == pytest.approx(100 * 14_955_692 / 123_214_261)
    assert out["percent_imputed"].tolist() == [11.9, 59.5, 28.6]
    assert out.loc["0-14", "difference_points"] == pytest.approx(
        100 * 14_955_692 / 123_214_261 - 11.9)
    assert out["imputed_source_quality"].str.startswith("secondary").all()


def test_1945_is_labelled_as_the_population_survey():
    assert Pn.year_label(1945) == "1945 (人口調査, 1 Nov)"
    assert Pn.year_label(2020) == "2020"
    assert "1 November 1945" in Pn.SURVEY_NOTES[1945]
