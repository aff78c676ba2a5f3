"""NSTAC (独立行政法人統計センター): SSDSE, the Standardized Statistical Data Set for Education.
Multi-indicator tables: ``item_code`` and ``item_name_ja`` say what ``value`` is; units are
in NSTAC's 解説書, not in the files."""

import numpy as np

from dxlab.sources import nstac
from dxlab.sources.checks import items_add_up, value_ranges
from dxlab.sources.spec import Dataset
from dxlab.sources.steps import prefectures

# ---------------------------------------------------------------- value ranges
# Read from the item names (NSTAC's 解説書 gives the units): nearly every SSDSE item is a count
# (persons, households, births, establishments, schools …), an area, an amount of money or
# of waste, days or millimetres of rain, or a ratio that cannot be negative (合計特殊出生率,
# 経常収支比率, which exceeds 100 where current spending exceeds revenue) — so >= 0 is the
# default. The exceptions are listed: items that can be negative, and true shares (0-100).
CAN_BE_NEGATIVE = {
    "B4101": "年平均気温 (°C)",
    "B4102": "最高気温 (°C)",
    "B4103": "最低気温 (°C; below zero in the north)",
    "D2211": "実質公債費比率 (%; negative where special revenue exceeds debt service)",
}
SHARES = {"H5614": "ごみのリサイクル率 (%)"}


def _ssdse_ranges():
    return value_ranges(
        "item_code",
        {**{c: (None, None) for c in CAN_BE_NEGATIVE}, **{c: (0, 100) for c in SHARES}},
        default=(0, None), label="item_name_ja",
        doc="value >= 0 for every item (counts, areas, amounts, non-negative ratios), except "
        f"{', '.join(CAN_BE_NEGATIVE)} (temperatures, 実質公債費比率: may be negative) and "
        f"{', '.join(SHARES)} (a share: 0-100)")


# ---------------------------------------------------------------- totals and their parts
# 総数 = 男 + 女 items: the item code + '01' (男) and + '02' (女).
SEX_PAIRS_A = ("A1101", "A1102", "A1301", "A1302", "A1303", "A1419", "F1102", "F1107", "F1108")
SEX_PAIRS_B_POPULATION = ("A1101", "A1102", "A1301", "A1302", "A1303")
SEX_PAIRS_B_EXACT = ("A4101", "A4200", "A5101", "A5102")  # births, deaths, migrants: counts
CENSUS_YEARS = (2015, 2020)


def _sexes(code: str, **kw):
    return items_add_up(code, (f"{code}01", f"{code}02"), **kw)


def _population_rounding(index) -> np.ndarray:
    """SSDSE-B population items: census years (国勢調査) are exact counts in persons; the other
    years are population estimates (人口推計) published in thousands, so a total and its two
    parts, each rounded to 1,000, can differ by one unit of 1,000."""
    return np.where(index.get_level_values("year").isin(CENSUS_YEARS), 0.0, 1000.0)

ssdse_b_2026_prefecture = Dataset(
    name="ssdse_b_2026_prefecture",
    description="SSDSE-B 2026: 109 items by prefecture and year 2012-2023 (long form).",
    fields=("year", "pref_code", "prefecture", "item_code", "item_name_ja", "value"),
    key=("year", "pref_code", "item_code"),
    steps=(prefectures(),),
    checks=(
        _ssdse_ranges(),
        *(_sexes(c, within=_population_rounding,
                 doc=f"{c} = {c}01 (男) + {c}02 (女): exactly in the census years 2015 and "
                 "2020, within 1,000 in the other years (estimates in thousands)")
          for c in SEX_PAIRS_B_POPULATION),
        *(_sexes(c, doc=f"{c} = {c}01 (男) + {c}02 (女) exactly (births, deaths and "
                 "migrants are counts in every year)") for c in SEX_PAIRS_B_EXACT),
        items_add_up("E3701", ("E3702",), relation=">=",
                     doc="E3701 中学校卒業者数 >= E3702 of whom advancing"),
        items_add_up("E4601", ("E4602",), relation=">=",
                     doc="E4601 高等学校卒業者数 >= E4602 of whom advancing"),
        items_add_up("E6501", ("E650110",), relation=">=",
                     doc="E6501 短期大学卒業者数 >= E650110 of whom advancing"),
        items_add_up("E6502", ("E650210",), relation=">=",
                     doc="E6502 大学卒業者数 >= E650210 of whom advancing"),
        items_add_up("H1800", ("H1801", "H1802", "H1803"), relation=">=",
                     doc="H1800 着工新設住宅戸数 >= 持家 + 貸家 + 分譲 (給与住宅 is the rest)"),
        items_add_up("G7101", ("G7102",), relation=">=",
                     doc="G7101 延べ宿泊者数 >= G7102 of whom foreign"),
    ),
)

ssdse_e_2026_prefecture = Dataset(
    name="ssdse_e_2026_prefecture",
    description="SSDSE-E 2026: 93 items for 全国 and the 47 prefectures, one reference year "
    "per item (long form).",
    fields=("reference_year", "pref_code", "prefecture", "item_code", "item_name_ja", "value"),
    key=("pref_code", "item_code"),
    steps=(prefectures(),),
    totals={"pref_code": ("00",)},
    checks=(
        _ssdse_ranges(),
        items_add_up("A1101", ("A1102",), relation=">=",
                     doc="A1101 総人口 >= A1102 日本人人口"),
        items_add_up("B1101", ("B1103",), relation=">=",
                     doc="B1101 総面積 >= B1103 可住地面積"),
        items_add_up("H1100", ("H110202",), relation=">=",
                     doc="H1100 総住宅数 >= H110202 空き家数"),
    ),
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
    checks=(
        _ssdse_ranges(),
        *(_sexes(c, doc=f"{c} = {c}01 (男) + {c}02 (女) exactly (2020 census counts)")
          for c in SEX_PAIRS_A),
        items_add_up("A1101", ("A1301", "A1302", "A1303"), relation=">=",
                     doc="A1101 総人口 >= 15歳未満 + 15～64歳 + 65歳以上 (age not stated is the "
                     "rest)"),
        items_add_up("A1101", ("A1102", "A1700"), relation=">=",
                     doc="A1101 総人口 >= 日本人 + 外国人 (nationality not stated is the rest)"),
        items_add_up("A1303", ("A1419",), relation=">=", doc="A1303 65歳以上 >= A1419 75歳以上"),
        items_add_up("A7101", ("A710101",), relation=">=",
                     doc="A7101 世帯数 >= A710101 一般世帯数"),
        items_add_up("B1101", ("B1103",), relation=">=",
                     doc="B1101 総面積 >= B1103 可住地面積"),
        items_add_up("F1102", ("F2201", "F2211", "F2221"), relation=">=",
                     doc="F1102 就業者数 >= 第1次 + 第2次 + 第3次産業 (not classifiable is the "
                     "rest)"),
    ),
)
