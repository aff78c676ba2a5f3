"""NSTAC (独立行政法人統計センター): SSDSE, the Standardized Statistical Data Set for Education.
Multi-indicator tables: ``item_code`` and ``item_name_ja`` say what ``value`` is; units are
in NSTAC's 解説書, not in the files."""

from dxlab.sources import nstac
from dxlab.sources.spec import Dataset
from dxlab.sources.steps import prefectures

ssdse_b_2026_prefecture = Dataset(
    name="ssdse_b_2026_prefecture",
    description="SSDSE-B 2026: 109 items by prefecture and year 2012-2023 (long form).",
    fields=("year", "pref_code", "prefecture", "item_code", "item_name_ja", "value"),
    key=("year", "pref_code", "item_code"),
    steps=(prefectures(),),
)

ssdse_e_2026_prefecture = Dataset(
    name="ssdse_e_2026_prefecture",
    description="SSDSE-E 2026: 93 items for 全国 and the 47 prefectures, one reference year "
    "per item (long form).",
    fields=("reference_year", "pref_code", "prefecture", "item_code", "item_name_ja", "value"),
    key=("pref_code", "item_code"),
    steps=(prefectures(),),
    totals={"pref_code": ("00",)},
)

ssdse_a_2025_municipal = Dataset(
    name="ssdse_a_2025_municipal",
    description="SSDSE-A 2025: 125 items for each of the 1,741 municipalities (2020 census "
    "population by sex and age group, households, area …), one row per municipality × item; "
    "the official file, CP932 with three header rows.",
    fields=("muni_code5", "pref_code", "prefecture", "municipality", "item_code",
            "item_name_ja", "reference_year", "value"),
    key=("muni_code5", "item_code"),
    encoding="cp932",
    read=nstac.read_ssdse_a,
    steps=(prefectures(),),
    nullable=("value",),
)
