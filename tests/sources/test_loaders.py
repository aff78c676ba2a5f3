"""Every bundled dataset loads; row accounting balances; loaders agree with published or
cross-source totals."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO

import dxlab
from dxlab.datasets import read_catalog

NAMES = sorted(read_catalog(REPO / "data" / "raw"))


@pytest.mark.parametrize("name", NAMES)
def test_every_dataset_loads_and_accounts_for_its_rows(name):
    frame = dxlab.load(name)
    acc = frame.attrs["accounting"]
    assert acc["rows_in"] == len(frame) + acc["rows_dropped"]
    for drop in acc["drops"]:
        assert drop["reason"] and drop["rows"] > 0
    assert frame.attrs["provenance"]["name"] == name
    with_totals = dxlab.load(name, totals=True)
    assert len(with_totals) >= len(frame)


def test_totals_are_dropped_by_default_with_a_reason():
    cards = dxlab.load("mic_mynumber_card_age_sex")
    assert "total" not in set(cards["age_group"]) and "total" not in set(cards["sex"])
    reasons = [d["reason"] for d in cards.attrs["accounting"]["drops"]]
    assert any("double counting" in r for r in reasons)


def test_mynumber_bands_sum_to_the_published_cards_total():
    """SOURCES.md 12a: cards of the age bands equal 全体 on every date, for each sex."""
    cards = dxlab.load("mic_mynumber_card_age_sex", totals=True)
    bands = cards[cards["age_group"] != "total"].groupby(["reference_date", "sex"])[
        "cards_issued"].sum()
    total = cards[cards["age_group"] == "total"].set_index(["reference_date", "sex"])[
        "cards_issued"]
    assert (bands.sort_index() == total.sort_index()).all()


def test_prefecture_cards_sum_to_the_national_total():
    pref = dxlab.load("mic_mynumber_card_prefecture")
    ages = dxlab.load("mic_mynumber_card_age_sex", totals=True)
    national = ages[(ages["age_group"] == "total") & (ages["sex"] == "total")].set_index(
        "reference_date")["cards_issued"]
    summed = pref.groupby("reference_date")["cards_issued"].sum()
    shared = summed.index.intersection(national.index)
    assert len(shared) > 25
    assert (summed[shared] == national[shared]).all()


def test_projection_base_year_is_the_2015_census():
    proj = dxlab.load("ipss2017_projection_japan_age_sex")
    assert proj.loc[proj["year"] == 2015, "population"].sum() == 127_094_745


def test_ipss2018_prefectures_sum_to_the_national_projection():
    """SOURCES.md section 8: 47-prefecture sums equal the national 2017 projection, 2015-2045."""
    pref = dxlab.load("ipss2018_projection_prefecture_total").groupby("year")["population"].sum()
    nat = dxlab.load("ipss2017_projection_japan_age_sex").groupby("year")["population"].sum()
    assert (pref == nat.loc[pref.index]).all()


def test_osaka_kpi_values_parsed_with_qualifiers():
    kpi = dxlab.load("osaka_dx_kpi_fy2023").set_index(["indicator_id", "record", "fiscal_year"])
    actual = kpi.loc[("online_procedures", "actual", 2023)]
    assert (actual["value"], actual["unit"], actual["approx"]) == (1100, "件", True)
    target = kpi.loc[("data_viz_usage", "target", 2026)]
    assert (target["value"], target["bound"]) == (70, ">=")
    assert kpi.loc[("training_attendees", "target", 2023), "per"] == "year"
    assert kpi.loc[("external_experts", "target", 2023), "unit_name"] == "persons"


def test_case_study_populations_from_man_units():
    cases = dxlab.load("mic_dx_case_studies_2023").set_index("organisation_ja")
    assert cases.loc["愛媛県", "population"] == 1_342_000
    assert cases.loc["横浜市", "population"] == 3_756_000


def test_secondary_row_superseded_by_the_official_one():
    sec = dxlab.load("mic_internet_usage_by_age_secondary")
    reasons = [d["reason"] for d in sec.attrs["accounting"]["drops"]]
    assert any("superseded by the official" in r for r in reasons)
    assert not ((sec["survey_year"] == 2009) & (sec["age_group"] == "65-69")).any()


def test_data_list_and_show():
    out = subprocess.run([sys.executable, "-m", "dxlab.cli", "data", "list"],
                         capture_output=True, text=True, check=True).stdout
    for name in NAMES:
        assert name in out
    show = subprocess.run([sys.executable, "-m", "dxlab.cli", "data", "show",
                           "mic_mynumber_card_age_sex"], capture_output=True, text=True,
                          check=True).stdout
    assert "[OK]" in show and "issuance_rate_percent" in show and "percent" in show
    assert "source_url" in show and "rows" in show and "double counting" in show
