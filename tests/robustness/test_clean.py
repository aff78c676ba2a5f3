"""Robustness of the cleaning helpers (issue 8: items 8, 9, 10, 12 and 'valid input that is
rejected').

Three parts:

1. Probe cases for each defect: bad input must be a clear dxlab error, valid input must give
   the value worked out by hand in the comment beside it.
2. Hostile text (1 MB strings, NUL, control characters, lone surrogates, U+2028 ...) through
   every helper that reads text: it parses or raises dxlab's own error, never a bare
   ValueError / TypeError / OverflowError / RecursionError.
3. Hypothesis properties for every public helper of ``dxlab.clean.__all__`` (checked by
   ``test_every_public_helper_has_a_property``): any text parses or raises dxlab's own error,
   and round trips hold where they exist. Each property is run through :func:`fuzz`, so it is
   one row of the summary table too.

Expected values are written by hand (era first years as published; arithmetic in comments),
never taken from dxlab.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dxlab.clean
from dxlab.clean import (
    age_label,
    band_labels,
    bands_label,
    check_digit,
    collapse_top_band,
    decimal_year,
    estat_area_code,
    fiscal_year_bounds,
    fiscal_year_of,
    is_total_age,
    is_unknown_age,
    kanji_to_int,
    map_unique,
    normalize_text,
    overlap_fraction,
    parse_age_band,
    parse_age_bands,
    parse_bands,
    parse_estat_area_code,
    parse_estat_time_code,
    parse_number,
    parse_numbers,
    parse_time,
    parse_time_label,
    pref_code,
    pref_name,
    prefecture,
    reband,
    strip_check_digit,
    to_fiscal_year,
    to_gregorian_year,
    with_check_digit,
)
from dxlab.clean import numbers as clean_numbers
from dxlab.errors import DxlabError, ParseError
from dxlab.sources.tabular import to_float, to_int
from robustness.harness import Probe

# parse_integers / parse_decimals are looked up when called, so that this file can also be
# run against code that predates them (each defect test must fail there, not at import).


def parse_integers(series, **kw):
    return clean_numbers.parse_integers(series, **kw)


def parse_decimals(series, **kw):
    return clean_numbers.parse_decimals(series, **kw)


FILE = "population_census_japan_1920_2020.csv"


def _cells(value: object, *, column: str = "population") -> pd.Series:
    """A column as read_csv_text gives it: object cells indexed by file line (header = 1).
    (pandas' own 'str' dtype cannot even hold a lone surrogate, so object it must be.)"""
    return pd.Series(["3467156", value], index=[2, 3], name=column, dtype="object")


# ---------------------------------------------------------------------------------------
# 1. Defects of issue 8, one Probe each
# ---------------------------------------------------------------------------------------

# Item 8: well-formed thousands separators only; no inf / nan / overflow; no exponent in counts.
BAD_INTEGERS = [
    ("commas in wrong places '1,2,3'", "1,2,3"),
    ("comma after two digits '12,34'", "12,34"),
    ("first group of four '1234,567'", "1234,567"),
    ("trailing comma '1,234,'", "1,234,"),
    ("exponent in a count '1e3'", "1e3"),
    ("decimal fraction in a count '1.5'", "1.5"),
    ("'inf' as a count", "inf"),
    ("'nan' as a count", "nan"),
    ("integer 2^63 (one above Int64)", "9223372036854775808"),
    ("integer -2^63 - 1", "-9223372036854775809"),
    ("integer of 5000 digits", "9" * 5000),
    ("superscript digit '10²'", "10²"),
]


@pytest.mark.parametrize(("kind", "cell"), BAD_INTEGERS, ids=[k for k, _ in BAD_INTEGERS])
def test_to_int_rejects(kind, cell):
    Probe("sources.tabular to_int", kind).rejects(
        lambda: to_int(_cells(cell), file=FILE, column="population"),
        names=[FILE, "row 3", "column 'population'", "expected"])


BAD_DECIMALS = [
    ("'inf'", "inf"), ("'-Infinity'", "-Infinity"), ("'nan'", "nan"), ("'NaN'", "NaN"),
    ("'1e400' (overflows to inf)", "1e400"), ("'-1e400'", "-1e400"),
    ("'1e-400' (underflows to 0)", "1e-400"),
    ("commas in wrong places '1,2,3.5'", "1,2,3.5"), ("comma after two digits '12,34.5'",
                                                      "12,34.5"),
    ("trailing dot '5.'", "5."), ("two dots '1.2.3'", "1.2.3"),
]


@pytest.mark.parametrize(("kind", "cell"), BAD_DECIMALS, ids=[k for k, _ in BAD_DECIMALS])
def test_to_float_rejects(kind, cell):
    Probe("sources.tabular to_float", kind).rejects(
        lambda: to_float(_cells(cell, column="value"), file=FILE, column="value"),
        names=[FILE, "row 3", "column 'value'", "expected"])


GOOD_NUMBERS = [
    # (kind, function, cell, expected)
    ("to_int '1,234,567'", to_int, "1,234,567", 1_234_567),
    ("to_int full-width '１，２３４'", to_int, "１，２３４", 1234),
    ("to_int 2^63 - 1", to_int, "9223372036854775807", 9_223_372_036_854_775_807),
    ("to_float '1,234.5'", to_float, "1,234.5", 1234.5),
    ("to_float '△1.5' (minus as printed in accounts)", to_float, "△1.5", -1.5),
    ("to_float '6.02e23'", to_float, "6.02e23", 6.02e23),
]


@pytest.mark.parametrize(("kind", "func", "cell", "want"), GOOD_NUMBERS,
                         ids=[g[0] for g in GOOD_NUMBERS])
def test_tabular_accepts(kind, func, cell, want):
    Probe("sources.tabular", kind).accepts(
        lambda: func(_cells(cell), file=FILE).tolist(), lambda got: got[1] == want)


def test_to_float_markers_become_missing():
    Probe("sources.tabular to_float", "declared marker '-' and '－'").accepts(
        lambda: to_float(pd.Series(["1.5", "-", "－"], name="v"), file=FILE, markers=["-"]),
        lambda got: got.iloc[0] == 1.5 and got.iloc[1:].isna().all())


@pytest.mark.parametrize(("kind", "func", "cell"), [
    ("parse_integers '1,2,3'", parse_integers, "1,2,3"),
    ("parse_integers '1e3'", parse_integers, "1e3"),
    ("parse_integers 2^63", parse_integers, "9223372036854775808"),
    ("parse_decimals 'inf'", parse_decimals, "inf"),
    ("parse_decimals '1e400'", parse_decimals, "1e400"),
])
def test_strict_parsers_locate_the_bad_cell(kind, func, cell):
    Probe("clean.numbers", kind).rejects(
        lambda: func(pd.Series(["1", cell], index=[10, 11], name="cards")),
        names=["row 11", "column 'cards'", "expected"])


# Item 9: a year label is read whole.
BAD_YEARS = [
    ("'20231' (five digits, was 2023)", "20231"),
    ("'H1234年' (was 2111)", "H1234年"),
    ("'R2023' (was 2220)", "R2023"),
    ("'2023年の1,503万人' (quotation, not a label)", "2023年の1,503万人"),
    ("'0000年'", "0000年"),
    ("'R183' = 2201, past the plausible range", "R183"),
    ("'1799年' before the plausible range", "1799年"),
    ("'令和²年' (superscript two)", "令和²年"),
    ("'令和十十年' (malformed kanji)", "令和十十年"),
]


@pytest.mark.parametrize(("kind", "label"), BAD_YEARS, ids=[k for k, _ in BAD_YEARS])
def test_year_labels_are_read_whole(kind, label):
    Probe("clean.dates", kind).rejects(lambda: to_gregorian_year(label),
                                       names=[repr(label), "expected"])


GOOD_YEARS = [
    # published anchors: 平成元年 = 1989, 令和元年 = 2019, 昭和元年 = 1926
    ("'平成32年' = 1989 + 31 = 2020 (IPSS projections)", "平成32年", 2020),
    ("'平成107年' = 1989 + 106 = 2095 (IPSS projections)", "平成107年", 2095),
    ("'令和五年' = 2019 + 4 = 2023", "令和五年", 2023),
    ("'平成三十一年' = 1989 + 30 = 2019", "平成三十一年", 2019),
    ("'令和元年' = 2019", "令和元年", 2019),
    ("'西暦2023年'", "西暦2023年", 2023),
    ("'二〇二三年'", "二〇二三年", 2023),
    ("'昭和100年' = 1926 + 99 = 2025", "昭和100年", 2025),
]


@pytest.mark.parametrize(("kind", "label", "year"), GOOD_YEARS, ids=[g[0] for g in GOOD_YEARS])
def test_year_labels_accepted(kind, label, year):
    Probe("clean.dates", kind).accepts(lambda: to_gregorian_year(label), lambda y: y == year)


def test_kanji_fiscal_year_accepted():
    Probe("clean.dates", "'令和元年度' = fiscal 2019").accepts(
        lambda: to_fiscal_year("令和元年度"), lambda y: y == 2019)


TIME_LABELS = [
    # (kind, label, period, first day, last day)
    ("'2023年12~1月期' spans the year boundary", "2023年12~1月期", "months",
     dt.date(2023, 12, 1), dt.date(2024, 1, 31)),
    ("'2023年度4~6月期' is a fiscal quarter", "2023年度4~6月期", "fiscal_quarter",
     dt.date(2023, 4, 1), dt.date(2023, 6, 30)),
    # fiscal 2023 = April 2023 … March 2024, so its January-March quarter is in 2024
    ("'2023年度1~3月期' is in calendar 2024", "2023年度1~3月期", "fiscal_quarter",
     dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
]


@pytest.mark.parametrize(("kind", "label", "period", "start", "end"), TIME_LABELS,
                         ids=[t[0] for t in TIME_LABELS])
def test_time_labels_accepted(kind, label, period, start, end):
    Probe("clean.dates", kind).accepts(
        lambda: parse_time_label(label),
        lambda tp: (tp.period, tp.start, tp.end) == (period, start, end))


@pytest.mark.parametrize(("kind", "label"), [
    ("time label '20231年'", "20231年"),
    ("fiscal months out of order '2023年度3~4月期'", "2023年度3~4月期"),
    ("month 13 '2023年13~1月期'", "2023年13~1月期"),
    ("trailing text '2020年(速報)'", "2020年(速報)"),
])
def test_time_labels_rejected(kind, label):
    Probe("clean.dates", kind).rejects(lambda: parse_time_label(label), names=[repr(label)])


# Item 10: garbage numbers.
GARBAGE_NUMBERS = [
    ("'百百' (was 200)", "百百"),
    ("'3万千' (was 3e7)", "3万千"),
    ("'10²人' (was 102)", "10²人"),
    ("'十十'", "十十"), ("'二三百'", "二三百"), ("'一万万'", "一万万"),
    ("'1万2万'", "1万2万"), ("'12万13千'", "12万13千"), ("'1,2,3件'", "1,2,3件"),
    ("'①件' (circled one)", "①件"), ("'½' (vulgar fraction)", "½"),
]


@pytest.mark.parametrize(("kind", "text"), GARBAGE_NUMBERS, ids=[k for k, _ in GARBAGE_NUMBERS])
def test_garbage_numbers_rejected(kind, text):
    Probe("clean.numbers", kind).rejects(lambda: parse_number(text),
                                         names=[repr(text), "expected"])


def test_garbage_kanji_rejected():
    Probe("clean.numbers", "kanji_to_int('百百')").rejects(lambda: kanji_to_int("百百"),
                                                          names=["'百百'"])


GOOD_MIXED = [
    ("'12万3千人' = 12×10^4 + 3×10^3 = 123,000", "12万3千人", 123_000, "人"),
    ("'1億2,345万円' = 10^8 + 2,345×10^4 = 123,450,000", "1億2,345万円", 123_450_000, "円"),
    ("'3千5百万' = (3,000 + 500)×10^4 = 35,000,000", "3千5百万", 35_000_000, None),
    ("'1億3千万人' = 10^8 + 3×10^7 = 130,000,000", "1億3千万人", 130_000_000, "人"),
    ("'1 億 880 万人' = 10^8 + 880×10^4 = 108,800,000", "1 億 880 万人", 108_800_000, "人"),
    ("'約3.0千万円' = 3.0×10^3×10^4 = 30,000,000", "約3.0千万円", 30_000_000, "円"),
]


@pytest.mark.parametrize(("kind", "text", "value", "unit"), GOOD_MIXED,
                         ids=[g[0] for g in GOOD_MIXED])
def test_mixed_numerals_accepted(kind, text, value, unit):
    Probe("clean.numbers", kind).accepts(lambda: parse_number(text),
                                         lambda n: (n.value, n.unit) == (value, unit))


AGE_PHRASES = [
    ("'14歳以下' = 0-14", "14歳以下", (0, 14)),
    ("'65歳以上75歳未満' = 65-74 (75 - 1)", "65歳以上75歳未満", (65, 74)),
    ("'65歳以上74歳以下' = 65-74", "65歳以上74歳以下", (65, 74)),
    ("'75歳以上' = 75+", "75歳以上", (75, None)),
]


@pytest.mark.parametrize(("kind", "label", "band"), AGE_PHRASES, ids=[a[0] for a in AGE_PHRASES])
def test_age_phrases_accepted(kind, label, band):
    Probe("clean.ages", kind).accepts(lambda: parse_age_band(label), lambda b: b == band)


@pytest.mark.parametrize(("kind", "label"), [
    ("empty band '75歳以上65歳未満'", "75歳以上65歳未満"),
    ("superscript '8²歳以上'", "8²歳以上"),
    ("Arabic-Indic digits '٨٥歳'", "٨٥歳"),
])
def test_bad_age_phrases_rejected(kind, label):
    Probe("clean.ages", kind).rejects(lambda: parse_age_band(label), names=[repr(label)])


# Item 12 (cleaning part): non-text or out-of-range arguments give dxlab errors too.
@pytest.mark.parametrize(("kind", "call"), [
    ("fiscal_year_of('2024-13-01')", lambda: fiscal_year_of("2024-13-01")),
    ("fiscal_year_of(12)", lambda: fiscal_year_of(12)),
    ("fiscal_year_bounds(9999)", lambda: fiscal_year_bounds(9999)),
    ("fiscal_year_bounds('2023')", lambda: fiscal_year_bounds("2023")),
    ("age_label(5, 4)", lambda: age_label(5, 4)),
    ("overlap_fraction((5, 3), (0, 9))", lambda: overlap_fraction((5, 3), (0, 9))),
    ("parse_bands([('a', 3)])", lambda: parse_bands([("a", 3)])),
    ("check_digit(13101)", lambda: check_digit(13101)),
    ("with_check_digit(10**5000)", lambda: with_check_digit(10**5000)),
    ("prefecture(10**5000)", lambda: prefecture(10**5000)),
    ("kanji_to_int(None)", lambda: kanji_to_int(None)),
    ("parse_decimals(10**400)", lambda: parse_decimals(pd.Series([10**400], dtype=object))),
])
def test_non_text_arguments_give_dxlab_errors(kind, call):
    Probe("clean.arguments", kind).rejects(call)


# ---------------------------------------------------------------------------------------
# 2. Hostile text through every helper that reads text
# ---------------------------------------------------------------------------------------

HOSTILE = {
    "1 MB of digits": "1" * 1_000_000,
    "1 MB of kanji digits": "一" * 1_000_000,
    "100k characters of era labels": "令和5年" * 25_000,
    "300k commas and digits": "1," * 150_000,
    "NUL inside": "12\x00",
    "ANSI escape": "\x1b[31m12",
    "lone surrogate": "12\ud800",
    "U+2028 inside": "1\u20282",
    "only white space": "\u3000 \t",
    "empty": "",
}

# name → (callable on one text, True when the helper accepts any text)
TEXT_HELPERS = {
    "normalize_text": (normalize_text, True),
    "is_total_age": (is_total_age, True),
    "is_unknown_age": (is_unknown_age, True),
    "parse_number": (parse_number, False),
    "kanji_to_int": (kanji_to_int, False),
    "parse_integers": (lambda t: parse_integers(_cells(t)), False),
    "parse_decimals": (lambda t: parse_decimals(_cells(t)), False),
    "to_int": (lambda t: to_int(_cells(t), file=FILE), False),
    "to_float": (lambda t: to_float(_cells(t), file=FILE), False),
    "to_gregorian_year": (to_gregorian_year, False),
    "to_fiscal_year": (to_fiscal_year, False),
    "parse_time_label": (parse_time_label, False),
    "parse_estat_time_code": (parse_estat_time_code, False),
    "parse_time": (lambda t: parse_time(t, t), False),
    "fiscal_year_of": (fiscal_year_of, False),
    "parse_age_band": (parse_age_band, False),
    "parse_bands": (parse_bands, False),
    "prefecture": (prefecture, False),
    "pref_code": (pref_code, False),
    "pref_name": (pref_name, False),
    "estat_area_code": (estat_area_code, False),
    "parse_estat_area_code": (parse_estat_area_code, False),
    "check_digit": (check_digit, False),
    "with_check_digit": (with_check_digit, False),
    "strip_check_digit": (strip_check_digit, False),
}


@pytest.mark.parametrize("text_kind", list(HOSTILE))
@pytest.mark.parametrize("helper", list(TEXT_HELPERS))
def test_hostile_text(helper, text_kind):
    func, accepts_any = TEXT_HELPERS[helper]
    probe = Probe(f"clean hostile text: {helper}", text_kind)
    if accepts_any:
        probe.accepts(lambda: func(HOSTILE[text_kind]), lambda got: isinstance(got, str | bool))
    else:
        probe.rejects(lambda: func(HOSTILE[text_kind]))


# ---------------------------------------------------------------------------------------
# 3. Hypothesis properties for every public helper
# ---------------------------------------------------------------------------------------

# Pieces of real labels, glued in any order, find far more edge cases than random text.
TOKENS = [
    "0", "1", "4", "9", "12", "31", "64", "2023", "1,234", "12,34", ",", ".", "-", "+", "~",
    "〜", "～", "△", "e", "E5", "十", "百", "千", "万", "億", "兆", "一", "二", "三", "〇",
    "元", "年", "年度", "月", "日", "期", "現在", "末", "歳", "以上", "以下", "未満", "超", "代",
    "前半", "令和", "平成", "昭和", "明治", "H", "R", "西暦", "FY", "約", "程度", "件", "人",
    "%", "/年", " ", "\u3000", "²", "①", "½", "٣", "𝟐", "\x00", "\u2028", "\ud800", "inf",
    "nan", "東京", "都", "県", "13", "13101", "131016", "総数", "不詳",
]
ANY_TEXT = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=()), max_size=24),  # incl. surrogates
    st.lists(st.sampled_from(TOKENS), max_size=8).map("".join),
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SERIES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fuzz(area: str, kind: str, prop) -> None:
    """Run the hypothesis property ``prop`` and record it as one Probe: 'clear error' when
    it held for every example, 'silent wrong' for a failed assertion, 'crash' otherwise."""
    probe = Probe(area, f"property: {kind}")
    try:
        prop()
    except AssertionError as exc:
        probe.outcome("silent wrong", f"{type(exc).__name__}: {exc}"[:300])
    except Exception as exc:
        probe.outcome("crash", f"{type(exc).__name__}: {exc}"[:300])
    else:
        probe.outcome("clear error", "held for every generated example")


