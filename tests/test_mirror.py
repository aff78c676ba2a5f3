"""Official byte copies in ../shared/mirror read through dxlab's loaders and checked against
published totals. Skipped with a reason where the mirror is absent (any user's clone)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import MIRROR, needs_mirror

import dxlab
from dxlab.sources import census, mic, nstac

pytestmark = pytest.mark.mirror


@needs_mirror("census_time_series", "c03.csv")
def test_census_c03_reproduces_published_totals():
    frame, account = census.read_census_c03(MIRROR / "census_time_series" / "c03.csv")
    account.check(len(frame))
    both = frame[frame["sex"] == "total"]
    # 2015 census total population (incl. age not stated): 127,094,745
    y2015 = both[(both["year"] == 2015) & both["is_total"] & (both["age_group"] == "total")]
    assert y2015["population"].sum() == 127_094_745
    # 2000 census: 0-14 = 18,472,499; 65+ = 22,005,152 (sum of the 47 prefectures)
    y2000 = both[both["year"] == 2000]
    assert y2000.loc[y2000["age_hi"] <= 14, "population"].sum() == 18_472_499
    assert y2000.loc[y2000["age_lo"] >= 65, "population"].sum() == 22_005_152
    reasons = [d.reason for d in account.drops]
    assert any("footnote" in r for r in reasons)


@needs_mirror("census_time_series", "c03.csv")
def test_c03_prefecture_totals_equal_the_bundled_e_stat_extraction():
    frame, _ = census.read_census_c03(MIRROR / "census_time_series" / "c03.csv")
    c03 = frame[(frame["sex"] == "total") & (frame["age_group"] == "total")
                & (frame["year"] == 2015)].set_index("pref_code")["population"]
    bundled = dxlab.load("census_population_prefecture_total")
    b2015 = bundled[bundled["year"] == 2015].set_index("pref_code")["population"]
    pd.testing.assert_series_equal(c03.sort_index().astype("int64"),
                                   b2015.sort_index().astype("int64"), check_names=False)


MYNUMBER_DATES = sorted(p.name for p in (MIRROR / "mynumbercard").glob("2*")) if (
    MIRROR / "mynumbercard").is_dir() else []


@needs_mirror("mynumbercard")
def test_every_municipal_table_reads_with_1741_rows():
    assert len(MYNUMBER_DATES) == 47
    for folder in MYNUMBER_DATES:
        frame, _ = mic.read_mynumber_municipal(MIRROR / "mynumbercard" / folder /
                                               "all_localgovs.csv")
        assert len(frame) == 1741, folder
        assert frame["muni_code5"].notna().sum() >= 1739, folder


@needs_mirror("mynumbercard", "20221231", "all_localgovs.csv")
def test_municipal_cards_sum_to_the_published_national_total():
    frame, _ = mic.read_mynumber_municipal(MIRROR / "mynumbercard" / "20221231" /
                                           "all_localgovs.csv")
    ages = dxlab.load("mic_mynumber_card_age_sex", totals=True)
    national = ages[(ages["reference_date"] == "2022-12-31") & (ages["age_group"] == "total")
                    & (ages["sex"] == "total")]["cards_issued"].item()
    assert frame["cards_issued"].sum() == national
    sapporo = frame[frame["municipality"] == "札幌市"].iloc[0]
    assert sapporo["muni_code5"] == "01100"  # file has 11002 = 011002 with check digit


@needs_mirror("ssdse", "SSDSE-A-2025.csv")
def test_ssdse_a_cp932_file_sums_to_the_2020_census_total():
    frame, account = nstac.read_ssdse_a(MIRROR / "ssdse" / "SSDSE-A-2025.csv")
    account.check(len(frame))
    assert frame["muni_code5"].nunique() == 1741
    # 2020 census total population of Japan: 126,146,099
    assert frame.loc[frame["item_code"] == "A1101", "value"].sum() == 126_146_099
