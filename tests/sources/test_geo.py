"""Locations read from the two packages that ship them offline."""

import numpy as np

import dxlab
from dxlab.sources.geo import municipal_points, prefecture_outlines


def test_a_point_for_every_municipality_of_the_card_tables():
    points = municipal_points()
    assert len(points) == 1741
    codes = set(dxlab.load("ssdse_a_2025_municipal")["muni_code5"])
    assert set(points["muni_code5"]) == codes
    # 千代田区 is in central Tokyo; 小笠原村 on the Ogasawara islands, about 1,000 km south
    p = points.set_index("muni_code5")
    assert abs(p.loc["13101", "lat"] - 35.69) < 0.05 and abs(p.loc["13101", "lon"] - 139.75) < 0.05
    assert 26 < p.loc["13421", "lat"] < 28
    assert p["note"].notna().sum() == 4


def test_47_outlines_in_longitude_and_latitude():
    outlines = prefecture_outlines()
    assert sorted(outlines) == [f"{i:02d}" for i in range(1, 48)]
    lon, lat = np.vstack(list(outlines.values())).T
    assert lon.min() > 122 and lon.max() < 146.5 and lat.min() > 24 and lat.max() < 46