def _try(func, *args):
    """(True, result) or (False, None) when ``func`` raised dxlab's own error; anything
    else propagates and fails the property."""
    try:
        return True, func(*args)
    except DxlabError:
        return False, None


# Era first years as published (内閣府): each era's 元年. Written by hand, not ERA_OFFSETS.
ERA_FIRST_YEARS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
ERA_INITIAL = {"明治": "M", "大正": "T", "昭和": "S", "平成": "H", "令和": "R"}
KANJI_DIGITS = "〇一二三四五六七八九"


def kanji(n: int) -> str:
    """A kanji numeral written the usual way, for 1 <= n < 10^16 (十, 二十一, 千二百, 一万...)."""
    def section(k: int) -> str:  # 1 … 9999
        out = ""
        for unit, size in (("千", 1000), ("百", 100), ("十", 10)):
            d, k = divmod(k, size)
            if d:
                out += ("" if d == 1 else KANJI_DIGITS[d]) + unit
        return out + (KANJI_DIGITS[k] if k else "")

    parts = []
    for big, size in (("兆", 10**12), ("億", 10**8), ("万", 10**4)):
        d, n = divmod(n, size)
        if d:
            parts.append(section(d) + big)
    if n:
        parts.append(section(n))
    return "".join(parts)


# --- text ---------------------------------------------------------------------------------

