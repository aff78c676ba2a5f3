import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dxlab.clean import kanji_to_int, parse_number, parse_numbers
from dxlab.errors import DxlabError, ParseError


@pytest.mark.parametrize(
    ("text", "value", "unit", "approx", "bound", "per"),
    [
        # labels from the Osaka KPI sheet and MIC case studies
        ("約1,100件", 1100, "件", True, None, None),
        ("70%以上", 70, "%", False, ">=", None),
        ("3名程度", 3, "名", True, None, None),
        ("60名/年", 60, "名", False, None, "year"),
        ("134.2万人", 1_342_000, "人", False, None, None),
        ("約3.0千万円", 30_000_000, "円", True, None, None),
        ("一万二千三百", 12_300, None, False, None, None),
        ("△1,234", -1234, None, False, None, None),
        ("1,000件", 1000, "件", False, None, None),
        ("５億円", 500_000_000, "円", False, None, None),
        ("20%未満", 20, "%", False, "<", None),
        ("およそ50人", 50, "人", True, None, None),
    ],
)
def test_parse_number(text, value, unit, approx, bound, per):
    n = parse_number(text)
    assert (n.value, n.unit, n.approx, n.bound, n.per) == (value, unit, approx, bound, per)


def test_scale_words_are_exact_not_float_rounded():
    # in binary floats 134.2 * 10000 is 1342000.0000000002
    assert parse_number("134.2万人").value == 1342000


def test_unit_name_maps_japanese_units():
    assert parse_number("134.2万人").unit_name == "persons"
    assert parse_number("3名程度").unit_name == "persons"
    assert parse_number("約3.0千万円").unit_name == "yen"


@pytest.mark.parametrize(
    ("text", "value"),
    [("二〇二三", 2023), ("十", 10), ("百二十", 120), ("三千五百万", 35_000_000),
     ("一億二千万", 120_000_000)],
)
def test_kanji_numerals(text, value):
    assert kanji_to_int(text) == value


@pytest.mark.parametrize("text", ["", "件", "abc", "約", "1件と2件"])
def test_not_a_number_raises(text):
    with pytest.raises(ParseError):
        parse_number(text)


def test_parse_numbers_names_the_row():
    s = pd.Series(["約1,100件", "未定"], name="value_raw", index=[5, 6])
    with pytest.raises(ParseError, match=r"row 6, column 'value_raw'"):
        parse_numbers(s)


def test_parse_numbers_vectorised():
    out = parse_numbers(pd.Series(["約1,100件", "70%以上", None]))
    assert out["value"].tolist()[:2] == [1100.0, 70.0]
    assert out["bound"].tolist()[1] == ">="
    assert pd.isna(out["value"].iloc[2])


@given(st.text(max_size=20))
def test_any_text_parses_or_raises_dxlab_error(text):
    try:
        n = parse_number(text)
    except DxlabError:
        return
    assert isinstance(n.value, int | float)


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_formatted_integers_round_trip(n):
    assert parse_number(f"{n:,}件").value == n


def test_parse_number_accepts_a_series():
    out = parse_number(pd.Series(["134.2万人", "3名程度"]))
    assert out["value"].tolist() == [1_342_000, 3] and out["approx"].tolist() == [False, True]
