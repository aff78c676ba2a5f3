"""Locations shipped inside two PyPI packages, read offline (no download at run time).

- Prefecture outlines: ``japanmap`` (Apache-2.0, S. Saito): one ring per prefecture in
  longitude/latitude, the main area only (islands such as Sado or Awaji are not drawn); the
  package does not document where its boundaries come from. Only its data functions are used
  (its ``picture()``, which needs OpenCV, is not).
- Municipal points: ``japancode`` 0.1.0 (MIT), whose ``municipalities.json`` is
  code4fukui/localgovjp (CC0; sources 国土地理院 and J-LIS): the location of each
  municipality's office (役所・役場), not its centroid. Four offices lie outside their
  municipality (三島村, 十島村 in 鹿児島市; 竹富町 in 石垣市; 双葉町's entry is its evacuation
  office in いわき市): flagged in ``note``.
"""

from __future__ import annotations

import json
from importlib.resources import files

import numpy as np
import pandas as pd

from dxlab.errors import DataError

OFFICE_OUTSIDE = {
    "46303": "office in 鹿児島市 (outside the village)",
    "46304": "office in 鹿児島市 (outside the village)",
    "47381": "office in 石垣市 (outside the town)",
    "07546": "point is the evacuation-era office in いわき市 (the town office returned in 2022)",
}
PROVENANCE = {
    "prefecture_outlines": "japanmap (PyPI, Apache-2.0): main-area outline per prefecture; "
                           "boundary source not documented by the package; islands omitted",
    "municipal_points": "japancode 0.1.0 (PyPI, MIT) data/municipalities.json = "
                        "code4fukui/localgovjp (CC0; 国土地理院, J-LIS): "
                        "municipal office locations",
}


def prefecture_outlines() -> dict[str, np.ndarray]:
    """Outline of each prefecture: {'01': array of (lon, lat)} for the 47 JIS codes."""
    import japanmap

    rings = japanmap.pref_points(japanmap.get_data())
    if len(rings) != 47:
        raise DataError("japanmap did not return 47 prefecture outlines", value=len(rings))
    return {f"{i + 1:02d}": np.asarray(r, dtype=float) for i, r in enumerate(rings)}


def municipal_points() -> pd.DataFrame:
    """One row per municipality (1,741; 政令市 as whole cities, their wards left out):
    muni_code5, name, kana, lat, lon, note."""
    path = files("japancode").joinpath("data/municipalities.json")
    records = json.loads(path.read_text(encoding="utf-8"))
    rows = [{"muni_code5": str(r["cid"]).zfill(5), "name": r["city"], "kana": r["citykana"],
             "lat": float(r["lat"]), "lon": float(r["lng"])}
            for r in records if " " not in r["city"]]  # '札幌市 中央区' = a ward of a 政令市
    out = pd.DataFrame(rows)
    if out["muni_code5"].duplicated().any():
        raise DataError("japancode lists a municipality twice",
                        value=out.loc[out["muni_code5"].duplicated(), "muni_code5"].iloc[0])
    out["note"] = out["muni_code5"].map(OFFICE_OUTSIDE)
    return out