@FAST
@given(ANY_TEXT)
def _normalize_text(text):
    once = normalize_text(text)
    assert isinstance(once, str) and normalize_text(once) == once  # idempotent


@SERIES
@given(st.lists(ANY_TEXT, max_size=6), st.sampled_from(["", "①", "年"]))
def _map_unique(texts, poison):
    s = pd.Series(texts, index=[f"r{i}" for i in range(len(texts))], name="label",
                  dtype="object")
    assert map_unique(s, len).tolist() == [len(t) for t in texts]

    def picky(t):
        if poison and poison in t:
            raise ParseError("poisoned", value=t)
        return t

    bad = [i for i, t in enumerate(texts) if poison and poison in t]
    ok, _ = _try(map_unique, s, picky)
    assert ok == (not bad)
    if bad:
        with pytest.raises(ParseError, match=f"row r{bad[0]}, column 'label'"):
            map_unique(s, picky)


# --- numbers ------------------------------------------------------------------------------

@FAST
@given(ANY_TEXT)
def _parse_number(text):
    ok, n = _try(parse_number, text)
    if ok:
        assert math.isfinite(n.value)
        assert n.unit is None or not any(c in "0123456789" for c in n.unit)


@FAST
@given(st.integers(1, 99_999), st.integers(1, 9_999), st.integers(0, 9_999),
       st.sampled_from(["", "人", "円"]))
