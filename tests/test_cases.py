"""dxlab.cases: the MIC reference cases located among all areas; representation intervals."""

import pandas as pd
import pytest

import dxlab
from dxlab import areas, cases
from dxlab.errors import DataError


@pytest.fixture(scope="module")
def bundle():
    return areas.load()


def test_every_case_is_located(bundle):
    located = cases.locate(dxlab.load("mic_dx_case_studies_2023"), bundle).set_index(
        "organisation_ja")["area_code"]
    assert located["あわら市"] == "18208" and located["都城市"] == "45202"
    assert located["愛媛県"] == "38" and located["横浜市"] == "14100"
    assert located["西会津町"] == "07405" and located["舟形町"] == "06363"


def test_an_unknown_case_name_is_an_error(bundle):
    bad = pd.DataFrame({"case_no": [1], "organisation_ja": ["どこか町"], "pref_code": ["06"],
                        "prefecture_ja": ["山形県"], "organisation_level": ["town"]})
    with pytest.raises(DataError, match="case 1: 0 municipalities called 'どこか町' in 山形県"):
        cases.locate(bad, bundle)


def test_size_representation_by_hand(bundle):
    """Four municipal cases of 5,000, 20,000, 50,000 and 100,000 persons: 1 of 4 below 10,000.
    Clopper-Pearson 95% interval for 1 of 4: lower = 1 − 0.975^(1/4) = 0.006309, upper 0.8059
    (the Beta(2, 3) 97.5% point; Clopper & Pearson 1934)."""
    profile = pd.DataFrame({"level": ["town", "city", "city", "city", "prefecture"],
                            "population_2020_census": [5_000, 20_000, 50_000, 100_000, 10**6]})
    rep = cases.size_representation(profile, bundle, cuts=(10_000,)).iloc[0]
    assert (rep["cases_below"], rep["cases"]) == (1, 4)
    assert rep["low"] == pytest.approx(1 - 0.975 ** 0.25) and rep["high"] == pytest.approx(
        0.8059, abs=1e-4)
    everyone = bundle.names["population_known"]
    assert rep["all_share"] == pytest.approx((everyone < 10_000).mean())