def _mixed_numerals(oku, man, ones, unit):
    text = f"{oku:,}億{man:,}万{ones or ''}{unit}"
    assert parse_number(text).value == oku * 10**8 + man * 10**4 + ones


@SERIES
@given(st.lists(ANY_TEXT, max_size=5))
def _parse_numbers(texts):
    s = pd.Series(texts, name="v", dtype="object")
    ok, out = _try(parse_numbers, s)
    scalars = [_try(parse_number, t) for t in texts]
    assert ok == all(good for good, _ in scalars)
    if ok:
        assert out["value"].tolist() == [float(n.value) for _, n in scalars]


@FAST
@given(ANY_TEXT)
def _kanji_to_int_any(text):
    ok, n = _try(kanji_to_int, text)
    assert not ok or (isinstance(n, int) and n >= 0)


@FAST
@given(st.integers(1, 10**16 - 1))
def _kanji_round_trip(n):
    assert kanji_to_int(kanji(n)) == n


@FAST
@given(ANY_TEXT)
def _parse_integers_any(text):
    ok, out = _try(parse_integers, _cells(text))
    assert not ok or -(2**63) <= out.iloc[1] < 2**63


@FAST
@given(st.integers(-(2**63), 2**63 - 1))
def _parse_integers_round_trip(n):
    out = parse_integers(pd.Series([f"{n}", f"{n:,}"], name="c"))
    assert out.tolist() == [n, n]


@FAST
@given(ANY_TEXT)
def _parse_decimals_any(text):
    ok, out = _try(parse_decimals, _cells(text))
    assert not ok or math.isfinite(out.iloc[1])


@FAST
@given(st.floats(allow_nan=False, allow_infinity=False))
def _parse_decimals_round_trip(x):
    out = parse_decimals(pd.Series([repr(x), f"{x:,}"], name="c"))
    assert out.tolist() == [x, x]


# --- dates --------------------------------------------------------------------------------

@FAST
@given(ANY_TEXT)
def _to_gregorian_year_any(text):
    ok, year = _try(to_gregorian_year, text)
    assert not ok or 1800 <= year <= 2200


@FAST
@given(st.sampled_from(sorted(ERA_FIRST_YEARS)), st.integers(1, 300),
       st.sampled_from(["arabic", "kanji", "initial", "full-width"]), st.sampled_from(["年", ""]))
def _era_label_round_trip(era, n, form, suffix):
    year = ERA_FIRST_YEARS[era] + n - 1  # 元年 is year 1
    number = {"arabic": str(n), "kanji": kanji(n), "initial": str(n),
              "full-width": str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))}
    label = (ERA_INITIAL[era] if form == "initial" else era) + number[form] + suffix
    ok, got = _try(to_gregorian_year, label)
    assert ok == (year <= 2200) and (not ok or got == year), (label, got)
    if n == 1 and form == "kanji":
        assert to_gregorian_year(f"{era}元{suffix}") == year


@FAST
@given(st.integers(1800, 2200), st.sampled_from(["", "年", "西暦+年"]))
def _western_year_round_trip(year, form):
    label = f"西暦{year}年" if form == "西暦+年" else f"{year}{form}"
    assert to_gregorian_year(label) == year


@FAST
@given(ANY_TEXT)
def _to_fiscal_year_any(text):
    ok, fy = _try(to_fiscal_year, text)
    assert not ok or 1800 <= fy <= 2200


@FAST
@given(st.sampled_from(sorted(ERA_FIRST_YEARS)), st.integers(1, 99))
def _fiscal_year_round_trip(era, n):
    assert to_fiscal_year(f"{era}{n}年度") == ERA_FIRST_YEARS[era] + n - 1
    assert to_fiscal_year(f"FY{ERA_FIRST_YEARS[era] + n - 1}") == ERA_FIRST_YEARS[era] + n - 1


@FAST
@given(st.one_of(ANY_TEXT, st.dates().map(dt.date.isoformat)))
def _fiscal_year_of_any(text):
    ok, fy = _try(fiscal_year_of, text)
    if ok:
        start, end = fiscal_year_bounds(fy) if 1 <= fy <= 9998 else (None, None)
        assert start is None or start <= dt.date.fromisoformat(text) <= end


@FAST
@given(st.integers(-(10**6), 10**6))
def _fiscal_year_bounds_any(fy):
    ok, bounds = _try(fiscal_year_bounds, fy)
    assert ok == (1 <= fy <= 9998)
    if ok:  # 1 April to 31 March: 365 days, 366 when February 29 falls inside
        start, end = bounds
        assert (start.month, start.day, end.month, end.day) == (4, 1, 3, 31)
        assert (end - start).days + 1 == (366 if calendar.isleap(fy + 1) else 365)


@FAST
@given(st.one_of(ANY_TEXT, st.from_regex(r"\A[0-9]{10}\Z")))
def _parse_estat_time_code_any(code):
    ok, tp = _try(parse_estat_time_code, code)
    assert not ok or tp.start <= tp.end


@FAST
@given(st.integers(1800, 2200), st.integers(1, 12), st.integers(1, 12), st.booleans())
def _estat_time_code_round_trip(year, m1, m2, fiscal):
    if (m1 - 4) % 12 > (m2 - 4) % 12 if fiscal else m1 > m2:
        return  # not a range of months
    tp = parse_estat_time_code(f"{year}{'10' if fiscal else '00'}{m1:02d}{m2:02d}")
    # in a fiscal code months 1-3 are in the next calendar year
    y1 = year + 1 if fiscal and m1 <= 3 else year
    y2 = year + 1 if fiscal and m2 <= 3 else year
    assert (tp.start, tp.end) == (dt.date(y1, m1, 1),
                                  dt.date(y2, m2, calendar.monthrange(y2, m2)[1]))


@FAST
@given(ANY_TEXT)
def _parse_time_label_any(text):
    ok, tp = _try(parse_time_label, text)
    assert not ok or tp.start <= tp.end


@FAST
@given(st.integers(1800, 2199), st.integers(1, 12), st.integers(1, 12), st.booleans())
def _time_label_round_trip(year, m1, m2, fiscal):
    label = f"{year}{'年度' if fiscal else '年'}{m1}~{m2}月期"
    if fiscal:  # April … March; months 1-3 are in the next calendar year
        y1, y2 = (year + (m1 <= 3), year + (m2 <= 3))
        valid = (m1 - 4) % 12 <= (m2 - 4) % 12
    else:  # a range that goes back in the calendar crosses into the next year
        y1, y2 = year, year + (m2 < m1)
        valid = True
    ok, tp = _try(parse_time_label, label)
    assert ok == valid, label
    if ok:
        assert (tp.start, tp.end) == (dt.date(y1, m1, 1),
                                      dt.date(y2, m2, calendar.monthrange(y2, m2)[1]))


@FAST
@given(st.one_of(st.none(), ANY_TEXT), st.one_of(st.none(), ANY_TEXT))
def _parse_time_any(code, label):
    ok, tp = _try(parse_time, code, label)
    assert not ok or tp.start <= tp.end


# --- ages ---------------------------------------------------------------------------------

@FAST
@given(ANY_TEXT)
def _parse_age_band_any(text):
    ok, band = _try(parse_age_band, text)
    if ok and band is not None:
        lo, hi = band
        assert 0 <= lo <= 125 and (hi is None or lo <= hi <= 125)


@FAST
@given(st.integers(0, 125), st.one_of(st.none(), st.integers(0, 125)))
def _age_label_round_trip(lo, hi):
    if hi is not None and hi < lo:
        assert not _try(age_label, lo, hi)[0]
        return
    assert parse_age_band(age_label(lo, hi)) == (lo, hi)


@FAST
@given(st.integers(0, 124), st.integers(1, 125))
def _age_phrase_round_trip(lo, top):
    # '{lo}歳以上{top}歳未満' is lo … top - 1; '{lo}歳以上{top}歳以下' is lo … top
    ok, band = _try(parse_age_band, f"{lo}歳以上{top}歳未満")
    assert ok == (top - 1 >= lo) and (not ok or band == (lo, top - 1))
    ok, band = _try(parse_age_band, f"{lo}歳以上{top}歳以下")
    assert ok == (top >= lo) and (not ok or band == (lo, top))
    assert parse_age_band(f"{top}歳以下") == (0, top)


@SERIES
@given(st.lists(ANY_TEXT, max_size=5))
def _parse_age_bands_any(texts):
    s = pd.Series(texts, name="age", dtype="object")
    ok, out = _try(parse_age_bands, s)
    scalars = [_try(parse_age_band, t) for t in texts]
    assert ok == all(good for good, _ in scalars)
    if ok:
        assert len(out) == len(texts)


@FAST
@given(st.one_of(ANY_TEXT, st.lists(ANY_TEXT, max_size=4).map(",".join)))
def _parse_bands_any(spec):
    ok, bands = _try(parse_bands, spec)
    if ok:
        for (_, hi1), (lo2, _) in itertools.pairwise(bands):
            assert hi1 is not None and hi1 < lo2


@FAST
@given(ANY_TEXT)
def _is_total_or_unknown_any(text):
    assert isinstance(is_total_age(text), bool) and isinstance(is_unknown_age(text), bool)


@FAST
@given(st.integers(0, 120), st.integers(0, 20),
       st.lists(st.integers(1, 30), min_size=1, max_size=6))
def _overlap_fractions_sum_to_one(lo, width, cuts):
    # target bands that partition 0 … ∞: [0, c1-1], [c1, c2-1], …, [ck, ∞)
    edges = sorted(set(cuts))
    starts = [0, *[sum(edges[: i + 1]) for i in range(len(edges))]]
    targets = [(a, b - 1) for a, b in itertools.pairwise(starts)]
    targets.append((starts[-1], None))
    total = sum(overlap_fraction((lo, lo + width), t) for t in targets)
    assert total == pytest.approx(1.0)
    assert not _try(overlap_fraction, (lo + 1, lo), targets[0])[0]  # not a band


@SERIES
@given(st.lists(st.integers(0, 10_000), min_size=18, max_size=18), ANY_TEXT)
def _reband_any(counts, spec):
    rows = [(5 * i, 5 * i + 4, c) for i, c in enumerate(counts[:-1])] + [(85, None, counts[-1])]
    frame = pd.DataFrame({"age_lo": pd.array([r[0] for r in rows], dtype="Int64"),
                          "age_hi": pd.array([r[1] for r in rows], dtype="Int64"),
                          "population": [r[2] for r in rows]})
    out = reband(frame, "0-14,15-59,60+")
    assert out["population"].sum() == pytest.approx(sum(counts))
    _try(reband, frame, spec)  # any band text: a frame or dxlab's error


# --- areas --------------------------------------------------------------------------------

@FAST
@given(ANY_TEXT)
def _prefecture_any(text):
    for func in (prefecture, pref_code, pref_name, estat_area_code):
        _try(func, text)
    ok, code = _try(pref_code, text)
    assert not ok or code in {f"{i:02d}" for i in range(1, 48)}


@FAST
@given(st.integers(1, 47))
def _prefecture_round_trip(i):
    code = f"{i:02d}"
    assert pref_code(pref_name(code)) == code
    assert pref_code(prefecture(i).name_en) == code
    assert parse_estat_area_code(estat_area_code(code)) == {
        "level": "prefecture", "pref_code": code, "muni_code5": None}


@FAST
@given(st.one_of(ANY_TEXT, st.from_regex(r"\A[0-9]{5,6}\Z")))
def _area_codes_any(text):
    ok, parsed = _try(parse_estat_area_code, text)
    assert not ok or parsed["level"] in {"national", "prefecture", "municipality"}
    for func in (check_digit, with_check_digit, strip_check_digit):
        _try(func, text)


@FAST
@given(st.from_regex(r"\A[0-9]{5}\Z"))
def _check_digit_round_trip(code5):
    # exactly one of the ten possible sixth digits is accepted, and it is the one added
    accepted = [d for d in "0123456789" if _try(strip_check_digit, code5 + d)[0]]
    assert accepted == [check_digit(code5)]
    assert with_check_digit(code5) == code5 + accepted[0]
    assert strip_check_digit(with_check_digit(code5)) == code5


@SERIES
@given(st.lists(ANY_TEXT, max_size=5))
def _series_helpers_agree_with_scalars(texts):
    s = pd.Series(texts, index=[f"r{i}" for i in range(len(texts))], name="col",
                  dtype="object")
    for func in (to_gregorian_year, to_fiscal_year, pref_code, with_check_digit):
        scalars = [_try(func, t) for t in texts]
        ok, out = _try(func, s)
        assert ok == all(good for good, _ in scalars)
        if ok:
            assert out.tolist() == [v for _, v in scalars]
        else:
            first = next(i for i, (good, _) in enumerate(scalars) if not good)
            with pytest.raises(ParseError, match=f"row r{first}, column 'col'"):
                func(s)



@FAST
@given(ANY_TEXT)
def _band_labels_any(text):
    ok, labels = _try(band_labels, text)
    if ok:
        assert bands_label(text) == " / ".join(labels)


@FAST
@given(st.lists(st.integers(1, 30), min_size=1, max_size=4), st.booleans())  # ages ≤ 120
def _band_labels_round_trip(widths, open_top):
    """Consecutive bands from 0 with the generated widths, the last one open or closed, in
    reversed order: the canonical labels come back sorted."""
    edges = list(itertools.accumulate([0, *widths]))
    labels = [f"{lo}-{hi - 1}" if hi - 1 > lo else f"{lo}"
              for lo, hi in itertools.pairwise(edges)]
    if open_top:
        labels[-1] = f"{edges[-2]}+"
    assert band_labels(",".join(reversed(labels))) == labels


@FAST
@given(st.lists(st.integers(0, 10**6), min_size=3, max_size=20), st.integers(0, 19))
def _collapse_top_band_keeps_the_total(counts, k):
    """5-year bands 0-4, 5-9 … with an open last band; collapsing at a band boundary keeps
    the total and leaves exactly one open band."""
    n = len(counts)
    top = 5 * min(k, n - 1)
    frame = pd.DataFrame({
        "age_group": [f"{5 * i}-{5 * i + 4}" for i in range(n - 1)] + [f"{5 * (n - 1)}+"],
        "age_lo": pd.array([5 * i for i in range(n)], dtype="Int64"),
        "age_hi": pd.array([5 * i + 4 for i in range(n - 1)] + [None], dtype="Int64"),
        "population": counts})
    out = collapse_top_band(frame, top)
    assert out["population"].sum() == sum(counts)
    assert out["age_hi"].isna().sum() == 1 and out["age_lo"].max() == top


@FAST
@given(ANY_TEXT)
def _decimal_year_any(text):
    ok, value = _try(decimal_year, text)
    if ok:
        assert math.isfinite(value)


@FAST
@given(st.dates(dt.date(1800, 1, 1), dt.date(2200, 12, 31)))
def _decimal_year_stays_in_its_year(day):
    value = decimal_year(day.isoformat())
    assert int(value) == day.year and value < day.year + 1


# area, kind, property, public names it covers
PROPERTIES = [
    ("clean.ages", "any text → band_labels or ParseError", _band_labels_any,
     ["band_labels", "bands_label"]),
    ("clean.ages", "band list round trip", _band_labels_round_trip, ["band_labels"]),
    ("clean.ages", "collapse_top_band keeps the total", _collapse_top_band_keeps_the_total,
     ["collapse_top_band"]),
    ("clean.dates", "any text → decimal_year or ParseError", _decimal_year_any,
     ["decimal_year"]),
    ("clean.dates", "decimal_year stays in its year", _decimal_year_stays_in_its_year,
     ["decimal_year"]),
    ("clean.text", "normalize_text is total and idempotent", _normalize_text,
     ["normalize_text"]),
    ("clean.text", "map_unique maps like map and locates errors", _map_unique, ["map_unique"]),
    ("clean.numbers", "any text → parse_number or ParseError", _parse_number, ["parse_number"]),
    ("clean.numbers", "'{oku}億{man}万{ones}' round trip", _mixed_numerals, ["parse_number"]),
    ("clean.numbers", "parse_numbers agrees with parse_number", _parse_numbers,
     ["parse_numbers", "ParsedNumber"]),
    ("clean.numbers", "any text → kanji_to_int or ParseError", _kanji_to_int_any,
     ["kanji_to_int"]),
    ("clean.numbers", "kanji numeral round trip", _kanji_round_trip, ["kanji_to_int"]),
    ("clean.numbers", "any text → parse_integers or ParseError", _parse_integers_any,
     ["parse_integers"]),
    ("clean.numbers", "Int64 round trip with and without commas", _parse_integers_round_trip,
     ["parse_integers"]),
    ("clean.numbers", "any text → parse_decimals or ParseError", _parse_decimals_any,
     ["parse_decimals"]),
    ("clean.numbers", "float repr round trip", _parse_decimals_round_trip, ["parse_decimals"]),
    ("clean.dates", "any text → to_gregorian_year in 1800-2200 or ParseError",
     _to_gregorian_year_any, ["to_gregorian_year"]),
    ("clean.dates", "era label round trip (arabic, kanji, initial, full-width)",
     _era_label_round_trip, ["to_gregorian_year", "ERA_OFFSETS"]),
    ("clean.dates", "Western year round trip", _western_year_round_trip, ["to_gregorian_year"]),
    ("clean.dates", "any text → to_fiscal_year or ParseError", _to_fiscal_year_any,
     ["to_fiscal_year"]),
    ("clean.dates", "fiscal year label round trip", _fiscal_year_round_trip, ["to_fiscal_year"]),
    ("clean.dates", "fiscal_year_of lies within fiscal_year_bounds", _fiscal_year_of_any,
     ["fiscal_year_of"]),
    ("clean.dates", "fiscal_year_bounds is 1 April … 31 March", _fiscal_year_bounds_any,
     ["fiscal_year_bounds"]),
    ("clean.dates", "any text → parse_estat_time_code or ParseError",
     _parse_estat_time_code_any, ["parse_estat_time_code", "TimePeriod"]),
    ("clean.dates", "e-Stat time code round trip", _estat_time_code_round_trip,
     ["parse_estat_time_code"]),
    ("clean.dates", "any text → parse_time_label or ParseError", _parse_time_label_any,
     ["parse_time_label"]),
    ("clean.dates", "month-range label round trip (calendar and fiscal)",
     _time_label_round_trip, ["parse_time_label"]),
    ("clean.dates", "any code and label → parse_time or ParseError", _parse_time_any,
     ["parse_time"]),
    ("clean.ages", "any text → parse_age_band or ParseError", _parse_age_band_any,
     ["parse_age_band", "AgeBand"]),
    ("clean.ages", "age_label / parse_age_band round trip", _age_label_round_trip,
     ["age_label", "parse_age_band"]),
    ("clean.ages", "'N歳以上M歳未満/以下' round trip", _age_phrase_round_trip, ["parse_age_band"]),
    ("clean.ages", "parse_age_bands agrees with parse_age_band", _parse_age_bands_any,
     ["parse_age_bands"]),
    ("clean.ages", "any band spec → sorted disjoint bands or ParseError", _parse_bands_any,
     ["parse_bands"]),
    ("clean.ages", "is_total_age / is_unknown_age are total", _is_total_or_unknown_any,
     ["is_total_age", "is_unknown_age"]),
    ("clean.ages", "overlap fractions over a partition sum to 1",
     _overlap_fractions_sum_to_one, ["overlap_fraction"]),
    ("clean.ages", "reband conserves counts; any band text → frame or ParseError",
     _reband_any, ["reband"]),
    ("clean.areas", "any text → prefecture or ParseError", _prefecture_any,
     ["prefecture", "pref_code", "pref_name", "estat_area_code", "Prefecture"]),
    ("clean.areas", "prefecture code/name round trip", _prefecture_round_trip,
     ["pref_code", "pref_name", "prefecture", "estat_area_code", "parse_estat_area_code",
      "PREFECTURES"]),
    ("clean.areas", "any text → area code or ParseError", _area_codes_any,
     ["parse_estat_area_code", "check_digit", "with_check_digit", "strip_check_digit"]),
    ("clean.areas", "exactly one check digit is accepted", _check_digit_round_trip,
     ["check_digit", "with_check_digit", "strip_check_digit"]),
    ("clean.series", "Series versions agree with scalars and locate errors",
     _series_helpers_agree_with_scalars,
     ["to_gregorian_year", "to_fiscal_year", "pref_code", "with_check_digit"]),
]


@pytest.mark.parametrize(("area", "kind", "prop", "names"), PROPERTIES,
                         ids=[p[1] for p in PROPERTIES])
def test_property(area, kind, prop, names):
    fuzz(area, kind, prop)


def test_every_public_helper_has_a_property():
    covered = {name for *_, names in PROPERTIES for name in names}
    assert set(dxlab.clean.__all__) - covered == set()
